package vfs

import (
	"path"

	"golang.org/x/sys/unix"
)

// Dynamic produces the content of a dynamic mount for the process that
// looks it up: caller is what the FS's user passed to ResolveWhy or List,
// which the FS never looks at. For a file or symlink mount, name is "";
// for a directory mount, "" asks for the directory's children and a name
// for that child (a file or a symlink: a dynamic directory is one level
// deep). The error is the guest's errno (ENOENT for a child that does not
// exist for this caller).
type Dynamic func(caller any, name string) (Produced, error)

// Produced is one node of a dynamic mount as produced for one caller.
type Produced struct {
	Kind     Kind    // KindFile or KindSymlink; KindDir only for a directory mount's own node
	Content  []byte  // file: its content at this moment
	Target   string  // symlink: its target, resolved in the guest's namespace
	Magic    bool    // symlink: a magic link (Mount.Magic)
	Children []Child // directory: its children, in listing order
}

// Child is one entry of a dynamic directory.
type Child struct {
	Name string
	Kind Kind // KindFile or KindSymlink
}

// child returns dir's child name as the caller sees it: a static child,
// or a node produced for the caller when dir or the child is dynamic.
func (fs *FS) child(dir *node, name string, caller any) (*node, error) {
	if dir.dynamic != nil {
		pr, err := dir.dynamic(caller, name)
		if err != nil {
			return nil, err
		}
		p := path.Join(dir.path, name)
		return fs.produced(dir, p, fs.dynIno(p), pr), nil
	}
	c, ok := dir.children[name]
	if !ok {
		return nil, unix.ENOENT
	}
	if c.dynamic == nil || c.kind == KindDir {
		return c, nil
	}
	pr, err := c.dynamic(caller, "")
	if err != nil {
		return nil, err
	}
	return fs.produced(dir, c.path, c.ino, pr), nil
}

// produced is a node made for one lookup: it is not part of the tree, but
// its inode number (ino) is the same for every lookup of its path.
func (fs *FS) produced(parent *node, p string, ino uint64, pr Produced) *node {
	if pr.Kind != KindFile && pr.Kind != KindSymlink {
		panic("vfs: a dynamic mount produced a " + string(pr.Kind) + " for " + p + "; only files and symlinks can be produced")
	}
	return &node{kind: pr.Kind, path: p, parent: parent, mode: 0o444, content: pr.Content, target: pr.Target, magic: pr.Magic,
		memfd: -1, shadow: -1, ino: ino, produced: true}
}

// dynIno is the inode number of a produced node's path, stable for the run.
func (fs *FS) dynIno(p string) uint64 {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if ino, ok := fs.dynInos[p]; ok {
		return ino
	}
	fs.nextIno++
	ino := 0x1000 + fs.nextIno
	fs.dynInos[p] = ino
	return ino
}

// listDynamic lists a dynamic directory for the caller.
func (fs *FS) listDynamic(n *node, caller any) ([]Dirent, bool) {
	p, err := n.dynamic(caller, "")
	if err != nil {
		return nil, false
	}
	out := []Dirent{{".", n.ino, unix.DT_DIR}, {"..", n.parent.ino, unix.DT_DIR}}
	for _, c := range p.Children {
		typ := uint8(unix.DT_REG)
		if c.Kind == KindSymlink {
			typ = unix.DT_LNK
		}
		out = append(out, Dirent{Name: c.Name, Ino: fs.dynIno(path.Join(n.path, c.Name)), Type: typ})
	}
	return out, true
}

// openProduced opens a produced file: a sealed memfd of the content made
// now, reopened read-only so that the guest's fd says O_RDONLY.
func openProduced(n *node) (int, error) {
	fd, err := sealedMemfd(path.Base(n.path), n.content)
	if err != nil {
		return -1, err
	}
	defer unix.Close(fd)
	return reopen(fd, unix.O_RDONLY)
}
