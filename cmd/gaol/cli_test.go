package main

// End-to-end tests of the gaol command: the test binary is the gaol CLI
// (GAOL_TEST_MAIN=1 runs dispatch) and its own guest stub (guest.ModeInit),
// started as a subprocess for every case. The test process itself is
// never sandboxed.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/guest/guesttest"
	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor"
	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
)

const mainEnv = "GAOL_TEST_MAIN"

func TestMain(m *testing.M) {
	guesttest.ServeStub()
	if os.Getenv(mainEnv) == "1" {
		os.Exit(dispatch(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// python is the interpreter the tests run: the system's, named by path so
// that a user's pyenv shims play no part.
const python = "/usr/bin/python3"

func requireSandbox(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s is not installed (the end-to-end tests run the system CPython): %v", python, err)
	}
	if err := seccomp.CheckSizes(); err != nil {
		t.Skipf("this kernel has no seccomp user notification: %v", err)
	}
	if b, err := os.ReadFile("/proc/sys/user/max_user_namespaces"); err == nil && strings.TrimSpace(string(b)) == "0" {
		t.Skip("this kernel has user namespaces disabled (user.max_user_namespaces = 0)")
	}
}

// cli is one invocation of the gaol command.
type cli struct {
	args  []string
	stdin string // "" means none
	dir   string // working directory; "" means the test's
	env   []string
}

type cliResult struct {
	status  int
	stdout  string
	stderr  string
	elapsed time.Duration
}

func (c cli) run(t *testing.T) cliResult {
	t.Helper()
	defer holdQuiet(t, false)()
	return c.start(t)
}

// runTimed is run for a test that bounds gaol's wall time: it waits until
// no other sandboxed run of any gaol test binary is going on.
func (c cli) runTimed(t *testing.T) cliResult {
	t.Helper()
	defer holdQuiet(t, true)()
	return c.start(t)
}

func (c cli) start(t *testing.T) cliResult {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, c.args...)
	cmd.Env = append(append(os.Environ(), mainEnv+"=1"), c.env...)
	if os.Getenv("GORACE") == "" {
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	cmd.Dir = c.dir
	if c.stdin != "" {
		cmd.Stdin = strings.NewReader(c.stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	r := cliResult{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("gaol %s: %v", strings.Join(c.args, " "), err)
	}
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() {
		t.Fatalf("gaol %s was killed by %v; stderr:\n%s", strings.Join(c.args, " "), ws.Signal(), r.stderr)
	}
	r.status = cmd.ProcessState.ExitCode()
	return r
}

// gaolRun is `gaol run [flags] -- python3 ARGS...`.
func gaolRun(flags []string, pyArgs ...string) []string {
	return append(append(append([]string{"run"}, flags...), "--", python), pyArgs...)
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// policyErrorPos matches where the policy package places the first error
// of file: FILE:LINE:COLUMN, or HCL's own FILE:LINE,COLUMN.
func policyErrorPos(t *testing.T, file string) *regexp.Regexp {
	t.Helper()
	_, diags := policies.Load(file, nil)
	if !diags.HasErrors() || diags[0].Subject == nil {
		t.Fatalf("%s: want an error with a source range, got %v", file, diags)
	}
	s := diags[0].Subject
	return regexp.MustCompile(fmt.Sprintf(`%s:%d[:,]%d\b`, regexp.QuoteMeta(s.Filename), s.Start.Line, s.Start.Column))
}

func TestExitStatus(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	dir := t.TempDir()
	noX := writeFile(t, filepath.Join(dir, "no-x-bit"), "print(1)\n", 0o644)
	script := writeFile(t, filepath.Join(dir, "script.sh"), "#!/bin/sh\necho escaped\n", 0o755)
	syntax := writeFile(t, filepath.Join(dir, "syntax.hcl"), "sandbox \"bad\" {\n  extends = \"python\"\n  limits {\n    cpu = \n  }\n}\n", 0o644)
	semantic := writeFile(t, filepath.Join(dir, "semantic.hcl"), "sandbox \"bad\" {\n  extends = \"python\"\n  limits {\n    cpu = \"10\"\n  }\n}\n", 0o644)
	tests := []struct {
		name   string
		args   []string
		status int
		stdout string         // exact, when set
		stderr *regexp.Regexp // must match, when set
	}{
		{name: "a guest that succeeds exits 0", args: gaolRun(nil, "-c", `print("hello")`), status: 0, stdout: "hello\n"},
		{name: "the guest's own exit code passes through", args: gaolRun(nil, "-c", "import sys; sys.exit(3)"), status: 3},
		{name: "an uncaught exception exits 1", args: gaolRun(nil, "-c", "raise SystemError"), status: 1, stderr: regexp.MustCompile(`SystemError`)},
		{
			name:   "a missing --policy file exits 125",
			args:   []string{"run", "--policy", filepath.Join(dir, "missing.hcl"), "--", python, "-c", "pass"},
			status: supervisor.StatusFailed, stderr: regexp.MustCompile(`missing\.hcl`),
		},
		{
			name:   "--ro of a missing host path exits 125",
			args:   []string{"run", "--ro", filepath.Join(dir, "missing-dir"), "--", python, "-c", "pass"},
			status: supervisor.StatusFailed, stderr: regexp.MustCompile(`missing-dir`),
		},
		{
			name:   "a policy with a syntax error exits 125 naming file:line:column",
			args:   []string{"run", "--policy", syntax, "--", python, "-c", "pass"},
			status: supervisor.StatusFailed, stderr: policyErrorPos(t, syntax),
		},
		{
			name:   "a policy with an invalid value exits 125 naming file:line:column",
			args:   []string{"run", "--policy", semantic, "--", python, "-c", "pass"},
			status: supervisor.StatusFailed, stderr: policyErrorPos(t, semantic),
		},
		{name: "a file without the x bit exits 126", args: []string{"run", "--", noX}, status: supervisor.StatusCannotExec},
		{name: "a text file with the x bit exits 126", args: []string{"run", "--", script}, status: supervisor.StatusCannotExec},
		{name: "a directory exits 126", args: []string{"run", "--", dir}, status: supervisor.StatusCannotExec},
		{name: "a missing command exits 127", args: []string{"run", "--", "gaol-no-such-command"}, status: supervisor.StatusNotFound},
		{name: "a missing command path exits 127", args: []string{"run", "--", filepath.Join(dir, "missing")}, status: supervisor.StatusNotFound},
		{
			name:   "a guest killed by SIGTERM exits 143",
			args:   gaolRun(nil, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"),
			status: 128 + int(syscall.SIGTERM),
		},
		{
			name:   "a guest killed by SIGSEGV exits 139",
			args:   gaolRun(nil, "-c", "import ctypes; ctypes.string_at(0)"),
			status: 128 + int(syscall.SIGSEGV),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := cli{args: tt.args}.run(t)
			if r.status != tt.status {
				t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r.status, tt.status, r.stdout, r.stderr)
			}
			if tt.stdout != "" && r.stdout != tt.stdout {
				t.Errorf("stdout = %q, want %q", r.stdout, tt.stdout)
			}
			if tt.stderr != nil && !tt.stderr.MatchString(r.stderr) {
				t.Errorf("stderr does not match %q:\n%s", tt.stderr, r.stderr)
			}
			if strings.Contains(r.stdout, "escaped") {
				t.Error("the shell script ran")
			}
		})
	}
}

// TestBudgetsExit124 checks that each budget stops the guest with status
// 124, in time. Not parallel: the bounds are on wall time.
func TestBudgetsExit124(t *testing.T) {
	requireSandbox(t)
	tests := []struct {
		name   string
		flags  []string
		code   string
		limit  string
		within time.Duration
	}{
		{name: "--cpu 1s stops a busy loop", flags: []string{"--cpu", "1s"}, code: "while True: pass", limit: "cpu", within: 2 * time.Second},
		{name: "--wall 2s stops a sleep", flags: []string{"--wall", "2s"}, code: "import time; time.sleep(1e6)", limit: "wall", within: 3 * time.Second},
		{name: "--memory 512MiB stops a 10 GiB allocation", flags: []string{"--memory", "512MiB"}, code: `b"x" * (10 << 30)`, limit: "memory", within: 2 * time.Second},
		{name: "--output 1MiB stops a print flood", flags: []string{"--output", "1MiB"}, code: `while True: print("x" * 99)`, limit: "output", within: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cli{args: gaolRun(append(tt.flags, "--json"), "-c", tt.code)}.runTimed(t)
			if r.status != supervisor.StatusLimit {
				t.Fatalf("exit status %d, want %d; stderr:\n%.2000s", r.status, supervisor.StatusLimit, r.stderr)
			}
			res := resultFromStderr(t, r.stderr)
			if string(res.Limit) != tt.limit {
				t.Errorf("limit = %q, want %q", res.Limit, tt.limit)
			}
			if r.elapsed > tt.within {
				t.Errorf("gaol took %v, want at most %v", r.elapsed.Round(time.Millisecond), tt.within)
			}
			if tt.limit == "output" && len(r.stdout) != 1<<20 {
				t.Errorf("stdout has %d bytes, want exactly the budget, %d", len(r.stdout), 1<<20)
			}
		})
	}
	t.Run("a fork loop is refused and the guest exits 0", func(t *testing.T) {
		code := `
import errno, os
refused = 0
for i in range(20):
    try:
        if os.fork() == 0:
            os._exit(0)
    except OSError as e:
        refused += 1
        last = errno.errorcode[e.errno]
print("refused", refused, last)
`
		r := cli{args: gaolRun(nil, "-c", code)}.run(t)
		if r.status != 0 || r.stdout != "refused 20 EAGAIN\n" {
			t.Fatalf("exit status %d, stdout %q; want 0, %q\nstderr:\n%s", r.status, r.stdout, "refused 20 EAGAIN\n", r.stderr)
		}
	})
}

// resultFromStderr parses the result --json prints at the end of stderr.
func resultFromStderr(t *testing.T, stderr string) *supervisor.Result {
	t.Helper()
	i := strings.LastIndex("\n"+stderr, "\n{\n")
	if i < 0 {
		t.Fatalf("no JSON result on stderr:\n%s", stderr)
	}
	return parseResult(t, []byte(stderr[i:]))
}

// parseResult decodes a result and checks that it has every field of the
// documented format, whatever the run's end.
func parseResult(t *testing.T, b []byte) *supervisor.Result {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatalf("the result is not one JSON object: %v\n%s", err, b)
	}
	for _, k := range []string{"exit_code", "limit", "cpu_user_s", "cpu_system_s", "peak_rss_bytes", "wall_s",
		"syscalls", "output_bytes", "gaol_version", "policy", "layers", "status"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("the result lacks %q:\n%s", k, b)
		}
	}
	var res supervisor.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

func TestResultReport(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	t.Run("--json prints the result to stderr after the guest's own", func(t *testing.T) {
		t.Parallel()
		r := cli{args: gaolRun([]string{"--json"}, "-c", `import sys; print("to stderr", file=sys.stderr); sys.exit(3)`)}.run(t)
		if r.status != 3 {
			t.Fatalf("exit status %d, want 3; stderr:\n%s", r.status, r.stderr)
		}
		if !strings.HasPrefix(r.stderr, "to stderr\n") {
			t.Errorf("stderr does not start with the guest's output:\n%s", r.stderr)
		}
		res := resultFromStderr(t, r.stderr)
		if res.ExitCode == nil || *res.ExitCode != 3 || res.Status != 3 || res.Policy != "python" || res.Limit != "none" {
			t.Errorf("result = %+v, want exit_code 3, status 3, policy python, limit none", res)
		}
		if r.stdout != "" {
			t.Errorf("stdout = %q, want nothing (the result goes to stderr)", r.stdout)
		}
	})
	t.Run("--result FILE writes the result and prints none", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "result.json")
		r := cli{args: gaolRun([]string{"--result", file}, "-c", `print("hi")`)}.run(t)
		if r.status != 0 || r.stdout != "hi\n" {
			t.Fatalf("exit status %d, stdout %q; want 0, %q; stderr:\n%s", r.status, r.stdout, "hi\n", r.stderr)
		}
		if strings.Contains(r.stderr, "{") {
			t.Errorf("stderr holds a result nobody asked for:\n%s", r.stderr)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("--result wrote no file: %v", err)
		}
		res := parseResult(t, b)
		if res.ExitCode == nil || *res.ExitCode != 0 || res.Status != 0 || res.OutputSize != 3 || len(res.Layers) == 0 {
			t.Errorf("result = %+v, want exit_code 0, status 0, output_bytes 3, layers", res)
		}
	})
	t.Run("a SIGSEGV exits 139 with a full result", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "result.json")
		r := cli{args: gaolRun([]string{"--json", "--result", file}, "-c", "import ctypes; ctypes.string_at(0)")}.run(t)
		if r.status != 139 {
			t.Fatalf("exit status %d, want 139; stderr:\n%s", r.status, r.stderr)
		}
		printed := resultFromStderr(t, r.stderr)
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		written := parseResult(t, b)
		for name, res := range map[string]*supervisor.Result{"--json": printed, "--result": written} {
			if res.ExitCode != nil || res.Signal != "SIGSEGV" || res.Status != 139 || res.Limit != "none" {
				t.Errorf("%s: exit_code %v, signal %q, status %d, limit %q; want null, SIGSEGV, 139, none",
					name, res.ExitCode, res.Signal, res.Status, res.Limit)
			}
			if res.CPUUser+res.CPUSystem <= 0 || res.Wall <= 0 || res.PeakRSS <= 0 || res.Syscalls.Intercepted == 0 || len(res.Layers) == 0 {
				t.Errorf("%s: the result lacks usage: %+v", name, res)
			}
		}
	})
}

const stdlibImports = `import json, re, pathlib, tempfile, sqlite3; print("ok")`

func TestScriptsAndStdin(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "main.py"), stdlibImports+`
import os, sys
print("cwd", os.getcwd())
print("file", __file__)
print("argv", sys.argv[1:])
print("listing", sorted(os.listdir(".")))
`, 0o644)
	scriptOut := "ok\ncwd /work\nfile /work/main.py\nargv ['a', 'b']\nlisting ['main.py']\n"
	tests := []struct {
		name   string
		c      cli
		stdout string
	}{
		{name: "the standard library imports from -c", c: cli{args: gaolRun(nil, "-c", stdlibImports)}, stdout: "ok\n"},
		{
			name:   "a script file is mapped at /work/NAME with cwd /work",
			c:      cli{args: gaolRun(nil, filepath.Join(dir, "main.py"), "a", "b")},
			stdout: scriptOut,
		},
		{
			name:   "a script file named relative to gaol's cwd is mapped the same",
			c:      cli{args: gaolRun(nil, "main.py", "a", "b"), dir: dir},
			stdout: scriptOut,
		},
		{
			name:   "a script in a directory mounted at /work is run from that mount",
			c:      cli{args: gaolRun([]string{"--ro", ".:/work"}, "main.py", "a", "b"), dir: dir},
			stdout: scriptOut,
		},
		{
			name:   "a script in a directory mounted elsewhere is run from there",
			c:      cli{args: gaolRun([]string{"--ro", dir + ":/proj"}, filepath.Join(dir, "main.py"), "a", "b")},
			stdout: "ok\ncwd /proj\nfile /proj/main.py\nargv ['a', 'b']\nlisting ['main.py']\n",
		},
		{name: "python3 - reads the script from stdin", c: cli{args: gaolRun(nil, "-"), stdin: stdlibImports + "\n"}, stdout: "ok\n"},
		{
			name:   "a command name is found on PATH",
			c:      cli{args: []string{"run", "--", "python3", "-c", "import sys; print(sys.executable)"}, env: []string{"PATH=" + filepath.Dir(python)}},
			stdout: python + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.c.run(t)
			if r.status != 0 || r.stdout != tt.stdout {
				t.Fatalf("exit status %d, stdout:\n%s\nwant 0 and:\n%s\nstderr:\n%s", r.status, r.stdout, tt.stdout, r.stderr)
			}
		})
	}
}

// holdQuiet is guesttest.HoldQuiet.
func holdQuiet(t *testing.T, exclusive bool) func() {
	t.Helper()
	return guesttest.HoldQuiet(t, exclusive)
}
