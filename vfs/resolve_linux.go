package vfs

import (
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// maxSymlinks is the kernel's limit on symlinks followed in one lookup
// (MAXSYMLINKS, fs/namei.c); one more gives ELOOP.
const maxSymlinks = 40

// maxSteps bounds the components one resolution walks. 40 symlinks of
// 4095 bytes of "./" each would make the kernel walk some 80,000; gaol
// walks each on the host, so it stops earlier, with ELOOP, rather than
// spend a second of supervisor time on one lookup.
const maxSteps = 8192

// Flags change how Resolve treats the last component.
type Flags uint8

const (
	// Follow follows a symlink in the last component.
	Follow Flags = 1 << iota
	// Missing accepts a last component that does not exist, provided its
	// parent is a directory: the Loc then has Exists false (for O_CREAT,
	// mkdir, symlink, link and rename targets, and unlink, rmdir and rename
	// sources, whose errno for a missing name in a read-only mount is
	// EROFS). A hidden name is absent too, but creating it is EACCES.
	Missing
	// NoSymlinks refuses with ELOOP every symlink the walk would follow
	// (openat2 RESOLVE_NO_SYMLINKS); an unfollowed last one is still returned.
	NoSymlinks
	// Beneath keeps the walk at or below its starting directory (openat2
	// RESOLVE_BENEATH): an absolute path or symlink, or a ".." above the
	// start, is EXDEV.
	Beneath
	// InRoot walks as if the starting directory were the root (openat2
	// RESOLVE_IN_ROOT): an absolute path or symlink starts there, and ".."
	// stops there.
	InRoot
	// NoMagicLinks refuses with ELOOP every magic link (Mount.Magic) the
	// walk would follow (openat2 RESOLVE_NO_MAGICLINKS). Beneath and InRoot
	// refuse them too, with EXDEV.
	NoMagicLinks
	// NoXDev refuses with EXDEV a walk that leaves the mount it starts in
	// (openat2 RESOLVE_NO_XDEV): into another mount, out of one by "..",
	// or to the root of another by an absolute symlink. The mounts are
	// the guest's: each host, scratch, file and device mount is one, the
	// virtual directories (and what dynamic mounts produce) one more.
	NoXDev
)

// Loc is a resolved guest path. A Loc that names host content holds an fd
// of its parent directory: Close it. The zero value is not a location.
type Loc struct {
	Path   string // canonical guest path: absolute, clean, symlink-free
	Exists bool   // false only with Missing, when the last component is absent
	node   *node  // virtual node; for host content, the mount's node
	rel    string // host content: path below the mount root, "" for the root
	dirFD  int    // host content: O_PATH fd of the parent directory, -1 if none
	name   string // host content: the last component's name in dirFD
	ownDir bool   // dirFD is ours to close
	slash  bool   // the last component had a trailing slash: it must be a directory
	denied bool   // a hidden name, absent to the guest: creating it is EACCES
	st     unix.Stat_t
}

// Close releases the fd the Loc holds. Safe on a nil or zero Loc.
func (l *Loc) Close() {
	if l != nil && l.ownDir && l.dirFD >= 0 {
		unix.Close(l.dirFD)
		l.ownDir = false
	}
}

// IsHost reports whether the Loc names content of a host or scratch mount.
func (l *Loc) IsHost() bool { return l.node.host != nil }

// Writable reports whether the Loc lies in a writable mount.
func (l *Loc) Writable() bool { return l.node.host != nil && l.node.host.writable }

// Kind is the kind of mount the Loc lies in.
func (l *Loc) Kind() Kind { return l.node.kind }

// IsDir reports whether the Loc exists and is a directory.
func (l *Loc) IsDir() bool {
	if !l.Exists {
		return false
	}
	if l.node.host != nil {
		return l.st.Mode&unix.S_IFMT == unix.S_IFDIR
	}
	return l.node.kind == KindDir
}

// Inode identifies a host file as the kernel does: by device and inode
// number, not by name. A filesystem may give a removed file's number to
// the next one it makes, so two Inodes taken at different times may be
// equal for different files unless something held the first one open in
// between. The zero Inode names no host file.
type Inode struct{ dev, ino uint64 }

// InodeOf is the Inode of the host file st describes (a raw stat, before
// Disguise).
func InodeOf(st *unix.Stat_t) Inode { return Inode{st.Dev, st.Ino} }

// Inode is the host file the Loc names when it was resolved; zero for
// virtual content (which no guest call can remove) and absent names.
func (l *Loc) Inode() Inode {
	if !l.Exists || l.node.host == nil {
		return Inode{}
	}
	return InodeOf(&l.st)
}

// IsSymlink reports whether the Loc exists and is a symlink.
func (l *Loc) IsSymlink() bool {
	if !l.Exists {
		return false
	}
	if l.node.host != nil {
		return l.st.Mode&unix.S_IFMT == unix.S_IFLNK
	}
	return l.node.kind == KindSymlink
}

// walker is the state of one resolution.
type walker struct {
	fs       *FS
	caller   any // who looks up: passed to dynamic mounts
	flags    Flags
	links    int
	trailing bool   // the last component must be a directory (trailing slash)
	path     string // canonical guest path so far
	node     *node  // virtual node, or mount node when in host content
	rel      []string
	fds      []int  // host content: fds[i] is the O_PATH fd of rel[:i]; fds[0] is the mount's root, not ours
	floor    string // with Beneath or InRoot: the starting directory's guest path
	// With NoXDev: the mount the walk starts in (nil until the walk is
	// there), and how many components of the starting directory are still
	// to walk before it is.
	start     *node
	startLeft int
	// statOnly: the last component of rel was stat'ed, not opened, so fds
	// holds no fd for it (the walk ended there).
	statOnly bool
	st       unix.Stat_t
	absence  Absence // why the last step failed with ENOENT
}

// Resolve resolves p, relative to the canonical guest directory cwd when p
// is relative, the way the kernel would resolve it in the guest's tree. The
// error is the errno the guest should see.
func (fs *FS) Resolve(cwd, p string, flags Flags) (*Loc, error) {
	l, _, err := fs.ResolveWhy(nil, cwd, p, flags)
	return l, err
}

// Absence says why a resolution ended in ENOENT. The errno alone cannot
// tell a name missing from a directory the guest may see (a plain
// ENOENT, as the kernel would give) from a path the guest's view refuses
// (a denial the trace must show).
type Absence uint8

const (
	// Absent: the name does not exist in a host or scratch directory,
	// or the resolution did not fail with ENOENT.
	Absent Absence = iota
	// NotMounted: a virtual directory lacks the name; the path lies
	// outside every mount, whatever the host holds there.
	NotMounted
	// Hidden: a host mount hides the name (exclude, hide_dotfiles).
	Hidden
)

// String names the absence as the trace's rule does.
func (a Absence) String() string {
	switch a {
	case NotMounted:
		return "not mounted"
	case Hidden:
		return "hidden by the mount"
	}
	return "absent"
}

// ResolveWhy is Resolve that also says, when the error is ENOENT, whether
// the walk fell outside the guest's view (NotMounted, Hidden) or found a
// name missing inside it (Absent). The walk is the same: a component
// reached through "..", a symlink or a dirfd counts where the walk was,
// not where the path's text points. Dynamic mounts produce their nodes
// for caller (Resolve passes nil).
func (fs *FS) ResolveWhy(caller any, cwd, p string, flags Flags) (*Loc, Absence, error) {
	if p == "" {
		return nil, Absent, unix.ENOENT
	}
	if len(p) >= unix.PathMax {
		return nil, Absent, unix.ENAMETOOLONG
	}
	w := &walker{fs: fs, caller: caller, flags: flags, trailing: strings.HasSuffix(p, "/")}
	w.reset()
	queue := split(p)
	switch {
	case flags&(Beneath|InRoot) != 0:
		if flags&Beneath != 0 && strings.HasPrefix(p, "/") {
			return nil, Absent, unix.EXDEV
		}
		// The walk starts at cwd whatever p is; cwd is canonical, so its
		// own components never meet the floor's checks.
		w.floor = path.Clean("/" + cwd)
		queue = append(split(cwd), queue...)
	case !strings.HasPrefix(p, "/"):
		queue = append(split(cwd), queue...)
	}
	if flags&NoXDev != 0 {
		// The walk reaches its starting directory after the components
		// of cwd (canonical: no "..", no symlinks), or at once for an
		// absolute path outside a scope.
		w.startLeft = len(queue) - len(split(p))
		if w.startLeft == 0 {
			w.start = w.mount()
		}
	}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > maxSteps {
			w.release()
			return nil, Absent, unix.ELOOP
		}
		c := queue[0]
		queue = queue[1:]
		next, err := w.step(c, len(queue) == 0)
		if err == nil && next.loc == nil && flags&NoXDev != 0 {
			err = w.checkXDev()
		}
		if err != nil {
			w.release()
			if err != unix.ENOENT {
				return nil, Absent, err
			}
			return nil, w.absence, err
		}
		if next.loc != nil {
			w.release()
			return next.loc, Absent, nil
		}
		queue = append(next.prepend, queue...)
	}
	l, err := w.finish()
	return l, Absent, err
}

// mount is the guest mount the walk stands in (see NoXDev).
func (w *walker) mount() *node {
	n := w.node
	if n.host != nil || (n.kind != KindDir && !n.produced) {
		return n
	}
	return w.fs.root
}

// checkXDev is NoXDev's check after a step: the walk reaches its starting
// directory first, and from then on stays in that directory's mount.
func (w *walker) checkXDev() error {
	if w.start == nil {
		if w.startLeft--; w.startLeft == 0 {
			w.start = w.mount()
		}
		return nil
	}
	if w.mount() != w.start {
		return unix.EXDEV
	}
	return nil
}

func (w *walker) reset() {
	w.release()
	w.path, w.node, w.rel, w.fds = "/", w.fs.root, nil, nil
}

func (w *walker) release() {
	for i := 1; i < len(w.fds); i++ {
		unix.Close(w.fds[i])
	}
	w.fds = nil
}

type stepResult struct {
	prepend []string // components to resolve before the rest (symlink targets)
	loc     *Loc     // the walk ended here (a missing last component)
}

func (w *walker) isDir() bool {
	if w.node.host != nil {
		if len(w.rel) == 0 {
			return w.node.host.isDir
		}
		return w.st.Mode&unix.S_IFMT == unix.S_IFDIR
	}
	return w.node.kind == KindDir
}

func (w *walker) step(c string, last bool) (stepResult, error) {
	if !w.isDir() {
		return stepResult{}, unix.ENOTDIR
	}
	if !w.searchable() {
		return stepResult{}, unix.EACCES
	}
	switch c {
	case ".":
		return stepResult{}, nil
	case "..":
		if w.floor != "" && w.path == w.floor {
			if w.flags&Beneath != 0 {
				return stepResult{}, unix.EXDEV
			}
			return stepResult{}, nil // InRoot: ".." of the root is the root
		}
		return stepResult{}, w.up()
	}
	if len(c) > unix.NAME_MAX {
		return stepResult{}, unix.ENAMETOOLONG
	}
	// A trailing slash makes the kernel follow a last symlink too.
	follow := !last || w.flags&Follow != 0 || w.trailing
	if w.node.host == nil {
		return w.stepVirtual(c, last, follow)
	}
	return w.stepHost(c, last, follow)
}

// up moves to the parent of the directory walked so far. The walk holds
// no symlinks, so its lexical parent is the real one; popping the fd stack
// keeps ".." on the directories actually walked, and at a mount root it
// steps into the virtual tree: ".." never leaves a mount on the host side.
// At the root it stays at the root.
func (w *walker) up() error {
	if w.node.host != nil && len(w.rel) > 0 {
		top := len(w.fds) - 1
		unix.Close(w.fds[top])
		w.fds, w.rel, w.path = w.fds[:top], w.rel[:len(w.rel)-1], path.Dir(w.path)
		// At the mount's root too: its search permission is checked next.
		return unix.Fstat(w.fds[top-1], &w.st)
	}
	if w.node.parent != nil {
		// fds[0], if any, is the mount's root fd, which the walk does not own.
		w.node, w.path, w.rel, w.fds = w.node.parent, w.node.parent.path, nil, nil
	}
	return nil
}

func (w *walker) stepVirtual(c string, last, follow bool) (stepResult, error) {
	child, err := w.fs.child(w.node, c, w.caller)
	if err == unix.ENOENT {
		if last && w.flags&Missing != 0 {
			return stepResult{loc: w.missing(c, -1, false, "", false)}, nil
		}
		w.absence = NotMounted
		if w.node.dynamic != nil {
			w.absence = Absent // not there for this caller, inside the view
		}
		return stepResult{}, unix.ENOENT
	}
	if err != nil {
		return stepResult{}, err
	}
	if child.kind == KindSymlink && follow {
		if child.magic {
			switch {
			case w.flags&(NoMagicLinks|NoSymlinks) != 0:
				return stepResult{}, unix.ELOOP
			case w.flags&(Beneath|InRoot) != 0:
				return stepResult{}, unix.EXDEV
			}
		}
		return w.followLink(child.target, last)
	}
	w.node, w.path = child, child.path
	if child.host != nil {
		w.fds = []int{child.host.rootFD}
		w.rel = nil
		if !child.host.isDir {
			if err := w.statHostFile(); err != nil {
				return stepResult{}, err
			}
		} else if err := unix.Fstat(child.host.rootFD, &w.st); err != nil {
			// The root's mode decides whether the walk may search it.
			return stepResult{}, err
		}
	}
	return stepResult{}, nil
}

func (w *walker) statHostFile() error {
	h := w.node.host
	return fstatat(h.rootFD, h.name, &w.st)
}

// missing is the Loc of an absent last component c of the walk's
// directory. A hidden (denied) name gets no fd: nothing may act on it.
func (w *walker) missing(c string, dirFD int, own bool, rel string, denied bool) *Loc {
	return &Loc{Path: path.Join(w.path, c), node: w.node, rel: rel, dirFD: dirFD, ownDir: own,
		name: c, slash: w.trailing, denied: denied}
}

func (w *walker) stepHost(c string, last, follow bool) (stepResult, error) {
	h := w.node.host
	rel := append(append([]string(nil), w.rel...), c)
	missingOK := last && w.flags&Missing != 0
	if h.hidden(rel) {
		// Hidden names are absent, whatever the host holds under them.
		if missingOK {
			return stepResult{loc: w.missing(c, -1, false, strings.Join(rel, "/"), true)}, nil
		}
		w.absence = Hidden
		return stepResult{}, unix.ENOENT
	}
	dir := w.fds[len(w.fds)-1]
	if last {
		return w.stepHostLast(dir, c, rel, follow, missingOK)
	}
	fd, err := openBeneath(dir, c, unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		return stepResult{}, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return stepResult{}, err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK && follow {
		target, err := readlinkFD(fd)
		unix.Close(fd)
		if err != nil {
			return stepResult{}, err
		}
		return w.followHostLink(target, last)
	}
	w.rel, w.st, w.path = rel, st, path.Join(w.path, c)
	w.fds = append(w.fds, fd)
	return stepResult{}, nil
}

// stepHostLast steps onto the last component of a walk in host content.
// The Loc keeps the parent's fd and the name, never an fd of the last
// component itself, so it is only stat'ed (and its link read), by name
// under the held parent: one syscall where an open, an fstat and a close
// were three. A single name under a held directory fd, without following
// a symlink, cannot leave that directory, so this finds what
// openBeneath(O_PATH|O_NOFOLLOW) would. If the name is replaced between
// the stat and the readlink, the walk fails as the lookup would have a
// moment later (a link's target is resolved in the guest's tree anyway).
func (w *walker) stepHostLast(dir int, c string, rel []string, follow, missingOK bool) (stepResult, error) {
	var st unix.Stat_t
	err := fstatat(dir, c, &st)
	if err == unix.ENOENT && missingOK {
		dir, own := w.takeDir()
		return stepResult{loc: w.missing(c, dir, own, strings.Join(rel, "/"), false)}, nil
	}
	if err != nil {
		return stepResult{}, err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK && follow {
		target, err := readlinkAt(dir, c)
		if err != nil {
			return stepResult{}, err
		}
		return w.followHostLink(target, true)
	}
	w.rel, w.st, w.path, w.statOnly = rel, st, path.Join(w.path, c), true
	return stepResult{}, nil
}

// followHostLink goes on through a host symlink's target: a guest path,
// or with follow_symlinks a host path translated to the guest path of
// the mount that exposes it.
func (w *walker) followHostLink(target string, last bool) (stepResult, error) {
	if w.node.host.follow && target != "" && w.flags&NoSymlinks == 0 {
		g, ok := w.fs.followHost(w.node, w.rel, target)
		if !ok {
			w.absence = NotMounted
			return stepResult{}, unix.ENOENT
		}
		target = g
	}
	return w.followLink(target, last)
}

// takeDir hands the current directory fd over to a Loc, and says whether
// the Loc owns it. The mount's root fd is lent, not duplicated: it lives
// as long as the FS, as it does for a Loc of the root itself.
func (w *walker) takeDir() (int, bool) {
	fd := w.fds[len(w.fds)-1]
	if len(w.fds) == 1 {
		return fd, false
	}
	w.fds = w.fds[:len(w.fds)-1]
	return fd, true
}

// followLink continues the walk through a symlink's target: from the
// guest's root when it is absolute (never the host's), else from the
// directory holding the link.
func (w *walker) followLink(target string, last bool) (stepResult, error) {
	if w.flags&NoSymlinks != 0 {
		return stepResult{}, unix.ELOOP
	}
	w.links++
	if w.links > maxSymlinks {
		return stepResult{}, unix.ELOOP
	}
	if target == "" {
		return stepResult{}, unix.ENOENT
	}
	if last && strings.HasSuffix(target, "/") {
		// The kernel walks the body of a trailing link as the rest of the
		// path: a trailing slash in it asks for a directory.
		w.trailing = true
	}
	if strings.HasPrefix(target, "/") {
		switch {
		case w.flags&Beneath != 0:
			return stepResult{}, unix.EXDEV
		case w.flags&InRoot != 0:
			w.reset()
			return stepResult{prepend: append(split(w.floor), split(target)...)}, nil
		}
		w.reset()
	}
	return stepResult{prepend: split(target)}, nil
}

func (w *walker) finish() (*Loc, error) {
	l := &Loc{Path: w.path, Exists: true, node: w.node, dirFD: -1, slash: w.trailing}
	if w.node.host == nil {
		if w.trailing && w.node.kind != KindDir {
			return nil, unix.ENOTDIR
		}
		return l, nil
	}
	h := w.node.host
	l.rel = strings.Join(w.rel, "/")
	switch {
	case len(w.rel) == 0 && h.isDir:
		l.dirFD, l.name = h.rootFD, "."
		if err := unix.Fstat(h.rootFD, &l.st); err != nil {
			return nil, err
		}
	case len(w.rel) == 0:
		l.dirFD, l.name, l.st = h.rootFD, h.name, w.st
	default:
		// The Loc keeps the last component's parent and its name; an fd
		// of the last component itself, if the walk holds one (it went
		// there through ".."), is not needed.
		if !w.statOnly {
			unix.Close(w.fds[len(w.fds)-1])
			w.fds = w.fds[:len(w.fds)-1]
		}
		l.dirFD, l.ownDir = w.takeDir()
		l.name, l.st = w.rel[len(w.rel)-1], w.st
	}
	w.release()
	if w.trailing && l.st.Mode&unix.S_IFMT != unix.S_IFDIR {
		l.Close()
		return nil, unix.ENOTDIR
	}
	return l, nil
}

// hidden reports whether a path below the mount is invisible to the guest.
func (h *hostMount) hidden(rel []string) bool {
	name := rel[len(rel)-1]
	if h.hideDot && strings.HasPrefix(name, ".") {
		return true
	}
	full := strings.Join(rel, "/")
	if h.excluded != nil {
		return h.excluded(full)
	}
	for _, pat := range h.exclude {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
		if ok, _ := path.Match(pat, full); ok {
			return true
		}
	}
	return false
}
