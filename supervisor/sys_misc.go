package supervisor

import (
	"golang.org/x/sys/unix"
)

// Network: with the default policy the guest has no network at all (it
// runs in its own network namespace, and Landlock denies TCP). Creating
// sockets is harmless and lets local IPC work (socketpair is allowed in the
// kernel); naming an address is refused until a network policy allows it.
func sysSocket(c *call) reply {
	c.ev.Args.Raw = rawArgs(c.n)[:3]
	switch c.arg(0) {
	case unix.AF_UNIX, unix.AF_INET, unix.AF_INET6:
		return allow("socket creation")
	}
	return deny(unix.EAFNOSUPPORT, "socket family not allowed")
}

func sysNetDeny(c *call) reply {
	c.setFd(c.argInt(0))
	return deny(unix.EACCES, "network: no address allowed")
}

// sysSendto with no address sends on a connected socket: the address
// argument is a register, so a continue reads nothing the guest can change.
func sysSendto(c *call) reply {
	c.setFd(c.argInt(0))
	if c.arg(4) == 0 {
		return allow("send on a connected socket")
	}
	return deny(unix.EACCES, "network: no address allowed")
}

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
