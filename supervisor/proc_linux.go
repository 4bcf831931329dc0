package supervisor

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// proc is the supervisor's state of one guest process (thread group). Its
// threads share it; a forked child gets a copy of its parent's.
type proc struct {
	tgid  int // in the supervisor's PID namespace
	nspid int // its process id as the guest sees it (NStgid)
	mu    sync.Mutex
	cwd   workDir
	umask uint32
	pidfd int  // opened when gaol learns of the process; -1 once closed
	dead  bool // it exited (or was never the guest's): its pidfd is closed
	execd bool
}

func (p *proc) getCwd() workDir {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cwd
}

func (p *proc) setCwd(c workDir) {
	p.mu.Lock()
	p.cwd = c
	p.mu.Unlock()
}

func (p *proc) getUmask() uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.umask
}

// procs maps guest thread ids to their processes, learning both lazily
// from /proc on the first notification of an unknown thread.
type procs struct {
	mu      sync.Mutex
	byTid   map[int]*proc
	initCwd workDir
	pruneAt int // prune when the map holds this many entries
}

// minPrune is the map size from which procs forgets exited processes: a
// guest that runs many short-lived processes in turn (a pool that
// replaces its workers) would otherwise make the supervisor hold a pidfd
// for each until the run ends.
const minPrune = 64

func newProcs(cwd workDir) *procs {
	return &procs{byTid: map[int]*proc{}, initCwd: cwd, pruneAt: minPrune}
}

// of returns the process of thread tid, and whether gaol learnt of it
// just now. A new process comes with its pidfd, opened at once: the
// caller checks that the notification that named tid is still pending
// (NOTIF_ID_VALID), which proves that tid, and so the process the pidfd
// names, were the guest's while both were read (forget undoes an entry
// the check refutes).
func (ps *procs) of(tid int) (*proc, bool, error) {
	ps.mu.Lock()
	p, ok := ps.byTid[tid]
	ps.mu.Unlock()
	if ok {
		return p, false, nil
	}
	st, err := readStatus(tid)
	if err != nil {
		return nil, false, err
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p, ok := ps.byTid[st.tgid]; ok {
		ps.byTid[tid] = p
		return p, false, nil
	}
	pidfd, err := unix.PidfdOpen(st.tgid, 0)
	if err != nil {
		return nil, false, err
	}
	p = &proc{tgid: st.tgid, nspid: st.nspid, cwd: ps.initCwd, umask: 0o022, pidfd: pidfd}
	if parent, ok := ps.byTid[st.ppid]; ok {
		parent.mu.Lock()
		p.cwd, p.umask, p.execd = parent.cwd, parent.umask, parent.execd
		parent.mu.Unlock()
	}
	ps.byTid[st.tgid] = p
	ps.byTid[tid] = p
	if len(ps.byTid) >= ps.pruneAt {
		ps.prune()
		ps.pruneAt = max(minPrune, 2*len(ps.byTid))
	}
	return p, true, nil
}

// forget drops process p, which of made, and its pidfd.
func (ps *procs) forget(p *proc) {
	ps.mu.Lock()
	for t, q := range ps.byTid {
		if q == p {
			delete(ps.byTid, t)
		}
	}
	ps.mu.Unlock()
	p.mu.Lock()
	p.release()
	p.mu.Unlock()
}

// release closes the process's pidfd and marks it dead: no pidfd is ever
// opened by its number again. Called with p.mu held.
func (p *proc) release() {
	if p.pidfd >= 0 {
		unix.Close(p.pidfd)
	}
	p.pidfd, p.dead = -1, true
}

// prune forgets the processes whose pidfd says they have exited, and
// closes those pidfds. A thread id of theirs that the kernel hands out
// again is then learnt afresh. Called with ps.mu held.
func (ps *procs) prune() {
	for tid, p := range ps.byTid {
		if tid == p.tgid {
			p.closeIfExited()
		}
	}
	for tid, p := range ps.byTid {
		p.mu.Lock()
		dead := p.dead
		p.mu.Unlock()
		if dead {
			delete(ps.byTid, tid)
		}
	}
}

// closeIfExited closes the pidfd of a process that has exited (a pidfd
// polls readable then) and marks it dead.
func (p *proc) closeIfExited() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pidfd < 0 {
		return
	}
	fds := []unix.PollFd{{Fd: int32(p.pidfd), Events: unix.POLLIN}}
	if n, err := unix.Poll(fds, 0); err != nil || n == 0 {
		return
	}
	p.release()
}

// closeAll releases the pidfds the processes hold.
func (ps *procs) closeAll() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for tid, p := range ps.byTid {
		if p.tgid != tid {
			continue
		}
		p.mu.Lock()
		p.release()
		p.mu.Unlock()
	}
}

type status struct {
	tgid, ppid, nspid int
	nstid             int  // the thread's own id in its innermost PID namespace (NSpid)
	filtered          bool // it runs under a seccomp filter (Seccomp: 2)
	fdSize            int  // FDSize: the room in the fd table (select's max_fds)
	// pending are the signals pending for the thread or its process
	// (SigPnd | ShdPnd), bit sig-1 for signal sig, as in a sigset_t.
	pending uint64
}

func readStatus(tid int) (status, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		return status{}, err
	}
	defer f.Close()
	var st status
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		switch k {
		case "Tgid":
			st.tgid, _ = strconv.Atoi(fields[0])
		case "PPid":
			st.ppid, _ = strconv.Atoi(fields[0])
		case "NStgid":
			st.nspid, _ = strconv.Atoi(fields[len(fields)-1])
		case "NSpid":
			st.nstid, _ = strconv.Atoi(fields[len(fields)-1])
		case "Seccomp":
			st.filtered = fields[0] == "2"
		case "FDSize":
			st.fdSize, _ = strconv.Atoi(fields[0])
		case "SigPnd", "ShdPnd":
			set, _ := strconv.ParseUint(fields[0], 16, 64)
			st.pending |= set
		}
	}
	if st.tgid == 0 {
		return st, fmt.Errorf("/proc/%d/status: no Tgid", tid)
	}
	return st, nil
}

// guestFD returns the supervisor's own copy of the guest's fd: the same
// open file description, so its offset is the guest's. The pidfd (opened
// when the process was learnt, see of) is used under p.mu, so that prune
// never closes it while a copy is being taken; a process that has exited
// has none any more.
func (p *proc) guestFD(fd int) (int, error) {
	if fd < 0 {
		return -1, unix.EBADF
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead || p.pidfd < 0 {
		return -1, unix.ESRCH
	}
	our, err := unix.PidfdGetfd(p.pidfd, fd, 0)
	if err != nil {
		if err == unix.EBADF {
			return -1, unix.EBADF
		}
		return -1, err
	}
	return our, nil
}
