package supervisor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/supervisor"
)

const virtualTimePolicy = `sandbox "det" {
  extends = "python"
  time {
    mode  = "virtual"
    start = "2024-01-01T00:00:00Z"
    step  = "1ms"
  }
}`

// waitPrelude opens a pipe nobody writes unless the test does, and notes
// the guest's monotonic time; waitCoda prints how much of it passed.
const (
	waitPrelude = "import asyncio, os, select, selectors, time\nr, w = os.pipe()\nt = time.monotonic()\n"
	waitCoda    = "\ne = time.monotonic() - t\nprint('waited 5 s' if 5 <= e < 6 else 'at once' if e < 1 else e)\n"
)

// TestVirtualTimeWaits: in virtual time a wait with a timeout on fds that
// are not ready returns at once, empty, and the guest's clock shows the
// whole timeout passed; a wait on a ready fd is the kernel's and returns
// what is ready.
func TestVirtualTimeWaits(t *testing.T) {
	tests := []struct {
		name    string
		code    string
		stdout  string
		syscall string // the wait's trace event
		action  string
		rule    string
	}{
		{
			name:    "select on a pipe nobody writes times out in virtual time",
			code:    `print(select.select([r], [], [], 5))`,
			stdout:  "([], [], [])\nwaited 5 s\n",
			syscall: "pselect6", action: "emulate", rule: "time: virtual wait timed out",
		},
		{
			name:    "poll on a pipe nobody writes times out in virtual time",
			code:    "p = select.poll(); p.register(r, select.POLLIN); print(p.poll(5000))",
			stdout:  "[]\nwaited 5 s\n",
			syscall: "poll", action: "emulate", rule: "time: virtual wait timed out",
		},
		{
			name:    "epoll (the default selector) on a pipe nobody writes times out in virtual time",
			code:    "s = selectors.DefaultSelector(); s.register(r, selectors.EVENT_READ); print(s.select(5))",
			stdout:  "[]\nwaited 5 s\n",
			syscall: "epoll_wait", action: "emulate", rule: "time: virtual wait timed out",
		},
		{
			name:    "select on a pipe already written reports it ready",
			code:    `os.write(w, b"x"); print(select.select([r], [], [], 5) == ([r], [], []))`,
			stdout:  "True\nat once\n",
			syscall: "pselect6", action: "allow", rule: "time: fd 3 ready, left to the kernel",
		},
		{
			name:    "poll on a pipe already written reports it ready",
			code:    `os.write(w, b"x"); p = select.poll(); p.register(r, select.POLLIN); print(p.poll(5000) == [(r, select.POLLIN)])`,
			stdout:  "True\nat once\n",
			syscall: "poll", action: "allow", rule: "time: fd 3 ready, left to the kernel",
		},
		{
			name:    "epoll on a pipe already written reports it ready",
			code:    `os.write(w, b"x"); s = selectors.DefaultSelector(); s.register(r, selectors.EVENT_READ); print([(k.fd, ev) for k, ev in s.select(5)] == [(r, selectors.EVENT_READ)])`,
			stdout:  "True\nat once\n",
			syscall: "epoll_wait", action: "allow", rule: "time: an event ready, left to the kernel",
		},
		{
			name:    "an edge-triggered event survives the readiness check",
			code:    `os.write(w, b"x"); ep = select.epoll(); ep.register(r, select.EPOLLIN | select.EPOLLET); print(ep.poll(5) == [(r, select.EPOLLIN)])`,
			stdout:  "True\nat once\n",
			syscall: "epoll_wait", action: "allow", rule: "time: an event ready, left to the kernel",
		},
		{
			name:    "select on a pipe with only its write end ready reports it writable",
			code:    `print(select.select([r], [w], [], 5) == ([], [w], []))`,
			stdout:  "True\nat once\n",
			syscall: "pselect6", action: "allow", rule: "time: fd 4 ready, left to the kernel",
		},
		{
			name:    "asyncio.sleep passes in virtual time",
			code:    `asyncio.run(asyncio.sleep(5)); print("done")`,
			stdout:  "done\nwaited 5 s\n",
			syscall: "epoll_wait", action: "emulate", rule: "time: virtual wait timed out",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := runPolicy(t, virtualTimePolicy, waitPrelude+tt.code+waitCoda)
			g.checkExit(t, 0)
			if g.stdout != tt.stdout {
				t.Errorf("stdout = %q, want %q\nstderr:\n%s", g.stdout, tt.stdout, g.stderr)
			}
			if g.elapsed > 4*time.Second {
				t.Errorf("the run took %v of wall time: the 5 s wait was real", g.elapsed)
			}
			waits := g.events(func(ev supervisor.Event) bool {
				return ev.Syscall == tt.syscall && ev.Action == tt.action && ev.Rule == tt.rule
			})
			if len(waits) == 0 {
				t.Errorf("trace: no %s event with action %q and rule %q; got:\n%s", tt.syscall, tt.action, tt.rule, g.eventsLike(traceWant{syscall: tt.syscall}))
			}
			for _, ev := range g.events(func(ev supervisor.Event) bool { return ev.Syscall == tt.syscall }) {
				if ev.Args.Timeout == "0s" || ev.Args.Timeout == "none" {
					t.Errorf("trace: a wait with timeout %q reached the supervisor; the filter leaves it to the kernel", ev.Args.Timeout)
				}
			}
			if tt.action == "emulate" && waits[len(waits)-1].Result != 0 {
				t.Errorf("trace: the timed-out wait returned %d, want 0", waits[len(waits)-1].Result)
			}
		})
	}
}

// TestVirtualTimeWaitsAreReproducible runs a program mixing clock reads
// and timed-out waits twice: the outputs are identical.
func TestVirtualTimeWaitsAreReproducible(t *testing.T) {
	code := waitPrelude + `
print(time.time(), time.monotonic())
print(select.select([r], [], [], 1.5))
p = select.poll(); p.register(r, select.POLLIN); print(p.poll(250))
s = selectors.DefaultSelector(); s.register(r, selectors.EVENT_READ); print(s.select(0.75))
asyncio.run(asyncio.sleep(2))
print(time.time(), time.monotonic())
`
	a := runPolicy(t, virtualTimePolicy, code)
	b := runPolicy(t, virtualTimePolicy, code)
	a.checkExit(t, 0)
	b.checkExit(t, 0)
	if a.stdout != b.stdout {
		t.Errorf("two virtual-time runs differ:\n%s---\n%s", a.stdout, b.stdout)
	}
	if lines := strings.Split(a.stdout, "\n"); len(lines) < 5 || lines[1] != "([], [], [])" || lines[2] != "[]" || lines[3] != "[]" {
		t.Errorf("unexpected output:\n%s\nstderr:\n%s", a.stdout, a.stderr)
	}
}

// TestRealTimeSelectWaits: with a real clock the poll family stays on the
// kernel's fast path and a timeout really passes.
func TestRealTimeSelectWaits(t *testing.T) {
	g := runPolicy(t, `sandbox "real" { extends = "python" }`, waitPrelude+`print(select.select([r], [], [], 0.2))
print(time.monotonic() - t >= 0.2)`)
	g.checkExit(t, 0)
	if g.stdout != "([], [], [])\nTrue\n" {
		t.Errorf("stdout = %q\nstderr:\n%s", g.stdout, g.stderr)
	}
	if g.elapsed < 200*time.Millisecond {
		t.Errorf("the run took %v: a 0.2 s select did not wait", g.elapsed)
	}
	g.checkTrace(t, []traceWant{{syscall: "pselect6", absent: true}})
}

// waitProbe makes the poll family's calls directly (ctypes, raw syscalls
// where glibc's wrapper would hide what the kernel writes back) with
// short timeouts, and prints what each returned and wrote.
const waitProbe = `import ctypes, os, select, signal, time
libc = ctypes.CDLL(None, use_errno=True)
class timespec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]
class pollfd(ctypes.Structure):
    _fields_ = [("fd", ctypes.c_int), ("events", ctypes.c_short), ("revents", ctypes.c_short)]
r, w = os.pipe()
def call(label, timeout, f):
    t = time.monotonic()
    n = f()
    e = ctypes.get_errno() if n < 0 else 0
    print(label, n, os.strerror(e) if e else "", time.monotonic() - t >= timeout)
fds = (pollfd * 2)(pollfd(r, select.POLLIN, 0x55), pollfd(-1, 0, 0x55))
ts = timespec(0, 300_000_000)
call("ppoll 0.3s:", 0.3, lambda: libc.syscall(271, fds, 2, ctypes.byref(ts), None, 8))
print(" revents", fds[0].revents, fds[1].revents, "timespec", ts.sec, ts.nsec)
bad = timespec(0, -1)
call("ppoll invalid:", 0, lambda: libc.syscall(271, fds, 1, ctypes.byref(bad), None, 8))
rset = ctypes.c_uint64(1 << r)
tv = timespec(0, 300_000)  # struct timeval: tv_sec, tv_usec
call("select 0.3s:", 0.3, lambda: libc.syscall(23, r + 1, ctypes.byref(rset), None, None, ctypes.byref(tv)))
print(" set", rset.value, "timeval", tv.sec, tv.nsec)
badtv = timespec(-1, 0)
call("select invalid:", 0, lambda: libc.syscall(23, r + 1, ctypes.byref(rset), None, None, ctypes.byref(badtv)))
call("poll without fds 0.3s:", 0.3, lambda: libc.poll(None, 0, 300))
ep = select.epoll()
ep.register(r, select.EPOLLIN)
events = ctypes.create_string_buffer(12 * 4)
ts = timespec(0, 300_000_000)
call("epoll_pwait2 0.3s:", 0.3, lambda: libc.syscall(441, ep.fileno(), events, 4, ctypes.byref(ts), None, 8))
call("epoll_wait bad maxevents:", 0, lambda: libc.syscall(232, ep.fileno(), events, 0, 300))
call("epoll_wait on a pipe:", 0, lambda: libc.syscall(232, r, events, 4, 300))
got = []
signal.signal(signal.SIGUSR1, lambda *a: got.append(1))
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
os.kill(os.getpid(), signal.SIGUSR1)
none = ctypes.c_uint64(0)
ts = timespec(5, 0)
t = time.monotonic()
n = libc.ppoll(fds, 1, ctypes.byref(ts), ctypes.byref(none), 8)
print("ppoll unblocking a pending signal:", n, os.strerror(ctypes.get_errno()), time.monotonic() - t < 1)
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGUSR1])
print(" handled", got)
`

// TestVirtualWaitsAnswerWhatTheKernelWould: a timed-out virtual wait
// returns and writes what the kernel would have after really waiting (the
// revents, the fd set, the timeout cleared), the kernel's own errors come
// through, and a signal mask that lets a pending signal in interrupts the
// wait as it would natively. The guest's clock shows each timeout passed.
func TestVirtualWaitsAnswerWhatTheKernelWould(t *testing.T) {
	native, st := runNative(t, waitProbe)
	if !st.Success() {
		t.Fatalf("the probe fails natively:\n%s", native)
	}
	g := runPolicy(t, virtualTimePolicy, waitProbe)
	g.checkExit(t, 0)
	if g.stdout != native {
		t.Errorf("under virtual time:\n%s\nnatively:\n%s\nstderr:\n%s", g.stdout, native, g.stderr)
	}
	g.checkTrace(t, []traceWant{
		{syscall: "ppoll", action: "emulate"},
		{syscall: "select", action: "emulate"},
		{syscall: "poll", action: "emulate"},
		{syscall: "epoll_pwait2", action: "emulate"},
	})
	for _, rule := range []string{
		"time: invalid timeout, left to the kernel",
		"time: invalid maxevents, left to the kernel",
		"time: fd 3 not an epoll, left to the kernel",
		"time: signal mask unblocks a pending signal, left to the kernel",
	} {
		if len(g.events(func(ev supervisor.Event) bool { return ev.Rule == rule })) == 0 {
			t.Errorf("trace: no event with rule %q", rule)
		}
	}
}
