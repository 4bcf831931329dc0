package supervisor_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFollowSymlinksReachesTheInterpreterThroughItsMount runs a host tree
// whose link leads, relatively and out of its mount, to the interpreter
// on the host: with follow_symlinks the guest reaches it where discovery
// mounted it; without, the link's ".." climbs the guest's tree instead.
func TestFollowSymlinksReachesTheInterpreterThroughItsMount(t *testing.T) {
	real, err := filepath.EvalSymlinks(python)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(dir, real)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(rel, filepath.Join(dir, "python")); err != nil {
		t.Fatal(err)
	}
	code := `import os
try:
    print(open("/deep/in/the/tree/python", "rb").read(4), os.path.realpath("/deep/in/the/tree/python"))
except FileNotFoundError:
    print("ENOENT")`
	for _, follow := range []bool{true, false} {
		t.Run(fmt.Sprintf("follow_symlinks = %v", follow), func(t *testing.T) {
			hcl := fmt.Sprintf(`sandbox "follow" {
  extends = "python"
  mount "/deep/in/the/tree" {
    type            = "host"
    host            = %q
    follow_symlinks = %v
  }
}`, dir, follow)
			want := "ENOENT"
			if follow {
				want = `b'\x7fELF' ` + real
			}
			g := runPolicy(t, hcl, code)
			if got := strings.TrimSpace(g.stdout); got != want {
				t.Errorf("stdout %q, want %q\nstderr:\n%s", got, want, g.stderr)
			}
		})
	}
}
