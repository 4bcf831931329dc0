package escape

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/policies"
)

// attack is one row of the table: a script and what containing it means.
type attack struct {
	name    string // the attack's name in the report
	script  string // attacks/SCRIPT.py; "" means name
	what    string // what was contained, for the "contained" line
	want    want
	flags   []string      // extra `gaol run` flags
	maxWall time.Duration // the run must end within this; 0: no check beyond the timeout
	prepare func(e *env)  // extra setup: mounts, stdin, hooks, checks
	// defaultOnly, when set, says why the attack runs under the default
	// profile alone: what it asserts is what the permissive profile
	// allows (a fork), or it brings a permissive policy of its own.
	defaultOnly string
}

func (a attack) scriptName() string {
	if a.script != "" {
		return a.script
	}
	return a.name
}

// want is how the run must end. The zero value is invalid.
type want struct {
	done       bool   // exit status 0 after printing DONE
	limit      string // or stopped by this budget (status 124)
	signal     string // killed by this signal after printing ARMED
	gaolKilled bool   // the runner kills gaol itself (see supervisor_killed)
}

var (
	wantDone   = want{done: true}
	wantSIGSYS = want{signal: "SIGSYS"}
)

func wantLimit(l string) want       { return want{limit: l} }
func wantDoneOrLimit(l string) want { return want{done: true, limit: l} }

// env is one attack's setup, which prepare may extend.
type env struct {
	t       *testing.T
	c       *canaries
	token   string
	gaolTmp string   // gaol's TMPDIR: must be empty after the run
	flags   []string // extra `gaol run` flags
	environ []string // extra environment variables of gaol
	extra   []*os.File
	stdin   *os.File
	checks  []func(r *run) []string
	hooks   []hook
	notes   []string
	skip    string
}

// hook runs when the guest prints a line starting with prefix.
type hook struct {
	prefix string
	fn     func(r *run, line string)
}

func (e *env) onLine(prefix string, fn func(r *run, line string)) {
	e.hooks = append(e.hooks, hook{prefix, fn})
}

func (e *env) check(fn func(r *run) []string) { e.checks = append(e.checks, fn) }

// result is the part of gaol's --result JSON the runner judges.
type result struct {
	ExitCode  *int    `json:"exit_code"`
	Signal    string  `json:"signal"`
	Limit     string  `json:"limit"`
	Error     string  `json:"error"`
	ExecError string  `json:"exec_error"`
	Status    int     `json:"status"`
	Wall      float64 `json:"wall_s"`
	PeakRSS   int64   `json:"peak_rss_bytes"`
}

func (r *result) String() string {
	code := "null"
	if r.ExitCode != nil {
		code = fmt.Sprint(*r.ExitCode)
	}
	return fmt.Sprintf("exit %s, signal %q, limit %q, status %d", code, r.Signal, r.Limit, r.Status)
}

// run is one execution of gaol and what the runner saw of it.
type run struct {
	e        *env
	cmd      *exec.Cmd
	start    time.Time
	wall     time.Duration
	timedOut bool
	res      *result
	stdout   capped
	stderr   capped
	trace    []byte
	stub     hostProc

	mu    sync.Mutex
	lines []string
	facts []string // hook findings that fail the attack
}

func (r *run) fail(format string, args ...any) {
	r.mu.Lock()
	r.facts = append(r.facts, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// saw reports whether the guest printed exactly this line.
func (r *run) saw(line string) bool {
	return r.sawLine(func(l string) bool { return l == line })
}

// sawPrefix reports whether the guest printed a line starting with prefix.
func (r *run) sawPrefix(prefix string) bool {
	return r.sawLine(func(l string) bool { return strings.HasPrefix(l, prefix) })
}

func (r *run) sawLine(match func(string) bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.lines {
		if match(l) {
			return true
		}
	}
	return false
}

// capped keeps the first max bytes written to it and counts them all.
type capped struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	total int64
}

const captureMax = 32 << 20

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += int64(len(p))
	if room := captureMax - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (c *capped) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Bytes()
}

// runAttack prepares the canaries, runs the attack under gaol and judges
// the host-side outcome.
func runAttack(t *testing.T, a attack, p profile) verdict {
	e := &env{t: t, c: newCanaries(t), token: "gaoltoken-" + randomHex(t, 8), gaolTmp: t.TempDir()}
	if p.prepare != nil {
		p.prepare(e)
	}
	if a.prepare != nil {
		a.prepare(e)
	}
	v := verdict{name: a.name, what: a.what, skipped: e.skip}
	if e.skip != "" {
		return v
	}
	dirSnap := takeSnapshot(t, e.c.dir)
	r := execute(t, a, e)
	v.failures = r.judge(a)
	v.failures = append(v.failures, dirSnap.diff(t, e.c.dir, "the canary directory")...)
	v.notes = append(e.notes, r.notes()...)
	return v
}

func execute(t *testing.T, a attack, e *env) *run {
	dir := t.TempDir()
	resFile, traceFile := filepath.Join(dir, "result.json"), filepath.Join(dir, "trace.jsonl")
	args := []string{"run", "--result", resFile, "--trace", traceFile, "--ro", attacksDir + ":/attacks"}
	args = append(append(args, a.flags...), e.flags...)
	args = append(args, "--", "python3", "/attacks/"+a.scriptName()+".py", "token="+e.token, "policyenv="+policyEnv())
	args = append(args, e.c.args()...)
	r := &run{e: e}
	r.cmd = exec.Command(gaolBin, args...)
	r.cmd.Env = append(append(os.Environ(), e.c.secrets.envName+"="+e.c.secrets.envValue, "TMPDIR="+e.gaolTmp), e.environ...)
	r.cmd.Stdin = e.stdin
	r.cmd.Stderr = &r.stderr
	r.cmd.ExtraFiles = e.extra
	r.cmd.WaitDelay = 5 * time.Second
	outR, outW, err := os.Pipe()
	must(t, err)
	r.cmd.Stdout = outW
	r.start = time.Now()
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("cannot start gaol: %v", err)
	}
	outW.Close()
	readDone := make(chan struct{})
	go func() { r.readStdout(outR); close(readDone) }()
	exited := make(chan struct{})
	stubc := findStub(r.cmd.Process.Pid, exited)
	timeout := 60 * time.Second
	if a.maxWall > 0 {
		timeout = a.maxWall + 20*time.Second
	}
	timer := time.AfterFunc(timeout, func() {
		r.mu.Lock()
		r.timedOut = true
		r.mu.Unlock()
		r.cmd.Process.Kill()
	})
	r.cmd.Wait()
	timer.Stop()
	r.wall = time.Since(r.start)
	close(exited)
	r.stub = <-stubc
	select {
	case <-readDone:
	case <-time.After(5 * time.Second):
	}
	outR.Close()
	if b, err := os.ReadFile(resFile); err == nil {
		var res result
		if json.Unmarshal(b, &res) == nil {
			r.res = &res
		}
	}
	r.trace, _ = os.ReadFile(traceFile)
	return r
}

// readStdout copies the guest's stdout into r.stdout, line by line, and
// runs the hooks.
func (r *run) readStdout(f *os.File) {
	buf := make([]byte, 64<<10)
	var partial []byte
	for {
		n, err := f.Read(buf)
		if n > 0 {
			r.stdout.Write(buf[:n])
			partial = append(partial, buf[:n]...)
			for {
				i := bytes.IndexByte(partial, '\n')
				if i < 0 {
					break
				}
				r.line(string(partial[:i]))
				partial = partial[i+1:]
			}
			if len(partial) > 1<<16 {
				partial = partial[len(partial)-1<<10:] // a flood without newlines
			}
		}
		if err != nil {
			return
		}
	}
}

func (r *run) line(l string) {
	r.mu.Lock()
	if len(r.lines) < 100000 {
		r.lines = append(r.lines, l)
	}
	r.mu.Unlock()
	for _, h := range r.e.hooks {
		if strings.HasPrefix(l, h.prefix) {
			h.fn(r, l)
		}
	}
}

// notes are the guest's NOTE lines: defects that are not escapes.
func (r *run) notes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, l := range r.lines {
		if n, ok := strings.CutPrefix(l, "NOTE: "); ok {
			out = append(out, n)
		}
	}
	return out
}

// judge lists every way the run failed to contain the attack.
func (r *run) judge(a attack) []string {
	var out []string
	if r.timedOut {
		out = append(out, fmt.Sprintf("gaol did not end within %s and was killed", r.wall.Round(time.Second)))
	}
	out = append(out, r.checkEnd(a)...)
	if a.maxWall > 0 && r.wall > a.maxWall {
		out = append(out, fmt.Sprintf("the run took %s, more than %s", r.wall.Round(10*time.Millisecond), a.maxWall))
	}
	r.mu.Lock()
	for _, l := range r.lines {
		if v, ok := strings.CutPrefix(l, "VIOLATION: "); ok {
			out = append(out, "guest: "+v)
		}
	}
	out = append(out, r.facts...)
	r.mu.Unlock()
	out = append(out, r.leaks()...)
	out = append(out, r.e.c.check()...)
	out = append(out, r.leftovers()...)
	for _, c := range r.e.checks {
		out = append(out, c(r)...)
	}
	if names, _ := os.ReadDir(r.e.gaolTmp); len(names) > 0 {
		out = append(out, fmt.Sprintf("gaol left %d entries in its TMPDIR (%s, …)", len(names), names[0].Name()))
	}
	return out
}

// checkEnd compares how the run ended with what the attack expects.
func (r *run) checkEnd(a attack) []string {
	w := a.want
	if w.gaolKilled {
		return nil // the hook and the leftover check judge it
	}
	res := r.res
	if res == nil {
		return []string{"gaol wrote no result (it crashed?): " + tail(r.stderr.bytes())}
	}
	var out []string
	if res.Error != "" {
		out = append(out, "gaol itself failed: "+res.Error)
	}
	switch {
	case w.signal != "":
		if !r.saw("ARMED") {
			out = append(out, "the attack never reached its probe: "+res.String()+"; "+tail(r.stderr.bytes()))
		} else if res.Signal != w.signal {
			out = append(out, fmt.Sprintf("the guest was not killed by %s: %s", w.signal, res))
		}
	case w.done && r.saw("DONE") && res.ExitCode != nil && *res.ExitCode == 0:
	case w.limit != "" && res.Limit == w.limit && res.Status == 124:
		if !w.done && !r.saw("ARMED") {
			out = append(out, "the attack never reached its probe: "+res.String())
		}
	case w.done:
		msg := "the attack did not run to its end (no DONE, " + res.String()
		if w.limit != "" {
			msg += ", nor limit " + w.limit
		}
		out = append(out, msg+"): "+tail(r.stderr.bytes()))
	default:
		out = append(out, fmt.Sprintf("the run was not stopped by the %s budget: %s", w.limit, res))
	}
	if r.saw("SURVIVED") {
		out = append(out, "the guest survived what should have ended it")
	}
	return out
}

// tail is the last line or so of gaol's stderr, for a report line.
func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = "…" + s[len(s)-300:]
	}
	if s == "" {
		return "(stderr empty)"
	}
	return strings.ReplaceAll(s, "\n", " | ")
}

// leaks looks for every secret and forbidden marker in the output and
// the trace.
func (r *run) leaks() []string {
	var out []string
	streams := []struct {
		name string
		b    []byte
	}{{"stdout", r.stdout.bytes()}, {"stderr", r.stderr.bytes()}, {"the trace", r.trace}}
	for what, s := range r.e.c.secrets.all() {
		for _, st := range streams {
			if bytes.Contains(st.b, []byte(s)) {
				out = append(out, fmt.Sprintf("%s leaked into %s", what, st.name))
			}
		}
	}
	for _, m := range forbidden() {
		for _, st := range streams[:2] {
			if i := bytes.Index(st.b, []byte(m.text)); i >= 0 {
				out = append(out, fmt.Sprintf("%s appeared in %s: %q", m.what, st.name, excerpt(st.b, i)))
			}
		}
	}
	return out
}

func excerpt(b []byte, i int) string {
	end := i + 80
	if end > len(b) {
		end = len(b)
	}
	return string(b[i:end])
}

type marker struct{ what, text string }

// forbidden are strings no contained attack can print: the marker a
// program prints when an exec or fork worked, and the first line of the
// host's /etc/passwd, which no mount exposes.
var forbidden = sync.OnceValue(func() []marker {
	out := []marker{{"the marker of a program that should never have run", "PW" + "NED"}}
	if b, err := os.ReadFile("/etc/passwd"); err == nil {
		if first, _, _ := strings.Cut(string(b), "\n"); len(first) > 8 {
			out = append(out, marker{"the host's /etc/passwd", first})
		}
	}
	return out
})

// leftovers lists the guest processes and the stub still alive after gaol
// has exited (waiting up to three seconds for them to go).
func (r *run) leftovers() []string {
	deadline := time.Now().Add(3 * time.Second)
	for {
		var alive []string
		for _, p := range withToken(r.e.token, r.cmd.Process.Pid) {
			if p.alive() {
				alive = append(alive, fmt.Sprintf("guest process %d", p.pid))
			}
		}
		if r.stub.alive() {
			alive = append(alive, fmt.Sprintf("gaol's stub %d", r.stub.pid))
		}
		if len(alive) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return []string{"left behind on the host after gaol exited: " + strings.Join(alive, ", ")}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// policyEnv lists the variables of the built-in python profile's
// environment, comma-separated: the only ones the guest may see.
func policyEnv() string {
	pol, diags := policies.Builtin("python")
	if diags.HasErrors() {
		panic(diags.Error())
	}
	keys := make([]string, 0, len(pol.Env))
	for k := range pol.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}
