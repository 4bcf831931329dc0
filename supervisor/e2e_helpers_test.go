package supervisor_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/guest/guesttest"
	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor"
	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
)

// python is the interpreter every end-to-end test runs: the system's, so
// that what the guest may see (its mount roots) does not depend on a
// user's pyenv or virtualenv.
const python = "/usr/bin/python3"

var (
	kernelOnce sync.Once
	kernelErr  error
)

// requireSandbox skips the test when the machine cannot run a sandbox at
// all: no interpreter, no seccomp user notification, no user namespaces.
// Anything else that goes wrong is a failure, not a skip.
func requireSandbox(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s is not installed (the end-to-end tests run the system CPython): %v", python, err)
	}
	kernelOnce.Do(func() { kernelErr = probeKernel() })
	if kernelErr != nil {
		t.Skipf("this kernel cannot run gaol's sandbox: %v", kernelErr)
	}
}

func probeKernel() error {
	if err := seccomp.CheckSizes(); err != nil {
		return fmt.Errorf("seccomp user notification is unavailable: %w", err)
	}
	if b, err := os.ReadFile("/proc/sys/user/max_user_namespaces"); err == nil && strings.TrimSpace(string(b)) == "0" {
		return errors.New("user namespaces are disabled (user.max_user_namespaces = 0)")
	}
	if b, err := os.ReadFile("/proc/sys/kernel/unprivileged_userns_clone"); err == nil && strings.TrimSpace(string(b)) == "0" && os.Getuid() != 0 {
		return errors.New("unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)")
	}
	return nil
}

// runSpec describes one sandboxed run of python on the built-in profile.
type runSpec struct {
	code   string   // run `python3 -c code`
	args   []string // or these arguments (after argv[0]); extra arguments after code
	stdin  string   // the guest's stdin; empty means /dev/null
	mounts []policies.Mount
	cwd    string
	limits func(*policies.Limits) // changes to the profile's budgets
}

// guestRun is what one run produced.
type guestRun struct {
	res      *supervisor.Result
	stdout   string
	stderr   string
	rawTrace []byte
	trace    []supervisor.Event
	elapsed  time.Duration // wall time of supervisor.Run, measured by the test
}

// runGuest runs python under the built-in python profile and parses the
// trace. It fails the test if gaol itself failed or the trace is not
// valid JSON lines.
func runGuest(t testing.TB, spec runSpec) *guestRun {
	t.Helper()
	g := startGuest(t, spec)
	if g.res.Error != "" {
		t.Fatalf("gaol failed: %s\nstderr:\n%s", g.res.Error, g.stderr)
	}
	return g
}

// startGuest is runGuest without the check that gaol itself succeeded.
func startGuest(t testing.TB, spec runSpec) *guestRun {
	t.Helper()
	defer holdQuiet(t, false)()
	return launch(t, spec)
}

// runTimed is runGuest for a test that bounds the run's wall time: it
// waits until no other sandboxed run of any gaol test binary is going on.
func runTimed(t testing.TB, spec runSpec) *guestRun {
	t.Helper()
	release := holdQuiet(t, true)
	g := launch(t, spec)
	release()
	if g.res.Error != "" {
		t.Fatalf("gaol failed: %s\nstderr:\n%s", g.res.Error, g.stderr)
	}
	return g
}

func launch(t testing.TB, spec runSpec) *guestRun {
	t.Helper()
	pol := builtin(t)
	if spec.limits != nil {
		spec.limits(&pol.Limits)
	}
	argv := append([]string{python}, spec.args...)
	if spec.code != "" {
		argv = append([]string{python, "-c", spec.code}, spec.args...)
	}
	var stdout, stderr, trace bytes.Buffer
	opts := supervisor.Options{
		Policy: pol, Path: python, Argv: argv, Mounts: spec.mounts, Cwd: spec.cwd,
		Stdout: &stdout, Stderr: &stderr, Trace: &trace,
	}
	if spec.stdin != "" {
		f := stdinFile(t, spec.stdin)
		defer f.Close()
		opts.Stdin = f
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	res := supervisor.Run(ctx, opts)
	g := &guestRun{res: res, stdout: stdout.String(), stderr: stderr.String(), rawTrace: trace.Bytes(), elapsed: time.Since(start)}
	g.trace = parseTrace(t, trace.Bytes())
	return g
}

func builtin(t testing.TB) *policies.Policy {
	t.Helper()
	pol, diags := policies.Builtin("python")
	if diags.HasErrors() {
		t.Fatalf("built-in python profile: %v", diags)
	}
	return pol
}

// stdinFile returns a file holding content, for the guest's stdin. The
// caller closes it.
func stdinFile(t testing.TB, content string) *os.File {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(content); err == nil {
		_, err = f.Seek(0, 0)
	}
	if err != nil {
		f.Close()
		t.Fatal(err)
	}
	return f
}

// parseTrace decodes the trace, one JSON object per line, rejecting
// unknown fields so that the documented format (supervisor.Event) and
// the written one cannot drift apart.
func parseTrace(t testing.TB, b []byte) []supervisor.Event {
	t.Helper()
	var out []supervisor.Event
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var ev supervisor.Event
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("trace line %d is not an Event: %v\n%s", n, err, sc.Bytes())
		}
		out = append(out, ev)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading the trace: %v", err)
	}
	return out
}

// traceWant is an event the trace must (or, with absent, must not) hold.
// Empty fields match anything.
type traceWant struct {
	syscall string
	action  string
	path    string // Args.Path, as the guest passed it
	errno   string
	absent  bool // no event of this syscall at all
}

func (w traceWant) String() string {
	if w.absent {
		return fmt.Sprintf("no %s event", w.syscall)
	}
	return fmt.Sprintf("%s path=%q action=%q errno=%q", w.syscall, w.path, w.action, w.errno)
}

func (w traceWant) matches(ev supervisor.Event) bool {
	return ev.Syscall == w.syscall &&
		(w.action == "" || ev.Action == w.action) &&
		(w.path == "" || ev.Args.Path == w.path) &&
		(w.errno == "" || ev.Errno == w.errno)
}

// checkTrace checks the wanted events against the trace.
func (g *guestRun) checkTrace(t testing.TB, wants []traceWant) {
	t.Helper()
	for _, w := range wants {
		found := g.events(func(ev supervisor.Event) bool {
			if w.absent {
				return ev.Syscall == w.syscall
			}
			return w.matches(ev)
		})
		switch {
		case w.absent && len(found) > 0:
			t.Errorf("trace: want %s, got %+v", w, found[0])
		case !w.absent && len(found) == 0:
			t.Errorf("trace: want %s; got:\n%s", w, g.eventsLike(w))
		}
	}
}

func (g *guestRun) events(pred func(supervisor.Event) bool) []supervisor.Event {
	var out []supervisor.Event
	for _, ev := range g.trace {
		if pred(ev) {
			out = append(out, ev)
		}
	}
	return out
}

// eventsLike shows the events that come closest to w: those of its
// syscall and path (or the last ten of its syscall), for failure messages.
func (g *guestRun) eventsLike(w traceWant) string {
	evs := g.events(func(ev supervisor.Event) bool {
		return ev.Syscall == w.syscall && (w.path == "" || ev.Args.Path == w.path)
	})
	if len(evs) > 10 {
		evs = evs[len(evs)-10:]
	}
	if len(evs) == 0 {
		return "  (no such event)"
	}
	var b strings.Builder
	for _, ev := range evs {
		j, _ := json.Marshal(ev)
		b.WriteString("  ")
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

// checkCounts checks that the trace and the result's counters agree: one
// line per intercepted syscall, and the denials are the "deny" lines.
func (g *guestRun) checkCounts(t testing.TB) {
	t.Helper()
	denied := len(g.events(func(ev supervisor.Event) bool { return ev.Action == "deny" }))
	if got := uint64(len(g.trace)); got != g.res.Syscalls.Intercepted {
		t.Errorf("trace has %d lines, result counts %d intercepted syscalls", got, g.res.Syscalls.Intercepted)
	}
	if uint64(denied) != g.res.Syscalls.Denied {
		t.Errorf("trace has %d denials, result counts %d", denied, g.res.Syscalls.Denied)
	}
}

// checkExit checks that the guest exited by itself with code.
func (g *guestRun) checkExit(t testing.TB, code int) {
	t.Helper()
	if g.res.ExitCode == nil || *g.res.ExitCode != code || g.res.Signal != "" || g.res.Status != code {
		t.Fatalf("want exit code %d, got %s\nstdout:\n%s\nstderr:\n%s", code, describe(g.res), g.stdout, g.stderr)
	}
}

// describe is a one-line summary of a result for failure messages.
func describe(r *supervisor.Result) string {
	code := "null"
	if r.ExitCode != nil {
		code = fmt.Sprint(*r.ExitCode)
	}
	return fmt.Sprintf("exit_code=%s signal=%q limit=%q status=%d error=%q exec_error=%q wall=%.2fs",
		code, r.Signal, r.Limit, r.Status, r.Error, r.ExecError, r.Wall)
}

// pyFlags are the interpreter flags the native probes use: no site, no
// environment, so that they behave like the sandboxed guest's code.
var pyFlags = []string{"-I", "-S"}

// runNative runs python outside any sandbox (as a subprocess of the test,
// never the test process itself) and returns its exit state.
func runNative(t testing.TB, code string, args ...string) (string, *os.ProcessState) {
	t.Helper()
	cmd := exec.Command(python, append(append(append([]string(nil), pyFlags...), "-c", code), args...)...)
	out, _ := cmd.CombinedOutput()
	return string(out), cmd.ProcessState
}

// holdQuiet is guesttest.HoldQuiet.
func holdQuiet(t testing.TB, exclusive bool) func() {
	t.Helper()
	return guesttest.HoldQuiet(t, exclusive)
}
