package vfs

import (
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// Dirent is one directory entry as getdents64 reports it.
type Dirent struct {
	Name string
	Ino  uint64
	Type uint8 // unix.DT_*
}

// List returns the entries of the virtual directory at guest path p, "."
// and ".." first, then its children in name order. The second result is
// false when p is not a virtual directory (its listing is the host's). A
// dynamic directory is listed for caller.
func (fs *FS) List(caller any, p string) ([]Dirent, bool) {
	n, rest := fs.lookupVirtual(p)
	if n == nil || n.kind != KindDir || rest != "" {
		return nil, false
	}
	if n.dynamic != nil {
		return fs.listDynamic(n, caller)
	}
	parent := n.parent
	if parent == nil {
		parent = n
	}
	out := []Dirent{{".", n.ino, unix.DT_DIR}, {"..", parent.ino, unix.DT_DIR}}
	for _, name := range n.names {
		c := n.children[name]
		out = append(out, Dirent{Name: name, Ino: c.ino, Type: direntType(c)})
	}
	return out, true
}

func direntType(n *node) uint8 {
	switch n.kind {
	case KindDir:
		return unix.DT_DIR
	case KindSymlink:
		return unix.DT_LNK
	case KindDevice:
		return unix.DT_CHR
	case KindHost, KindScratch:
		if n.host.isDir {
			return unix.DT_DIR
		}
	}
	return unix.DT_REG
}

// Visible reports whether the entry name of the host directory at guest
// path dir may appear in a listing (excluded and hidden names never do).
func (fs *FS) Visible(dir, name string) bool {
	if name == "." || name == ".." {
		return true
	}
	n, rest := fs.lookupVirtual(dir)
	if n == nil || n.host == nil {
		return true
	}
	return !n.host.hidden(append(split(rest), name))
}

// lookupVirtual walks canonical guest path p through the virtual tree and
// returns the last node reached and the rest of the path below it (inside
// a host mount). It does no host lookups.
func (fs *FS) lookupVirtual(p string) (*node, string) {
	cur := fs.root
	comps := split(path.Clean(p))
	for i, c := range comps {
		if cur.kind != KindDir {
			return cur, strings.Join(comps[i:], "/")
		}
		child, ok := cur.children[c]
		if !ok {
			return nil, ""
		}
		cur = child
	}
	return cur, ""
}

// IsVirtualDir reports whether canonical guest path p is a virtual directory.
func (fs *FS) IsVirtualDir(p string) bool {
	n, rest := fs.lookupVirtual(p)
	return n != nil && rest == "" && n.kind == KindDir
}

// HostWritable reports whether canonical guest path p lies in a writable mount.
func (fs *FS) HostWritable(p string) bool {
	n, _ := fs.lookupVirtual(p)
	return n != nil && n.host != nil && n.host.writable
}
