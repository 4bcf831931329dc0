package vfs

import (
	"fmt"
	"path"

	"golang.org/x/sys/unix"
)

// hostMount is the host side of a host or scratch mount.
type hostMount struct {
	rootFD   int    // O_PATH fd of the directory, or of the file's parent directory
	name     string // "." for a directory mount, else the file's name in rootFD
	hostPath string // host: the canonical host path of the directory or file
	isDir    bool
	writable bool
	scratch  bool
	hideDot  bool
	follow   bool // symlinks below name host paths (Mount.FollowSymlinks)
	exclude  []string
	excluded func(rel string) bool
}

var devices = map[string]string{
	"null":    "/dev/null",
	"zero":    "/dev/zero",
	"urandom": "/dev/urandom",
	"random":  "/dev/urandom",
}

func (fs *FS) fill(n *node, m Mount) error {
	if m.Dynamic != nil {
		return fs.fillDynamic(n, m)
	}
	switch m.Kind {
	case KindDir:
		n.mode = orDefault(m.Mode, 0o555)
	case KindFile:
		n.mode = orDefault(m.Mode, 0o444)
		n.content = m.Content
		fd, err := sealedMemfd(path.Base(m.Guest), m.Content)
		if err != nil {
			return err
		}
		n.memfd = fd
		fs.fds = append(fs.fds, fd)
	case KindSymlink:
		if m.Target == "" {
			return fmt.Errorf("symlink without a target")
		}
		n.target, n.magic = m.Target, m.Magic
	case KindDevice:
		dev, ok := devices[m.Device]
		if !ok {
			return fmt.Errorf("unknown device %q (null, zero, urandom, random)", m.Device)
		}
		n.device = dev
	case KindHost:
		h, err := openHost(m.Host)
		if err != nil {
			return err
		}
		h.writable, h.hideDot, h.exclude, h.excluded = m.Writable, m.HideDotfiles, m.Exclude, m.Excluded
		h.follow = m.FollowSymlinks
		fs.fds = append(fs.fds, h.rootFD)
		n.host = h
		fs.hosts = insertByPath(fs.hosts, n)
	case KindScratch:
		if m.RootFD <= 0 {
			return fmt.Errorf("scratch mount without a provisioned directory")
		}
		fs.fds = append(fs.fds, m.RootFD)
		n.host = &hostMount{rootFD: m.RootFD, name: ".", isDir: true, writable: true, scratch: true}
	default:
		return fmt.Errorf("unknown mount kind %q", m.Kind)
	}
	return nil
}

// fillDynamic makes n a dynamic node: its content comes from m.Dynamic.
func (fs *FS) fillDynamic(n *node, m Mount) error {
	switch m.Kind {
	case KindDir:
		n.mode = orDefault(m.Mode, 0o555)
	case KindFile:
		n.mode = orDefault(m.Mode, 0o444)
	case KindSymlink:
	default:
		return fmt.Errorf("a %s mount cannot be dynamic (only file, symlink and dir)", m.Kind)
	}
	n.dynamic = m.Dynamic
	return nil
}

func orDefault(v, d uint32) uint32 {
	if v == 0 {
		return d
	}
	return v
}

// openHost opens the host side of a host mount. The host path is the
// policy author's, trusted; it may itself go through symlinks.
func openHost(hostPath string) (*hostMount, error) {
	var st unix.Stat_t
	if err := unix.Stat(hostPath, &st); err != nil {
		return nil, fmt.Errorf("host path %s: %w", hostPath, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		fd, err := unix.Open(hostPath, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("host path %s: %w", hostPath, err)
		}
		real, err := fdPath(fd)
		if err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("host path %s: %w", hostPath, err)
		}
		return &hostMount{rootFD: fd, name: ".", isDir: true, hostPath: real}, nil
	}
	real, err := realpath(hostPath)
	if err != nil {
		return nil, fmt.Errorf("host path %s: %w", hostPath, err)
	}
	fd, err := unix.Open(path.Dir(real), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("host path %s: %w", hostPath, err)
	}
	return &hostMount{rootFD: fd, name: path.Base(real), hostPath: real}, nil
}

func realpath(p string) (string, error) {
	fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	return fdPath(fd)
}

// fdPath is the host path of a file gaol holds, as /proc shows it.
func fdPath(fd int) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd), buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// sealedMemfd returns a read-only memfd holding content, sealed so that
// nobody, the guest included, can change it.
func sealedMemfd(name string, content []byte) (int, error) {
	fd, err := unix.MemfdCreate("gaol:"+name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return -1, fmt.Errorf("memfd: %w", err)
	}
	for off := 0; off < len(content); {
		n, err := unix.Pwrite(fd, content[off:], int64(off))
		if err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("memfd write: %w", err)
		}
		off += n
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("memfd seal: %w", err)
	}
	return fd, nil
}
