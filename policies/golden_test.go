package policies

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/invalid and testdata/warnings")

// checkGolden compares got with the golden file, or rewrites it with
// -update. The package directory is written as $PWD, so that resolved host
// paths do not tie the files to one checkout.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if wd, err := os.Getwd(); err == nil {
		got = strings.ReplaceAll(got, wd, "$PWD")
	}
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("diagnostics differ from %s (run go test -update to accept):\n--- got\n%s\n--- want\n%s", golden, got, want)
	}
}

// TestInvalidPolicies loads every testdata/invalid/*.hcl and compares the
// rendered diagnostics with the .golden file beside it.
func TestInvalidPolicies(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.hcl")
	if len(files) < 20 {
		t.Fatalf("found %d invalid policies, want at least 20", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".hcl"), func(t *testing.T) {
			p := testParser()
			pol, diags := p.Load(file, nil)
			if !diags.HasErrors() || pol != nil {
				t.Errorf("%s loaded without errors", file)
			}
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("diagnostic %q has no source range", d.Summary)
				}
				if !strings.HasSuffix(d.Detail, ".") && !strings.HasSuffix(d.Detail, "?") {
					t.Errorf("detail of %q is not a full sentence: %q", d.Summary, d.Detail)
				}
			}
			checkGolden(t, strings.TrimSuffix(file, ".hcl")+".golden", render(p, diags))
		})
	}
}

// TestWarningGoldens loads every testdata/warnings/*.hcl, which must load
// without errors, and compares the Warnings with the .golden file.
func TestWarningGoldens(t *testing.T) {
	files, _ := filepath.Glob("testdata/warnings/*.hcl")
	if len(files) == 0 {
		t.Fatal("no testdata/warnings/*.hcl")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".hcl"), func(t *testing.T) {
			p := testParser()
			pol, diags := p.Load(file, nil)
			if diags.HasErrors() {
				t.Fatalf("errors:\n%s", render(p, diags))
			}
			warnings := Warnings(pol)
			if len(warnings) == 0 {
				t.Error("no warnings")
			}
			checkGolden(t, strings.TrimSuffix(file, ".hcl")+".golden", render(p, append(diags, warnings...)))
		})
	}
}
