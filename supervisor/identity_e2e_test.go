package supervisor_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// identityProbe prints, on one line: the guest's real, effective and saved
// uids and gids, the owner of a file it creates in /tmp, of /tmp itself, of
// a virtual file, of a host file of the interpreter, and whether it may set
// its uid and gid to their own values and to 0.
const identityProbe = `import os
open("/tmp/f", "w").close()
def owner(p):
    st = os.stat(p)
    return "%d:%d" % (st.st_uid, st.st_gid)
def can(f, *a):
    try:
        f(*a)
        return "ok"
    except PermissionError:
        return "EPERM"
print(os.getresuid(), os.getresgid(), owner("/tmp/f"), owner("/tmp"), owner("/etc/motd"), owner(os.__file__),
      can(os.setuid, os.getuid()), can(os.setgid, os.getgid()), can(os.setuid, 0), can(os.setgid, 0))`

func TestIdentitySetsTheGuestsIDsEverywhere(t *testing.T) {
	// The interpreter's files are root's: the guest's own when gaol is
	// root, nobody's (65534) when it is not.
	hostOwner := func(uid, gid int) string {
		if os.Geteuid() == 0 {
			return fmt.Sprintf("%d:%d", uid, gid)
		}
		return "65534:65534"
	}
	tests := []struct {
		name     string
		identity string
		want     string
	}{
		{
			name: "by default the guest is uid and gid 1000",
			want: "(1000, 1000, 1000) (1000, 1000, 1000) 1000:1000 1000:1000 1000:1000 " + hostOwner(1000, 1000) + " ok ok EPERM EPERM",
		},
		{
			name:     "identity makes the guest uid 4242 and gid 4343",
			identity: "identity {\n    uid = 4242\n    gid = 4343\n  }",
			want:     "(4242, 4242, 4242) (4343, 4343, 4343) 4242:4343 4242:4343 4242:4343 " + hostOwner(4242, 4343) + " ok ok EPERM EPERM",
		},
		{
			name:     "identity may make the guest root in its namespace",
			identity: "identity {\n    uid = 0\n    gid = 0\n  }",
			want:     "(0, 0, 0) (0, 0, 0) 0:0 0:0 0:0 " + hostOwner(0, 0) + " ok ok ok ok",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hcl := fmt.Sprintf(`sandbox "id" {
  extends = "python"
  %s
  mount "/etc/motd" {
    type    = "file"
    content = "hello"
  }
}`, tt.identity)
			g := runPolicy(t, hcl, identityProbe)
			if got := strings.TrimSpace(g.stdout); got != tt.want {
				t.Errorf("stdout %q, want %q\nstderr:\n%s\nresult: %s", got, tt.want, g.stderr, describe(g.res))
			}
		})
	}
}

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
