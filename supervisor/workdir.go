package supervisor

import (
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// workDir is a process's working directory as the kernel keeps it: a
// directory, not a name. The kernel's cwd is a reference to a dentry, so
// the directory may be renamed (getcwd then shows the new name) or
// removed (getcwd fails ENOENT, nothing can be looked up or created in
// it, ".." still leads to the parent it had), and a directory made again
// at the same path is another one. gaol keeps the guest path, the host
// directory it named, and whether a guest call removed that directory.
//
// Removal is noted when it happens (procs.removed, from rmdir and from a
// rename over an empty directory) rather than found by comparing the
// directory at the path with the one remembered: relative lookups are
// frequent and that would cost a walk and a stat each, while rmdir and
// rename are rare; and nothing holds the removed directory, so the
// filesystem may give its inode number to the next directory made, which
// a comparison would take for the old one. The price: a directory that
// something outside the sandbox removes is not noticed.
type workDir struct {
	path  string    // canonical guest path, moved by renames
	inode vfs.Inode // the host directory; zero for a virtual one, which no call removes
	gone  bool      // the directory was removed
}

// lookupBase is where relative path p starts from, and what of p is left
// to walk from there. In a removed directory nothing is found and nothing
// can be made (ENOENT, as the kernel answers for an unlinked directory),
// but a path whose first step is ".." leaves it for the parent it had:
// the kernel's unlinked dentry keeps its parent, whose guest path is the
// removed one's (renames move both). "." itself is ENOENT too, where the
// kernel would still show the empty, unlinked directory.
func (w workDir) lookupBase(p string) (base, rest string, err error) {
	if !w.gone {
		return w.path, p, nil
	}
	rest, ok := afterFirstDotDot(p)
	if !ok {
		return "", "", unix.ENOENT
	}
	return path.Dir(w.path), rest, nil
}

// afterFirstDotDot reports whether relative path p climbs to the parent
// before it names anything (its first component other than "." is "..")
// and what follows that "..": "." when nothing does.
func afterFirstDotDot(p string) (string, bool) {
	for p != "" {
		c, rest, _ := strings.Cut(p, "/")
		switch c {
		case "", ".":
			p = rest
			continue
		case "..":
			if rest == "" {
				rest = "."
			}
			return rest, true
		}
		return "", false
	}
	return "", false
}

// removed marks every working directory that is the host directory ino as
// gone. A zero ino is a virtual directory's: none is removed.
func (ps *procs) removed(ino vfs.Inode) {
	if ino == (vfs.Inode{}) {
		return
	}
	ps.each(func(p *proc) {
		if p.cwd.inode == ino {
			p.cwd.gone = true
		}
	})
}

// renamed moves the working directories at or below guest path from to
// to, or swaps those below from and to when they were exchanged, as
// vfs.FS.renamed does for the paths of open files.
func (ps *procs) renamed(from, to string, exchange bool) {
	ps.each(func(p *proc) {
		if rest, ok := belowDir(p.cwd.path, from); ok {
			p.cwd.path = to + rest
		} else if rest, ok := belowDir(p.cwd.path, to); ok && exchange {
			p.cwd.path = from + rest
		}
	})
}

// each calls f on every process once, with its lock held.
func (ps *procs) each(f func(*proc)) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for tid, p := range ps.byTid {
		if p.tgid == tid {
			p.mu.Lock()
			f(p)
			p.mu.Unlock()
		}
	}
}

// belowDir reports whether guest path p is dir or lies below it, and the
// rest of p after dir.
func belowDir(p, dir string) (string, bool) {
	switch {
	case p == dir:
		return "", true
	case dir == "/":
		return p, true
	case strings.HasPrefix(p, dir+"/"):
		return p[len(dir):], true
	}
	return "", false
}
