package supervisor

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/policies"
)

// Limit names the budget that stopped a run.
type Limit string

const (
	limitNone   Limit = "none"
	limitCPU    Limit = "cpu"
	limitWall   Limit = "wall"
	limitMemory Limit = "memory"
	limitOutput Limit = "output"
	limitDisk   Limit = "disk"
	limitTasks  Limit = "tasks"
)

// limiter enforces the budgets the kernel cannot end a run on by itself.
// The first budget exceeded is the one the result names.
type limiter struct {
	lim      policies.Limits
	killInit func()       // kills gaol's stub, and with it the guest's namespace
	guest    atomic.Int64 // the interpreter's pid, once it exists
	guestFD  atomic.Int64 // a pidfd of it, so that a kill never reaches a recycled pid
	nsMu     sync.RWMutex // held to read nsFD, written to change it
	nsFD     int          // the procfs of the guest's PID namespace; 0 until known
	mu       sync.Mutex
	hit      Limit
	forks    forkGate
}

// initGrace is how long the stub gets to reap a killed interpreter and
// report its usage before it is killed too.
const initGrace = 2 * time.Second

// kill ends the guest. It kills the interpreter, so that the stub reaps it
// and reports its usage (the stub's exit then takes every other process
// of the namespace along); the stub itself only if that does not happen
// in time, or before the interpreter exists.
func (l *limiter) kill() {
	fd := l.guestFD.Load()
	if fd <= 0 {
		l.killInit()
		return
	}
	unix.PidfdSendSignal(int(fd), unix.SIGKILL, nil, 0)
	time.AfterFunc(initGrace, l.killInit)
}

// setGuest records the interpreter's pid, and a pidfd of it.
func (l *limiter) setGuest(pid int) {
	l.guest.Store(int64(pid))
	if fd, err := unix.PidfdOpen(pid, 0); err == nil {
		l.guestFD.Store(int64(fd))
	}
}

// setNamespace takes the fd of the procfs of the guest's PID namespace.
func (l *limiter) setNamespace(fd int) {
	l.nsMu.Lock()
	if l.nsFD > 0 {
		unix.Close(l.nsFD)
	}
	l.nsFD = fd
	l.nsMu.Unlock()
}

// sample lists the guest's namespace; false before its procfs is known
// or after the run.
func (l *limiter) sample() (nsSample, bool) {
	l.nsMu.RLock()
	defer l.nsMu.RUnlock()
	if l.nsFD <= 0 {
		return nsSample{}, false
	}
	return sampleNamespace(l.nsFD)
}

// close releases the pidfd and the procfs; the run is over.
func (l *limiter) close() {
	if fd := l.guestFD.Swap(0); fd > 0 {
		unix.Close(int(fd))
	}
	l.setNamespace(0)
}

func (l *limiter) exceed(name Limit) {
	l.mu.Lock()
	first := l.hit == ""
	if first {
		l.hit = name
	}
	l.mu.Unlock()
	if first {
		l.kill()
	}
}

func (l *limiter) exceeded() Limit {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hit == "" {
		return limitNone
	}
	return l.hit
}

// wouldExceedMemory reports whether mapping length more bytes would take
// the process past its memory budget.
func (l *limiter) wouldExceedMemory(tgid int, length uint64) bool {
	if l.lim.Memory <= 0 {
		return false
	}
	if length > uint64(l.lim.Memory) {
		return true
	}
	vm, _, err := statm(tgid)
	if err != nil {
		return false
	}
	return vm+int64(length) > l.lim.Memory
}

// statm returns the virtual and resident size of a process, in bytes.
func statm(pid int) (vm, rss int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, 0, fmt.Errorf("statm: short")
	}
	v, _ := strconv.ParseInt(f[0], 10, 64)
	r, _ := strconv.ParseInt(f[1], 10, 64)
	return v * pageSize, r * pageSize, nil
}

// watch checks CPU, resident memory and tasks of the guest's whole PID
// namespace until done closes. RLIMIT_CPU ends a run at whole seconds,
// and only per process; this ends it at the budget, for the namespace.
func (l *limiter) watch(done <-chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	var acct cpuAccount
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		if l.guest.Load() <= 0 {
			continue
		}
		s, ok := l.sample()
		if !ok {
			continue
		}
		cpu := acct.add(&s)
		// RLIMIT_NPROC does not bind a guest whose uid is the host's root
		// (gaol run as root): count threads here too.
		if l.lim.Tasks > 0 && s.tasks > l.lim.Tasks {
			l.exceed(limitTasks)
		}
		if l.lim.CPU > 0 && cpu >= l.lim.CPU {
			l.exceed(limitCPU)
		}
		if l.lim.Memory > 0 && s.rss >= l.lim.Memory {
			l.exceed(limitMemory)
		}
	}
}

// rlimits are the kernel's share of the budgets, set in the exec stage.
func rlimits(lim policies.Limits) []rlimit {
	var out []rlimit
	if lim.CPU > 0 {
		secs := uint64((lim.CPU + time.Second - 1) / time.Second)
		// Soft: SIGXCPU one second after the budget (the watcher acts
		// first); hard: SIGKILL a second later, if all else failed.
		out = append(out, rlimit{unix.RLIMIT_CPU, secs + 1, secs + 2})
	}
	if lim.Memory > 0 {
		out = append(out, rlimit{unix.RLIMIT_AS, uint64(lim.Memory), uint64(lim.Memory)})
	}
	if lim.OpenFiles > 0 {
		out = append(out, rlimit{unix.RLIMIT_NOFILE, uint64(lim.OpenFiles), uint64(lim.OpenFiles)})
	}
	if lim.Tasks > 0 {
		// RLIMIT_NPROC counts the tasks of the guest's uid in the guest's
		// own user namespace (the stub's threads included), and binds even
		// when gaol runs as root: the guest holds no capability.
		out = append(out, rlimit{unix.RLIMIT_NPROC, uint64(lim.Tasks), uint64(lim.Tasks)})
	}
	if lim.FileSize > 0 {
		out = append(out, rlimit{unix.RLIMIT_FSIZE, uint64(lim.FileSize), uint64(lim.FileSize)})
	}
	out = append(out, rlimit{unix.RLIMIT_CORE, 0, 0})
	return out
}

type rlimit struct {
	res      int
	cur, max uint64
}
