package supervisor

import (
	"sync"
	"time"

	"github.com/gaol-sandbox/gaol/policies"
)

// clock answers the guest's clock reads as the policy's time block says.
// All modes but real remove the vDSO at the interpreter's exec, so every
// read is a syscall the supervisor sees.
type clock struct {
	mode  policies.TimeMode
	start time.Time     // the guest's realtime at the start of the run
	step  time.Duration // virtual: advance per read
	round time.Duration // coarse: granularity
	t0    time.Time     // the host's time at the start of the run

	mu      sync.Mutex
	virtual time.Duration // virtual: time elapsed since start
}

// virtualMonotonicBase is where the virtual monotonic clock starts, so
// that it looks like a machine that has been up a while.
const virtualMonotonicBase = 1000 * time.Second

func newClock(t policies.Time, now time.Time) *clock {
	c := &clock{mode: t.Mode, start: t.Start, step: t.Step, round: t.Round, t0: now}
	if c.mode == "" {
		c.mode = policies.TimeReal
	}
	if c.start.IsZero() {
		c.start = now
	}
	if c.mode == policies.TimeVirtual && c.step <= 0 {
		c.step = time.Microsecond
	}
	if c.mode == policies.TimeCoarse && c.round <= 0 {
		c.round = 10 * time.Millisecond
	}
	return c
}

// real reports whether the guest reads the host's clocks directly.
func (c *clock) real() bool { return c.mode == policies.TimeReal }

// now returns the guest's realtime and monotonic time for one read.
func (c *clock) now(hostNow time.Time, hostMono time.Duration) (realtime time.Time, mono time.Duration) {
	switch c.mode {
	case policies.TimeOffset:
		return c.start.Add(hostNow.Sub(c.t0)), hostMono
	case policies.TimeFrozen:
		return c.start, virtualMonotonicBase
	case policies.TimeVirtual:
		c.mu.Lock()
		c.virtual += c.step
		v := c.virtual
		c.mu.Unlock()
		return c.start.Add(v), virtualMonotonicBase + v
	case policies.TimeCoarse:
		return hostNow.Truncate(c.round), hostMono.Truncate(c.round)
	}
	return hostNow, hostMono
}

// sleep accounts for a relative sleep of d. It reports whether the sleep
// is over at once (virtual time fast-forwards) or must really happen.
func (c *clock) sleep(d time.Duration) (instant bool) {
	if c.mode != policies.TimeVirtual {
		return false
	}
	if d > 0 {
		c.mu.Lock()
		c.virtual += d
		c.mu.Unlock()
	}
	return true
}
