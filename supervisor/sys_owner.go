package supervisor

import (
	"golang.org/x/sys/unix"
)

// Ownership: the guest owns what lies in its writable mounts and may
// "change" it to its own ids, as an unprivileged owner may (vfs.Chown);
// every real change of owner is refused.

func sysChown(c *call) reply  { return c.chownAt(atFDCWD, 0, 1, 0) }
func sysLchown(c *call) reply { return c.chownAt(atFDCWD, 0, 1, unix.AT_SYMLINK_NOFOLLOW) }
func sysFchownat(c *call) reply {
	return c.chownAt(c.argInt(0), 1, 2, int(c.arg(4)))
}

// chownAt is the worker behind chown, lchown and fchownat; uid and gid
// are the arguments at idArg and idArg+1.
func (c *call) chownAt(dirfd, pathArg, idArg, flags int) reply {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return fail(unix.EINVAL)
	}
	if dirfd != atFDCWD {
		c.setFd(dirfd)
	}
	uid, gid := c.argInt(idArg), c.argInt(idArg+1)
	p, err := c.readPath(pathArg)
	if err != nil {
		return fail(err)
	}
	if p == "" && flags&unix.AT_EMPTY_PATH != 0 {
		return c.fchown(dirfd, uid, gid)
	}
	loc, r, found := c.resolveChecked(dirfd, p, followFlag(flags))
	if !found {
		return r
	}
	defer loc.Close()
	return c.fsResult(c.s.fs.Chown(loc, uid, gid))
}

func sysFchown(c *call) reply { return c.fchown(c.argInt(0), c.argInt(1), c.argInt(2)) }

// fchown answers for a file the guest holds: EBADF for a bad fd, as the
// kernel checks the fd first; a file of a writable mount may keep its
// owner; anything else is refused.
func (c *call) fchown(fd, uid, gid int) reply {
	our, st, r, found := c.heldWritable(fd, unix.EBADF, unix.EPERM, "not permitted in the sandbox")
	if !found {
		return r
	}
	defer unix.Close(our)
	return c.fsResult(c.s.fs.FchownOwn(our, st, uid, gid))
}
