package vfs

import (
	"path"
	"sort"
	"strings"
)

// Host symlinks of a mount with FollowSymlinks.
//
// By default a symlink found in a host mount is resolved in the guest's
// tree: its target is a guest path, absolute from the guest's root or
// relative to the link's guest directory, so `..` at the mount's root
// steps into the guest's parent of the mount. A host tree whose links
// point elsewhere on the host (a virtualenv's bin/python ->
// /usr/bin/python3.11, dist-packages linking into /usr/share) means host
// paths, though. With FollowSymlinks, the target is taken as the host
// would take it: made absolute against the host directory holding the
// link and cleaned lexically ("a/../b" is "b", whatever a is). That host
// path is then translated into the guest path of the same file, through
// the mount holding the link if it exposes it, else through the host
// mount with the longest host path that does (the first by guest path
// among equals); the walk goes on there, under that mount's rules
// (read-only, exclude, hide_dotfiles, and whether it follows symlinks
// itself). A host path no mount exposes is absent (ENOENT, "not mounted"):
// the host is never reached except through a mount. readlink reports the
// guest path the link leads to where its own text, read as a guest path,
// would lead elsewhere (see followedText).

// insertByPath adds a mount node to a list kept sorted by guest path.
func insertByPath(nodes []*node, n *node) []*node {
	i := sort.Search(len(nodes), func(i int) bool { return nodes[i].path >= n.path })
	return append(nodes[:i], append([]*node{n}, nodes[i:]...)...)
}

// followHost translates the target of a host symlink found in the host
// mount own, in the directory rel (components below the mount's root),
// into the guest path of the host file it names; ok is false when no
// mount exposes it. A trailing slash of the target is kept.
func (fs *FS) followHost(own *node, rel []string, target string) (string, bool) {
	dir := path.Join(append([]string{own.host.hostPath}, rel...)...)
	hostPath := path.Clean(target)
	if !path.IsAbs(target) {
		hostPath = path.Join(dir, target)
	}
	g, ok := exposes(own, hostPath)
	if !ok {
		longest := -1
		for _, n := range fs.hosts {
			if cand, yes := exposes(n, hostPath); yes && len(n.host.hostPath) > longest {
				g, ok, longest = cand, true, len(n.host.hostPath)
			}
		}
	}
	if ok && strings.HasSuffix(target, "/") {
		g += "/"
	}
	return g, ok
}

// exposes returns the guest path at which the host mount n shows the
// host path p, if it does.
func exposes(n *node, p string) (string, bool) {
	root := n.host.hostPath
	if !n.host.isDir {
		return n.path, p == root
	}
	switch {
	case p == root:
		return n.path, true
	case root == "/":
		return path.Join(n.path, p), true
	case strings.HasPrefix(p, root) && p[len(root)] == '/':
		return path.Join(n.path, p[len(root):]), true
	}
	return "", false
}
