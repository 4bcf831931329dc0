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
	pidfd int // lazily opened, -1 until then
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
}

func newProcs(cwd workDir) *procs {
	return &procs{byTid: map[int]*proc{}, initCwd: cwd}
}

// of returns the process of thread tid.
func (ps *procs) of(tid int) (*proc, error) {
	ps.mu.Lock()
	p, ok := ps.byTid[tid]
	ps.mu.Unlock()
	if ok {
		return p, nil
	}
	st, err := readStatus(tid)
	if err != nil {
		return nil, err
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p, ok := ps.byTid[st.tgid]; ok {
		ps.byTid[tid] = p
		return p, nil
	}
	p = &proc{tgid: st.tgid, nspid: st.nspid, cwd: ps.initCwd, umask: 0o022, pidfd: -1}
	if parent, ok := ps.byTid[st.ppid]; ok {
		parent.mu.Lock()
		p.cwd, p.umask, p.execd = parent.cwd, parent.umask, parent.execd
		parent.mu.Unlock()
	}
	ps.byTid[st.tgid] = p
	ps.byTid[tid] = p
	return p, nil
}

// closeAll releases the pidfds the processes hold.
func (ps *procs) closeAll() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for tid, p := range ps.byTid {
		if p.tgid == tid && p.pidfd >= 0 {
			unix.Close(p.pidfd)
			p.pidfd = -1
		}
	}
}

type status struct {
	tgid, ppid, nspid int
	fdSize            int // FDSize: the room in the fd table (select's max_fds)
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

// pidFD returns a pidfd of the process, for pidfd_getfd.
func (p *proc) pidFD() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pidfd < 0 {
		fd, err := unix.PidfdOpen(p.tgid, 0)
		if err != nil {
			return -1, err
		}
		p.pidfd = fd
	}
	return p.pidfd, nil
}

// guestFD returns the supervisor's own copy of the guest's fd: the same
// open file description, so its offset is the guest's.
func (p *proc) guestFD(fd int) (int, error) {
	if fd < 0 {
		return -1, unix.EBADF
	}
	pidfd, err := p.pidFD()
	if err != nil {
		return -1, unix.ESRCH
	}
	our, err := unix.PidfdGetfd(pidfd, fd, 0)
	if err != nil {
		if err == unix.EBADF {
			return -1, unix.EBADF
		}
		return -1, err
	}
	return our, nil
}
