package hostpath

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Resolve is how every host path gaol writes to is walked: no symbolic
// link in any component, the last included, and no procfs magic link.
const Resolve = unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

// Beneath is how a name is opened in a directory gaol holds: as Resolve,
// and never above that directory.
const Beneath = Resolve | unix.RESOLVE_BENEATH

// LinkError says that a path gaol would write to passes through a
// symbolic link, which a sandboxed program may have left there.
type LinkError struct {
	Path     string // the path as given
	Link     string // the first prefix of Path that is a symbolic link; "" if it could not be found again
	Target   string // that link's target
	Resolved string // Path with its links resolved, when it resolves; offered only for a link above the last component
}

func (e *LinkError) Error() string {
	link := e.Link
	if link == "" {
		link = "a component of " + e.Path
	}
	msg := link + " is a symbolic link"
	if e.Target != "" {
		msg += " (to " + e.Target + ")"
	}
	msg += "; gaol writes through no symbolic link, since a sandboxed program may have left it there"
	if e.Resolved != "" {
		return msg + ": if the link is yours, pass the resolved path " + e.Resolved + ", else remove it"
	}
	return msg + ": remove it or name another file"
}

// ErrNotRegular is returned for a path gaol will not write to: a FIFO,
// a socket, a directory, or a file that other names share (hard links).
var ErrNotRegular = errors.New("not a regular file")

// Openat2 is unix.Openat2 that retries EAGAIN, which openat2 returns when
// a rename raced a RESOLVE_* lookup (and O_NONBLOCK for a leased file):
// a few times only.
func Openat2(dir int, name string, how *unix.OpenHow) (int, error) {
	for again := 0; ; again++ {
		fd, err := unix.Openat2(dir, name, how)
		if err != unix.EAGAIN || again == 8 {
			return fd, err
		}
	}
}

// OpenDir opens the existing directory at path as an O_PATH fd (for *at
// calls), resolving no link. The caller closes it.
func OpenDir(path string) (int, error) {
	fd, err := Openat2(unix.AT_FDCWD, path, &unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: Resolve})
	if err == unix.ELOOP || err == unix.ENOTDIR {
		// A link as the last component fails O_DIRECTORY before
		// RESOLVE_NO_SYMLINKS.
		if le := linkError(path, false); err == unix.ELOOP || le.(*LinkError).Link != "" {
			return -1, le
		}
	}
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}

// openParent opens path's directory (OpenDir) and returns it with the
// last component, which must name a file.
func openParent(path string) (int, string, error) {
	dir, name := filepath.Split(path)
	if name == "" || name == "." || name == ".." {
		return -1, "", fmt.Errorf("%s names a directory, not a file", path)
	}
	if dir == "" {
		dir = "."
	}
	fd, err := OpenDir(dir)
	if err != nil {
		if _, ok := err.(*LinkError); ok {
			return -1, "", linkError(path, true) // a link above the name
		}
		return -1, "", err
	}
	return fd, name, nil
}

// Create opens path for writing from its start, creating it with perm
// (less the umask) when it is missing: for a file gaol writes while the
// run lasts (the trace). An existing file is truncated only if it is a
// regular file with no other name; a character device (/dev/null) is
// written as it is; anything else is refused (ErrNotRegular). The open
// neither follows a link nor waits for a FIFO's reader.
func Create(path string, perm uint32) (*os.File, error) {
	dir, name, err := openParent(path)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dir)
	fd, err := Openat2(dir, name, &unix.OpenHow{
		Flags:   unix.O_WRONLY | unix.O_CREAT | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC,
		Mode:    uint64(perm & 0o777),
		Resolve: Beneath,
	})
	switch {
	case err == unix.ELOOP:
		return nil, linkError(path, false)
	case err == unix.ENXIO: // a FIFO without a reader
		return nil, &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	case err != nil:
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if err := checkWritable(fd, true); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err == nil {
		_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags&^unix.O_NONBLOCK)
	}
	if err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "fcntl", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// checkWritable accepts what fd may be written as: a regular file with
// one name (then truncated when truncate says so) or a character device.
func checkWritable(fd int, truncate bool) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		return nil
	case unix.S_IFREG:
		if st.Nlink > 1 {
			return fmt.Errorf("%w: it has %d names (hard links), and gaol does not truncate a file another name shares: remove it", ErrNotRegular, st.Nlink)
		}
		if truncate {
			return unix.Ftruncate(fd, 0)
		}
		return nil
	}
	return ErrNotRegular
}

// A Replacement is a file gaol writes once, when the run is over (the
// result). PrepareReplace checks the name and holds its directory from
// the start; Write creates a new file in that directory and renames it
// over the name, so whatever the name is by then (a link left by the
// guest included) is replaced, never written through. A character
// device (/dev/null) is opened at the start and written in place.
type Replacement struct {
	path string
	dir  int
	name string
	perm uint32
	dev  *os.File
}

// PrepareReplace checks that path can be replaced: its directory exists
// and is writable, and the name is missing, a regular file or a
// character device. perm (less the umask) is the new file's mode.
func PrepareReplace(path string, perm uint32) (*Replacement, error) {
	dir, name, err := openParent(path)
	if err != nil {
		return nil, err
	}
	r := &Replacement{path: path, dir: dir, name: name, perm: perm & 0o777}
	if err := r.check(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Replacement) check() error {
	var st unix.Stat_t
	err := unix.Fstatat(r.dir, r.name, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case err == unix.ENOENT:
	case err != nil:
		return &os.PathError{Op: "stat", Path: r.path, Err: err}
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		return linkError(r.path, false)
	case st.Mode&unix.S_IFMT == unix.S_IFCHR:
		fd, err := Openat2(r.dir, r.name, &unix.OpenHow{
			Flags:   unix.O_WRONLY | unix.O_NOFOLLOW | unix.O_NOCTTY | unix.O_CLOEXEC,
			Resolve: Beneath,
		})
		if err == nil {
			if err = checkWritable(fd, false); err != nil {
				unix.Close(fd)
			}
		}
		if err != nil {
			return &os.PathError{Op: "open", Path: r.path, Err: err}
		}
		r.dev = os.NewFile(uintptr(fd), r.path)
		return nil
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return &os.PathError{Op: "open", Path: r.path, Err: ErrNotRegular}
	}
	if err := unix.Faccessat(r.dir, ".", unix.W_OK, unix.AT_EACCESS); err != nil {
		return &os.PathError{Op: "create", Path: r.path, Err: err}
	}
	return nil
}

// Write replaces the file with b (see Replacement).
func (r *Replacement) Write(b []byte) error {
	if r.dev != nil {
		_, err := r.dev.Write(b)
		return err
	}
	tmp, fd, err := r.createTemp()
	if err != nil {
		return &os.PathError{Op: "create", Path: r.path, Err: err}
	}
	f := os.NewFile(uintptr(fd), tmp)
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// rename(2) replaces the name itself, whatever it is now (a
		// directory excepted: EISDIR), and follows no link.
		err = unix.Renameat(r.dir, tmp, r.dir, r.name)
	}
	if err != nil {
		unix.Unlinkat(r.dir, tmp, 0)
		return &os.PathError{Op: "write", Path: r.path, Err: err}
	}
	return nil
}

// createTemp creates a new file of a fresh name in r's directory:
// O_EXCL, so never an existing name or the target of a link.
func (r *Replacement) createTemp() (string, int, error) {
	for tries := 0; ; tries++ {
		var b [8]byte
		rand.Read(b[:])
		tmp := ".gaol-" + hex.EncodeToString(b[:]) + ".tmp"
		fd, err := Openat2(r.dir, tmp, &unix.OpenHow{
			Flags:   unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC,
			Mode:    uint64(r.perm),
			Resolve: Beneath,
		})
		if err != unix.EEXIST || tries == 8 {
			return tmp, fd, err
		}
	}
}

// Close releases the directory (and device) r holds.
func (r *Replacement) Close() {
	if r.dir >= 0 {
		unix.Close(r.dir)
		r.dir = -1
	}
	if r.dev != nil {
		r.dev.Close()
		r.dev = nil
	}
}

// MkdirOpen opens the directory at path, creating it with perm (less the
// umask) when it is missing (its parent must exist), as an O_RDONLY fd to
// create names beneath. The caller closes it.
func MkdirOpen(path string, perm uint32) (int, error) {
	dir, name, err := openParent(path)
	if err != nil {
		return -1, err
	}
	defer unix.Close(dir)
	// mkdirat never follows a link at the name: EEXIST, and the open
	// below refuses it.
	if err := unix.Mkdirat(dir, name, perm&0o777); err != nil && err != unix.EEXIST {
		return -1, &os.PathError{Op: "mkdir", Path: path, Err: err}
	}
	fd, err := Openat2(dir, name, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: Beneath,
	})
	if err == unix.ELOOP || err == unix.ENOTDIR {
		// A link at the name fails O_DIRECTORY before O_NOFOLLOW.
		var st unix.Stat_t
		if unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return -1, linkError(path, false)
		}
	}
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}

// linkError describes the first symbolic link on path, looked up again
// for the message only (nothing is opened through what it finds). With
// offer, the resolved path is offered as the one to pass instead.
func linkError(path string, offer bool) error {
	e := &LinkError{Path: path}
	prefix := ""
	if strings.HasPrefix(path, "/") {
		prefix = "/"
	}
	for _, c := range strings.Split(path, "/") {
		if c == "" {
			continue
		}
		prefix = filepath.Join(prefix, c)
		if prefix == "" {
			prefix = "."
		}
		fi, err := os.Lstat(prefix)
		if err != nil {
			break
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			e.Link = prefix
			e.Target, _ = os.Readlink(prefix)
			break
		}
	}
	if offer && e.Link != "" {
		dir, name := filepath.Split(path)
		if r, err := filepath.EvalSymlinks(filepath.Join(dir, ".")); err == nil {
			if r, err = filepath.Abs(r); err == nil {
				e.Resolved = filepath.Join(r, name)
			}
		}
	}
	return e
}
