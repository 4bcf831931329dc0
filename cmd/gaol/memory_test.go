package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSupervisorMemoryStaysBoundedUnderAnOpenLoop: a guest that opens
// ever new files (O_TMPFILE makes a new inode each time) in a directory
// with a 3.8 KB path makes gaol's supervisor remember each one's path
// for the calls that take its fd later. 10000 of them grew a supervisor
// that never forgot by over 200 MiB (in this race-enabled test binary);
// the supervisor forgets those no guest fd holds, so its peak RSS grows
// by less than maxGrowth over the same run doing nothing (both measured
// here, as the result's supervisor_peak_rss_bytes; docs/performance.md
// gives the figures).
func TestSupervisorMemoryStaysBoundedUnderAnOpenLoop(t *testing.T) {
	requireSandbox(t)
	if testing.Short() {
		t.Skip("10000 opens of a deep path take about 20 s under the race detector")
	}
	const maxGrowth = 24 << 20
	dir := t.TempDir()
	loop := writeFile(t, filepath.Join(dir, "loop.py"), `
import os, sys
n = int(sys.argv[1])
d = "/tmp/" + "/".join(["d" * 250] * 15)
os.makedirs(d)
os.makedirs("/tmp/kept")
open("/tmp/kept/a", "w").close()
kept = os.open("/tmp/kept", os.O_RDONLY | os.O_DIRECTORY)
for i in range(n):
    os.close(os.open(d, os.O_TMPFILE | os.O_WRONLY, 0o600))
os.close(os.open("a", os.O_RDONLY, dir_fd=kept))
print("opened", n, os.listdir(kept), os.readlink("/proc/self/fd/%d" % kept))
`, 0o644)
	rss := func(n string) int64 {
		t.Helper()
		res := filepath.Join(dir, "result-"+n+".json")
		r := cli{args: gaolRun([]string{"--wall", "120s", "--cpu", "120s", "--result", res}, loop, n)}.run(t)
		// The directory it holds an fd of all along is still known by
		// that fd: forgetting spares what the guest holds.
		if want := "opened " + n + " ['a'] /tmp/kept"; r.status != 0 || strings.TrimSpace(r.stdout) != want {
			t.Fatalf("%s opens: status %d, want 0 and %q\n%s%s", n, r.status, want, r.stdout, r.stderr)
		}
		b, err := os.ReadFile(res)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			RSS int64 `json:"supervisor_peak_rss_bytes"`
		}
		if err := json.Unmarshal(b, &v); err != nil || v.RSS <= 0 {
			t.Fatalf("the result's supervisor_peak_rss_bytes: %v, %d", err, v.RSS)
		}
		return v.RSS
	}
	idle, busy := rss("0"), rss("10000")
	t.Logf("supervisor peak RSS: %d MiB doing nothing, %d MiB after 10000 opens", idle>>20, busy>>20)
	if busy-idle > maxGrowth {
		t.Errorf("the supervisor grew by %d MiB over 10000 opens of files it no longer holds, want under %d MiB", (busy-idle)>>20, maxGrowth>>20)
	}
}
