package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gaol-sandbox/gaol/supervisor"
)

// hostSide is a project directory a guest gets read-write, and beside it
// what the guest must not reach through it: two canary files and an
// empty host directory.
type hostSide struct {
	proj, canary, canary2, hostDir string
}

func newHostSide(t *testing.T) hostSide {
	t.Helper()
	base := t.TempDir()
	h := hostSide{proj: filepath.Join(base, "proj"), canary: filepath.Join(base, "canary"),
		canary2: filepath.Join(base, "canary2"), hostDir: filepath.Join(base, "host")}
	for _, d := range []string{h.proj, h.hostDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, h.canary, "canary\n", 0o644)
	writeFile(t, h.canary2, "canary2\n", 0o644)
	return h
}

func (h hostSide) unchanged(t *testing.T) {
	t.Helper()
	for f, want := range map[string]string{h.canary: "canary\n", h.canary2: "canary2\n"} {
		if b, _ := os.ReadFile(f); string(b) != want {
			t.Errorf("the host file %s was written: %q", f, b)
		}
	}
	if names, _ := os.ReadDir(h.hostDir); len(names) != 0 {
		t.Errorf("the host directory %s gained %s", h.hostDir, names[0].Name())
	}
}

// TestTheNextRunWritesNothingThroughWhatAGuestLeft is the two-step
// attack: one run's guest leaves links in its writable project directory;
// the operator's next run there names them as --result, --trace or a
// keep directory. That run fails with status 125 and one line before its
// guest runs, and no host file outside the directory is written.
func TestTheNextRunWritesNothingThroughWhatAGuestLeft(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	h := newHostSide(t)
	keepPolicy := writeFile(t, filepath.Join(t.TempDir(), "keep.hcl"), fmt.Sprintf(`sandbox "k" {
  extends = "python"
  mount "/out" {
    type  = "scratch"
    quota = "1MiB"
    files = 64
    keep  = %q
  }
}
`, filepath.Join(h.proj, "keep")), 0o644)
	plant := cli{dir: h.proj, args: gaolRun([]string{"--rw", h.proj + ":/proj"}, "-c", fmt.Sprintf(`
import os
os.symlink(%[1]q, "/proj/result.json")
os.symlink(%[2]q, "/proj/trace.jsonl")
os.symlink(%[3]q, "/proj/out")
os.symlink(%[3]q, "/proj/keep")
print("planted")
`, h.canary, h.canary2, h.hostDir))}.run(t)
	if plant.status != 0 || plant.stdout != "planted\n" {
		t.Fatalf("the first run: status %d\n%s%s", plant.status, plant.stdout, plant.stderr)
	}
	for _, tt := range []struct {
		name  string
		flags []string
		want  string
	}{
		{name: "--result linked to a host file", flags: []string{"--result", "result.json"},
			want: "gaol: --result result.json: result.json is a symbolic link (to " + h.canary + ")"},
		{name: "--trace linked to a host file", flags: []string{"--trace", "trace.jsonl"},
			want: "gaol: --trace trace.jsonl: trace.jsonl is a symbolic link (to " + h.canary2 + ")"},
		{name: "both, as an operator would run it", flags: []string{"--result", "result.json", "--trace", "trace.jsonl"},
			want: "result.json is a symbolic link"},
		{name: "below a directory linked to a host directory", flags: []string{"--result", "out/result.json", "--trace", "out/trace.jsonl"},
			want: "out is a symbolic link (to " + h.hostDir + ")"},
		{name: "an absolute path through the link", flags: []string{"--trace", filepath.Join(h.proj, "out", "t.jsonl")},
			want: "if the link is yours, pass the resolved path " + filepath.Join(h.hostDir, "t.jsonl") + ", else remove it"},
		{name: "a keep directory replaced by a link", flags: []string{"--policy", keepPolicy},
			want: "gaol: keep /out: " + filepath.Join(h.proj, "keep") + " is a symbolic link"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := cli{dir: h.proj, args: gaolRun(tt.flags, "-c", `open("/out/x", "w").write("guest"); print("RAN")`)}.run(t)
			if r.status != supervisor.StatusFailed || strings.Contains(r.stdout, "RAN") {
				t.Errorf("status %d, want 125 before the guest runs; stdout %q", r.status, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line with %q", r.stderr, tt.want)
			}
			h.unchanged(t)
		})
	}
}

// TestARunThatSwapsItsOwnOutputsWritesNothingOutside runs with --result
// and --trace in the guest's writable directory; the guest moves the
// trace away and leaves links at both names while the run lasts. The
// trace goes on in the file gaol opened, the result replaces the link,
// and no host file outside the directory is written.
func TestARunThatSwapsItsOwnOutputsWritesNothingOutside(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	h := newHostSide(t)
	r := cli{dir: h.proj, args: gaolRun([]string{"--rw", h.proj + ":/proj", "--result", "result.json", "--trace", "trace.jsonl"}, "-c", fmt.Sprintf(`
import os
os.rename("/proj/trace.jsonl", "/proj/moved.jsonl")
os.symlink(%q, "/proj/trace.jsonl")
os.symlink(%q, "/proj/result.json")
os.stat("/proj/after-the-swap")
`, h.canary, h.canary2))}.run(t)
	if r.status != 1 || !strings.Contains(r.stderr, "after-the-swap") {
		t.Fatalf("status %d, want the guest's 1 (FileNotFoundError):\n%s", r.status, r.stderr)
	}
	h.unchanged(t)
	fi, err := os.Lstat(filepath.Join(h.proj, "result.json"))
	if err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("result.json: %v, %v; want gaol's result in place of the guest's link", fi, err)
	}
	var res supervisor.Result
	if b, _ := os.ReadFile(filepath.Join(h.proj, "result.json")); json.Unmarshal(b, &res) != nil || res.ExitCode == nil || *res.ExitCode != 1 {
		t.Errorf("result.json does not hold the run's result:\n%s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(h.proj, "moved.jsonl")); !strings.Contains(string(b), "after-the-swap") {
		t.Errorf("the trace did not go on in the file gaol opened (now moved.jsonl):\n%.300s", b)
	}
}

// TestTraceToStdout: --trace - writes the trace to stdout, one whole
// JSON object per line between the guest's own lines.
func TestTraceToStdout(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	r := cli{args: gaolRun([]string{"--trace", "-"}, "-c", `
import os
for i in range(50):
    os.path.exists("/tmp/no-such-%d" % i)
    print("guest line", i, flush=True)
`)}.run(t)
	if r.status != 0 {
		t.Fatalf("status %d:\n%s", r.status, r.stderr)
	}
	events, guest := 0, 0
	for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		var ev supervisor.Event
		switch {
		case strings.HasPrefix(l, "guest line "):
			guest++
		case json.Unmarshal([]byte(l), &ev) == nil && ev.Seq > 0 && ev.Syscall != "":
			events++
		default:
			t.Errorf("stdout line is neither the guest's nor a trace event: %q", l)
		}
	}
	if guest != 50 || events < 50 {
		t.Errorf("stdout holds %d guest lines and %d trace events; want 50 and at least 50", guest, events)
	}
}
