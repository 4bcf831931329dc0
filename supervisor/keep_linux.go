package supervisor

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/supervisor/hostpath"
	"github.com/gaol-sandbox/gaol/vfs"
)

// KeepReport says what copying one scratch mount into its keep directory
// did. It is part of the result (docs/cli.md).
type KeepReport struct {
	Mount   string `json:"mount"`   // the scratch mount's guest path
	Dir     string `json:"dir"`     // the host directory it was copied into
	Files   int    `json:"files"`   // regular files written
	Links   int    `json:"links"`   // further names of a file already written, made as hard links to it
	Dirs    int    `json:"dirs"`    // directories below the keep directory
	Bytes   int64  `json:"bytes"`   // data bytes written (holes are not written)
	Skipped int    `json:"skipped"` // entries not kept: symlinks, FIFOs, sockets, too deep, too large for the host
	// CutShort is why the copy stopped before the end: "wall" (the end
	// of the wall budget, or a second after the guest ended when that is
	// later, has passed), "quota" (it would have
	// written more than the scratch mount can hold) or "files" (more
	// entries than the mount can hold). Empty: the copy is complete.
	CutShort string `json:"cut_short,omitempty"`
}

// keepDir is a scratch mount's keep directory, opened when the run
// starts (hostpath.MkdirOpen: no link followed) and held to its end, so
// that the copy lands in that directory whatever becomes of its path.
type keepDir struct {
	mount, path string
	fd          int
}

// openKeepDirs opens the keep directory of every scratch mount that has
// one. On an error it closes what it opened.
func openKeepDirs(mounts []vfs.Mount) ([]keepDir, error) {
	var out []keepDir
	for _, m := range mounts {
		if m.Kind != vfs.KindScratch || m.Keep == "" {
			continue
		}
		fd, err := hostpath.MkdirOpen(m.Keep, 0o755)
		if err != nil {
			closeKeepDirs(out)
			return nil, fmt.Errorf("keep %s: %w", m.Guest, err)
		}
		out = append(out, keepDir{mount: m.Guest, path: m.Keep, fd: fd})
	}
	return out, nil
}

func closeKeepDirs(dirs []keepDir) {
	for _, d := range dirs {
		unix.Close(d.fd)
	}
}

// keepScratch copies each scratch mount into its keep directory: regular
// files (set-ID bits dropped, holes kept, every further hard-link name
// made as a hard link) and directories, never following a link on
// either side; see docs/security.md, "What gaol writes on the host". It
// stops at the deadline (zero: none).
func keepScratch(fs *vfs.FS, dirs []keepDir, deadline time.Time, log hclog.Logger) ([]KeepReport, error) {
	var out []KeepReport
	for _, d := range dirs {
		root, ok := fs.ScratchRoot(d.mount)
		if !ok {
			return out, fmt.Errorf("keep %s: the scratch mount is gone", d.mount)
		}
		var rep KeepReport
		b, err := scratchBounds(root, deadline)
		if err == nil {
			rep, err = keepOne(root, d, b)
		}
		unix.Close(root)
		out = append(out, rep)
		if err != nil {
			return out, fmt.Errorf("keep %s to %s: %w", d.mount, d.path, err)
		}
		if rep.CutShort != "" {
			log.Warn("scratch copy cut short", "mount", d.mount, "dir", d.path, "reason", rep.CutShort,
				"files", rep.Files, "bytes", rep.Bytes)
		}
		if rep.Skipped > 0 {
			log.Info("scratch entries not kept (symlinks, FIFOs, sockets, too deep or too large)", "mount", d.mount, "count", rep.Skipped)
		}
	}
	return out, nil
}

// keepBounds bound one copy: data bytes, entries visited, and the time.
type keepBounds struct {
	bytes, entries int64
	deadline       time.Time // zero: none
}

// scratchBounds are what the scratch tmpfs open as root can hold (its
// statfs): its size in bytes and its inodes in entries (tmpfs charges
// every hard-link name an inode, so names are bounded too).
func scratchBounds(root int, deadline time.Time) (keepBounds, error) {
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(root, &sfs); err != nil {
		return keepBounds{}, err
	}
	return keepBounds{bytes: int64(sfs.Blocks) * sfs.Bsize, entries: int64(sfs.Files), deadline: deadline}, nil
}

// keepOne copies the scratch directory open as root into d, within b.
func keepOne(root int, d keepDir, b keepBounds) (KeepReport, error) {
	rep := KeepReport{Mount: d.mount, Dir: d.path}
	var st unix.Stat_t
	if err := unix.Fstat(d.fd, &st); err != nil {
		return rep, err
	}
	if st.Nlink == 0 {
		return rep, errors.New("the keep directory was removed while the run lasted: nothing kept")
	}
	c := &copier{
		rep:      &rep,
		bytes:    b.bytes,
		entries:  b.entries,
		deadline: b.deadline,
		dstRoot:  d.fd,
		links:    map[fileID]linkTarget{},
		buf:      make([]byte, 128<<10),
	}
	err := c.dir(root, d.fd, nil, 0)
	var cut errCut
	if errors.As(err, &cut) {
		rep.CutShort = string(cut)
		err = nil
	}
	return rep, err
}

// maxKeepDepth bounds how deep the copy goes (it holds two fds a level);
// deeper entries are skipped.
const maxKeepDepth = 128

// errCut stops the copy at a bound; its value is the KeepReport reason.
type errCut string

func (e errCut) Error() string { return "cut short: " + string(e) }

// copier is one scratch mount's copy in progress.
type copier struct {
	rep      *KeepReport
	bytes    int64 // data bytes that may still be written
	entries  int64 // entries that may still be visited
	deadline time.Time
	dstRoot  int
	links    map[fileID]linkTarget // source files with more names, by identity: their first copy
	buf      []byte
}

type fileID struct{ dev, ino uint64 }

// dstDir is a directory of the copy, named from the keep directory down.
type dstDir struct {
	parent *dstDir
	name   string
}

// linkTarget is where a source file with several names was first
// written: the directory, the name and the new file's identity.
type linkTarget struct {
	dir  *dstDir
	name string
	id   fileID
}

// check stops the copy at the deadline.
func (c *copier) check() error {
	if !c.deadline.IsZero() && time.Now().After(c.deadline) {
		return errCut("wall")
	}
	return nil
}

// dir copies the entries of the source directory src into dst (named
// node; nil is the keep directory itself).
func (c *copier) dir(src, dst int, node *dstDir, depth int) error {
	names, err := readNames(src)
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := c.check(); err != nil {
			return err
		}
		if c.entries--; c.entries < 0 {
			return errCut("files")
		}
		if err := c.entry(src, dst, node, name, depth); err != nil {
			return err
		}
	}
	return nil
}

func (c *copier) entry(src, dst int, node *dstDir, name string, depth int) error {
	var st unix.Stat_t
	if err := unix.Fstatat(src, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		if depth >= maxKeepDepth {
			c.rep.Skipped++
			return nil
		}
		return c.subdir(src, dst, node, name, st.Mode, depth)
	case unix.S_IFREG:
		return c.file(src, dst, node, name, &st)
	}
	c.rep.Skipped++ // symlinks, FIFOs, sockets: not kept
	return nil
}

func (c *copier) subdir(src, dst int, node *dstDir, name string, mode uint32, depth int) error {
	sfd, err := openSource(src, name, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer unix.Close(sfd)
	dfd, err := mkdirBeneath(dst, name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer unix.Close(dfd)
	c.rep.Dirs++
	err = c.dir(sfd, dfd, &dstDir{parent: node, name: name}, depth+1)
	// The guest's mode, set-ID dropped, once the directory is filled (a
	// 0500 directory is still written into).
	if merr := unix.Fchmod(dfd, vfs.SafeMode(mode&0o7777)); err == nil {
		err = merr
	}
	return err
}

func (c *copier) file(src, dst int, node *dstDir, name string, st *unix.Stat_t) error {
	id := fileID{uint64(st.Dev), st.Ino}
	if st.Nlink > 1 {
		if t, ok := c.links[id]; ok {
			linked, err := c.link(t, dst, name)
			if err != nil || linked {
				return err
			}
			// The host would not link (another filesystem's rules):
			// copied again, within the same byte bound.
		}
	}
	sfd, err := openSource(src, name, unix.O_RDONLY|unix.O_NONBLOCK)
	if err != nil {
		return err
	}
	defer unix.Close(sfd)
	dfd, err := createBeneath(dst, name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	err = c.data(sfd, dfd, st.Size)
	if err == nil {
		err = unix.Fchmod(dfd, vfs.SafeMode(st.Mode&0o7777))
	}
	var dst0 unix.Stat_t
	if err == nil {
		err = unix.Fstat(dfd, &dst0)
	}
	unix.Close(dfd)
	if err != nil {
		// A file is kept whole or not at all.
		unix.Unlinkat(dst, name, 0)
		if errors.Is(err, unix.EFBIG) {
			c.rep.Skipped++
			return nil
		}
		return err
	}
	c.rep.Files++
	if st.Nlink > 1 {
		if _, ok := c.links[id]; !ok {
			c.links[id] = linkTarget{dir: node, name: name, id: fileID{uint64(dst0.Dev), dst0.Ino}}
		}
	}
	return nil
}

// data copies the data of a file of the given size, extent by extent
// (SEEK_DATA, SEEK_HOLE): holes stay holes, and only data counts against
// the byte bound.
func (c *copier) data(src, dst int, size int64) error {
	for off := int64(0); off < size; {
		start, err := unix.Seek(src, off, unix.SEEK_DATA)
		if err == unix.ENXIO {
			break // only a hole remains
		}
		if err != nil {
			return err
		}
		end, err := unix.Seek(src, start, unix.SEEK_HOLE)
		if err != nil {
			return err
		}
		if err := c.extent(src, dst, start, min(end, size)); err != nil {
			return err
		}
		off = end
	}
	return unix.Ftruncate(dst, size)
}

func (c *copier) extent(src, dst int, off, end int64) error {
	for off < end {
		if err := c.check(); err != nil {
			return err
		}
		n := min(int64(len(c.buf)), end-off)
		if n > c.bytes {
			return errCut("quota")
		}
		r, err := unix.Pread(src, c.buf[:n], off)
		if err != nil {
			return err
		}
		if r == 0 {
			return nil // the file is shorter than it was
		}
		if err := pwriteAll(dst, c.buf[:r], off); err != nil {
			return err
		}
		c.bytes -= int64(r)
		c.rep.Bytes += int64(r)
		off += int64(r)
	}
	return nil
}

func pwriteAll(fd int, b []byte, off int64) error {
	for len(b) > 0 {
		n, err := unix.Pwrite(fd, b, off)
		if err != nil {
			return err
		}
		b, off = b[n:], off+int64(n)
	}
	return nil
}

// link makes name in dst another name of t's copy. It reports false
// (and no error) when the host refuses the link or the file found is not
// the copy, so that the caller copies the file instead.
func (c *copier) link(t linkTarget, dst int, name string) (bool, error) {
	dir, err := c.reopen(t.dir)
	if err != nil {
		return false, nil
	}
	defer unix.Close(dir)
	if err := clearName(dst, name); err != nil {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	// linkat without AT_SYMLINK_FOLLOW links the name itself, never a
	// link's target; the identity check below catches anything else.
	if err := unix.Linkat(dir, t.name, dst, name, 0); err != nil {
		return false, nil
	}
	var st unix.Stat_t
	if err := unix.Fstatat(dst, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || (fileID{uint64(st.Dev), st.Ino}) != t.id {
		unix.Unlinkat(dst, name, 0)
		return false, nil
	}
	c.rep.Links++
	return true, nil
}

// reopen opens a directory of the copy from the keep directory down, one
// component at a time, following no link.
func (c *copier) reopen(d *dstDir) (int, error) {
	var names []string
	for ; d != nil; d = d.parent {
		names = append(names, d.name)
	}
	fd, err := unix.Dup(c.dstRoot)
	if err != nil {
		return -1, err
	}
	for i := len(names) - 1; i >= 0; i-- {
		next, err := hostpath.Openat2(fd, names[i], &unix.OpenHow{
			Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
			Resolve: hostpath.Beneath,
		})
		unix.Close(fd)
		if err != nil {
			return -1, err
		}
		fd = next
	}
	return fd, nil
}

// openSource opens a name of the scratch beneath its directory, as it is
// (no link followed, RESOLVE_BENEATH).
func openSource(dir int, name string, flags int) (int, error) {
	return hostpath.Openat2(dir, name, &unix.OpenHow{
		Flags:   uint64(flags | unix.O_NOFOLLOW | unix.O_CLOEXEC),
		Resolve: hostpath.Beneath,
	})
}

// mkdirBeneath makes (or reuses) directory name in dst and opens it. A
// directory already there is reused; anything else there (a file, a
// link a guest left) is removed first, never followed.
func mkdirBeneath(dst int, name string) (int, error) {
	err := unix.Mkdirat(dst, name, 0o700)
	if err == unix.EEXIST {
		var st unix.Stat_t
		if err = unix.Fstatat(dst, name, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			if err = unix.Unlinkat(dst, name, 0); err == nil {
				err = unix.Mkdirat(dst, name, 0o700)
			}
		}
	}
	if err != nil {
		return -1, err
	}
	return hostpath.Openat2(dst, name, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: hostpath.Beneath,
	})
}

// createBeneath creates file name in dst, new (O_EXCL: never an existing
// file, never a link's target), mode 0600 until the copy sets the
// guest's. A non-directory already there is removed first.
func createBeneath(dst int, name string) (int, error) {
	if err := clearName(dst, name); err != nil {
		return -1, err
	}
	return hostpath.Openat2(dst, name, &unix.OpenHow{
		Flags:   unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Mode:    0o600,
		Resolve: hostpath.Beneath,
	})
}

// clearName removes what is at name in dst unless it is a directory
// (then the copy cannot put a file there: an error).
func clearName(dst int, name string) error {
	var st unix.Stat_t
	err := unix.Fstatat(dst, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case err == unix.ENOENT:
		return nil
	case err != nil:
		return err
	case st.Mode&unix.S_IFMT == unix.S_IFDIR:
		return errors.New("a directory is in the way")
	}
	return unix.Unlinkat(dst, name, 0)
}

// readNames lists the directory open as fd, sorted.
func readNames(fd int) ([]string, error) {
	dup, err := unix.Dup(fd)
	if err != nil {
		return nil, err
	}
	d := os.NewFile(uintptr(dup), "scratch")
	defer d.Close()
	names, err := d.Readdirnames(-1)
	sort.Strings(names)
	return names, err
}
