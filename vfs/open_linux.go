package vfs

import (
	"fmt"

	"golang.org/x/sys/unix"
)

const (
	// validOpenFlags is the kernel's VALID_OPEN_FLAGS on x86-64 (every bit
	// from O_CREAT to __O_TMPFILE, and O_ACCMODE): open(2) drops the other
	// bits, openat2(2) would refuse them.
	validOpenFlags = 0o37777703
	// oPathFlags are the flags O_PATH keeps (O_PATH_FLAGS, fs/open.c).
	oPathFlags = unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	// oTmpfile is __O_TMPFILE: unix.O_TMPFILE also holds O_DIRECTORY.
	oTmpfile = unix.O_TMPFILE &^ unix.O_DIRECTORY
)

// openFlags normalises open(2) flags and mode the way the kernel does
// before any lookup (build_open_how, build_open_flags).
func openFlags(flags int, mode uint32) (int, uint32, error) {
	flags &= validOpenFlags
	if flags&unix.O_PATH != 0 {
		flags &= oPathFlags
	}
	// The injected fd's close-on-exec is the caller's (ADDFD); the
	// supervisor must never acquire a controlling terminal.
	flags &^= unix.O_CLOEXEC | unix.O_NOCTTY
	if willCreate(flags) {
		mode &= 0o7777
	} else {
		mode = 0
	}
	switch {
	case flags&unix.O_CREAT != 0 && flags&unix.O_DIRECTORY != 0:
		return 0, 0, unix.EINVAL
	case flags&oTmpfile != 0 && (flags&unix.O_DIRECTORY == 0 || flags&unix.O_ACCMODE == unix.O_RDONLY):
		return 0, 0, unix.EINVAL
	}
	return flags, mode, nil
}

func willCreate(flags int) bool { return flags&(unix.O_CREAT|oTmpfile) != 0 }

// mayWrite reports whether open flags ask for write access (the kernel's
// MAY_WRITE: the access mode, or O_TRUNC).
func mayWrite(flags int) bool {
	return flags&unix.O_ACCMODE != unix.O_RDONLY || flags&unix.O_TRUNC != 0
}

// Open opens the Loc for the guest and returns a host fd (close-on-exec)
// that the caller injects. flags and mode are the guest's open(2) or
// openat(2) arguments; Open normalises them as the kernel does. The caller
// resolves with Follow unless O_NOFOLLOW or O_CREAT|O_EXCL, and with
// Missing when O_CREAT. Read-only mounts refuse every write, even to a
// FIFO or device node a host mount holds (stricter than a read-only bind
// mount; the supervisor's credentials are not the guest's).
//
// Open never waits: a host file is opened with O_NONBLOCK (cleared again
// unless the guest asked for it), so that a FIFO gives the kernel's
// non-blocking answers (a reader at once, a writer without a reader
// ENXIO) and a leased file EAGAIN, rather than stalling the caller. An
// open that should wait for a FIFO's other end (WaitsOnOpen) goes through
// OpenWait, off the notify loop.
func (fs *FS) Open(l *Loc, flags int, mode uint32) (int, error) {
	return fs.open(l, flags, mode, false)
}

// OpenWait is Open that waits, as the kernel does, for the other end of a
// FIFO: it may block until another process opens it. Call it only where
// blocking stalls nobody else.
func (fs *FS) OpenWait(l *Loc, flags int, mode uint32) (int, error) {
	return fs.open(l, flags, mode, true)
}

// WaitsOnOpen reports whether opening the Loc with these open(2) flags
// would wait for another process (fifo_open): an existing FIFO opened
// read-only or write-only, without O_NONBLOCK or O_PATH (or O_EXCL,
// which fails at once).
func (l *Loc) WaitsOnOpen(flags int) bool {
	return l.Exists && l.node.host != nil && l.st.Mode&unix.S_IFMT == unix.S_IFIFO &&
		flags&(unix.O_NONBLOCK|unix.O_PATH|unix.O_EXCL) == 0 && flags&unix.O_ACCMODE != unix.O_RDWR
}

func (fs *FS) open(l *Loc, flags int, mode uint32, wait bool) (int, error) {
	flags, mode, err := openFlags(flags, mode)
	if err != nil {
		return -1, err
	}
	if !l.Exists {
		return fs.create(l, flags, mode)
	}
	if err := l.openChecks(flags); err != nil {
		return -1, err
	}
	if err := fs.mayOpen(l, flags); err != nil {
		return -1, err
	}
	if l.node.host != nil {
		return fs.openHost(l, flags, mode, wait)
	}
	fd, err := fs.openVirtual(l.node, flags)
	if err == nil && l.node.kind != KindDir {
		// A shadow directory's path was noted when it was made.
		fs.noteOpened(fd, false, l.Path)
	}
	return fd, err
}

// create opens a new file at a missing Loc, in the kernel's order of
// errors (open_last_lookups, lookup_open).
func (fs *FS) create(l *Loc, flags int, mode uint32) (int, error) {
	switch {
	case flags&unix.O_CREAT == 0:
		return -1, unix.ENOENT
	case l.slash:
		return -1, unix.EISDIR
	case !l.Writable():
		return -1, unix.EROFS
	case l.denied:
		return -1, unix.EACCES
	}
	if err := fs.mayChangeDir(l); err != nil {
		return -1, err
	}
	// No set-user-ID or set-group-ID file is ever created: the
	// supervisor creates it with its own credentials.
	mode &^= unix.S_ISUID | unix.S_ISGID
	// O_EXCL tells a creation from a concurrent one's file, whose mode
	// must stay; only a file this call created gets the exact mode.
	fd, err := openBeneath(l.dirFD, l.name, flags|unix.O_NOFOLLOW|unix.O_EXCL, mode)
	switch {
	case err == unix.EEXIST && flags&unix.O_EXCL == 0:
		// Made concurrently, maybe as a FIFO: never wait for its other end.
		fd, err = openNoWait(l.dirFD, l.name, flags&^unix.O_CREAT|unix.O_NOFOLLOW)
	case err == nil:
		err = exactMode(fd, mode)
	}
	if err != nil {
		return -1, err
	}
	fs.noteOpened(fd, true, l.Path)
	return fd, nil
}

// openNoWait opens an existing name below dir with O_NONBLOCK, which it
// then clears unless flags hold it: the open itself never waits for a
// FIFO's other end or a lease, and the file then behaves as asked.
func openNoWait(dir int, name string, flags int) (int, error) {
	if flags&unix.O_PATH != 0 {
		// Opens nothing; openat2 refuses O_NONBLOCK with it.
		return openBeneath(dir, name, flags, 0)
	}
	fd, err := openBeneath(dir, name, flags|unix.O_NONBLOCK, 0)
	if err != nil || flags&unix.O_NONBLOCK != 0 {
		return fd, err
	}
	// F_SETFL sets only the status flags (O_APPEND, O_DIRECT, O_NOATIME,
	// O_NONBLOCK, O_ASYNC): the open's own, which the open already
	// accepted, less O_NONBLOCK, and less O_ASYNC, which open(2) ignores.
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags&^(unix.O_NONBLOCK|unix.O_ASYNC)); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// exactMode gives a file the supervisor just created the mode the guest
// asked for (already masked by the guest's umask): the kernel masked it
// with the supervisor's umask too, which the guest never set.
func exactMode(fd int, mode uint32) error {
	if err := unix.Fchmod(fd, mode); err != nil {
		unix.Close(fd)
		return err
	}
	return nil
}

// openChecks are the kernel's checks on an existing last component, in
// its order (do_open, may_open, inode_permission).
func (l *Loc) openChecks(flags int) error {
	dir := l.IsDir()
	if flags&unix.O_CREAT != 0 {
		if flags&unix.O_EXCL != 0 {
			return unix.EEXIST
		}
		if dir {
			return unix.EISDIR
		}
	}
	if flags&unix.O_DIRECTORY != 0 && !dir {
		return unix.ENOTDIR
	}
	switch {
	case flags&unix.O_PATH != 0:
		return nil
	case flags&oTmpfile != 0:
		if !l.Writable() {
			return unix.EROFS
		}
		return nil
	case l.IsSymlink():
		return unix.ELOOP
	case dir && mayWrite(flags):
		return unix.EISDIR
	case mayWrite(flags) && !l.Writable() && l.node.kind != KindDevice:
		return unix.EROFS
	}
	return nil
}

// mayOpen is may_open's inode_permission for an existing Loc: the access
// the flags ask for, or for O_TMPFILE write and search on the directory
// (vfs_tmpfile).
func (fs *FS) mayOpen(l *Loc, flags int) error {
	if flags&oTmpfile != 0 {
		return fs.mayAccess(l, permWrite|permExec)
	}
	return fs.mayAccess(l, openMask(flags))
}

func (fs *FS) openHost(l *Loc, flags int, mode uint32, wait bool) (int, error) {
	if !l.Writable() {
		// The file exists: never let a concurrent unlink turn this open
		// into a creation in a read-only mount.
		flags &^= unix.O_CREAT | unix.O_EXCL
	}
	var fd int
	var err error
	if wait || willCreate(flags) {
		// A creation never waits: the name is new, or was made concurrently.
		fd, err = openBeneath(l.dirFD, l.name, flags|unix.O_NOFOLLOW, mode)
	} else {
		fd, err = openNoWait(l.dirFD, l.name, flags|unix.O_NOFOLLOW)
	}
	if err == nil && flags&oTmpfile != 0 {
		err = exactMode(fd, mode&^(unix.S_ISUID|unix.S_ISGID))
	}
	if err != nil {
		return -1, err
	}
	fs.noteOpened(fd, l.Writable(), l.Path)
	return fd, nil
}

// noteOpened records, with one fstat, whether a file handed to the guest
// lies in a writable mount, for the calls that act on the fd later
// (fchmod, futimens): those must follow the mount the file was opened
// through, not the filesystem it lives on, which a read-only mount may
// share. It also records the file's guest path, so that a guest fd of it
// maps back to it (PathOf: dirfd-relative calls, /proc/self/fd).
func (fs *FS) noteOpened(fd int, writable bool, guest string) {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return
	}
	id := fileID{st.Dev, st.Ino}
	fs.mu.Lock()
	if old := fs.known[id]; old != nil {
		fs.kept -= handedCost(old.path)
	}
	fs.known[id] = &handed{path: guest, writable: writable, gen: fs.handed}
	fs.kept += handedCost(guest)
	fs.handed++
	fs.mu.Unlock()
}

// Handed returns about how many bytes of memory the FS holds for what it
// remembers of the files it handed to the guest, and how many it has
// handed in all: the generation Forget takes.
func (fs *FS) Handed() (bytes int, gen uint64) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.kept, fs.handed
}

// Forget drops what the FS remembers of the files it handed to the guest
// before generation before (a value Handed returned) that held does not
// report as still held by the guest, and returns how much it remembers
// then, in bytes as Handed counts them. What it remembers serves only calls on fds the guest holds
// (PathOf, OpenedWritable), so forgetting a file no fd holds changes no
// answer; a file that comes back later (an fd received over a socket, a
// file handed while the caller listed the guest's fds) is answered as one
// the FS never handed out, which refuses rather than allows: EBADF or
// EACCES for dirfd-relative calls and reads of its directory, no fchmod
// through a writable mount, "unknown:[N]" in /proc/self/fd.
func (fs *FS) Forget(held func(dev, ino uint64) bool, before uint64) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for id, h := range fs.known {
		if h.gen < before && !held(id.dev, id.ino) {
			delete(fs.known, id)
			fs.kept -= handedCost(h.path)
		}
	}
	return fs.kept
}

// OpenedWritable reports whether the host file with this identity was
// handed to the guest through a writable mount. A file the FS never
// opened (a pipe, a socket, a memfd) is not.
func (fs *FS) OpenedWritable(st *unix.Stat_t) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	h := fs.known[fileID{st.Dev, st.Ino}]
	return h != nil && h.writable
}

func (fs *FS) openVirtual(n *node, flags int) (int, error) {
	switch {
	case n.produced && n.kind == KindFile:
		return openProduced(n)
	case n.kind == KindFile:
		return reopen(n.memfd, unix.O_RDONLY|(flags&unix.O_PATH))
	case n.kind == KindDevice:
		return openDevice(n.device, flags)
	case n.kind == KindDir:
		return fs.openShadow(n, flags)
	}
	return fs.openShadowLink(n) // O_PATH|O_NOFOLLOW of a virtual symlink
}

func openDevice(dev string, flags int) (int, error) {
	keep := unix.O_ACCMODE | unix.O_NONBLOCK | unix.O_APPEND | unix.O_PATH
	return unix.Open(dev, flags&keep|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
}

// reopen opens a new open file description of an fd the FS holds.
func reopen(fd int, flags int) (int, error) {
	return unix.Open(fmt.Sprintf("/proc/self/fd/%d", fd), flags|unix.O_CLOEXEC, 0)
}

// openShadow opens the empty shadow directory standing for a virtual
// directory: the guest holds a real directory fd, and every listing of it
// comes from List. Without a shadow directory it is EACCES.
func (fs *FS) openShadow(n *node, flags int) (int, error) {
	if fs.opts.ShadowFD <= 0 {
		return -1, unix.EACCES
	}
	fs.mu.Lock()
	if n.shadow < 0 {
		name := fmt.Sprintf("d%d", n.ino)
		if err := unix.Mkdirat(fs.opts.ShadowFD, name, 0o555); err != nil && err != unix.EEXIST {
			fs.mu.Unlock()
			return -1, err
		}
		fd, err := openBeneath(fs.opts.ShadowFD, name, unix.O_PATH|unix.O_DIRECTORY, 0)
		if err != nil {
			fs.mu.Unlock()
			return -1, err
		}
		n.shadow = fd
		fs.fds = append(fs.fds, fd)
		var st unix.Stat_t
		if unix.Fstat(fd, &st) == nil {
			fs.shadows[fileID{st.Dev, st.Ino}] = n.path
		}
	}
	shadow := n.shadow
	fs.mu.Unlock()
	return openBeneath(shadow, ".", unix.O_RDONLY|unix.O_DIRECTORY|(flags&unix.O_PATH), 0)
}

// openShadowLink returns an O_PATH fd of a host symlink with the virtual
// symlink's target, kept in the shadow directory: what open(O_PATH|
// O_NOFOLLOW) of a symlink gives. Without a shadow directory it is EACCES.
func (fs *FS) openShadowLink(n *node) (int, error) {
	if fs.opts.ShadowFD <= 0 {
		return -1, unix.EACCES
	}
	name := fmt.Sprintf("l%d", n.ino)
	if err := unix.Symlinkat(n.target, fs.opts.ShadowFD, name); err != nil && err != unix.EEXIST {
		return -1, err
	}
	return openBeneath(fs.opts.ShadowFD, name, unix.O_PATH|unix.O_NOFOLLOW, 0)
}

// PathOf maps a host file identity (of an fd the guest holds) back to the
// guest path it was last opened as (for a file with several names, the
// last one used). It survives dup, dup2 and fork because it keys on the
// file, not on the fd number, and follows renames made through Rename.
func (fs *FS) PathOf(st *unix.Stat_t) (string, bool) {
	id := fileID{st.Dev, st.Ino}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if h := fs.known[id]; h != nil {
		return h.path, true
	}
	p, ok := fs.shadows[id]
	return p, ok
}
