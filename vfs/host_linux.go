package vfs

import (
	"golang.org/x/sys/unix"
)

// resolveBeneath confines a host lookup below its directory fd and refuses
// every symlink: gaol resolves symlinks itself, in the guest's namespace.
const resolveBeneath = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

// openBeneath opens name (one component, or ".") below dir.
func openBeneath(dir int, name string, flags int, mode uint32) (int, error) {
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Resolve: resolveBeneath}
	if flags&unix.O_PATH == 0 {
		how.Flags |= unix.O_NOCTTY // openat2 refuses it with O_PATH
	}
	if willCreate(flags) {
		// openat2 refuses a mode unless it creates (unix.O_TMPFILE also
		// holds O_DIRECTORY, so it cannot serve as the test).
		how.Mode = uint64(mode & 0o7777)
	}
	// EAGAIN is openat2's "a rename raced the lookup, try again" but also
	// O_NONBLOCK's answer for a leased file: retry it only a few times.
	for again := 0; ; {
		fd, err := unix.Openat2(dir, name, &how)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN && again < 3:
			again++
			continue
		}
		return fd, err
	}
}

// fstatat stats name in dir without following a symlink.
func fstatat(dir int, name string, st *unix.Stat_t) error {
	return unix.Fstatat(dir, name, st, unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH)
}

// readlinkAt reads the target of the symlink name in directory dir.
func readlinkAt(dir int, name string) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dir, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// readlinkFD reads the target of a symlink held as an O_PATH fd.
func readlinkFD(fd int) (string, error) { return readlinkAt(fd, "") }
