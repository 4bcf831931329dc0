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
