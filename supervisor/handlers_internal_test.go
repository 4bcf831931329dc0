package supervisor

import (
	"testing"

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
