package vfs

import "golang.org/x/sys/unix"

// DevWritable reports whether host device dev (an st_dev the host
// reports) belongs to a writable mount, so that files on it show as the
// guest's own. It stats the writable mounts' roots once.
func (fs *FS) DevWritable(dev uint64) bool {
	fs.writableOnce.Do(func() {
		fs.writableDevs = map[uint64]bool{}
		fs.walk(fs.root, func(n *node) {
			var st unix.Stat_t
			if n.host != nil && n.host.writable && unix.Fstat(n.host.rootFD, &st) == nil {
				fs.writableDevs[st.Dev] = true
			}
		})
	})
	return fs.writableDevs[dev]
}

func (fs *FS) walk(n *node, f func(*node)) {
	f(n)
	for _, name := range n.names {
		fs.walk(n.children[name], f)
	}
}
