package supervisor

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// handedSweep bounds what the VFS remembers of the files it handed to the
// guest (vfs.FS.Forget). The VFS remembers each file's guest path by host
// identity, for the calls that take an fd later; a guest that opens ever
// new files (an O_TMPFILE loop makes a new inode each time) would make it
// grow for the whole run. Once that memory reaches minHanded bytes, and
// then whenever it has doubled since the last sweep, the supervisor lists
// the fds of every process of the guest's namespace and the VFS forgets
// each file handed before the previous sweep that no fd holds. What it
// remembers is thus at most about twice what the files the guest holds
// (open_files × processes) and those handed since the sweep before last
// cost, never an amount the guest's loop sets.
type handedSweep struct {
	next atomic.Int64 // sweep when the VFS holds this many bytes (0: minHanded)
	mu   sync.Mutex   // one sweep at a time; held for prev
	prev uint64       // the generation the last sweep started at
}

// minHanded is the memory, in bytes, below which no sweep runs.
const minHanded = 1 << 20

// maxHeldFDs bounds one listing of the guest's fds; RLIMIT_NOFILE and the
// tasks budget bound a guest far below it.
const maxHeldFDs = 1 << 20

// sweepHanded runs a sweep if one is due. Called after each file the VFS
// hands out; it costs a load and a compare when none is due.
func (s *session) sweepHanded() {
	w := &s.handed
	n, gen := s.fs.Handed()
	if n < max(int(w.next.Load()), minHanded) || !w.mu.TryLock() {
		return // none due, or another worker is sweeping
	}
	defer w.mu.Unlock()
	held, ok := s.heldFiles()
	if !ok {
		return // the namespace is gone or not known yet: the run is ending
	}
	left := s.fs.Forget(func(dev, ino uint64) bool { return held[[2]uint64{dev, ino}] }, w.prev)
	w.prev = gen
	w.next.Store(int64(max(2*left, minHanded)))
	s.log.Debug("forgot handed files", "before", n, "left", left, "held", len(held))
}

// heldFiles lists the host identities of the files every process of the
// guest's namespace holds an fd of. false before the namespace's procfs
// is known, or once it is closed.
func (s *session) heldFiles() (map[[2]uint64]bool, bool) {
	l := s.limits
	if l == nil {
		return nil, false
	}
	l.nsMu.RLock()
	defer l.nsMu.RUnlock()
	if l.nsFD <= 0 {
		return nil, false
	}
	pids, err := readDirNames(l.nsFD, ".")
	if err != nil {
		return nil, false
	}
	held := map[[2]uint64]bool{}
	for _, pid := range pids {
		if n, err := strconv.Atoi(pid); err != nil || n <= 0 {
			continue
		}
		dir, err := unix.Openat(l.nsFD, pid+"/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			continue // it ended meanwhile
		}
		fds, _ := readDirNames(dir, ".")
		for _, fd := range fds {
			var st unix.Stat_t
			if len(held) < maxHeldFDs && unix.Fstatat(dir, fd, &st, 0) == nil {
				held[[2]uint64{st.Dev, st.Ino}] = true
			}
		}
		unix.Close(dir)
	}
	return held, true
}

// readDirNames lists directory name beneath fd.
func readDirNames(fd int, name string) ([]string, error) {
	dfd, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	dir := os.NewFile(uintptr(dfd), name)
	defer dir.Close()
	return dir.Readdirnames(-1)
}
