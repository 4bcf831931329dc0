package vfs

import (
	"strings"

	"golang.org/x/sys/unix"
)

// Each operation returns its errors in the kernel's order for the
// equivalent call. The virtual tree is one read-only filesystem, each host
// or scratch mount another: a mount point lies in its parent's (virtual,
// read-only) filesystem, as a bind mount's does.

// parentMount is the mount whose directory holds the Loc's last
// component: the Loc's host mount, or nil for the virtual tree (virtual
// nodes and mount points).
func parentMount(l *Loc) *node {
	if l.node.host != nil && l.rel != "" {
		return l.node
	}
	return nil
}

// mountOf is the mount the Loc's file itself lies in (nil: virtual).
func mountOf(l *Loc) *node {
	if l.node.host != nil {
		return l.node
	}
	return nil
}

// writableParent checks that a name can be created or removed at the Loc.
func writableParent(l *Loc) error {
	if m := parentMount(l); m == nil || !m.host.writable {
		return unix.EROFS
	}
	return nil
}

// Mkdir creates a directory at a Loc resolved with Missing.
func (fs *FS) Mkdir(l *Loc, mode uint32) error {
	if l.Exists {
		return unix.EEXIST
	}
	if err := writableParent(l); err != nil {
		return err
	}
	if l.denied {
		return unix.EACCES
	}
	if err := fs.mayChangeDir(l); err != nil {
		return err
	}
	mode = SafeMode(mode)
	if err := unix.Mkdirat(l.dirFD, l.name, mode); err != nil {
		return err
	}
	// The kernel masked the mode with the supervisor's umask too; the
	// guest's is already applied. NOFOLLOW: a name swapped for a symlink
	// since is refused, never followed.
	return fchmodat2(l.dirFD, l.name, mode, unix.AT_SYMLINK_NOFOLLOW)
}

// Mknod makes a FIFO or an empty regular file (mode's type S_IFIFO,
// S_IFREG or 0) at a Loc resolved with Missing and without Follow, with
// the permission bits of mode (the caller applied the guest's umask), in
// the kernel's order of errors (may_mknod, filename_create, vfs_mknod). A
// device node is EPERM, as for a process without CAP_MKNOD, and so is a
// socket node, which nothing in the guest could use.
func (fs *FS) Mknod(l *Loc, mode uint32) error {
	typ := mode & unix.S_IFMT
	switch typ {
	case 0:
		typ = unix.S_IFREG
	case unix.S_IFREG, unix.S_IFIFO, unix.S_IFCHR, unix.S_IFBLK, unix.S_IFSOCK:
	case unix.S_IFDIR:
		return unix.EPERM
	default:
		return unix.EINVAL
	}
	if err := fs.createChecks(l); err != nil {
		return err
	}
	if typ != unix.S_IFREG && typ != unix.S_IFIFO {
		return unix.EPERM
	}
	perm := SafeMode(mode & 0o7777)
	if err := unix.Mknodat(l.dirFD, l.name, typ|perm, 0); err != nil {
		return err
	}
	// As in Mkdir: the exact mode, on the name just made, never followed.
	return fchmodat2(l.dirFD, l.name, perm, unix.AT_SYMLINK_NOFOLLOW)
}

// Unlink removes a file (or, with dir, a directory) at a Loc resolved
// with Missing and without Follow: a missing name in a read-only mount is
// EROFS, as in the kernel. The caller answers "." and ".." last
// components itself (rmdir: EINVAL, ENOTEMPTY; unlink: EISDIR).
func (fs *FS) Unlink(l *Loc, dir bool) error {
	if err := writableParent(l); err != nil {
		return err
	}
	if !l.Exists {
		return unix.ENOENT
	}
	if err := fs.mayDelete(l); err != nil {
		return err
	}
	flags := 0
	if dir {
		flags = unix.AT_REMOVEDIR
	}
	return unix.Unlinkat(l.dirFD, l.name, flags)
}

// Symlink creates a symlink with the given target at a Loc resolved with
// Missing and without Follow. The target is stored as is and resolved in
// the guest's tree.
func (fs *FS) Symlink(target string, l *Loc) error {
	if err := checkName(target); err != nil {
		return err
	}
	if err := fs.createChecks(l); err != nil {
		return err
	}
	return unix.Symlinkat(target, l.dirFD, l.name)
}

// checkName is getname(): a guest path argument is not empty and shorter
// than PATH_MAX.
func checkName(p string) error {
	switch {
	case p == "":
		return unix.ENOENT
	case len(p) >= unix.PathMax:
		return unix.ENAMETOOLONG
	}
	return nil
}

// createChecks are filename_create's checks for symlink and link targets:
// an existing name, then a trailing slash, then a read-only mount; then
// may_create's permission on the directory.
func (fs *FS) createChecks(l *Loc) error {
	switch {
	case l.Exists:
		return unix.EEXIST
	case l.slash:
		return unix.ENOENT
	}
	if err := writableParent(l); err != nil {
		return err
	}
	if l.denied {
		return unix.EACCES
	}
	return fs.mayChangeDir(l)
}

// renameFlags are the flags renameat2(2) knows.
const renameFlags = unix.RENAME_NOREPLACE | unix.RENAME_EXCHANGE | unix.RENAME_WHITEOUT

// Rename renames from to to, both resolved with Missing and without
// Follow. Across mounts it is EXDEV, as across filesystems.
func (fs *FS) Rename(from, to *Loc, flags uint) error {
	if flags&^renameFlags != 0 || flags&unix.RENAME_EXCHANGE != 0 && flags&(unix.RENAME_NOREPLACE|unix.RENAME_WHITEOUT) != 0 {
		return unix.EINVAL
	}
	if parentMount(from) != parentMount(to) {
		return unix.EXDEV
	}
	if err := writableParent(from); err != nil {
		return err
	}
	switch {
	case !from.Exists:
		return unix.ENOENT
	case to.denied:
		return unix.EACCES
	case !from.IsDir() && (from.slash || to.slash):
		return unix.ENOTDIR
	}
	if err := fs.mayRename(from, to); err != nil {
		return err
	}
	if err := unix.Renameat2(from.dirFD, from.name, to.dirFD, to.name, flags); err != nil {
		return err
	}
	fs.renamed(from.Path, to.Path, flags&unix.RENAME_EXCHANGE != 0)
	return nil
}

// mayRename is vfs_rename's permission checks: may_delete on the source,
// may_delete or may_create on the target, and write permission on a
// directory that moves to another parent (its ".." changes).
func (fs *FS) mayRename(from, to *Loc) error {
	if err := fs.mayDelete(from); err != nil {
		return err
	}
	check := fs.mayChangeDir
	if to.Exists {
		check = fs.mayDelete
	}
	if err := check(to); err != nil {
		return err
	}
	if !from.IsDir() {
		return nil
	}
	same, err := sameDir(from.dirFD, to.dirFD)
	if err != nil || same {
		return err
	}
	return fs.mayAccess(from, permWrite)
}

// renamed moves the remembered guest paths of a renamed directory tree,
// or swaps those of two exchanged ones.
func (fs *FS) renamed(from, to string, exchange bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, h := range fs.known {
		old := h.path
		if rest, ok := below(h.path, from); ok {
			h.path = to + rest
		} else if rest, ok := below(h.path, to); ok && exchange {
			h.path = from + rest
		}
		fs.kept += len(h.path) - len(old)
	}
}

// below reports whether p is dir or lies below it, and the rest of p.
func below(p, dir string) (string, bool) {
	if p == dir {
		return "", true
	}
	if strings.HasPrefix(p, dir) && p[len(dir)] == '/' {
		return p[len(dir):], true
	}
	return "", false
}

// Link makes a hard link to from (resolved as the caller's AT_SYMLINK_FOLLOW
// asks) at to (resolved with Missing, without Follow), inside one
// writable mount.
func (fs *FS) Link(from, to *Loc) error {
	if !from.Exists {
		return unix.ENOENT
	}
	if err := fs.createChecks(to); err != nil {
		return err
	}
	if mountOf(from) != parentMount(to) {
		return unix.EXDEV
	}
	if from.IsDir() {
		return unix.EPERM
	}
	return unix.Linkat(from.dirFD, from.name, to.dirFD, to.name, 0)
}

// Chmod changes permission bits of a Loc resolved with Follow.
func (fs *FS) Chmod(l *Loc, mode uint32) error {
	if !l.Exists {
		return unix.ENOENT
	}
	if !l.Writable() {
		return unix.EROFS
	}
	if err := fs.owner(l); err != nil {
		return err
	}
	if mode&(unix.S_ISUID|unix.S_ISGID) != 0 {
		return unix.EPERM // see SafeMode
	}
	// fchmodat2 with AT_SYMLINK_NOFOLLOW: if the guest swapped the name for
	// a symlink since it was resolved, the kernel refuses instead of
	// following it out of the mount.
	return fchmodat2(l.dirFD, l.name, SafeMode(mode), unix.AT_SYMLINK_NOFOLLOW)
}

// Truncate sets the size of a regular file Loc resolved with Follow, in
// the kernel's order of errors (do_sys_truncate, vfs_truncate).
func (fs *FS) Truncate(l *Loc, size int64) error {
	if size < 0 {
		return unix.EINVAL
	}
	st, err := fs.Stat(l)
	if err != nil {
		return err
	}
	switch {
	case st.Mode&unix.S_IFMT == unix.S_IFDIR:
		return unix.EISDIR
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return unix.EINVAL
	case !l.Writable():
		return unix.EROFS
	}
	if err := fs.mayAccess(l, permWrite); err != nil {
		return err
	}
	fd, err := openBeneath(l.dirFD, l.name, unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Ftruncate(fd, size)
}

// Utimens sets the times of a Loc (resolved as the caller's flags ask).
// ts is nil (now) or two timespecs, as utimensat(2) takes them; the caller
// answers two UTIME_OMIT itself, before resolving, as the kernel does.
func (fs *FS) Utimens(l *Loc, ts []unix.Timespec) error {
	if ts != nil && (len(ts) != 2 || !validNsec(ts[0].Nsec) || !validNsec(ts[1].Nsec)) {
		return unix.EINVAL
	}
	if !l.Exists {
		return unix.ENOENT
	}
	if ts != nil && ts[0].Nsec == unix.UTIME_OMIT && ts[1].Nsec == unix.UTIME_OMIT {
		return nil
	}
	if !l.Writable() {
		return unix.EROFS
	}
	st, owned, err := fs.permStat(l)
	if err != nil {
		return err
	}
	if err := fs.mayTouch(&st, owned, ts); err != nil {
		return err
	}
	return unix.UtimesNanoAt(l.dirFD, l.name, ts, unix.AT_SYMLINK_NOFOLLOW)
}

func validNsec(n int64) bool {
	return n >= 0 && n < 1e9 || n == unix.UTIME_NOW || n == unix.UTIME_OMIT
}

// SafeMode is the permission bits gaol applies for the guest: never
// set-user-ID or set-group-ID, since the supervisor changes files with its
// own credentials and the host could run them (the sticky bit stays).
// Creating a file or directory drops those bits; chmod asking for them is
// refused with EPERM.
func SafeMode(mode uint32) uint32 { return mode & 0o1777 }

// Chown answers chown(2) for a Loc (resolved as the caller's flags ask)
// the way the kernel answers an unprivileged owner (chown_ok, chgrp_ok):
// a file's owner may "change" it to its own user and to its own group,
// which changes nothing but the ctime; every real change is EPERM, since
// the supervisor would make it with its own credentials. uid or gid -1
// leaves that id alone.
func (fs *FS) Chown(l *Loc, uid, gid int) error {
	st, err := fs.Stat(l)
	if err != nil {
		return err
	}
	if !l.Writable() {
		return unix.EROFS
	}
	if err := fs.chownOK(&st, uid, gid); err != nil {
		return err
	}
	return unix.Fchownat(l.dirFD, l.name, -1, -1, unix.AT_SYMLINK_NOFOLLOW)
}

// chownOK is the kernel's chown_ok and chgrp_ok for the guest, on a stat
// in the guest's view.
func (fs *FS) chownOK(st *unix.Stat_t, uid, gid int) error {
	switch {
	case uid == -1 && gid == -1:
	case st.Uid != fs.opts.UID,
		uid != -1 && uint32(uid) != st.Uid,
		gid != -1 && uint32(gid) != st.Gid && uint32(gid) != fs.opts.GID:
		return unix.EPERM
	}
	return nil
}

// FchownOwn is Chown for a host fd the guest holds, of a file handed out
// through a writable mount; st is the fd's host stat.
func (fs *FS) FchownOwn(fd int, st unix.Stat_t, uid, gid int) error {
	st.Uid, st.Gid = fs.Owner(st.Uid, st.Gid)
	if err := fs.chownOK(&st, uid, gid); err != nil {
		return err
	}
	return unix.Fchown(fd, -1, -1)
}
