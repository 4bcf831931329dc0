package supervisor_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/supervisor"
)

// The budgets cover the guest's PID namespace: processes outside the
// interpreter's tree of parent links (a double-forked orphan is
// re-parented to the stub) count as well. CLONE_PARENT, the other way to
// make one, is refused outright (TestCloneFlagsNoGuestMayUse, and the
// escape attack stub_reach under a policy allowing processes).

// budgetPrelude gives the guest raw forks and clones through ctypes, and
// ways to leave a process behind outside the interpreter's tree.
const budgetPrelude = `import ctypes, os, signal, sys, time, threading
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
CLONE_PARENT = 0x8000
def raw_clone(flags):
    r = libc.syscall(56, ctypes.c_ulong(flags | signal.SIGCHLD), 0, 0, 0, 0)
    return r if r >= 0 else -ctypes.get_errno()
def orphan(body):
    # double fork: the grandchild is re-parented to the stub
    pid = os.fork()
    if pid == 0:
        if os.fork() == 0:
            body()
            os._exit(0)
        os._exit(0)
    os.waitpid(pid, 0)
def clone_parent(body):
    pid = raw_clone(CLONE_PARENT)
    if pid == 0:
        body()
        os._exit(0)
    return pid
def sleeper():
    time.sleep(30)
def burn():
    while True:
        pass
`

func budgetPolicy(body string) string {
	return `sandbox "budgets" {
  extends = "python"
  limits {
` + body + `
  }
}`
}

// TestProcessBudgetCountsTheNamespace: an orphan holds its place in process.max (2 here): with one more child, the
// next fork is refused.
func TestProcessBudgetCountsTheNamespace(t *testing.T) {
	requireSandbox(t)
	for _, how := range []string{"orphan(sleeper)"} {
		t.Run(how, func(t *testing.T) {
			// The orphan needs two places while its parent lives; one
			// child more then fills the budget of two.
			code := budgetPrelude + how + `
time.sleep(0.2)
if os.fork() == 0:
    time.sleep(30)
    os._exit(0)
try:
    pid = os.fork()
except BlockingIOError:
    print("refused")
else:
    if pid == 0:
        os._exit(0)
    print("forked")
`
			g := runPolicy(t, budgetPolicy("processes = 2\n    tasks = 32"), code)
			if got := strings.TrimSpace(g.stdout); got != "refused" {
				t.Fatalf("stdout %q, want refused (the first process still holds the budget)\nstderr:\n%s\nresult: %s", got, g.stderr, describe(g.res))
			}
		})
	}
}

// TestBudgetsCoverProcessesOutsideTheTree: CPU, memory and tasks used by
// orphans stop the run at the budget, and the
// result names it.
func TestBudgetsCoverProcessesOutsideTheTree(t *testing.T) {
	requireSandbox(t)
	threads := `def threads():
    for i in range(40):
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
    time.sleep(30)
`
	hog := `def hog():
    b = bytearray(80 << 20)
    for i in range(0, len(b), 4096):
        b[i] = 1
    time.sleep(30)
`
	tests := []struct {
		name, code, limits string
		limit              supervisor.Limit
	}{
		{"orphans burning CPU", "for i in range(3): orphan(burn)\n", `cpu = "2s"
    processes = 8`, "cpu"},
		{"orphans holding memory", hog + "for i in range(5): orphan(hog)\n", `memory = "128MiB"
    processes = 8`, "memory"},
		{"orphans with threads", threads + "for i in range(4): orphan(threads)\n", `tasks = 32
    processes = 8`, "tasks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := budgetPrelude + tt.code + "time.sleep(20)\nprint('survived')\n"
			start := time.Now()
			g := runNamed(t, budgetPolicy(tt.limits+"\n    wall = \"15s\""), code, nil)
			if g.res.Limit != tt.limit || g.res.Status != supervisor.StatusLimit {
				t.Fatalf("want limit %q, got %s (after %v)\nstdout:\n%s\nstderr:\n%s", tt.limit, describe(g.res), time.Since(start).Round(time.Millisecond), g.stdout, g.stderr)
			}
			if strings.Contains(g.stdout, "survived") {
				t.Errorf("the guest ran on past the budget:\n%s", g.stdout)
			}
		})
	}
}

// TestConcurrentForksCannotOvershootTheProcessBudget: 64 threads released
// by a barrier fork at once against process.max = 1, burst after burst;
// never do two children get through.
func TestConcurrentForksCannotOvershootTheProcessBudget(t *testing.T) {
	requireSandbox(t)
	const bursts = 40
	code := budgetPrelude + `
N = 64
barrier = threading.Barrier(N + 1)
results = [0] * N
def worker(i):
    while True:
        barrier.wait()
        results[i] = libc.syscall(57)   # fork: the child never gets back into Python safely
        if results[i] == 0:
            libc.pause()
        barrier.wait()
ts = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(N)]
for t in ts: t.start()
worst = 0
for burst in range(` + strconv.Itoa(bursts) + `):
    barrier.wait()
    barrier.wait()
    kids = [r for r in results if r > 0]
    worst = max(worst, len(kids))
    for k in kids:
        os.kill(k, signal.SIGKILL)
        os.waitpid(k, 0)
print("worst", worst)
`
	g := runPolicy(t, budgetPolicy("processes = 1\n    tasks = 256"), code)
	out := strings.TrimSpace(g.stdout)
	if out != "worst 1" {
		t.Fatalf("stdout %q, want \"worst 1\" (one child per burst of 64 forks at most, and one at least)\nstderr:\n%s\nresult: %s", out, g.stderr, describe(g.res))
	}
}

// TestCPUOfReapedChildrenCounts: a guest that forks a child, burns CPU in
// it, reaps it and does it again stops at the CPU budget: the CPU of
// processes that ended counts.
func TestCPUOfReapedChildrenCounts(t *testing.T) {
	requireSandbox(t)
	code := budgetPrelude + `
for i in range(8):
    pid = os.fork()
    if pid == 0:
        t = time.process_time()
        while time.process_time() - t < 1.5:
            pass
        os._exit(0)
    os.waitpid(pid, 0)
print("burnt 12 s")
`
	g := runNamed(t, budgetPolicy(`cpu = "2s"
    processes = 1`), code, nil)
	if g.res.Limit != "cpu" || g.res.Status != supervisor.StatusLimit {
		t.Fatalf("want limit cpu, got %s\nstdout:\n%s\nstderr:\n%s", describe(g.res), g.stdout, g.stderr)
	}
}
