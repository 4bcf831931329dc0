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
	mu       sync.Mutex
	hit      Limit
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

// close releases the pidfd; the run is over.
func (l *limiter) close() {
	if fd := l.guestFD.Swap(0); fd > 0 {
		unix.Close(int(fd))
	}
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

// cpuTime returns the user+system CPU time of a process (all threads).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat: malformed")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: short")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100, nil // USER_HZ is 100 on Linux
}

// watch checks CPU and resident memory of the guest until done closes.
// RLIMIT_CPU ends a run at whole seconds; this ends it at the budget.
func (l *limiter) watch(done <-chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		p := int(l.guest.Load())
		if p <= 0 {
			continue
		}
		// The budgets count the whole tree, subprocesses included.
		cpu, rss, tasks := treeUsage(p)
		// RLIMIT_NPROC does not bind a guest whose uid is the host's root
		// (gaol run as root): count threads here too.
		if l.lim.Tasks > 0 && tasks > l.lim.Tasks {
			l.exceed(limitTasks)
		}
		if l.lim.CPU > 0 && cpu >= l.lim.CPU {
			l.exceed(limitCPU)
		}
		if l.lim.Memory > 0 && rss >= l.lim.Memory {
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
