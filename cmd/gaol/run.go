package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor"
	"github.com/gaol-sandbox/gaol/supervisor/hostpath"
)

// exitError is a failure before the guest ran, with the exit status it
// maps to (125 gaol failed, 126 cannot execute, 127 not found).
type exitError struct {
	status int
	msg    string
}

func (e *exitError) Error() string { return e.msg }

func failf(status int, format string, args ...any) error {
	return &exitError{status: status, msg: fmt.Sprintf(format, args...)}
}

type mountFlag struct {
	writable bool
	mounts   *[]policies.Mount
}

func (m mountFlag) String() string { return "" }

// Set parses HOST[:GUEST].
func (m mountFlag) Set(v string) error {
	host, guestPath, found := strings.Cut(v, ":")
	if !found {
		guestPath = host
	}
	abs, err := filepath.Abs(host)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("host path %s: %w", host, errors.Unwrap(err))
	}
	if !filepath.IsAbs(guestPath) {
		return fmt.Errorf("guest path %q must be absolute", guestPath)
	}
	if !found {
		guestPath = abs
	}
	*m.mounts = append(*m.mounts, policies.Mount{Guest: filepath.Clean(guestPath), Kind: policies.MountHost, Host: abs, Writable: m.writable})
	return nil
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type runFlags struct {
	policy, result, trace, logLevel, cwd string
	timeMode                             string
	json                                 bool
	cpu, wall                            time.Duration
	memory, output                       string
	vars                                 policyVars
	allowConnect                         listFlag
	mounts                               []policies.Mount
}

// onceFlag is a string flag that may be given once: a second --policy
// or --result silently replacing the first would run another policy, or
// write elsewhere, than one of the two the caller named.
type onceFlag struct {
	p   *string
	set bool
}

func (o *onceFlag) String() string {
	if o.p == nil {
		return ""
	}
	return *o.p
}

func (o *onceFlag) Set(v string) error {
	if o.set {
		return fmt.Errorf("given twice (%q, then %q); give it once", *o.p, v)
	}
	*o.p, o.set = v, true
	return nil
}

func cmdRun(args []string) int {
	var f runFlags
	fs := flag.NewFlagSet("gaol run", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: gaol run [flags] [--] PROGRAM [ARGS...]")
		fs.PrintDefaults()
	}
	fs.Var(&onceFlag{p: &f.policy}, "policy", "policy `FILE` (HCL); default: the built-in python profile")
	f.vars.register(fs)
	fs.Var(&onceFlag{p: &f.result}, "result", "write the run result as JSON to `FILE`")
	fs.BoolVar(&f.json, "json", false, "print the run result as JSON to stderr after the run")
	fs.Var(&onceFlag{p: &f.trace}, "trace", "write one JSON line per intercepted syscall to `FILE`")
	fs.DurationVar(&f.cpu, "cpu", 0, "CPU time budget (e.g. 5s), overrides the policy")
	fs.DurationVar(&f.wall, "wall", 0, "wall time budget (e.g. 10s), overrides the policy")
	fs.StringVar(&f.memory, "memory", "", "memory budget (e.g. 256MiB), overrides the policy")
	fs.StringVar(&f.output, "output", "", "stdout+stderr budget (e.g. 1MiB), overrides the policy")
	fs.Var(mountFlag{false, &f.mounts}, "ro", "mount host path read-only, `HOST[:GUEST]` (repeatable)")
	fs.Var(mountFlag{true, &f.mounts}, "rw", "mount host path read-write, `HOST[:GUEST]` (repeatable)")
	fs.Var(&onceFlag{p: &f.cwd}, "cwd", "the guest's working directory, a `PATH` in the guest")
	fs.Var(&f.allowConnect, "allow-connect", "allow outbound connections to `HOST:PORT` (udp:HOST:PORT for datagrams), repeatable")
	fs.Var(&onceFlag{p: &f.timeMode}, "time", "the guest's clocks, `MODE[@RFC3339]`: real, offset, frozen, virtual or coarse, overrides the policy")
	fs.StringVar(&f.logLevel, "log-level", "warn", "gaol's own log level: trace, debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return supervisor.StatusFailed
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "gaol run: no program to run (try: gaol run -- python3 -c 'print(1)')")
		return supervisor.StatusFailed
	}
	status, err := run(f, fs.Args())
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			fmt.Fprintf(os.Stderr, "gaol: %s\n", ee.msg)
			return ee.status
		}
		fmt.Fprintf(os.Stderr, "gaol: %v\n", err)
		return supervisor.StatusFailed
	}
	return status
}

func run(f runFlags, argv []string) (int, error) {
	pre := startStub()
	defer pre.release()
	log := hclog.New(&hclog.LoggerOptions{Name: "gaol", Level: hclog.LevelFromString(f.logLevel), Output: os.Stderr})
	pol, err := loadPolicy(f.policy, f.vars)
	if err != nil {
		return 0, err
	}
	if err := applyOverrides(pol, f); err != nil {
		return 0, err
	}
	path, err := findProgram(argv[0])
	if err != nil {
		return 0, err
	}
	guestArgv := append([]string{path}, argv[1:]...)
	cwd := f.cwd
	if m, i, ok := scriptMount(argv[1:]); ok {
		// A script a mount already shows is run from there: a mount of
		// its own at /work/NAME would collide with a mount of /work.
		if g, shown := guestPathOf(m.Host, append(append([]policies.Mount(nil), f.mounts...), pol.Mounts...)); shown {
			m.Guest = g
		} else {
			f.mounts = append(f.mounts, m)
		}
		guestArgv[i+1] = m.Guest
		if cwd == "" {
			cwd = filepath.Dir(m.Guest)
		}
	}
	tuning, err := parseTuning(os.Getenv("GAOL_TUNING"))
	if err != nil {
		return 0, failf(supervisor.StatusFailed, "GAOL_TUNING: %v", err)
	}
	opts := streams()
	opts.Policy, opts.Path, opts.Argv, opts.Mounts, opts.Cwd = pol, path, guestArgv, f.mounts, cwd
	opts.Logger, opts.Tuning = log, tuning
	out, err := openOutputs(f, pol.Trace)
	if err != nil {
		return 0, err
	}
	defer out.close()
	opts.Trace, opts.TraceEvents = out.trace, out.events
	// A closed stdout downstream shows as EPIPE to the guest, as it would
	// to the bare interpreter, instead of killing gaol.
	signal.Ignore(syscall.SIGPIPE)
	// The user's terminal, as it is before the run puts it in raw mode:
	// put back on every way out, a panic of this goroutine included.
	term := saveTerminal(os.Stdin)
	defer term.restore()
	defer func() {
		if p := recover(); p != nil {
			term.restore()
			panic(p)
		}
	}()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	ending := &ending{}
	stopSignals := watchSignals(cancel, term, ending, f, out.result)
	defer stopSignals()
	opts.Stub = pre.take()
	res := supervisor.Run(ctx, opts)
	ending.mu.Lock() // a forced exit (watchSignals) is not writing its result
	ending.done = true
	ending.mu.Unlock()
	term.restore()
	if res.Error != "" {
		fmt.Fprintf(os.Stderr, "gaol: %s\n", res.Error)
	}
	if err := writeResult(res, f, out.result); err != nil {
		fmt.Fprintf(os.Stderr, "gaol: %v\n", err)
	}
	return res.Status, nil
}

// cancelBound is how long a run cancelled by a signal may take to end
// (the guest killed, its stub's report, the end of the run's handlers and
// relays: docs/security.md, "Every run ends") before gaol exits without it.
const cancelBound = 5 * time.Second

// ending serializes the two ways a run's result is written: by the run's
// end, or by a forced exit.
type ending struct {
	mu   sync.Mutex
	done bool // the run ended: its own result is written
}

// watchSignals cancels the run on SIGINT, SIGTERM or SIGHUP; the result
// then says which (cancelled) and the status is 128 + its number. A second
// signal, or cancelBound passing after the first, makes gaol exit at
// once: the terminal restored, a result that says the run did not end
// written, status 128 + the first signal's number. Exiting kills the stub
// (its parent-death signal), and with it the guest.
func watchSignals(cancel context.CancelCauseFunc, term *terminal, e *ending, f runFlags, dst *hostpath.Replacement) (stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	quit := make(chan struct{})
	over := make(chan struct{})
	go func() {
		defer close(over)
		var first syscall.Signal
		select {
		case s := <-sigs:
			first = s.(syscall.Signal)
		case <-quit:
			return
		}
		cancel(supervisor.CancelSignal{Signal: first})
		t := time.NewTimer(cancelBound)
		defer t.Stop()
		why := ""
		select {
		case s := <-sigs:
			why = "a second signal (" + unix.SignalName(s.(syscall.Signal)) + ")"
		case <-t.C:
			why = fmt.Sprintf("the run did not end within %s of the signal", cancelBound)
		case <-quit:
			return
		}
		e.mu.Lock()
		if e.done {
			e.mu.Unlock()
			return
		}
		// The lock is never released: this goroutine ends the process.
		term.restore()
		status := 128 + int(first)
		res := &supervisor.Result{
			Version:   supervisor.Version,
			Limit:     "none",
			Cancelled: unix.SignalName(first),
			Error:     "gaol exited before the run ended: " + why,
			Status:    status,
		}
		fmt.Fprintf(os.Stderr, "gaol: %s\n", res.Error)
		if err := writeResult(res, f, dst); err != nil {
			fmt.Fprintf(os.Stderr, "gaol: %v\n", err)
		}
		os.Exit(status)
	}()
	return func() {
		signal.Stop(sigs)
		close(quit)
		<-over
	}
}

func writeResult(res *supervisor.Result, f runFlags, dst *hostpath.Replacement) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if f.json {
		os.Stderr.Write(b)
	}
	if dst != nil {
		if err := dst.Write(b); err != nil {
			return fmt.Errorf("--result: %w", err)
		}
	}
	return nil
}

// loadPolicy loads the policy file, or the built-in python profile.
func loadPolicy(file string, vars policyVars) (*policies.Policy, error) {
	values, err := vars.values()
	if err != nil {
		return nil, failf(supervisor.StatusFailed, "%v", err)
	}
	p := policies.NewParser()
	var pol *policies.Policy
	var diags hcl.Diagnostics
	if name, ok := strings.CutPrefix(file, "builtin:"); ok || file == "" {
		if !ok {
			name = "python"
		}
		pol, diags = p.Builtin(name)
	} else {
		if _, err := os.Stat(file); err != nil {
			return nil, failf(supervisor.StatusFailed, "policy %s: %v", file, errors.Unwrap(err))
		}
		pol, diags = p.Load(file, values)
	}
	if diags.HasErrors() {
		var buf bytes.Buffer
		writeDiags(&buf, p.Files(), diags)
		return nil, failf(supervisor.StatusFailed, "the policy has errors:\n%s", strings.TrimRight(buf.String(), "\n"))
	}
	return pol, nil
}

func applyOverrides(pol *policies.Policy, f runFlags) error {
	for _, dest := range f.allowConnect {
		if err := policies.AllowConnect(pol, dest); err != nil {
			return failf(supervisor.StatusFailed, "--allow-connect %v", err)
		}
	}
	if f.timeMode != "" {
		t, err := parseTimeFlag(f.timeMode)
		if err != nil {
			return failf(supervisor.StatusFailed, "--time %s: %v", f.timeMode, err)
		}
		pol.Time = t
	}
	if f.cpu > 0 {
		pol.Limits.CPU = f.cpu
	}
	if f.wall > 0 {
		pol.Limits.Wall = f.wall
	}
	for _, o := range []struct {
		name, val string
		dst       *int64
	}{{"--memory", f.memory, &pol.Limits.Memory}, {"--output", f.output, &pol.Limits.Output}} {
		if o.val == "" {
			continue
		}
		n, err := policies.ParseSize(o.val)
		if err != nil {
			return failf(supervisor.StatusFailed, "%s: %v", o.name, err)
		}
		*o.dst = n
	}
	return nil
}

// findProgram finds the program on the host PATH, as a shell would, and
// returns the real interpreter to run. A pyenv shim (a shell script) is
// resolved to the interpreter it would run.
func findProgram(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return "", failf(supervisor.StatusNotFound, "%s: command not found", name)
		}
		return "", failf(supervisor.StatusCannotExec, "%s: cannot execute: %v", name, errors.Unwrap(err))
	}
	path, err = filepath.Abs(path)
	if err != nil {
		return "", failf(supervisor.StatusFailed, "%s: %v", name, err)
	}
	real, ok, err := pyenvShim(path)
	if err != nil {
		return "", failf(supervisor.StatusFailed, "%s: %v", name, err)
	}
	if ok {
		path = real
	}
	if err := checkELF(path); err != nil {
		return "", failf(supervisor.StatusCannotExec, "%s: cannot execute: %v", name, err)
	}
	return path, nil
}

// pyenvShim resolves a pyenv shim (a shell script that the sandbox could
// not run) to the interpreter it runs, choosing the version as pyenv does:
// $PYENV_VERSION, else the nearest .python-version, else
// $PYENV_ROOT/version. Reading those files is what `pyenv which` does, at
// a fraction of its cost.
//
// A .python-version may have been written by an earlier guest through a
// writable mount, so a version is only a name: one with "/" or that is
// "." or ".." is refused (as pyenv refuses it), and the binary it names
// must lie under $PYENV_ROOT/versions once every link is resolved. ok is
// false when path is not a shim or no listed version has the command.
func pyenvShim(path string) (real string, ok bool, err error) {
	shims := filepath.Dir(path)
	if filepath.Base(shims) != "shims" {
		return "", false, nil
	}
	root := filepath.Dir(shims)
	name := filepath.Base(path)
	versions, err := filepath.EvalSymlinks(filepath.Join(root, "versions"))
	if err != nil {
		return "", false, nil
	}
	vs, from := pyenvVersions(root)
	for _, v := range vs {
		if v == "system" {
			continue
		}
		if v == "." || v == ".." || strings.Contains(v, "/") {
			return "", false, fmt.Errorf("%s names the pyenv version %q, which is not a version name (pyenv refuses names with \"/\" and \"..\"); a sandboxed program may have written it: check the file", from, v)
		}
		p := filepath.Join(root, "versions", v, "bin", name)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			continue
		}
		if !strings.HasPrefix(real, versions+"/") {
			return "", false, fmt.Errorf("the pyenv version %q (from %s) runs %s, which lies outside %s; gaol runs only interpreters pyenv installed there", v, from, real, versions)
		}
		return real, true, nil
	}
	return "", false, nil
}

// pyenvVersions returns the versions pyenv would choose, and where it
// found them.
func pyenvVersions(root string) ([]string, string) {
	if v := os.Getenv("PYENV_VERSION"); v != "" {
		return strings.Split(v, ":"), "$PYENV_VERSION"
	}
	read := func(file string) []string {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil
		}
		return strings.Fields(string(b))
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			file := filepath.Join(dir, ".python-version")
			if vs := read(file); len(vs) > 0 {
				return vs, file
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	file := filepath.Join(root, "version")
	return read(file), file
}

// checkELF accepts only ELF executables: the sandbox runs no shell, so a
// script's interpreter line cannot be honoured.
func checkELF(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return errors.Unwrap(err)
	}
	defer f.Close()
	magic := make([]byte, 4)
	if _, err := io.ReadFull(f, magic); err != nil || string(magic) != "\x7fELF" {
		return errors.New("not an ELF executable (name the interpreter itself, e.g. python3)")
	}
	return nil
}

// scriptMount finds the interpreter's script argument: the first
// non-option argument, when it is an existing host file. It is mapped
// read-only at /work/NAME. The second result is its index in args.
func scriptMount(args []string) (policies.Mount, int, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-" || a == "--":
			return policies.Mount{}, 0, false
		case a == "-c" || a == "-m" || strings.HasPrefix(a, "-c") || strings.HasPrefix(a, "-m"):
			return policies.Mount{}, 0, false
		case a == "-W" || a == "-X" || a == "-Q":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			abs, err := filepath.Abs(a)
			if err != nil {
				return policies.Mount{}, 0, false
			}
			if fi, err := os.Stat(abs); err != nil || !fi.Mode().IsRegular() {
				return policies.Mount{}, 0, false
			}
			return policies.Mount{Guest: "/work/" + filepath.Base(abs), Kind: policies.MountHost, Host: abs}, i, true
		}
	}
	return policies.Mount{}, 0, false
}

// guestPathOf is where one of mounts shows the host file host: the first
// host mount whose host path is host itself or a directory above it.
func guestPathOf(host string, mounts []policies.Mount) (string, bool) {
	for _, m := range mounts {
		if m.Kind != policies.MountHost || m.Host == "" {
			continue
		}
		if host == m.Host {
			return m.Guest, true
		}
		if rel, err := filepath.Rel(m.Host, host); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel) {
			return path.Join(m.Guest, filepath.ToSlash(rel)), true
		}
	}
	return "", false
}

// parseTuning reads GAOL_TUNING, the benchmarks' knob for the notify loop
// ("workers=N,syncwake=0"); see docs/performance.md.
func parseTuning(s string) (supervisor.Tuning, error) {
	var t supervisor.Tuning
	for _, kv := range strings.Split(s, ",") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			return t, fmt.Errorf("%s: not a number", kv)
		}
		switch k {
		case "workers":
			t.Workers = n
		case "syncwake":
			t.NoSyncWakeUp = n == 0
		case "spin":
			t.Spin = time.Duration(n) * time.Microsecond
		default:
			return t, fmt.Errorf("unknown knob %q (workers, syncwake)", k)
		}
	}
	return t, nil
}

// parseTimeFlag parses --time MODE[@RFC3339].
func parseTimeFlag(v string) (policies.Time, error) {
	mode, at, hasAt := strings.Cut(v, "@")
	t := policies.Time{Mode: policies.TimeMode(mode)}
	switch t.Mode {
	case policies.TimeReal, policies.TimeOffset, policies.TimeFrozen, policies.TimeVirtual, policies.TimeCoarse:
	default:
		return t, fmt.Errorf("unknown mode %q (real, offset, frozen, virtual, coarse)", mode)
	}
	if hasAt {
		start, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return t, fmt.Errorf("the start instant is not RFC 3339 (2024-01-01T00:00:00Z): %v", err)
		}
		t.Start = start
	}
	if t.Mode == policies.TimeVirtual {
		t.Step = time.Millisecond
	}
	return t, nil
}
