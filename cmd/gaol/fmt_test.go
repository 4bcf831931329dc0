package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFmt: gaol fmt rewrites a file into canonical layout, -check only
// names the files it would change, and a file that does not parse is
// reported and left as it was.
func TestFmt(t *testing.T) {
	t.Parallel()
	const (
		messy     = "sandbox \"x\" {\nextends=\"python\"\n  limits {\n  cpu = \"1s\" # cap\n      memory   = \"64MiB\" # also\n}\n}\n"
		formatted = "sandbox \"x\" {\n  extends = \"python\"\n  limits {\n    cpu    = \"1s\"    # cap\n    memory = \"64MiB\" # also\n  }\n}\n"
		broken    = "sandbox \"x\" {\n  limits {\n    cpu = \n  }\n}\n"
	)
	tests := []struct {
		name    string
		content string
		check   bool
		status  int
		stdout  string         // exact; "FILE" stands for the file's path
		stderr  *regexp.Regexp // must match, when set
		after   string         // the file's content afterwards
	}{
		{name: "a messy file is rewritten", content: messy, status: 0, after: formatted},
		{name: "a formatted file is left alone", content: formatted, status: 0, after: formatted},
		{name: "-check names a messy file and exits 1 without changing it", content: messy, check: true, status: 1, stdout: "FILE\n", after: messy},
		{name: "-check is silent on a formatted file", content: formatted, check: true, status: 0, after: formatted},
		{
			name: "a file that does not parse is reported and left alone", content: broken, status: 1,
			stderr: regexp.MustCompile(`policy\.hcl:3[:,]`), after: broken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := writeFile(t, filepath.Join(t.TempDir(), "policy.hcl"), tt.content, 0o644)
			args := []string{"fmt", file}
			if tt.check {
				args = []string{"fmt", "-check", file}
			}
			r := cli{args: args}.run(t)
			if r.status != tt.status {
				t.Fatalf("exit status %d, want %d\nstderr:\n%s", r.status, tt.status, r.stderr)
			}
			if want := strings.ReplaceAll(tt.stdout, "FILE", file); r.stdout != want {
				t.Errorf("stdout = %q, want %q", r.stdout, want)
			}
			if tt.stderr != nil && !tt.stderr.MatchString(r.stderr) {
				t.Errorf("stderr does not match %q:\n%s", tt.stderr, r.stderr)
			}
			if got, err := os.ReadFile(file); err != nil || string(got) != tt.after {
				t.Errorf("file afterwards = %q (%v), want %q", got, err, tt.after)
			}
		})
	}
}
