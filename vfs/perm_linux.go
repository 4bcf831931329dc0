package vfs

import (
	"slices"

	"golang.org/x/sys/unix"
)

// Permission bits, checked as the guest's identity would meet them.
//
// gaol opens and changes host files with its own credentials. When it runs
// as root the kernel lets every one of those calls through, so a file the
// guest made mode 000 would still open; the VFS therefore checks the bits
// itself, as generic_permission (fs/namei.c) checks them for the guest's
// uid and gid. The guest stands for the user running gaol (Owner), so
// that user's files take the owner bits, files of its groups the group
// bits, and everything else the other bits; the virtual tree is the
// guest's own. When gaol does not run as root, the kernel checks the same
// bits again for the same user, and the two agree. The guest holds no
// capability, so a guest with uid 0 is bound by the bits like any other
// (without CAP_DAC_OVERRIDE the kernel's root is just an owner).
// Read-only mounts refuse writes with EROFS before any of this, as the
// kernel checks the mount before the inode.

// The access masks of inode_permission, as access(2) spells them.
const (
	permExec  = unix.X_OK
	permWrite = unix.W_OK
	permRead  = unix.R_OK
)

// ownsHost reports whether the guest owns a host file: the user running
// gaol does.
func (fs *FS) ownsHost(st *unix.Stat_t) bool { return st.Uid == fs.opts.HostUID }

// inGroup reports whether a host group is one of the guest's: gaol's
// group or one of its supplementary groups, which the guest's process
// keeps in its user namespace.
func (fs *FS) inGroup(gid uint32) bool {
	return gid == fs.opts.HostGID || slices.Contains(fs.opts.HostGroups, gid)
}

// permits reports whether the guest may access a file of mode and host
// group gid, that it owns or not, with mask (permRead|permWrite|permExec).
func (fs *FS) permits(mode uint32, owned bool, gid uint32, mask uint32) bool {
	perm := mode
	switch {
	case owned:
		perm >>= 6
	case fs.inGroup(gid):
		perm >>= 3
	}
	return perm&mask == mask
}

// hostPermits is permits for a host file's stat.
func (fs *FS) hostPermits(st *unix.Stat_t, mask uint32) bool {
	return fs.permits(st.Mode, fs.ownsHost(st), st.Gid, mask)
}

// permStat returns the host stat of what the Loc names (a device's node,
// for a device) and whether the guest owns it; a virtual node is the
// guest's own, with its virtual mode.
func (fs *FS) permStat(l *Loc) (unix.Stat_t, bool, error) {
	switch {
	case l.node.host != nil:
		return l.st, fs.ownsHost(&l.st), nil
	case l.node.kind == KindDevice:
		var st unix.Stat_t
		err := unix.Stat(l.node.device, &st)
		return st, fs.ownsHost(&st), err
	}
	st, err := fs.virtualStat(l.node)
	st.Gid = fs.opts.HostGID
	return st, true, err
}

// mayAccess is inode_permission for an existing Loc: EACCES unless the
// guest may access it with mask.
func (fs *FS) mayAccess(l *Loc, mask uint32) error {
	if mask == 0 {
		return nil
	}
	st, owned, err := fs.permStat(l)
	if err != nil {
		return err
	}
	if !fs.permits(st.Mode, owned, st.Gid, mask) {
		return unix.EACCES
	}
	return nil
}

// owner is inode_owner_or_capable without capabilities: EPERM unless the
// guest owns the Loc.
func (fs *FS) owner(l *Loc) error {
	_, owned, err := fs.permStat(l)
	if err != nil {
		return err
	}
	if !owned {
		return unix.EPERM
	}
	return nil
}

// mayChangeDir is may_create's and may_delete's check on the directory
// holding the Loc's last component, of a host mount: write and search.
func (fs *FS) mayChangeDir(l *Loc) error {
	_, err := fs.changeableDir(l)
	return err
}

// changeableDir is mayChangeDir that also returns the directory's host
// stat.
func (fs *FS) changeableDir(l *Loc) (unix.Stat_t, error) {
	var dir unix.Stat_t
	if err := unix.Fstat(l.dirFD, &dir); err != nil {
		return dir, err
	}
	if !fs.hostPermits(&dir, permWrite|permExec) {
		return dir, unix.EACCES
	}
	return dir, nil
}

// mayDelete is may_delete for an existing Loc: write and search on its
// directory, then the sticky bit (check_sticky): in a sticky directory
// only the owner of the file or of the directory may remove or replace it.
func (fs *FS) mayDelete(l *Loc) error {
	dir, err := fs.changeableDir(l)
	if err != nil {
		return err
	}
	if dir.Mode&unix.S_ISVTX != 0 && !fs.ownsHost(&dir) && !fs.ownsHost(&l.st) {
		return unix.EPERM
	}
	return nil
}

// openMask is the access an open(2) asks for (ACC_MODE and O_TRUNC):
// none for O_PATH.
func openMask(flags int) uint32 {
	if flags&unix.O_PATH != 0 {
		return 0
	}
	var mask uint32
	switch flags & unix.O_ACCMODE {
	case unix.O_RDONLY:
		mask = permRead
	case unix.O_WRONLY:
		mask = permWrite
	default: // O_RDWR, and 3, which asks for both
		mask = permRead | permWrite
	}
	if flags&unix.O_TRUNC != 0 {
		mask |= permWrite
	}
	return mask
}

// searchable reports whether the walk may look names up in the directory
// it stands in (may_lookup: search permission).
func (w *walker) searchable() bool {
	fs := w.fs
	if w.node.host == nil {
		return fs.permits(w.node.mode, true, fs.opts.HostGID, permExec)
	}
	return fs.hostPermits(&w.st, permExec)
}

// mayTouch is setattr_prepare's check for utimensat: setting explicit
// times needs ownership (EPERM); setting them to now (ts nil, or only
// UTIME_NOW and UTIME_OMIT) needs ownership or write permission (EACCES).
func (fs *FS) mayTouch(st *unix.Stat_t, owned bool, ts []unix.Timespec) error {
	if owned {
		return nil
	}
	for _, t := range ts {
		if t.Nsec != unix.UTIME_NOW && t.Nsec != unix.UTIME_OMIT {
			return unix.EPERM
		}
	}
	if !fs.permits(st.Mode, false, st.Gid, permWrite) {
		return unix.EACCES
	}
	return nil
}

// MayChmodHeld is chmod's ownership check (EPERM) for the host stat of a
// file the guest holds, for fchmod.
func (fs *FS) MayChmodHeld(st *unix.Stat_t) error {
	if !fs.ownsHost(st) {
		return unix.EPERM
	}
	return nil
}

// MayTouchHeld is utimensat's permission check for the host stat of a
// file the guest holds, for futimens; ts as Utimens takes it.
func (fs *FS) MayTouchHeld(st *unix.Stat_t, ts []unix.Timespec) error {
	return fs.mayTouch(st, fs.ownsHost(st), ts)
}

// sameDir reports whether two directory fds are the same directory.
func sameDir(a, b int) (bool, error) {
	var sa, sb unix.Stat_t
	if err := unix.Fstat(a, &sa); err != nil {
		return false, err
	}
	if err := unix.Fstat(b, &sb); err != nil {
		return false, err
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino, nil
}
