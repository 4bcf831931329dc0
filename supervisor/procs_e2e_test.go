package supervisor_test

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestManyShortLivedProcessesDoNotPileUpFDs: a guest that runs hundreds
// of short-lived processes in turn, each using an fd gaol must look at
// (fstat), leaves the supervisor holding fds for the processes alive,
// not for every process the run ever had.
func TestManyShortLivedProcessesDoNotPileUpFDs(t *testing.T) {
	requireSandbox(t)
	const children = 400
	code := `import os
for i in range(` + strconv.Itoa(children) + `):
    pid = os.fork()
    if pid == 0:
        os.fstat(1)
        os._exit(0)
    os.waitpid(pid, 0)
print("done")`
	hcl := `sandbox "many" {
  extends = "python"
  process {
    max = 2
  }
}`
	count := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	before := count()
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if n := int64(count()); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	g := runPolicy(t, hcl, code)
	close(stop)
	<-sampled
	if got := strings.TrimSpace(g.stdout); got != "done" {
		t.Fatalf("stdout %q, want done\nstderr:\n%s\nresult: %s", got, g.stderr, describe(g.res))
	}
	// The run itself holds a few dozen (listener, mounts, pipes, trace);
	// a pidfd kept for each of the 400 children would add 400.
	if grown := int(peak.Load()) - before; grown > 150 {
		t.Errorf("the supervisor's fds grew by %d during the run (before %d, peak %d): pidfds of exited processes are kept", grown, before, peak.Load())
	}
}
