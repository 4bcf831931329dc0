// Package vfs is the guest's filesystem: a tree of mounts that the policy
// declares, resolved by gaol and never by the host kernel on the guest's
// behalf. Paths are resolved component by component in the guest's
// namespace (".." and symlinks included); host-backed components are looked
// up with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) relative to a
// directory fd that gaol holds, so no host lookup can leave its mount.
package vfs

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Kind names a kind of mount.
type Kind string

const (
	KindHost    Kind = "host"    // a host file or directory
	KindFile    Kind = "file"    // inline content, read-only
	KindDir     Kind = "dir"     // a virtual directory listing its children
	KindScratch Kind = "scratch" // a writable directory the caller provisioned (RootFD)
	KindDevice  Kind = "device"  // null, zero, urandom
	KindSymlink Kind = "symlink" // a virtual symbolic link
)

// Mount declares one node of the guest's tree. The zero value is invalid.
type Mount struct {
	Guest    string // absolute guest path
	Kind     Kind
	Host     string // host: absolute host path
	Writable bool   // host: allow writes (scratch mounts are always writable)
	Content  []byte // file: the content
	Mode     uint32 // file/dir: permission bits; 0 means 0444 / 0555
	Device   string // device: "null", "zero", "urandom" or "random"
	Target   string // symlink: the link's target, resolved in the guest's namespace
	// Magic (symlink): the link stands for one of procfs's magic links
	// (/proc/self/exe): openat2's RESOLVE_NO_MAGICLINKS, RESOLVE_BENEATH
	// and RESOLVE_IN_ROOT refuse to follow it, as the kernel does.
	Magic   bool
	Exclude []string
	// Excluded, when set, decides instead of Exclude which paths below
	// the mount (slash-separated, relative to it) the guest never sees;
	// the policy's glob language (with **) comes in this way.
	Excluded     func(rel string) bool
	HideDotfiles bool
	// FollowSymlinks (host): a symlink below the mount names a host path
	// (relative to the link's host directory), reached through the mount
	// that exposes it; false: its target is a guest path. See FollowHost.
	FollowSymlinks bool
	Keep           string // scratch: a host directory to copy the contents to after the run (the caller's to do)
	RootFD         int    // scratch: an O_PATH or O_DIRECTORY fd of an empty writable directory; New owns it, even when it fails
	// Dynamic, on a file, symlink or dir mount, produces its content
	// (target, children) for each process that looks it up, instead of
	// Content (Target, child mounts).
	Dynamic Dynamic
}

// Options are the FS-wide settings. The zero value is usable for tests:
// a guest that is root, standing for the host's root, and no shadow
// directory (virtual directories then cannot be opened).
type Options struct {
	// ShadowFD is a writable directory in which the FS creates one empty
	// directory per virtual directory the guest opens, so that the guest
	// holds a real directory fd for it. Owned by the FS after New; -1 for none.
	ShadowFD int
	// UID and GID are the guest's ids: the owner of the virtual tree, and
	// of every host file that HostUID and HostGID own.
	UID, GID uint32
	// HostUID and HostGID are the host ids the guest stands for: gaol's
	// own, which the guest's user namespace maps to UID and GID. Host
	// files of other owners appear owned by Nobody, as in a user
	// namespace that maps only gaol's ids.
	HostUID, HostGID uint32
	// HostGroups are the supplementary groups of the user running gaol,
	// which the guest's process keeps: their files take the group bits.
	HostGroups []uint32
}

// Nobody is the uid and gid of host owners the guest's view does not
// map: the kernel's default overflowuid and overflowgid.
const Nobody = 65534

// FS is one run's filesystem. Safe for concurrent use.
type FS struct {
	root    *node
	opts    Options
	start   time.Time
	nextIno uint64
	mu      sync.Mutex
	known   map[fileID]*handed // files handed to the guest, by host identity; Forget prunes it
	shadows map[fileID]string  // shadow directories: host identity → the virtual directory's path
	handed  uint64             // files handed so far: the generation of the next entry of known
	kept    int                // the bytes known holds, by handedCost
	devs    map[uint64]uint64  // host st_dev → the device number the guest sees
	dynInos map[string]uint64  // produced nodes: guest path → inode number
	fds     []int              // fds to close on Close
	hosts   []*node            // host mounts, by guest path: those a followed host symlink may lead into
}

type fileID struct{ dev, ino uint64 }

// handed is what the FS remembers of a file it handed to the guest: the
// guest path it was opened as, whether through a writable mount, and
// when (the value of FS.handed then).
type handed struct {
	path     string
	writable bool
	gen      uint64
}

// handedCost is what one entry of FS.known costs, about: its path and a
// map entry with its handed.
func handedCost(path string) int { return len(path) + 96 }

// New builds the tree. Mounts may come in any order; parents that no mount
// declares become virtual directories (mode 0555). A host path that does
// not exist is an error naming the mount. New owns opts.ShadowFD and every
// scratch RootFD from the call on: on an error it closes them.
func New(mounts []Mount, opts Options) (*FS, error) {
	fs := &FS{
		opts:    opts,
		start:   time.Now(),
		known:   map[fileID]*handed{},
		shadows: map[fileID]string{},
		devs:    map[uint64]uint64{},
		dynInos: map[string]uint64{},
	}
	if opts.ShadowFD > 0 {
		fs.fds = append(fs.fds, opts.ShadowFD)
	}
	fs.root = fs.newNode(KindDir, "/", nil)
	sorted := append([]Mount(nil), mounts...)
	sort.SliceStable(sorted, func(i, j int) bool { return depth(sorted[i].Guest) < depth(sorted[j].Guest) })
	for i, m := range sorted {
		if err := fs.add(m); err != nil {
			fs.Close()
			closeRootFDs(sorted[i:])
			return nil, err
		}
	}
	return fs, nil
}

// closeRootFDs closes the scratch fds of mounts New did not take, which
// it owns all the same.
func closeRootFDs(mounts []Mount) {
	for _, m := range mounts {
		if m.Kind == KindScratch && m.RootFD > 0 {
			unix.Close(m.RootFD)
		}
	}
}

// Close releases every host fd the FS holds.
func (fs *FS) Close() error {
	for _, fd := range fs.fds {
		unix.Close(fd)
	}
	fs.fds = nil
	return nil
}

func depth(p string) int { return strings.Count(path.Clean(p), "/") }

// node is one node of the virtual tree. Host and scratch mounts are leaves
// of the tree whose inside is the host's; nothing can be mounted inside
// them.
type node struct {
	kind     Kind
	path     string
	parent   *node
	children map[string]*node // dir
	names    []string         // dir: sorted child names
	mode     uint32
	ino      uint64
	content  []byte // file
	memfd    int    // file: sealed memfd holding content
	target   string // symlink
	magic    bool   // a magic link (Mount.Magic, Produced.Magic)
	device   string // device: host device path
	host     *hostMount
	shadow   int // dir: fd of its shadow directory, once opened
	dynamic  Dynamic
	produced bool // made by a Dynamic for one lookup, not part of the tree
}

func (fs *FS) newNode(kind Kind, p string, parent *node) *node {
	fs.nextIno++
	n := &node{kind: kind, path: p, parent: parent, ino: 0x1000 + fs.nextIno, memfd: -1, shadow: -1}
	if kind == KindDir {
		// Implicit parents and the root are r-x like declared directories.
		n.children, n.mode = map[string]*node{}, 0o555
	}
	return n
}

func (fs *FS) add(m Mount) error {
	if !path.IsAbs(m.Guest) {
		return fmt.Errorf("mount %q: guest path must be absolute", m.Guest)
	}
	g := path.Clean(m.Guest)
	if g == "/" {
		if m.Kind != KindDir {
			return errors.New("mount /: the root can only be a virtual directory")
		}
		fs.root.mode = orDefault(m.Mode, 0o555)
		return nil
	}
	parent, err := fs.mkparents(path.Dir(g))
	if err != nil {
		return fmt.Errorf("mount %s: %w", g, err)
	}
	name := path.Base(g)
	if old, ok := parent.children[name]; ok {
		if old.kind == KindDir && m.Kind == KindDir {
			return nil
		}
		return fmt.Errorf("mount %s: declared twice", g)
	}
	n := fs.newNode(m.Kind, g, parent)
	if err := fs.fill(n, m); err != nil {
		return fmt.Errorf("mount %s: %w", g, err)
	}
	parent.children[name] = n
	parent.names = insertSorted(parent.names, name)
	return nil
}

// mkparents returns the virtual directory at p, creating virtual
// directories on the way. Mounting inside a host mount is refused.
func (fs *FS) mkparents(p string) (*node, error) {
	cur := fs.root
	for _, c := range split(p) {
		child, ok := cur.children[c]
		if !ok {
			child = fs.newNode(KindDir, path.Join(cur.path, c), cur)
			cur.children[c] = child
			cur.names = insertSorted(cur.names, c)
		}
		if child.kind != KindDir {
			return nil, fmt.Errorf("%s is a %s mount, not a virtual directory", child.path, child.kind)
		}
		if child.dynamic != nil {
			return nil, fmt.Errorf("%s is a dynamic directory: its children are produced", child.path)
		}
		cur = child
	}
	return cur, nil
}

func insertSorted(names []string, n string) []string {
	i := sort.SearchStrings(names, n)
	names = append(names, "")
	copy(names[i+1:], names[i:])
	names[i] = n
	return names
}

func split(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}
