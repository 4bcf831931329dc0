package supervisor

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// procKey names one process across samples: a pid and its start time, so
// that a reused pid is another process.
type procKey struct {
	pid   int
	start uint64
}

// cpuAccount turns samples of the namespace into the guest's CPU time.
// A sample's cpu counts a reaped process in its reaper's cutime+cstime,
// but the kernel folds a child into nothing when its parent ignores
// SIGCHLD (it is reaped at once). The account keeps what such processes
// had used when last seen: a process gone since the last sample whose
// time did not show up in the reaped-children time of the processes that
// remain (the stub's included) is counted as lost, and stays counted.
type cpuAccount struct {
	last     map[procKey]time.Duration // own+children time at the last sample
	reaped   map[procKey]time.Duration // children time at the last sample
	stubReap time.Duration
	lost     time.Duration
}

// add takes a new sample and returns the guest's CPU time so far.
func (a *cpuAccount) add(s *nsSample) time.Duration {
	last := make(map[procKey]time.Duration, len(s.procs))
	reaped := make(map[procKey]time.Duration, len(s.procs))
	var grown time.Duration // growth of reaped-children time since the last sample
	for _, p := range s.procs {
		k := procKey{p.pid, p.start}
		last[k], reaped[k] = p.cpu+p.children, p.children
		if before, ok := a.reaped[k]; ok {
			grown += p.children - before
		} else {
			grown += p.children // new since the last sample: all of it
		}
	}
	grown += s.stub.children - a.stubReap
	var gone time.Duration
	for k, v := range a.last {
		if _, ok := last[k]; !ok {
			gone += v
		}
	}
	if gone > grown {
		a.lost += gone - grown
	}
	a.last, a.reaped, a.stubReap = last, reaped, s.stub.children
	return s.cpu + a.lost
}

// forkGate makes the process budget hold against concurrent forks: a fork
// is let through only with a reservation, counted with the namespace's
// processes until the fork has visibly completed.
type forkGate struct {
	mu      sync.Mutex
	pending []*forkReservation
	claimed map[procKey]bool // processes that have resolved a reservation
}

// forkReservation stands for one fork let through and not yet seen done.
type forkReservation struct {
	tid   int    // the caller's thread, in the supervisor's PID namespace
	t0    uint64 // boot time in clock ticks when it was taken
	armed atomic.Bool
}

// reserve takes a reservation for one more process if the namespace's
// processes (but the stub and, once it exists, the interpreter) and the
// forks still in flight are fewer than max. The caller arms it once the
// fork is let through.
func (l *limiter) reserve(tid, max int) (*forkReservation, bool) {
	g := &l.forks
	g.mu.Lock()
	defer g.mu.Unlock()
	// Which callers have left their fork is read before the sample: a
	// caller that left it has its child in the sample (the kernel makes
	// the child visible before the fork returns). Read after, a fork that
	// completed in between would be resolved with its child unseen, and
	// that child counted by nothing.
	left := g.left()
	s, ok := l.sample()
	if !ok {
		return nil, false
	}
	g.resolve(s.procs, left)
	n := len(s.procs) + len(g.pending)
	if l.guest.Load() > 0 {
		n-- // the interpreter itself is not counted
	}
	if n >= max {
		return nil, false
	}
	r := &forkReservation{tid: tid, t0: bootTicks()}
	g.pending = append(g.pending, r)
	return r, true
}

// resolve drops the reservations whose fork has completed: each process
// started after a reservation was taken resolves one reservation (and
// only one: it is claimed); a reservation whose caller has left the fork
// (it sleeps, is stopped or gone) is resolved too, claiming a process
// started after it if there is one, since that may be its child. A
// process not yet visible therefore always has a reservation counted.
func (g *forkGate) resolve(procs []nsProcess, left map[*forkReservation]bool) {
	live := make(map[procKey]bool, len(procs))
	var fresh []procKey
	for _, p := range procs {
		k := procKey{p.pid, p.start}
		live[k] = true
		if !g.claimed[k] {
			fresh = append(fresh, k)
		}
	}
	for k := range g.claimed {
		if !live[k] {
			delete(g.claimed, k)
		}
	}
	if g.claimed == nil {
		g.claimed = make(map[procKey]bool)
	}
	sort.Slice(fresh, func(i, j int) bool { return fresh[i].start < fresh[j].start })
	claim := func(r *forkReservation) bool {
		for i, k := range fresh {
			if k.start >= r.t0 {
				g.claimed[k] = true
				fresh = append(fresh[:i], fresh[i+1:]...)
				return true
			}
		}
		return false
	}
	kept := g.pending[:0]
	for _, r := range g.pending {
		if claim(r) {
			continue
		}
		if left[r] {
			continue
		}
		kept = append(kept, r)
	}
	for i := len(kept); i < len(g.pending); i++ {
		g.pending[i] = nil
	}
	g.pending = kept
}

// left returns the pending reservations whose caller was let into its
// fork and has left it.
func (g *forkGate) left() map[*forkReservation]bool {
	out := map[*forkReservation]bool{}
	for _, r := range g.pending {
		if r.armed.Load() && leftFork(r.tid) {
			out[r] = true
		}
	}
	return out
}

// leftFork reports whether a thread that was let into a fork is done with
// it: it no longer exists, or it is neither running nor in an
// uninterruptible sleep (a fork does not sleep interruptibly, and a
// stopped thread has left the syscall or will restart it, which is a new
// notification). Only meaningful once the fork was let through: until
// then the thread sleeps in the seccomp wait.
func leftFork(tid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return true
	}
	switch s[i+2] {
	case 'R', 'D':
		return false
	}
	return true
}
