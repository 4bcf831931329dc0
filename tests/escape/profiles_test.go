package escape

import (
	"fmt"
	"os"
	"path/filepath"
)

// profile is a policy the whole suite runs under: an attack that the
// default profile contains must also be contained under the policies
// people write to let a program do more.
type profile struct {
	name    string
	prepare func(e *env) // "" for the default profile
}

var profiles = []profile{
	{name: "default"},
	{name: "permissive", prepare: withPermissivePolicy},
}

// runsUnder reports whether the attack runs under p.
func (a attack) runsUnder(p profile) bool {
	return p.name == "default" || a.defaultOnly == ""
}

// withPermissivePolicy runs the attack under what a grader or a web
// service allowing more would write: forks (process.max = 4; no exec
// beyond the interpreter's own), a network.connect entry (127.0.0.1:9, where
// nothing listens), a writable host directory at /perm-rw, and a scratch
// mount kept into a host directory after the run. The keep directory and
// the writable directory are judged besides the canary directory: nothing
// in them may be a device or set-ID, nor a link in the keep copy.
func withPermissivePolicy(e *env) {
	rw, keep := e.t.TempDir(), e.t.TempDir()
	pol := filepath.Join(e.t.TempDir(), "permissive.hcl")
	must(e.t, os.WriteFile(pol, []byte(fmt.Sprintf(`sandbox "escape-permissive" {
  extends = "python"
  process {
    max = 4
  }
  network {
    connect = ["127.0.0.1:9"]
  }
  mount "/perm-out" {
    type  = "scratch"
    quota = "4MiB"
    files = 256
    keep  = %q
  }
}
`, keep)), 0o644))
	e.flags = append(e.flags, "--policy", pol, "--rw", rw+":/perm-rw")
	e.check(func(r *run) []string {
		var out []string
		for dir, bad := range map[string]os.FileMode{
			rw:   os.ModeDevice | os.ModeSetuid | os.ModeSetgid,
			keep: os.ModeSymlink | os.ModeDevice | os.ModeSetuid | os.ModeSetgid,
		} {
			filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
				if err != nil || p == dir {
					return nil
				}
				if m := fi.Mode(); m&bad != 0 {
					out = append(out, fmt.Sprintf("the permissive profile's host directory holds %s, mode %v", p, m))
				}
				return nil
			})
		}
		return out
	})
}
