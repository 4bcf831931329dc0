package supervisor

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// keepScratch copies the scratch mounts that ask for it (keep) to their
// host directories: regular files and directories only, walked with
// openat2 beneath the scratch root so that nothing the guest left there
// (a symlink, a FIFO) leads the copy anywhere else. It reports how many
// entries it left out.
func keepScratch(fs *vfs.FS, mounts []vfs.Mount) (skipped int, err error) {
	for _, m := range mounts {
		if m.Kind != vfs.KindScratch || m.Keep == "" {
			continue
		}
		root, ok := fs.ScratchRoot(m.Guest)
		if !ok {
			return skipped, fmt.Errorf("keep %s: the scratch mount is gone", m.Guest)
		}
		n, cerr := copyDir(root, m.Keep)
		unix.Close(root)
		skipped += n
		if cerr != nil {
			return skipped, fmt.Errorf("keep %s to %s: %w", m.Guest, m.Keep, cerr)
		}
	}
	return skipped, nil
}

// copyDir copies the directory open as dirfd (closed by the caller) into
// host directory dst, creating it.
func copyDir(dirfd int, dst string) (skipped int, err error) {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, err
	}
	dup, err := unix.Dup(dirfd)
	if err != nil {
		return 0, err
	}
	d := os.NewFile(uintptr(dup), "scratch")
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		n, err := copyEntry(dirfd, e.Name(), filepath.Join(dst, e.Name()))
		skipped += n
		if err != nil {
			return skipped, err
		}
	}
	return skipped, nil
}

func copyEntry(dirfd int, name, dst string) (skipped int, err error) {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		fd, err := unix.Openat2(dirfd, name, &unix.OpenHow{
			Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
		})
		if err != nil {
			return 0, err
		}
		defer unix.Close(fd)
		return copyDir(fd, dst)
	case unix.S_IFREG:
		return 0, copyFile(dirfd, name, dst, vfs.SafeMode(st.Mode&0o7777))
	}
	return 1, nil // symlinks, FIFOs, sockets: not kept
}

func copyFile(dirfd int, name, dst string, mode uint32) error {
	fd, err := unix.Openat2(dirfd, name, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return err
	}
	src := os.NewFile(uintptr(fd), name)
	defer src.Close()
	// O_NOFOLLOW on the host side too: a symlink planted at dst by
	// someone else is not written through.
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|unix.O_NOFOLLOW, os.FileMode(mode&0o777))
	if err != nil {
		return err
	}
	_, cerr := io.Copy(out, src)
	if err := out.Close(); cerr == nil {
		cerr = err
	}
	if cerr == nil {
		cerr = os.Chmod(dst, os.FileMode(mode&0o777)|modeSticky(mode))
	}
	return cerr
}

func modeSticky(mode uint32) os.FileMode {
	if mode&unix.S_ISVTX != 0 {
		return os.ModeSticky
	}
	return 0
}
