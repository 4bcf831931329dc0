package supervisor_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/policies"
)

// TestGuestFIFOs checks mkfifo and mknod in the guest: FIFOs and regular
// files in writable mounts, never devices, and FIFO opens that wait for
// their other end as they do natively.
func TestGuestFIFOs(t *testing.T) {
	tests := []struct {
		name  string
		code  string
		want  string
		trace []traceWant
	}{
		{
			name: "a FIFO made in /tmp carries bytes from a thread to the main thread",
			code: `import os, stat, threading
os.mkfifo("/tmp/f", 0o640)
st = os.stat("/tmp/f")
print(stat.S_ISFIFO(st.st_mode), oct(stat.S_IMODE(st.st_mode)), st.st_uid)
def writer():
    with open("/tmp/f", "w") as w:
        w.write("through the fifo")
t = threading.Thread(target=writer)
t.start()
with open("/tmp/f") as r:
    print(r.read())
t.join()`,
			want:  "True 0o640 1000\nthrough the fifo",
			trace: []traceWant{{syscall: "mknodat", action: "emulate", path: "/tmp/f"}},
		},
		{
			name: "non-blocking opens answer as the kernel does: the reader at once, a writer without reader ENXIO",
			code: `import errno, os
os.mkfifo("/tmp/f")
try:
    os.open("/tmp/f", os.O_WRONLY | os.O_NONBLOCK)
except OSError as e:
    print(errno.errorcode[e.errno])
r = os.open("/tmp/f", os.O_RDONLY | os.O_NONBLOCK)
w = os.open("/tmp/f", os.O_WRONLY | os.O_NONBLOCK)
os.write(w, b"x")
print(os.read(r, 1), os.get_blocking(r), os.get_blocking(os.open("/tmp/f", os.O_RDWR)))`,
			want: "ENXIO\nb'x' False True",
		},
		{
			name: "mknod makes a regular file; a FIFO in a read-only mount is EROFS; devices are EPERM",
			code: `import errno, os, stat
os.mknod("/tmp/plain", 0o600)
print(stat.S_ISREG(os.stat("/tmp/plain").st_mode))
for path, mode, dev in ((os.path.dirname(os.__file__) + "/f", stat.S_IFIFO | 0o644, 0),
                        ("/tmp/null", stat.S_IFCHR | 0o666, os.makedev(1, 3)),
                        ("/tmp/sda", stat.S_IFBLK | 0o666, os.makedev(8, 0))):
    try:
        os.mknod(path, mode, dev)
        print("made", path)
    except OSError as e:
        print(errno.errorcode[e.errno], os.path.exists(path))`,
			want: "True\nEROFS False\nEPERM False\nEPERM False",
			trace: []traceWant{{syscall: "mknodat", action: "deny", path: "/tmp/null", errno: "EPERM"},
				{syscall: "mknodat", action: "deny", errno: "EROFS"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := runGuest(t, runSpec{code: tt.code})
			if got := strings.TrimSpace(g.stdout); got != tt.want {
				t.Errorf("stdout %q, want %q\nstderr:\n%s\nresult: %s", got, tt.want, g.stderr, describe(g.res))
			}
			g.checkTrace(t, tt.trace)
		})
	}
}

// TestWaitingFIFOOpensEndWithTheRun runs guests that leave a FIFO open
// waiting for its other end, and checks that the run ends as it should and
// that no supervisor goroutine is still waiting in the open afterwards.
func TestWaitingFIFOOpensEndWithTheRun(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		wall   time.Duration
		status int
		limit  string
	}{
		{name: "a reader waiting when the wall budget expires", wall: time.Second, status: 124, limit: "wall",
			code: `import os
os.mkfifo("/tmp/f")
print("opening", flush=True)
open("/tmp/f")`},
		{name: "a writer waiting in a thread when the guest exits", status: 0, limit: "none",
			code: `import os, threading, time
os.mkfifo("/tmp/f")
threading.Thread(target=lambda: open("/tmp/f", "w"), daemon=True).start()
time.sleep(0.2)
print("opening", flush=True)
os._exit(0)`},
		{name: "an open interrupted by a signal and not retried", status: 0, limit: "none",
			code: `import os, signal
os.mkfifo("/tmp/f")
def stop(*_): raise TimeoutError
signal.signal(signal.SIGALRM, stop)
signal.setitimer(signal.ITIMER_REAL, 0.5)
print("opening", flush=True)
try:
    open("/tmp/f")
except TimeoutError:
    print("interrupted")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := runTimed(t, runSpec{code: tt.code, limits: func(l *policies.Limits) {
				if tt.wall > 0 {
					l.Wall = tt.wall
				}
			}})
			if g.res.Status != tt.status || string(g.res.Limit) != tt.limit {
				t.Errorf("result %s, want status %d and limit %s\nstdout: %s\nstderr: %s", describe(g.res), tt.status, tt.limit, g.stdout, g.stderr)
			}
			if !strings.HasPrefix(g.stdout, "opening") {
				t.Errorf("the guest did not reach the open: stdout %q", g.stdout)
			}
			if g.elapsed > tt.wall+5*time.Second {
				t.Errorf("the run took %v", g.elapsed)
			}
			if stuck := goroutinesIn("openFIFO"); stuck != "" {
				t.Errorf("a FIFO open is still waiting after the run:\n%s", stuck)
			}
			// The answer went to a notification that was gone.
			g.checkTrace(t, []traceWant{{syscall: "openat", action: "inject", path: "/tmp/f"}})
			if t.Failed() {
				t.Logf("trace:\n%s", g.rawTrace[max(0, len(g.rawTrace)-3000):])
			}
		})
	}
}

// goroutinesIn returns the stacks of the goroutines with fn in their
// stack, "" when there are none.
func goroutinesIn(fn string) string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

func TestFIFOsCountAgainstTheScratchFileQuota(t *testing.T) {
	g := runPolicy(t, `sandbox "q" {
  extends = "python"
  mount "/q" {
    type  = "scratch"
    files = 3
  }
}`, `import errno, os
made = 0
try:
    for i in range(10):
        os.mkfifo("/q/f%d" % i)
        made += 1
except OSError as e:
    print(made, errno.errorcode[e.errno])`)
	g.checkExit(t, 0)
	if got := strings.TrimSpace(g.stdout); got != "3 ENOSPC" {
		t.Errorf("stdout %q, want %q\nstderr: %s", got, "3 ENOSPC", g.stderr)
	}
}
