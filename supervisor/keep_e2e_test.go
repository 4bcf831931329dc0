package supervisor_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor"
)

// keepPolicy is the python profile with a 1 MiB / 64-file scratch /out
// kept into dir.
func keepPolicy(dir string) string {
	return fmt.Sprintf(`sandbox "k" {
  extends = "python"
  mount "/out" {
    type  = "scratch"
    quota = "1MiB"
    files = 64
    keep  = %q
  }
}`, dir)
}

// TestScratchKeepStaysWithinTheScratchsSize fills a 1 MiB / 64-file
// scratch with a file of many hard-link names (in two directories) and
// a sparse file whose size is 48 times the quota: the keep directory
// gets each file's data once, as hard links and holes, at most about
// the quota in all.
func TestScratchKeepStaysWithinTheScratchsSize(t *testing.T) {
	const quota = 1 << 20
	dst := filepath.Join(t.TempDir(), "kept")
	g := runPolicy(t, keepPolicy(dst), `
import hashlib, os
os.mkdir("/out/sub", 0o750)
with open("/out/big", "wb") as f:
    f.write(os.urandom(512 << 10))
for i in range(30):
    os.link("/out/big", "/out/link%02d" % i)
for i in range(10):
    os.link("/out/big", "/out/sub/link%02d" % i)
with open("/out/sparse", "wb") as f:
    f.write(b"head" * 1024)
    f.seek(40 << 20)
    f.write(b"tail" * 16384)
    f.truncate(48 << 20)
for p in ("/out/big", "/out/sparse"):
    print(p[5:], hashlib.sha256(open(p, "rb").read()).hexdigest(), os.stat(p).st_nlink)
`)
	g.checkExit(t, 0)
	sums := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(g.stdout), "\n") {
		if f := strings.Fields(l); len(f) == 3 {
			sums[f[0]] = f[1]
		}
	}
	var blocks int64
	seen := map[uint64]bool{}
	err := filepath.Walk(dst, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().IsRegular() && !seen[st.Ino] {
			seen[st.Ino] = true
			blocks += st.Blocks * 512
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The filesystem under the keep directory may round allocations up
	// (extent trees, the first block of a hole's neighbours): 1/8 slack.
	if blocks > quota+quota/8 {
		t.Errorf("the keep directory holds %d KiB of file data from a %d KiB scratch", blocks>>10, quota>>10)
	}
	t.Logf("keep directory: %d KiB of file data allocated; result: %+v", blocks>>10, g.res.Kept)
	big := statOf(t, filepath.Join(dst, "big"))
	if big.Nlink != 41 {
		t.Errorf("big has %d names in the keep directory, want 41 (the scratch's)", big.Nlink)
	}
	for _, name := range []string{"link00", "link29", "sub/link09"} {
		if st := statOf(t, filepath.Join(dst, name)); st.Ino != big.Ino {
			t.Errorf("%s is inode %d, not a hard link to big (%d)", name, st.Ino, big.Ino)
		}
	}
	sparse := statOf(t, filepath.Join(dst, "sparse"))
	if sparse.Size != 48<<20 || sparse.Blocks*512 > 512<<10 {
		t.Errorf("sparse: size %d, %d KiB allocated; want 48 MiB with its holes kept (about 68 KiB of data)", sparse.Size, sparse.Blocks/2)
	}
	for name, want := range sums {
		if got := sha256File(t, filepath.Join(dst, name)); got != want {
			t.Errorf("%s: content differs from the guest's (sha256 %s, want %s)", name, got, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dst, "sub")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("sub: %v, %v; want the guest's mode 0750", fi, err)
	}
	if len(g.res.Kept) != 1 {
		t.Fatalf("result kept: %+v, want one report", g.res.Kept)
	}
	k := g.res.Kept[0]
	if k.Files != 2 || k.Links != 40 || k.Dirs != 1 || k.Bytes > quota || k.CutShort != "" {
		t.Errorf("result kept: %+v; want 2 files, 40 links, 1 dir, at most %d bytes, not cut short", k, quota)
	}
}

// TestScratchKeepReplacesNamesInTheKeepDirectory keeps into a directory
// of a writable host mount: the guest replaces a subdirectory there with
// a link to a host directory and a file with a link to a host file, and
// a name the copy writes already shares its inode with a host file (a
// hard link). The copy replaces each name; the host directory and files
// outside the keep directory are unchanged.
func TestScratchKeepReplacesNamesInTheKeepDirectory(t *testing.T) {
	root := t.TempDir()
	proj, outside := filepath.Join(root, "proj"), filepath.Join(root, "outside")
	for _, d := range []string{proj, outside, filepath.Join(proj, "keep")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	canary, shared := filepath.Join(outside, "canary"), filepath.Join(outside, "shared")
	for _, f := range []string{canary, shared} {
		if err := os.WriteFile(f, []byte("host\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(shared, filepath.Join(proj, "keep", "0h.txt")); err != nil {
		t.Fatal(err)
	}
	pol, diags := policies.LoadSource("test.hcl", []byte(keepPolicy(filepath.Join(proj, "keep"))), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	g := runWithMounts(t, pol, []policies.Mount{{Guest: "/proj", Kind: policies.MountHost, Host: proj, Writable: true}}, fmt.Sprintf(`
import os
os.makedirs("/out/sub")
for name in ("sub/b.txt", "a.txt", "0h.txt"):
    open("/out/" + name, "w").write("guest " + name)
os.symlink(%q, "/proj/keep/sub")
os.symlink(%q, "/proj/keep/a.txt")
print("planted")
`, outside, canary))
	for _, f := range []string{canary, shared} {
		if b, _ := os.ReadFile(f); string(b) != "host\n" {
			t.Errorf("%s was written through a name in the keep directory: %q", f, b)
		}
	}
	if names, _ := os.ReadDir(outside); len(names) != 2 {
		t.Errorf("the host directory the guest linked holds %d entries, want its 2", len(names))
	}
	g.checkExit(t, 0)
	if g.res.Error != "" {
		t.Fatalf("gaol failed: %s", g.res.Error)
	}
	for _, name := range []string{"sub/b.txt", "a.txt", "0h.txt"} {
		p := filepath.Join(proj, "keep", name)
		b, err := os.ReadFile(p)
		if fi, lerr := os.Lstat(p); err != nil || lerr != nil || !fi.Mode().IsRegular() || string(b) != "guest "+name {
			t.Errorf("keep/%s: %q, %v; want the guest's file in place of the name", name, b, err)
		}
	}
}

func statOf(t *testing.T, p string) *syscall.Stat_t {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// runWithMounts runs python -c code under pol with extra mounts.
func runWithMounts(t *testing.T, pol *policies.Policy, mounts []policies.Mount, code string) *guestRun {
	t.Helper()
	requireSandbox(t)
	defer holdQuiet(t, false)()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := supervisor.Run(ctx, supervisor.Options{
		Policy: pol, Path: python, Argv: []string{python, "-c", code}, Mounts: mounts,
		Stdout: &stdout, Stderr: &stderr,
	})
	return &guestRun{res: res, stdout: stdout.String(), stderr: stderr.String()}
}

// TestScratchKeepAfterTheWallBudget: a guest the wall budget stops still
// has its files kept, in the grace the copy gets after the budget.
func TestScratchKeepAfterTheWallBudget(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "kept")
	policy := strings.Replace(keepPolicy(dst), `extends = "python"`, "extends = \"python\"\n  limits {\n    wall = \"1s\"\n  }", 1)
	g := runPolicy(t, policy, `
import time
open("/out/a.txt", "w").write("alpha")
print("written", flush=True)
time.sleep(30)
`)
	if g.res.Limit != "wall" {
		t.Fatalf("limit %q, want wall:\n%s%s", g.res.Limit, g.stdout, g.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "a.txt")); err != nil || string(b) != "alpha" {
		t.Errorf("a.txt: %q, %v; want the guest's file kept after the wall budget", b, err)
	}
	if len(g.res.Kept) != 1 || g.res.Kept[0].Files != 1 || g.res.Kept[0].CutShort != "" {
		t.Errorf("result kept: %+v, want one file, not cut short", g.res.Kept)
	}
}
