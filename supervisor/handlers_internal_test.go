package supervisor

import (
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
)

// TestTimedWaitsHaveHandlers: every row that WithVirtualTime sends to the
// supervisor has a handler, or a virtual-time run would see ENOSYS from
// poll and select.
func TestTimedWaitsHaveHandlers(t *testing.T) {
	n := 0
	for _, s := range seccomp.WithVirtualTime(seccomp.Table()) {
		if s.Timeout == nil {
			continue
		}
		n++
		if int(s.Nr) >= len(handlers) || handlers[s.Nr] == nil {
			t.Errorf("%s waits with a timeout but has no handler", s.Name)
		}
	}
	if n == 0 {
		t.Error("the table has no timed waits")
	}
}

// TestWaitTimeouts: how the poll family's timeouts are classified, as
// poll_select_set_timeout and poll(2) read them.
func TestWaitTimeouts(t *testing.T) {
	const untimed = time.Duration(0)
	tests := []struct {
		name    string
		millis  bool   // an int of milliseconds in the register, else a timespec
		reg     uint64 // millis: the register
		sec, ns int64  // timespec
		want    time.Duration
		why     string // "" for a timed wait
		inTrace string
	}{
		{name: "5000 ms is 5 s", millis: true, reg: 5000, want: 5 * time.Second, inTrace: "5s"},
		{name: "an int is its low 32 bits", millis: true, reg: 7<<32 | 250, want: 250 * time.Millisecond, inTrace: "250ms"},
		{name: "-1 ms is no timeout", millis: true, reg: 0xffff_ffff, why: "no timeout", inTrace: "none"},
		{name: "0 ms returns at once", millis: true, reg: 0, why: "zero timeout", inTrace: "0s"},
		{name: "1.5 s", sec: 1, ns: 5e8, want: 1500 * time.Millisecond, inTrace: "1.5s"},
		{name: "one nanosecond is timed", ns: 1, want: 1, inTrace: "1ns"},
		{name: "zero returns at once", why: "zero timeout", inTrace: "0s"},
		{name: "negative seconds are invalid", sec: -1, why: "invalid timeout", inTrace: "invalid"},
		{name: "negative nanoseconds are invalid", ns: -1, why: "invalid timeout", inTrace: "invalid"},
		{name: "a billion nanoseconds are invalid", ns: 1e9, why: "invalid timeout", inTrace: "invalid"},
		{name: "beyond time.Duration is no timeout", sec: maxTimeoutSec, why: "timeout beyond 292 years", inTrace: "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &call{n: &seccomp.Notif{}}
			var d time.Duration
			var why string
			if tt.millis {
				c.n.Data.Args[2] = tt.reg
				d, why = c.millisTimeout(2)
			} else {
				d, why = c.timeout(tt.sec, tt.ns)
			}
			if tt.why != "" && d != untimed {
				t.Errorf("untimed wait with duration %v", d)
			}
			if d != tt.want || why != tt.why || c.ev.Args.Timeout != tt.inTrace {
				t.Errorf("got %v, %q, traced %q; want %v, %q, traced %q", d, why, c.ev.Args.Timeout, tt.want, tt.why, tt.inTrace)
			}
		})
	}
}
