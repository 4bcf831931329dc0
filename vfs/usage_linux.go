package vfs

import "golang.org/x/sys/unix"

// ScratchFull reports whether any scratch mount has no byte or no file
// left: the guest ran into its disk quota.
func (fs *FS) ScratchFull() bool {
	full := false
	fs.walk(fs.root, func(n *node) {
		if n.host == nil || !n.host.scratch {
			return
		}
		var st unix.Statfs_t
		if unix.Fstatfs(n.host.rootFD, &st) == nil && (st.Bavail == 0 || st.Ffree == 0) {
			full = true
		}
	})
	return full
}

// walk calls f on n and every node below it in the virtual tree.
func (fs *FS) walk(n *node, f func(*node)) {
	f(n)
	for _, name := range n.names {
		fs.walk(n.children[name], f)
	}
}

// ScratchRoot returns a new fd of the root directory of the scratch mount
// at guest path p, for copying its contents out after the run. The caller
// closes it.
func (fs *FS) ScratchRoot(p string) (int, bool) {
	n, rest := fs.lookupVirtual(p)
	if n == nil || rest != "" || n.host == nil || !n.host.scratch {
		return -1, false
	}
	fd, err := openBeneath(n.host.rootFD, ".", unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return -1, false
	}
	return fd, true
}
