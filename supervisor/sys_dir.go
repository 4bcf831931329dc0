package supervisor

import (
	"encoding/binary"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// getdents64 is answered by the supervisor for every directory: virtual
// directories are listed from the VFS, host directories are read through
// the supervisor's copy of the guest's fd (sharing its offset) and
// filtered, so an excluded name never appears.
func sysGetdents64(c *call) reply {
	fd, buf, count := c.argInt(0), c.arg(1), int(uint32(c.arg(2)))
	c.setFd(fd)
	our, err := c.p.guestFD(fd)
	if err != nil {
		return fail(err)
	}
	defer unix.Close(our)
	var st unix.Stat_t
	if err := unix.Fstat(our, &st); err != nil {
		return fail(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fail(unix.ENOTDIR)
	}
	dir, known := c.s.fs.PathOf(&st)
	if !known {
		return fail(unix.EBADF)
	}
	if r, ok := c.check(dir); !ok {
		return r
	}
	if count > 1<<20 {
		count = 1 << 20
	}
	if entries, ok := c.s.fs.List(c, dir); ok {
		return c.listVirtual(our, entries, buf, count)
	}
	return c.listHost(our, dir, buf, count)
}

// direntSize is the record length of a linux_dirent64 with this name.
func direntSize(name string) int { return (19 + len(name) + 1 + 7) &^ 7 }

func putDirent(b []byte, ino uint64, off int64, typ uint8, name string) int {
	n := direntSize(name)
	binary.LittleEndian.PutUint64(b[0:], ino)
	binary.LittleEndian.PutUint64(b[8:], uint64(off))
	binary.LittleEndian.PutUint16(b[16:], uint16(n))
	b[18] = typ
	copy(b[19:], name)
	for i := 19 + len(name); i < n; i++ {
		b[i] = 0
	}
	return n
}

// listVirtual lists a virtual directory. The position is the index of the
// next entry, kept as the guest's own file offset so lseek, seekdir and
// rewinddir work.
func (c *call) listVirtual(our int, entries []vfs.Dirent, buf uint64, count int) reply {
	pos, err := unix.Seek(our, 0, unix.SEEK_CUR)
	if err != nil {
		return fail(err)
	}
	out := make([]byte, count)
	n := 0
	i := int(pos)
	for ; i >= 0 && i < len(entries); i++ {
		e := entries[i]
		if n+direntSize(e.Name) > count {
			break
		}
		n += putDirent(out[n:], e.Ino, int64(i+1), e.Type, e.Name)
	}
	if n == 0 && i < len(entries) && i >= 0 {
		return fail(unix.EINVAL) // buffer too small for one entry
	}
	if _, err := unix.Seek(our, int64(i), unix.SEEK_SET); err != nil {
		return fail(err)
	}
	return c.writeOut(buf, out[:n], int64(n))
}

// listHost reads a host directory through the shared offset and drops the
// names the guest must not see.
func (c *call) listHost(our int, dir string, buf uint64, count int) reply {
	in := make([]byte, count)
	for {
		n, err := unix.Getdents(our, in)
		if err != nil {
			return fail(err)
		}
		if n == 0 {
			return ok(0)
		}
		out := make([]byte, 0, n)
		for off := 0; off < n; {
			reclen := int(binary.LittleEndian.Uint16(in[off+16:]))
			rec := in[off : off+reclen]
			name := cstring(rec[19:])
			if c.s.fs.Visible(dir, name) {
				out = append(out, rec...)
			}
			off += reclen
		}
		// A batch made only of hidden names must not read as the end of
		// the directory: read on.
		if len(out) > 0 {
			return c.writeOut(buf, out, int64(len(out)))
		}
	}
}

func cstring(b []byte) string {
	for i, ch := range b {
		if ch == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// ---- creating and removing ----

func sysMkdir(c *call) reply   { return c.mkdirAt(atFDCWD, 0, uint32(c.arg(1))) }
func sysMkdirat(c *call) reply { return c.mkdirAt(c.argInt(0), 1, uint32(c.arg(2))) }

func (c *call) mkdirAt(dirfd, pathArg int, mode uint32) reply {
	loc, r, found := c.lookup(dirfd, pathArg, vfs.Missing)
	if !found {
		return r
	}
	defer loc.Close()
	return c.fsResult(c.s.fs.Mkdir(loc, mode&^c.p.getUmask()&0o7777))
}

func sysMknod(c *call) reply   { return c.mknodAt(atFDCWD, 0, uint32(c.arg(1))) }
func sysMknodat(c *call) reply { return c.mknodAt(c.argInt(0), 1, uint32(c.arg(2))) }

// mknodAt makes FIFOs and empty regular files in writable mounts (mkfifo,
// mknod); the device number argument is never read, since no device node
// is ever made.
func (c *call) mknodAt(dirfd, pathArg int, mode uint32) reply {
	c.ev.Args.Mode = "0" + strconv.FormatUint(uint64(mode), 8)
	loc, r, found := c.lookup(dirfd, pathArg, vfs.Missing)
	if !found {
		return r
	}
	defer loc.Close()
	err := c.s.fs.Mknod(loc, mode&unix.S_IFMT|mode&^c.p.getUmask()&0o7777)
	if err == unix.EPERM {
		return deny(unix.EPERM, "mknod: only FIFOs and regular files, never devices")
	}
	return c.fsResult(err)
}

// fsResult answers a VFS operation's error, a read-only mount as a denial.
func (c *call) fsResult(err error) reply {
	if err != nil {
		return c.pathErr(err)
	}
	return ok(0)
}

func sysRmdir(c *call) reply  { return c.unlinkAt(atFDCWD, 0, unix.AT_REMOVEDIR) }
func sysUnlink(c *call) reply { return c.unlinkAt(atFDCWD, 0, 0) }
func sysUnlinkat(c *call) reply {
	return c.unlinkAt(c.argInt(0), 1, int(c.arg(2)))
}

func (c *call) unlinkAt(dirfd, pathArg, flags int) reply {
	if flags&^unix.AT_REMOVEDIR != 0 {
		return fail(unix.EINVAL)
	}
	// Missing: a name that does not exist in a read-only mount is EROFS,
	// as the kernel says, not ENOENT.
	loc, r, found := c.lookup(dirfd, pathArg, vfs.Missing)
	if !found {
		return r
	}
	defer loc.Close()
	dir := flags&unix.AT_REMOVEDIR != 0
	if err := c.s.fs.Unlink(loc, dir); err != nil {
		return c.pathErr(err)
	}
	if dir {
		c.s.procs.removed(loc.Inode())
	}
	return ok(0)
}

func sysSymlink(c *call) reply   { return c.symlinkAt(0, atFDCWD, 1) }
func sysSymlinkat(c *call) reply { return c.symlinkAt(0, c.argInt(1), 2) }

func (c *call) symlinkAt(targetArg, dirfd, pathArg int) reply {
	target, err := c.readPath(targetArg)
	if err != nil {
		return fail(err)
	}
	p, err := c.readPath(pathArg)
	if err != nil {
		return fail(err)
	}
	// The trace shows the link's path first, the target second.
	c.ev.Args.Path, c.ev.Args.Path2 = p, target
	if target == "" {
		return fail(unix.ENOENT)
	}
	loc, r, found := c.resolveChecked(dirfd, p, vfs.Missing)
	if !found {
		return r
	}
	defer loc.Close()
	return c.fsResult(c.s.fs.Symlink(target, loc))
}

func sysRename(c *call) reply { return c.renameAt(atFDCWD, 0, atFDCWD, 1, 0) }
func sysRenameat(c *call) reply {
	return c.renameAt(c.argInt(0), 1, c.argInt(2), 3, 0)
}
func sysRenameat2(c *call) reply {
	return c.renameAt(c.argInt(0), 1, c.argInt(2), 3, uint(c.arg(4)))
}

func (c *call) renameAt(oldfd, oldArg, newfd, newArg int, flags uint) reply {
	oldp, err := c.readPath(oldArg)
	if err != nil {
		return fail(err)
	}
	newp, err := c.readPath(newArg)
	if err != nil {
		return fail(err)
	}
	// The policy is asked about both names: a rename removes one and
	// creates the other.
	from, r, found := c.resolveChecked(oldfd, oldp, vfs.Missing)
	if !found {
		return r
	}
	defer from.Close()
	to, r, found := c.resolveChecked(newfd, newp, vfs.Missing)
	if !found {
		return r
	}
	defer to.Close()
	if err := c.s.fs.Rename(from, to, flags); err != nil {
		return c.pathErr(err)
	}
	// A directory renamed over an empty one removes it; working
	// directories follow the ones that moved.
	exchange := flags&unix.RENAME_EXCHANGE != 0
	if !exchange && to.IsDir() {
		c.s.procs.removed(to.Inode())
	}
	c.s.procs.renamed(from.Path, to.Path, exchange)
	return ok(0)
}

func sysLink(c *call) reply { return c.linkAt(atFDCWD, 0, atFDCWD, 1, 0) }
func sysLinkat(c *call) reply {
	return c.linkAt(c.argInt(0), 1, c.argInt(2), 3, int(c.arg(4)))
}

func (c *call) linkAt(oldfd, oldArg, newfd, newArg, flags int) reply {
	if flags&^(unix.AT_SYMLINK_FOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return fail(unix.EINVAL)
	}
	if flags&unix.AT_EMPTY_PATH != 0 {
		return deny(unix.ENOENT, "link of an fd")
	}
	oldp, err := c.readPath(oldArg)
	if err != nil {
		return fail(err)
	}
	newp, err := c.readPath(newArg)
	if err != nil {
		return fail(err)
	}
	var rf vfs.Flags
	if flags&unix.AT_SYMLINK_FOLLOW != 0 {
		rf = vfs.Follow
	}
	// The policy is asked about both names: a link gives the file a new
	// name, which a rule may forbid as much as the old one.
	from, r, found := c.resolveChecked(oldfd, oldp, rf)
	if !found {
		return r
	}
	defer from.Close()
	to, r, found := c.resolveChecked(newfd, newp, vfs.Missing)
	if !found {
		return r
	}
	defer to.Close()
	return c.fsResult(c.s.fs.Link(from, to))
}

// ---- attributes ----

func sysChmod(c *call) reply { return c.chmodAt(atFDCWD, 0, uint32(c.arg(1)), 0) }
func sysFchmodat(c *call) reply {
	return c.chmodAt(c.argInt(0), 1, uint32(c.arg(2)), 0)
}
func sysFchmodat2(c *call) reply {
	return c.chmodAt(c.argInt(0), 1, uint32(c.arg(2)), int(c.arg(3)))
}

func (c *call) chmodAt(dirfd, pathArg int, mode uint32, flags int) reply {
	p, err := c.readPath(pathArg)
	if err != nil {
		return fail(err)
	}
	if p == "" && flags&unix.AT_EMPTY_PATH != 0 {
		return c.fchmod(dirfd, mode)
	}
	loc, r, found := c.resolveChecked(dirfd, p, followFlag(flags))
	if !found {
		return r
	}
	defer loc.Close()
	if loc.IsSymlink() {
		return fail(unix.EOPNOTSUPP)
	}
	return c.fsResult(c.s.fs.Chmod(loc, mode))
}

func sysFchmod(c *call) reply { return c.fchmod(c.argInt(0), uint32(c.arg(1))) }

// fchmod changes the mode of a file the guest holds, on the supervisor's
// copy of its fd, when it lies in a writable mount.
func (c *call) fchmod(fd int, mode uint32) reply {
	our, st, r, found := c.heldWritable(fd, 0, unix.EROFS, "read-only mount")
	if !found {
		return r
	}
	defer unix.Close(our)
	if err := c.s.fs.MayChmodHeld(&st); err != nil {
		return fail(err)
	}
	if mode&(unix.S_ISUID|unix.S_ISGID) != 0 {
		return deny(unix.EPERM, "no set-user-ID or set-group-ID files")
	}
	return c.fsResult(unix.Fchmod(our, vfs.SafeMode(mode)))
}

func sysTruncate(c *call) reply {
	p, err := c.readPath(0)
	if err != nil {
		return fail(err)
	}
	size := int64(c.arg(1))
	if size < 0 {
		return fail(unix.EINVAL)
	}
	loc, r, found := c.resolveChecked(atFDCWD, p, vfs.Follow)
	if !found {
		return r
	}
	defer loc.Close()
	return c.fsResult(c.s.fs.Truncate(loc, size))
}

func sysUtimensat(c *call) reply {
	dirfd, flags := c.argInt(0), int(c.arg(3))
	var ts []unix.Timespec
	if c.arg(2) != 0 {
		var raw [32]byte
		if err := readMem(c.tid, c.arg(2), raw[:]); err != nil {
			return fail(err)
		}
		ts = make([]unix.Timespec, 2)
		fromBytes(raw[:16], &ts[0])
		fromBytes(raw[16:], &ts[1])
	} else {
		ts = []unix.Timespec{{Nsec: unix.UTIME_NOW}, {Nsec: unix.UTIME_NOW}}
	}
	if c.arg(1) == 0 {
		// utimensat(fd, NULL, …) is futimens: work on the fd.
		return c.futimens(dirfd, ts)
	}
	p, err := c.readPath(1)
	if err != nil {
		return fail(err)
	}
	if p == "" && flags&unix.AT_EMPTY_PATH != 0 {
		return c.futimens(dirfd, ts)
	}
	loc, r, found := c.resolveChecked(dirfd, p, followFlag(flags))
	if !found {
		return r
	}
	defer loc.Close()
	return c.fsResult(c.s.fs.Utimens(loc, ts))
}

func (c *call) futimens(fd int, ts []unix.Timespec) reply {
	our, st, r, found := c.heldWritable(fd, 0, unix.EROFS, "read-only mount")
	if !found {
		return r
	}
	defer unix.Close(our)
	if err := c.s.fs.MayTouchHeld(&st, ts); err != nil {
		return fail(err)
	}
	return c.fsResult(unix.UtimesNanoAt(our, "", ts, unix.AT_EMPTY_PATH))
}

// heldWritable takes the supervisor's copy of a guest fd whose file the VFS
// handed out through a writable mount, and its host stat (for the
// permission check), for the calls that change a file the guest holds.
// Otherwise it returns the reply: badFD for an fd the
// guest does not hold (0: the error as it came), refused (with why) for
// any other file.
func (c *call) heldWritable(fd int, badFD, refused unix.Errno, why string) (our int, st unix.Stat_t, r reply, ok bool) {
	c.setFd(fd)
	our, err := c.p.guestFD(fd)
	if err != nil {
		if badFD != 0 {
			err = badFD
		}
		return -1, st, fail(err), false
	}
	if err := unix.Fstat(our, &st); err != nil {
		unix.Close(our)
		return -1, st, fail(err), false
	}
	if !c.s.fs.OpenedWritable(&st) {
		unix.Close(our)
		return -1, st, deny(refused, why), false
	}
	return our, st, reply{}, true
}
