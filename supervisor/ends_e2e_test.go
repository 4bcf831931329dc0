package supervisor_test

import (
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// leaveBlocked is a guest that ends with supervisor work still waiting on
// its behalf: a sendmsg carrying its stdout and stderr into a full
// socketpair from each end (answered by the supervisor from goroutines
// that hold both sockets, so neither send can fail for want of a peer,
// and the fds in flight), and an open of a FIFO nobody opens for
// writing. It exits without waiting for either.
const leaveBlocked = `
import array, os, socket, threading, time
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [1, 2]))]
for s in (a, b):
    s.setblocking(False)
    try:
        while True:
            s.send(b"y" * 65536)
    except BlockingIOError:
        pass
    s.setblocking(True)
    threading.Thread(target=s.sendmsg, args=([b"z" * 4096], rights), daemon=True).start()
os.mkfifo("/tmp/f")
threading.Thread(target=open, args=("/tmp/f",), daemon=True).start()
time.sleep(0.05)
print("left", flush=True)
os._exit(7)
`

// settled waits until n() is at most want, for at most 5 s, and returns
// its last value: goroutines that ended may take a moment to be counted
// gone.
func settled(n func() int, want int) int {
	var v int
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if v = n(); v <= want || time.Now().After(end) {
			return v
		}
	}
}

// TestNothingBlockedSurvivesARun runs 200 guests in one process, as a
// long-lived embedding would, each ending with a supervisor goroutine
// blocked for it on a full socket and on a FIFO. Every run must end
// (the result says the guest's exit) and afterwards the process holds no
// more goroutines or fds than before, bar a small constant for the
// runtime's own: one leaked goroutine or fd per run would be 200.
func TestNothingBlockedSurvivesARun(t *testing.T) {
	requireSandbox(t)
	if testing.Short() {
		t.Skip("200 sandboxed runs: skipped under -short")
	}
	const runs, parallel = 200, 4
	// One run first, so that everything started once per process
	// (the runtime's poller, signal handling, the interpreter cache) is
	// counted in the baseline.
	if g := startGuest(t, runSpec{code: leaveBlocked}); g.res.Error != "" {
		t.Fatalf("gaol failed: %s", g.res.Error)
	}
	runtime.GC()
	goroutines0, fds0 := runtime.NumGoroutine(), len(openFDs(t))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	sem := make(chan struct{}, parallel)
	for i := 0; i < runs; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			g := startGuest(t, runSpec{code: leaveBlocked})
			ok := g.res.Error == "" && g.res.ExitCode != nil && *g.res.ExitCode == 7 && strings.Contains(g.stdout, "left")
			if !ok {
				mu.Lock()
				bad = append(bad, g.res.Error+" / exit "+exitString(g.res.ExitCode)+" / signal "+g.res.Signal+" / stdout "+g.stdout)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("%d of %d runs did not end with the guest's exit 7; first: %s", len(bad), runs, bad[0])
	}
	const slack = 8
	g := settled(func() int { runtime.GC(); return runtime.NumGoroutine() }, goroutines0+slack)
	f := settled(func() int { return len(openFDs(t)) }, fds0+slack)
	t.Logf("after %d runs: goroutines %d → %d, fds %d → %d", runs, goroutines0, g, fds0, f)
	if g > goroutines0+slack {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines grew from %d to %d over %d runs:\n%s", goroutines0, g, runs, buf[:runtime.Stack(buf, true)])
	}
	if f > fds0+slack {
		t.Errorf("open fds grew from %d to %d over %d runs", fds0, f, runs)
	}
}

func exitString(p *int) string {
	if p == nil {
		return "null"
	}
	return strconv.Itoa(*p)
}

// TestOutputHeldOutsideTheSandboxDoesNotHoldTheRun: a guest passes its
// stdout and stderr over a unix socket to a host process (a listener in a
// writable mount, which the policy lets it reach) that keeps them open.
// The relays then never see the end of file, and the run must still end
// within the end bound once the guest has exited: the host process is
// outside gaol's reach, so nothing but a deadline ends the relays. Before
// the relays had one, the run lasted as long as the holder did.
func TestOutputHeldOutsideTheSandboxDoesNotHoldTheRun(t *testing.T) {
	requireSandbox(t)
	dir := t.TempDir()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(dir, "hold.sock"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan []int, 1)
	release := make(chan struct{})
	t.Cleanup(func() { close(release); ln.Close() })
	go func() {
		c, err := ln.AcceptUnix()
		if err != nil {
			return
		}
		defer c.Close()
		oob := make([]byte, unix.CmsgSpace(8))
		_, oobn, _, _, err := c.ReadMsgUnix(make([]byte, 16), oob)
		var fds []int
		if err == nil {
			if msgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil && len(msgs) > 0 {
				fds, _ = unix.ParseUnixRights(&msgs[0])
			}
		}
		held <- fds
		// Held until the test ends, or 30 s: long enough to show a run
		// that waits for the holder, short enough to end such a run.
		select {
		case <-release:
		case <-time.After(30 * time.Second):
		}
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	hcl := fmt.Sprintf(`sandbox "hold" {
  extends = "python"
  mount "/sock" {
    type     = "host"
    host     = %q
    writable = true
  }
}`, dir)
	code := `
import array, socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("/sock/hold.sock")
s.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [1, 2]))])
print("passed", flush=True)
`
	g := runPolicy(t, hcl, code)
	g.checkExit(t, 0)
	select {
	case fds := <-held:
		if len(fds) != 2 {
			t.Fatalf("the host holder got %d fds, want 2 (the guest's stdout and stderr); stdout %q stderr %q", len(fds), g.stdout, g.stderr)
		}
	default:
		t.Fatalf("the host holder got nothing; stdout %q stderr %q", g.stdout, g.stderr)
	}
	if !strings.Contains(g.stdout, "passed") {
		t.Errorf("stdout %q lacks what the guest wrote before passing its fds", g.stdout)
	}
	// The bound under test is the end bound (1 s) after the guest's
	// exit; the margin is for a loaded machine, and well below the 30 s
	// the holder would otherwise keep the run alive.
	if g.elapsed > 15*time.Second {
		t.Errorf("the run took %s with its output held outside", g.elapsed)
	}
}
