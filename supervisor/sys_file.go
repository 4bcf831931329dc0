package supervisor

import (
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// File handlers: each decodes its arguments and calls a shared worker
// (open, openat and creat share openAt). Every path is read once from
// guest memory and resolved by the VFS in the guest's namespace.

const atFDCWD = unix.AT_FDCWD

func sysOpen(c *call) reply {
	return c.openAt(atFDCWD, 0, int(c.arg(1)), uint32(c.arg(2)), 0)
}

func sysCreat(c *call) reply {
	return c.openAt(atFDCWD, 0, unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, uint32(c.arg(1)), 0)
}

func sysOpenat(c *call) reply {
	return c.openAt(c.argInt(0), 1, int(c.arg(2)), uint32(c.arg(3)), 0)
}

// openHow is struct open_how (openat2(2)).
type openHow struct {
	Flags, Mode, Resolve uint64
}

func sysOpenat2(c *call) reply {
	size := c.arg(3)
	if size < 24 {
		return fail(unix.EINVAL)
	}
	var raw [24]byte
	if err := readMem(c.tid, c.arg(2), raw[:]); err != nil {
		return fail(err)
	}
	var how openHow
	fromBytes(raw[:], &how)
	if how.Resolve&^uint64(unix.RESOLVE_NO_SYMLINKS|unix.RESOLVE_NO_MAGICLINKS|unix.RESOLVE_NO_XDEV|unix.RESOLVE_BENEATH|unix.RESOLVE_IN_ROOT|resolveCached) != 0 {
		return fail(unix.EINVAL)
	}
	if how.Resolve&unix.RESOLVE_BENEATH != 0 && how.Resolve&unix.RESOLVE_IN_ROOT != 0 {
		return fail(unix.EINVAL) // as the kernel: the two scopes exclude each other
	}
	var extra vfs.Flags
	for _, f := range []struct {
		resolve uint64
		flag    vfs.Flags
	}{
		{unix.RESOLVE_NO_SYMLINKS, vfs.NoSymlinks}, {unix.RESOLVE_NO_MAGICLINKS, vfs.NoMagicLinks},
		{unix.RESOLVE_BENEATH, vfs.Beneath}, {unix.RESOLVE_IN_ROOT, vfs.InRoot},
		{unix.RESOLVE_NO_XDEV, vfs.NoXDev},
	} {
		if how.Resolve&f.resolve != 0 {
			extra |= f.flag
		}
	}
	return c.openAt(c.argInt(0), 1, int(how.Flags), uint32(how.Mode), extra)
}

// openAt is the worker behind the open family.
func (c *call) openAt(dirfd, pathArg, flags int, mode uint32, extra vfs.Flags) reply {
	p, err := c.readPath(pathArg)
	if err != nil {
		return fail(err)
	}
	c.ev.Args.Flags = openFlagNames(flags)
	c.openFlags = flags
	if dirfd != atFDCWD {
		c.setFd(dirfd)
	}
	tmpfile := flags&unix.O_TMPFILE == unix.O_TMPFILE
	rf := extra
	creat := flags&unix.O_CREAT != 0 && !tmpfile
	if creat {
		rf |= vfs.Missing
	}
	if flags&unix.O_NOFOLLOW == 0 && !(creat && flags&unix.O_EXCL != 0) {
		rf |= vfs.Follow
	}
	loc, r, found := c.resolveChecked(dirfd, p, rf)
	if !found {
		return r
	}
	mode &^= c.p.getUmask()
	if loc.WaitsOnOpen(flags) {
		return c.openFIFO(loc, flags, mode) // owns loc
	}
	defer loc.Close()
	// The VFS does the kernel's checks on the last component, in the
	// kernel's order (EEXIST, ELOOP, EISDIR, EROFS, …).
	fd, err := c.s.fs.Open(loc, injectable(flags), mode)
	if err != nil {
		return c.pathErr(err)
	}
	c.s.sweepHanded()
	return inject(fd, flags&unix.O_CLOEXEC != 0)
}

// pathErr turns a resolution error into a reply: EROFS and EACCES are
// refusals of the guest's view (deny), and so is an ENOENT for a path
// outside the view (outsideErr); the rest is what a kernel says.
func (c *call) pathErr(err error) reply {
	if o, ok := err.(outsideErr); ok {
		return deny(unix.ENOENT, o.why.String())
	}
	e := toErrno(err)
	switch e {
	case unix.EROFS, unix.EACCES, unix.EPERM:
		return deny(e, "filesystem view")
	}
	// ENOENT of a name missing inside a mount, ENOTDIR, ELOOP, …: the
	// guest's tree answered, as the kernel would have.
	return reply{action: actEmulate, errno: e, rule: "filesystem view"}
}

// outsideErr is the ENOENT of a path the walk found outside the guest's
// view: a name no mount provides or one a mount hides. The guest sees
// ENOENT, as for any missing file; the trace shows a denial. Only
// resolveAt makes one, and only pathErr takes it.
type outsideErr struct{ why vfs.Absence }

func (e outsideErr) Error() string { return "ENOENT: " + e.why.String() }

// Is makes errors.Is(err, unix.ENOENT) hold.
func (e outsideErr) Is(target error) bool { return target == unix.ENOENT }

// base returns the directory a path starts from and what of the path is
// left to walk from there (all of it but where a removed directory, the
// working directory or dirfd's, is left by its "..").
func (c *call) base(dirfd int, p string) (string, string, error) {
	if strings.HasPrefix(p, "/") {
		return "/", p, nil
	}
	if dirfd == atFDCWD {
		return c.p.getCwd().lookupBase(p)
	}
	dir, st, err := c.fdPath(dirfd)
	if err != nil {
		return "", "", err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return "", "", unix.ENOTDIR
	}
	if st.Nlink == 0 {
		// A removed directory: the fstat above says so at no cost.
		return workDir{path: dir, gone: true}.lookupBase(p)
	}
	return dir, p, nil
}

// fdPath maps a guest fd to the guest path it was opened as.
func (c *call) fdPath(fd int) (string, unix.Stat_t, error) {
	var st unix.Stat_t
	our, err := c.p.guestFD(fd)
	if err != nil {
		return "", st, err
	}
	defer unix.Close(our)
	if err := unix.Fstat(our, &st); err != nil {
		return "", st, toErrno(err)
	}
	p, ok := c.s.fs.PathOf(&st)
	if !ok {
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return "", st, unix.ENOTDIR
		}
		return "", st, unix.EACCES
	}
	return p, st, nil
}

// lookup reads path argument pathArg, resolves it against dirfd and asks
// the policy about it. When any step refuses, ok is false and r is the
// reply to send; otherwise the caller closes loc.
func (c *call) lookup(dirfd, pathArg int, flags vfs.Flags) (loc *vfs.Loc, r reply, ok bool) {
	p, err := c.readPath(pathArg)
	if err != nil {
		return nil, fail(err), false
	}
	return c.resolveChecked(dirfd, p, flags)
}

// resolveChecked is lookup for a path already read.
func (c *call) resolveChecked(dirfd int, p string, flags vfs.Flags) (loc *vfs.Loc, r reply, ok bool) {
	loc, err := c.resolveAt(dirfd, p, flags)
	if err != nil {
		return nil, c.pathErr(err), false
	}
	if r, ok := c.check(loc.Path); !ok {
		loc.Close()
		return nil, r, false
	}
	return loc, reply{}, true
}

func (c *call) resolveAt(dirfd int, p string, flags vfs.Flags) (*vfs.Loc, error) {
	if p == "" {
		return nil, unix.ENOENT
	}
	var base string
	var err error
	if flags&(vfs.Beneath|vfs.InRoot) != 0 {
		// The walk is scoped to the starting directory, also for an
		// absolute path: the directory itself, not the path, is the base.
		base, _, err = c.base(dirfd, ".")
	} else {
		base, p, err = c.base(dirfd, p)
	}
	if err != nil {
		return nil, err
	}
	// The VFS says where the walk failed: ".." , a symlink or a dirfd
	// may have taken it outside every mount whatever the path's text.
	loc, why, err := c.s.fs.ResolveWhy(c, base, p, flags)
	if err == unix.ENOENT && why != vfs.Absent {
		return nil, outsideErr{why}
	}
	return loc, err
}

// ---- stat family ----

func sysStat(c *call) reply  { return c.statAt(atFDCWD, 0, 1, unix.AT_NO_AUTOMOUNT) }
func sysLstat(c *call) reply { return c.statAt(atFDCWD, 0, 1, unix.AT_SYMLINK_NOFOLLOW) }
func sysFstat(c *call) reply { return c.statFDReply(c.argInt(0), c.arg(1)) }
func sysNewfstatat(c *call) reply {
	return c.statAt(c.argInt(0), 1, 2, int(c.arg(3)))
}

func (c *call) statAt(dirfd, pathArg, bufArg, flags int) reply {
	if dirfd != atFDCWD {
		c.setFd(dirfd)
	}
	p, err := c.readPath(pathArg)
	if err != nil {
		return fail(err)
	}
	if p == "" && flags&unix.AT_EMPTY_PATH != 0 {
		return c.statFDReply(dirfd, c.arg(bufArg))
	}
	loc, r, found := c.resolveChecked(dirfd, p, followFlag(flags))
	if !found {
		return r
	}
	defer loc.Close()
	st, err := c.s.fs.Stat(loc)
	if err != nil {
		return fail(err)
	}
	return c.writeOut(c.arg(bufArg), asBytes(&st), 0)
}

func followFlag(atFlags int) vfs.Flags {
	if atFlags&unix.AT_SYMLINK_NOFOLLOW != 0 {
		return 0
	}
	return vfs.Follow
}

// writeOut writes a result into guest memory and answers v.
func (c *call) writeOut(addr uint64, b []byte, v int64) reply {
	if err := writeMem(c.tid, addr, b); err != nil {
		return fail(err)
	}
	return ok(v)
}

// statFD stats a guest fd as the guest should see it.
func (c *call) statFD(fd int) (unix.Stat_t, error) {
	var st unix.Stat_t
	if fd == atFDCWD {
		cwd, _, err := c.p.getCwd().lookupBase(".")
		if err != nil {
			return st, err
		}
		loc, err := c.s.fs.Resolve("/", cwd, vfs.Follow)
		if err != nil {
			return st, err
		}
		defer loc.Close()
		return c.s.fs.Stat(loc)
	}
	our, err := c.p.guestFD(fd)
	if err != nil {
		return st, err
	}
	defer unix.Close(our)
	if err := unix.Fstat(our, &st); err != nil {
		return st, err
	}
	if p, ok := c.s.fs.PathOf(&st); ok {
		c.ev.Args.Guest = p
		if c.s.fs.IsVirtualDir(p) {
			loc, err := c.s.fs.Resolve("/", p, vfs.Follow)
			if err != nil {
				return st, err
			}
			defer loc.Close()
			return c.s.fs.Stat(loc)
		}
	}
	c.s.fs.Disguise(&st)
	return st, nil
}

func (c *call) statFDReply(fd int, buf uint64) reply {
	c.setFd(fd)
	st, err := c.statFD(fd)
	if err != nil {
		return fail(err)
	}
	return c.writeOut(buf, asBytes(&st), 0)
}

func sysStatx(c *call) reply {
	dirfd, flags, mask, buf := c.argInt(0), int(c.arg(2)), int(c.arg(3)), c.arg(4)
	if dirfd != atFDCWD {
		c.setFd(dirfd)
	}
	p, err := c.readPath(1)
	if err != nil {
		return fail(err)
	}
	var stx unix.Statx_t
	if p == "" && flags&unix.AT_EMPTY_PATH != 0 {
		st, err := c.statFD(dirfd)
		if err != nil {
			return fail(err)
		}
		stx = vfs.StatToStatx(&st)
	} else {
		loc, r, found := c.resolveChecked(dirfd, p, followFlag(flags))
		if !found {
			return r
		}
		defer loc.Close()
		stx, err = c.s.fs.Statx(loc, mask)
		if err != nil {
			return fail(err)
		}
	}
	return c.writeOut(buf, asBytes(&stx), 0)
}

// ---- access ----

func sysAccess(c *call) reply { return c.accessAt(atFDCWD, 0, uint32(c.arg(1)), 0) }
func sysFaccessat(c *call) reply {
	return c.accessAt(c.argInt(0), 1, uint32(c.arg(2)), 0)
}
func sysFaccessat2(c *call) reply {
	return c.accessAt(c.argInt(0), 1, uint32(c.arg(2)), int(c.arg(3)))
}

func (c *call) accessAt(dirfd, pathArg int, mode uint32, flags int) reply {
	if mode&^uint32(unix.R_OK|unix.W_OK|unix.X_OK) != 0 {
		return fail(unix.EINVAL)
	}
	p, err := c.readPath(pathArg)
	if err != nil {
		return fail(err)
	}
	loc, r, found := c.resolveChecked(dirfd, p, followFlag(flags))
	if !found {
		return r
	}
	defer loc.Close()
	if err := c.s.fs.Access(loc, mode); err != nil {
		return fail(err)
	}
	return ok(0)
}

// ---- readlink ----

func sysReadlink(c *call) reply { return c.readlinkAt(atFDCWD, 0, c.arg(1), int(c.arg(2))) }
func sysReadlinkat(c *call) reply {
	return c.readlinkAt(c.argInt(0), 1, c.arg(2), int(c.arg(3)))
}

func (c *call) readlinkAt(dirfd, pathArg int, buf uint64, size int) reply {
	if size <= 0 {
		return fail(unix.EINVAL)
	}
	loc, r, found := c.lookup(dirfd, pathArg, 0)
	if !found {
		return r
	}
	defer loc.Close()
	target, err := c.s.fs.Readlink(loc)
	if err != nil {
		return fail(err)
	}
	b := []byte(target)
	if len(b) > size {
		b = b[:size]
	}
	return c.writeOut(buf, b, int64(len(b)))
}

// ---- cwd ----

// sysGetcwd answers the working directory's path; ENOENT once it was
// removed, before the buffer is looked at, as the kernel's getcwd does.
func sysGetcwd(c *call) reply {
	wd := c.p.getCwd()
	if wd.gone {
		return fail(unix.ENOENT)
	}
	cwd := wd.path
	size := int(c.arg(1))
	if len(cwd)+1 > size {
		return fail(unix.ERANGE)
	}
	return c.writeOut(c.arg(0), append([]byte(cwd), 0), int64(len(cwd)+1))
}

func sysChdir(c *call) reply {
	loc, r, found := c.lookup(atFDCWD, 0, vfs.Follow)
	if !found {
		return r
	}
	defer loc.Close()
	if !loc.IsDir() {
		return fail(unix.ENOTDIR)
	}
	c.p.setCwd(workDir{path: loc.Path, inode: loc.Inode()})
	return ok(0)
}

func sysFchdir(c *call) reply {
	fd := c.argInt(0)
	c.setFd(fd)
	dir, st, err := c.fdPath(fd)
	if err != nil {
		return fail(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fail(unix.ENOTDIR)
	}
	if r, ok := c.check(dir); !ok {
		return r
	}
	c.p.setCwd(fdWorkDir(c.s.fs, dir, &st))
	return ok(0)
}

// fdWorkDir is the working directory fchdir makes of a directory fd:
// the kernel takes the fd's directory even when it was removed (its link
// count is then 0).
func fdWorkDir(fs *vfs.FS, dir string, st *unix.Stat_t) workDir {
	if fs.IsVirtualDir(dir) {
		return workDir{path: dir}
	}
	return workDir{path: dir, inode: vfs.InodeOf(st), gone: st.Nlink == 0}
}

func sysUmask(c *call) reply {
	c.p.mu.Lock()
	old := c.p.umask
	c.p.umask = uint32(c.arg(0)) & 0o777
	c.p.mu.Unlock()
	return ok(int64(old))
}

// resolveCached is RESOLVE_CACHED (openat2(2)), which x/sys/unix does not name.
const resolveCached = 0x20

// injectable turns the guest's open flags into ones whose fd ADDFD can
// install: the kernel refuses O_PATH files there (fget), so an O_PATH open
// is served as a read-only open of the same file (docs/security.md notes
// the difference: it needs read permission, and cannot name a symlink).
func injectable(flags int) int {
	if flags&unix.O_PATH == 0 {
		return flags
	}
	return flags&(unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC) | unix.O_RDONLY
}
