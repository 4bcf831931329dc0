package vfs

import (
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// Stat returns the stat of the Loc as the guest sees it.
func (fs *FS) Stat(l *Loc) (unix.Stat_t, error) {
	if !l.Exists {
		return unix.Stat_t{}, unix.ENOENT
	}
	if l.node.host != nil {
		st := l.st
		fs.Disguise(&st)
		return st, nil
	}
	return fs.virtualStat(l.node)
}

// virtualDev is the device number of every virtual node; Disguise hands
// out the numbers after it.
const virtualDev = 0x3f

// Disguise rewrites a host stat into the guest's view: device numbers are
// per-run virtual ones (the same host device always gets the same one),
// and owners are mapped as the guest's user namespace maps them (Owner).
func (fs *FS) Disguise(st *unix.Stat_t) {
	fs.mu.Lock()
	dev, ok := fs.devs[st.Dev]
	if !ok {
		dev = unix.Mkdev(0, uint32(virtualDev+1+len(fs.devs)))
		fs.devs[st.Dev] = dev
	}
	fs.mu.Unlock()
	st.Dev = dev
	st.Uid, st.Gid = fs.Owner(st.Uid, st.Gid)
}

// Owner maps a host file's owner and group to the ids the guest sees:
// gaol's own ids (Options.HostUID, HostGID) are the guest's, every other
// id is Nobody.
func (fs *FS) Owner(uid, gid uint32) (uint32, uint32) {
	guestUID, guestGID := uint32(Nobody), uint32(Nobody)
	if uid == fs.opts.HostUID {
		guestUID = fs.opts.UID
	}
	if gid == fs.opts.HostGID {
		guestGID = fs.opts.GID
	}
	return guestUID, guestGID
}

func (fs *FS) virtualStat(n *node) (unix.Stat_t, error) {
	if n.kind == KindDevice {
		var st unix.Stat_t
		if err := unix.Stat(n.device, &st); err != nil {
			return st, err
		}
		fs.Disguise(&st)
		st.Ino = n.ino
		return st, nil
	}
	ts := unix.NsecToTimespec(fs.start.UnixNano())
	st := unix.Stat_t{
		Dev: unix.Mkdev(0, virtualDev), Ino: n.ino, Nlink: 1, Blksize: 4096,
		Uid: fs.opts.UID, Gid: fs.opts.GID, Atim: ts, Mtim: ts, Ctim: ts,
	}
	switch n.kind {
	case KindDir:
		st.Mode = unix.S_IFDIR | n.mode
		st.Nlink = 2
		for _, c := range n.children {
			if c.kind == KindDir || (c.host != nil && c.host.isDir) {
				st.Nlink++
			}
		}
		st.Size = 4096
	case KindFile:
		st.Mode = unix.S_IFREG | n.mode
		st.Size = int64(len(n.content))
		st.Blocks = (st.Size + 511) / 512
	case KindSymlink:
		st.Mode = unix.S_IFLNK | 0o777
		st.Size = int64(len(n.target))
	}
	return st, nil
}

// Statx returns the statx of the Loc as the guest sees it. The host's
// mount ids are not reported.
func (fs *FS) Statx(l *Loc, mask int) (unix.Statx_t, error) {
	if l.node.host == nil || !l.Exists {
		st, err := fs.Stat(l)
		if err != nil {
			return unix.Statx_t{}, err
		}
		return StatToStatx(&st), nil
	}
	var stx unix.Statx_t
	if err := unix.Statx(l.dirFD, l.name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_STATX_SYNC_AS_STAT, mask, &stx); err != nil {
		return stx, err
	}
	st := unix.Stat_t{Dev: unix.Mkdev(stx.Dev_major, stx.Dev_minor), Uid: stx.Uid, Gid: stx.Gid}
	fs.Disguise(&st)
	stx.Dev_major, stx.Dev_minor = unix.Major(st.Dev), unix.Minor(st.Dev)
	stx.Uid, stx.Gid = st.Uid, st.Gid
	stx.Mask &^= unix.STATX_MNT_ID | unix.STATX_MNT_ID_UNIQUE
	stx.Mnt_id = 0
	return stx, nil
}

// StatToStatx converts a stat to the statx a kernel would report for it.
func StatToStatx(st *unix.Stat_t) unix.Statx_t {
	ts := func(t unix.Timespec) unix.StatxTimestamp {
		return unix.StatxTimestamp{Sec: t.Sec, Nsec: uint32(t.Nsec)}
	}
	return unix.Statx_t{
		Mask:    unix.STATX_BASIC_STATS,
		Blksize: uint32(st.Blksize), Nlink: uint32(st.Nlink), Uid: st.Uid, Gid: st.Gid,
		Mode: uint16(st.Mode), Ino: st.Ino, Size: uint64(st.Size), Blocks: uint64(st.Blocks),
		Atime: ts(st.Atim), Mtime: ts(st.Mtim), Ctime: ts(st.Ctim), Btime: ts(st.Ctim),
		Rdev_major: unix.Major(st.Rdev), Rdev_minor: unix.Minor(st.Rdev),
		Dev_major: unix.Major(st.Dev), Dev_minor: unix.Minor(st.Dev),
	}
}

// Readlink returns the target of a symlink Loc (resolved without Follow).
func (fs *FS) Readlink(l *Loc) (string, error) {
	if !l.Exists {
		return "", unix.ENOENT
	}
	if !l.IsSymlink() {
		return "", unix.EINVAL
	}
	if l.node.host == nil {
		return l.node.target, nil
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(l.dirFD, l.name, buf)
	if err != nil {
		return "", err
	}
	target := string(buf[:n])
	if l.node.host.follow {
		return fs.followedText(l, target), nil
	}
	return target, nil
}

// followedText is what readlink shows of a link in a mount with
// FollowSymlinks: its own text where that text, read as a guest path,
// names the file the link leads to, else the guest path it leads to, so
// that a program resolving links itself (os.path.realpath) gets where the
// walk goes. A target no mount exposes keeps its text.
func (fs *FS) followedText(l *Loc, target string) string {
	rel := strings.Split(l.rel, "/")
	g, ok := fs.followHost(l.node, rel[:len(rel)-1], target)
	if !ok || target == "" {
		return target
	}
	asGuest := path.Join(path.Dir(l.Path), target)
	if path.IsAbs(target) {
		asGuest = path.Clean(target)
	}
	if asGuest == path.Clean(g) {
		return target
	}
	return g
}

// Access checks mode (F_OK, or R_OK|W_OK|X_OK) against the Loc as the
// guest sees it, as faccessat(2) would: EROFS for writing what lies in a
// read-only mount (devices excepted), then the permission bits the guest's
// identity meets (see perm_linux.go). The guest's real and effective ids
// are the same, so AT_EACCESS changes nothing.
func (fs *FS) Access(l *Loc, mode uint32) error {
	if mode&^(unix.R_OK|unix.W_OK|unix.X_OK) != 0 {
		return unix.EINVAL
	}
	if !l.Exists {
		return unix.ENOENT
	}
	if mode&unix.W_OK != 0 && !l.Writable() && l.node.kind != KindDevice {
		return unix.EROFS
	}
	return fs.mayAccess(l, mode)
}

// tmpfsMagic is TMPFS_MAGIC, the type the virtual tree reports.
const tmpfsMagic = 0x01021994

// Statfs returns the statfs of the filesystem holding the Loc as the
// guest sees it: for host and scratch content, the host filesystem's
// sizes (a scratch mount's are its quota) without its fsid; for the
// virtual tree, an empty read-only tmpfs. A read-only mount says
// ST_RDONLY, as a read-only bind mount does.
func (fs *FS) Statfs(l *Loc) (unix.Statfs_t, error) {
	virtual := unix.Statfs_t{Type: tmpfsMagic, Bsize: 4096, Namelen: 255, Frsize: 4096, Flags: unix.ST_RDONLY}
	if !l.Exists {
		return virtual, unix.ENOENT
	}
	if l.node.host == nil {
		return virtual, nil
	}
	fd, err := openBeneath(l.dirFD, l.name, unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		return virtual, err
	}
	defer unix.Close(fd)
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return virtual, err
	}
	st.Fsid = unix.Fsid{}
	if !l.Writable() {
		st.Flags |= unix.ST_RDONLY
	}
	return st, nil
}
