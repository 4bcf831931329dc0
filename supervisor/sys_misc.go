package supervisor

import (
	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// Time, with the real clock: the answer comes from the kernel and depends
// on no guest memory.
func sysTimeReal(c *call) reply { return allow("time: real") }

// Refusals that explain themselves.
func denyPerm(c *call) reply   { return deny(unix.EPERM, "not permitted in the sandbox") }
func denyNoSys(c *call) reply  { return deny(unix.ENOSYS, "not available in the sandbox") }
func denyNotSup(c *call) reply { return deny(unix.EOPNOTSUPP, "extended attributes not supported") }

// sysStatfs describes the filesystem of a guest path (vfs.Statfs): the
// host's sizes for mounted content, as fstatfs on an fd shows them.
func sysStatfs(c *call) reply {
	loc, r, found := c.lookup(atFDCWD, 0, vfs.Follow)
	if !found {
		return r
	}
	defer loc.Close()
	st, err := c.s.fs.Statfs(loc)
	if err != nil {
		return fail(err)
	}
	return c.writeOut(c.arg(1), asBytes(&st), 0)
}
