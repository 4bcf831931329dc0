package supervisor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gaol-sandbox/gaol/policies"
)

// discoveryProfile is the built-in profile discovery starts from: nothing
// writable, no network, no process, the smallest budgets.
const discoveryProfile = "python-strict"

// discoveryOutput bounds what the interpreter may print when asked: the
// answer is a few hundred bytes.
const discoveryOutput = 64 << 10

// askInterpreter runs the interpreter at real inside a sandbox of gaol's
// own and returns what it says about its layout. gaol never runs a host
// interpreter natively: the binary at a path on PATH may have been
// planted by an earlier guest (a .python-version in a writable mount
// naming it), and run natively it would act with the operator's rights.
//
// The sandbox shows the interpreter's prefix and the ELF closure of its
// binary, read-only, on the discovery profile with no environment but
// LC_ALL=C; an answer naming a directory outside the prefix is refused
// (layout.check), so whatever ran can only describe files the guest of a
// later run could have been shown anyway.
func askInterpreter(ctx context.Context, real, prefix string) (*layout, error) {
	files, err := elfClosure([]string{real})
	if err != nil {
		return nil, err
	}
	view := &Interpreter{
		Executable: real,
		Dirs:       append([]string{prefix}, existingDirs(localeDirs)...),
		Files:      append(files, dlopenedLibs()...),
	}
	pol, diags := policies.Builtin(discoveryProfile)
	if diags.HasErrors() {
		return nil, fmt.Errorf("the discovery profile: %s", diags.Error())
	}
	pol.Name = "gaol-discovery"
	pol.Env = map[string]string{"LC_ALL": "C"}
	pol.Limits.Wall = 30 * time.Second
	pol.Limits.CPU = 10 * time.Second
	pol.Limits.Output = discoveryOutput
	var stdout, stderr bytes.Buffer
	res := Run(ctx, Options{
		Policy: pol,
		Path:   real,
		Argv:   []string{real, "-E", "-s", "-S", "-c", discoverScript},
		Stdout: &stdout,
		Stderr: &stderr,
		view:   view,
	})
	if res.Error != "" {
		return nil, fmt.Errorf("%s: discovery in the sandbox failed: %s", real, res.Error)
	}
	if res.Status != 0 {
		return nil, fmt.Errorf("%s does not run as a Python interpreter (asked for its layout in the sandbox, it %s%s)", real, ended(res), stderrTail(stderr.Bytes()))
	}
	var l layout
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &l); err != nil {
		return nil, fmt.Errorf("%s: unexpected discovery output: %w", real, err)
	}
	var dirs []string
	for _, d := range l.Dirs {
		// The prefix itself (sys.prefix, or "" for the script's
		// directory) and zipped standard libraries are not directories
		// to show.
		if d == "/" || d == prefix || strings.HasSuffix(d, ".zip") {
			continue
		}
		dirs = append(dirs, d)
	}
	l.Dirs = dedupNested(dirs)
	if err := l.check(prefix); err != nil {
		return nil, fmt.Errorf("%s: refusing what it says about itself: %w", real, err)
	}
	return &l, nil
}

// ended says how a run that did not exit 0 ended.
func ended(res *Result) string {
	switch {
	case res.Limit != limitNone:
		return "ran out of its " + string(res.Limit) + " budget"
	case res.Signal != "":
		return "was killed by " + res.Signal
	case res.ExitCode != nil:
		return fmt.Sprintf("exited with status %d", *res.ExitCode)
	}
	return fmt.Sprintf("ended with status %d", res.Status)
}

// stderrTail is the last line the interpreter wrote to stderr, quoted
// for an error message, or "".
func stderrTail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if last == "" {
		return ""
	}
	if len(last) > 200 {
		last = last[:200] + "…"
	}
	return fmt.Sprintf(": %q", last)
}
