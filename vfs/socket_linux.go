package vfs

import "golang.org/x/sys/unix"

// OpenSocket returns an O_PATH fd (close-on-exec) of the unix socket at
// l, for a connect that names the socket by this fd's /proc/self/fd magic
// link: the inode was found beneath the mount's held directory without
// following a host symlink, so nothing renamed or swapped on the host
// after the check can redirect the connect. l must have been resolved with
// Follow. Only a socket in a writable host mount is reachable (connecting
// needs write permission on the socket, and gaol's read-only mounts
// refuse every write): EACCES in a read-only mount, scratch or virtual
// node; ECONNREFUSED, the kernel's answer, for anything but a socket;
// EACCES for a socket the guest may not write (its directories' search
// permission is checked by the resolution that made l).
func (fs *FS) OpenSocket(l *Loc) (int, error) {
	switch {
	case !l.Exists:
		return -1, unix.ENOENT
	case l.node.kind != KindHost || !l.Writable():
		return -1, unix.EACCES
	}
	fd, err := openBeneath(l.dirFD, l.name, unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		unix.Close(fd)
		return -1, unix.ECONNREFUSED
	}
	// Connecting is a write to the socket (unix_find_bsd: MAY_WRITE), as
	// the guest's identity meets the inode's bits: a root supervisor's
	// own connect would pass any mode.
	if !fs.hostPermits(&st, permWrite) {
		unix.Close(fd)
		return -1, unix.EACCES
	}
	return fd, nil
}
