package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCheckCommand is gaol check as a policy author uses it: flags,
// built-in profiles, variables, and diagnostics that are complete (the
// warnings while errors remain) and printed once.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	data := t.TempDir()
	withVar := writeFile(t, filepath.Join(dir, "var.hcl"), `sandbox "v" {
  extends = "python"
  mount "/data" {
    type = "host"
    host = var.submission
  }
}
`, 0o644)
	broken := writeFile(t, filepath.Join(dir, "broken.hcl"), `sandbox "b" {
  extends = "python"
  mount "/s" {
    type  = "scratch"
    quota = "1MiB"
  }
  limits {
    cpu = "10"
  }
}
`, 0o644)
	vars := writeFile(t, filepath.Join(dir, "v.gaolvars"), "submission = \""+data+"\"\n", 0o644)
	cases := []struct {
		name       string
		args       []string
		status     int
		stdout     []string // each must appear
		stderr     []string
		notStderr  []string
		onceStderr []string // each must appear exactly once
	}{
		{name: "help", args: []string{"-h"}, status: 0, stderr: []string{"usage: gaol check"}},
		{name: "no policy", args: nil, status: 2, stderr: []string{"usage: gaol check"}},
		{name: "a built-in profile", args: []string{"builtin:python"}, status: 0, stdout: []string{`builtin:python: ok (sandbox "python")`}},
		{name: "a built-in profile's warnings", args: []string{"builtin:python-net"}, status: 0,
			stdout: []string{`builtin:python-net: ok (sandbox "python-net", 1 warning)`}, stderr: []string{"warning: Network access"}},
		{name: "an unknown built-in profile", args: []string{"builtin:pyton"}, status: 1, stderr: []string{`Did you mean "python"?`}},
		{name: "a variable not given", args: []string{withVar}, status: 1, stderr: []string{"error: Undefined variable"}},
		{name: "a variable given", args: []string{"--var", "submission=" + data, withVar}, status: 0, stdout: []string{"ok (sandbox \"v\""}},
		{name: "a variable from a file", args: []string{"--var-file", vars, withVar}, status: 0, stdout: []string{"ok (sandbox \"v\""}},
		{name: "a misspelt variable", args: []string{"--var", "submision=" + data, withVar}, status: 1,
			stderr: []string{`A value was given for "submision" instead: is --var submision misspelt?`,
				`warning: Unused variable`, `Did you mean --var submission=...?`}},
		{name: "warnings while errors remain, each diagnostic once", args: []string{broken}, status: 1,
			stdout:     []string{"broken.hcl: 1 error, 1 warning"},
			onceStderr: []string{"Invalid duration", "Scratch mount without quota"},
			stderr:     []string{"has no quota of files, so", "Set files."},
			notStderr:  []string{"no quota of bytes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := cli{args: append([]string{"check"}, c.args...)}.start(t)
			if r.status != c.status {
				t.Errorf("status %d, want %d\nstdout:\n%s\nstderr:\n%s", r.status, c.status, r.stdout, r.stderr)
			}
			for _, w := range c.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range append(c.stderr, c.onceStderr...) {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			for _, w := range c.notStderr {
				if strings.Contains(r.stderr, w) {
					t.Errorf("stderr has %q:\n%s", w, r.stderr)
				}
			}
			for _, w := range c.onceStderr {
				if n := strings.Count(r.stderr, w); n != 1 {
					t.Errorf("stderr has %q %d times, want once:\n%s", w, n, r.stderr)
				}
			}
		})
	}
}

// TestProfilesListsDescriptions: gaol profiles prints each built-in
// profile with its description, as docs/cli.md says.
func TestProfilesListsDescriptions(t *testing.T) {
	r := cli{args: []string{"profiles"}}.start(t)
	if r.status != 0 {
		t.Fatalf("status %d: %s", r.status, r.stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if f := strings.Fields(line); len(f) < 3 {
			t.Errorf("profile line %q has no description", line)
		}
	}
}

// TestDocsErrorsExample runs docs/policy.md's error example (the policy
// and what gaol check prints for it) and compares them.
func TestDocsErrorsExample(t *testing.T) {
	b, err := os.ReadFile("../../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "\n## Errors\n")
	if i < 0 {
		t.Fatal("docs/policy.md has no Errors section")
	}
	sec := doc[i:]
	src := regexp.MustCompile("(?s)```hcl\n(.*?)```").FindStringSubmatch(sec)
	out := regexp.MustCompile("(?s)prints \\(and exits 1\\):\n\n```\n(.*?)```").FindStringSubmatch(sec)
	if src == nil || out == nil {
		t.Fatal("the Errors section lacks its policy or its output")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bad.hcl"), src[1], 0o644)
	r := cli{args: []string{"check", "bad.hcl"}, dir: dir}.start(t)
	if r.status != 1 {
		t.Errorf("status %d, the docs say 1", r.status)
	}
	if got := r.stderr + r.stdout; got != out[1] {
		t.Errorf("gaol check bad.hcl prints\n%s\nthe docs show\n%s", got, out[1])
	}
}

// TestSingleValuedFlagsGivenTwice: a second --policy (or --result,
// --trace, --cwd, --time) is an error naming both values, before any
// guest runs, never a silent replacement of the first.
func TestSingleValuedFlagsGivenTwice(t *testing.T) {
	for _, flag := range []string{"--policy", "--result", "--trace", "--cwd", "--time"} {
		r := cli{args: gaolRun([]string{flag, "a", flag, "b"}, "-c", "print('RAN')")}.run(t)
		if r.status != 125 || strings.Contains(r.stdout, "RAN") || !strings.Contains(r.stderr, `given twice ("a", then "b")`) {
			t.Errorf("%s twice: status %d, stdout %q, stderr %q", flag, r.status, r.stdout, r.stderr)
		}
	}
}
