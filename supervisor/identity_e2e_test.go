package supervisor_test

import (
	"fmt"
	"os"
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
