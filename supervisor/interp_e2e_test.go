package supervisor_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/supervisor"
)

// interpreters lists the interpreters on this machine besides Debian's
// python3: every pyenv CPython and Debian's pypy3.
func interpreters(t *testing.T) map[string]string {
	out := map[string]string{}
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		home, _ := os.UserHomeDir()
		root = filepath.Join(home, ".pyenv")
	}
	matches, _ := filepath.Glob(filepath.Join(root, "versions", "*", "bin", "python"))
	for _, m := range matches {
		out["pyenv "+filepath.Base(filepath.Dir(filepath.Dir(m)))] = m
	}
	if p, err := exec.LookPath("pypy3"); err == nil {
		out["pypy3"] = p
	}
	return out
}

func TestEveryInterpreterRunsOnTheDefaultProfile(t *testing.T) {
	requireSandbox(t)
	found := interpreters(t)
	if len(found) == 0 {
		t.Skip("no pyenv CPython and no pypy3 on this machine (make deps installs pypy3)")
	}
	if _, ok := found["pypy3"]; !ok {
		t.Log("pypy3 is not installed: its case is skipped (make deps installs it)")
	}
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	sort.Strings(names)
	// Python 2.7 and 3.x alike: print() of one value works on both.
	code := "import sys, json, tempfile, os; d = tempfile.mkdtemp(); open(os.path.join(d, 'f'), 'w').write('x'); print('ok %d.%d' % sys.version_info[:2])"
	for _, name := range names {
		path := found[name]
		t.Run(name, func(t *testing.T) {
			defer holdQuiet(t, false)()
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res := supervisor.Run(ctx, supervisor.Options{
				Policy: builtin(t), Path: path, Argv: []string{path, "-c", code},
				Stdout: &stdout, Stderr: &stderr,
			})
			if res.Error != "" || res.ExitCode == nil || *res.ExitCode != 0 {
				t.Fatalf("%s: %s\nstdout: %s\nstderr: %s", path, describe(res), stdout.String(), stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), "ok ") {
				t.Errorf("%s printed %q", path, stdout.String())
			}
		})
	}
}

// TestSitePackagesFollowTheirSetting: a pyenv CPython keeps its
// site-packages inside its standard library directory, which discovery
// shows whole; with site_packages = false that directory is hidden, with
// true it is shown.
func TestSitePackagesFollowTheirSetting(t *testing.T) {
	requireSandbox(t)
	var path, site string
	for name, p := range interpreters(t) {
		if !strings.HasPrefix(name, "pyenv 3.") {
			continue
		}
		if m, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(p)), "lib", "python3.*", "site-packages")); len(m) == 1 {
			path, site = p, m[0]
			break
		}
	}
	if path == "" {
		t.Skip("no pyenv CPython with a site-packages directory on this machine")
	}
	for _, shown := range []bool{false, true} {
		pol := builtin(t)
		pol.Interpreter.SitePackages = shown
		var stdout, stderr bytes.Buffer
		res := supervisor.Run(context.Background(), supervisor.Options{
			Policy: pol, Path: path, Argv: []string{path, "-S", "-c", "import os; print(os.path.isdir(" + strconv.Quote(site) + "))"},
			Stdout: &stdout, Stderr: &stderr,
		})
		want := map[bool]string{false: "False\n", true: "True\n"}[shown]
		if res.Error != "" || stdout.String() != want {
			t.Errorf("site_packages = %v: %s is a directory: %q, want %q (%s)\n%s", shown, site, stdout.String(), want, describe(res), stderr.String())
		}
	}
}
