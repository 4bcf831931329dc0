package supervisor

import (
	"golang.org/x/sys/unix"
)

// Time, with the real clock: the answer comes from the kernel and depends
// on no guest memory.
func sysTimeReal(c *call) reply { return allow("time: real") }

// Refusals that explain themselves.
func denyPerm(c *call) reply    { return deny(unix.EPERM, "not permitted in the sandbox") }
func denyNoSys(c *call) reply   { return deny(unix.ENOSYS, "not available in the sandbox") }
func denyNotSup(c *call) reply  { return deny(unix.EOPNOTSUPP, "extended attributes not supported") }
func emulateZero(c *call) reply { return ok(0) }

// sysStatfs describes every guest filesystem alike, without host numbers.
func sysStatfs(c *call) reply {
	p, err := c.readPath(0)
	if err != nil {
		return fail(err)
	}
	loc, err := c.resolveAt(atFDCWD, p, 1)
	if err != nil {
		return c.pathErr(err)
	}
	loc.Close()
	st := unix.Statfs_t{Type: 0x01021994, Bsize: 4096, Namelen: 255, Frsize: 4096}
	return c.writeOut(c.arg(1), asBytes(&st), 0)
}
