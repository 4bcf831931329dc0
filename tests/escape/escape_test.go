// Package escape is gaol's adversarial suite: Python attack scripts
// (attacks/NAME.py, one attack each) run under `gaol run` with the default
// policy, and a runner that judges each by its host-side outcome — a
// canary file whose secret must never be read, a canary directory that must
// not change, host listeners that must accept nothing, a host process that
// must stay alive, processes that must not outlive the run — and not only
// by the guest's exit status.
//
// Run it with `go test ./tests/escape/ -run TestEscape -v` (or `make
// escape`). It prints one line per attack, "contained NAME: what" or
// "ESCAPED NAME: what", and "N passed, M failed"; the test fails if any
// attack escaped. GAOL_BIN names a gaol binary to test instead of building
// one.
package escape

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// gaolBin is the gaol binary under test, set by TestMain.
var gaolBin string

// attacksDir is the host directory of the attack scripts, mounted
// read-only at /attacks in every run.
var attacksDir string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run() // TestEscape skips itself: no gaol to build
	}
	dir, err := filepath.Abs("attacks")
	if err != nil {
		fmt.Fprintln(os.Stderr, "escape:", err)
		return 1
	}
	attacksDir = dir
	gaolBin = os.Getenv("GAOL_BIN")
	if gaolBin == "" {
		tmp, err := os.MkdirTemp("", "gaol-escape-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "escape:", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		gaolBin = filepath.Join(tmp, "gaol")
		build := exec.Command(goTool(), "build", "-o", gaolBin, "../../cmd/gaol")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "escape: cannot build gaol:", err)
			return 1
		}
	}
	return m.Run()
}

// goTool is the go command that runs this test, else the one on PATH.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestEscape runs every attack, in parallel, and prints the report.
func TestEscape(t *testing.T) {
	if testing.Short() {
		t.Skip("the escape suite runs gaol some forty times; run it with make escape")
	}
	checkTable(t)
	var rep report
	t.Run("attacks", func(t *testing.T) {
		for _, a := range attacks {
			for _, p := range profiles {
				if !a.runsUnder(p) {
					continue
				}
				name := a.name
				if p.name != "default" {
					name += "/" + p.name
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					v := runAttack(t, a, p)
					v.name = name
					rep.add(v)
					if v.skipped != "" {
						t.Skip(v.skipped)
					}
					for _, f := range v.failures {
						t.Errorf("ESCAPED: %s", f)
					}
				})
			}
		}
	})
	rep.print(os.Stdout)
}

// checkTable keeps the table and attacks/*.py in step: every script is
// run, every entry has its script.
func checkTable(t *testing.T) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(attacksDir, "*.py"))
	if err != nil {
		t.Fatal(err)
	}
	scripts := map[string]bool{}
	for _, a := range attacks {
		scripts[a.scriptName()] = true
		if !fileExists(filepath.Join(attacksDir, a.scriptName()+".py")) {
			t.Errorf("attack %s: no script attacks/%s.py", a.name, a.scriptName())
		}
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".py")
		if !strings.HasPrefix(name, "_") && !scripts[name] {
			t.Errorf("attacks/%s.py has no entry in the attack table", name)
		}
	}
}

// verdict is the outcome of one attack.
type verdict struct {
	name, what string
	failures   []string // empty: contained
	notes      []string // defects that are not escapes
	skipped    string
}

type report struct {
	mu       sync.Mutex
	verdicts []verdict
}

func (r *report) add(v verdict) {
	r.mu.Lock()
	r.verdicts = append(r.verdicts, v)
	r.mu.Unlock()
}

// print writes one line per attack and the total, in name order.
func (r *report) print(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sort.Slice(r.verdicts, func(i, j int) bool { return r.verdicts[i].name < r.verdicts[j].name })
	passed, failed := 0, 0
	fmt.Fprintln(w)
	for _, v := range r.verdicts {
		switch {
		case v.skipped != "":
			fmt.Fprintf(w, "skipped %s: %s\n", v.name, v.skipped)
			continue
		case len(v.failures) == 0:
			passed++
			fmt.Fprintf(w, "contained %s: %s\n", v.name, v.what)
		default:
			failed++
			fmt.Fprintf(w, "ESCAPED %s: %s\n", v.name, strings.Join(v.failures, "; "))
		}
		for _, n := range v.notes {
			fmt.Fprintf(w, "    note: %s\n", n)
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
}
