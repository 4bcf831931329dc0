package vfs_test

import (
	"os"
	"path"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

func TestList(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		path  string
		want  []string // names after "." and ".."
		types []uint8
		ok    bool
	}{
		{name: "root lists its children sorted", path: "/", ok: true,
			want:  []string{"data", "dev", "etc", "lib", "loop", "rw", "scratch", "single", "usr"},
			types: []uint8{unix.DT_DIR, unix.DT_DIR, unix.DT_DIR, unix.DT_LNK, unix.DT_LNK, unix.DT_DIR, unix.DT_DIR, unix.DT_REG, unix.DT_DIR}},
		{name: "virtual dir of files", path: "/etc", ok: true, want: []string{"hostname", "secret"}, types: []uint8{unix.DT_REG, unix.DT_REG}},
		{name: "virtual dir of devices", path: "/dev", ok: true, want: []string{"null", "zero"}, types: []uint8{unix.DT_CHR, unix.DT_CHR}},
		{name: "non-canonical path", path: "/usr/./lib/", ok: true, want: []string{"python3"}, types: []uint8{unix.DT_DIR}},
		{name: "host mount is the host's to list", path: "/data"},
		{name: "inside a host mount", path: "/data/sub"},
		{name: "a virtual file", path: "/etc/hostname"},
		{name: "a virtual symlink", path: "/lib"},
		{name: "missing", path: "/nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ents, ok := f.fs.List(nil, tt.path)
			if ok != tt.ok {
				t.Fatalf("List ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if len(ents) < 2 || ents[0].Name != "." || ents[1].Name != ".." || ents[0].Type != unix.DT_DIR || ents[1].Type != unix.DT_DIR {
				t.Fatalf("listing does not start with . and ..: %+v", ents)
			}
			var names []string
			var types []uint8
			for _, e := range ents[2:] {
				names, types = append(names, e.Name), append(types, e.Type)
			}
			if !reflect.DeepEqual(names, tt.want) || !reflect.DeepEqual(types, tt.types) {
				t.Errorf("entries %v %v, want %v %v", names, types, tt.want, tt.types)
			}
			// d_ino agrees with stat for "." and the virtual children.
			dir := f.resolve(t, tt.path, 0)
			st, _ := f.fs.Stat(dir)
			if ents[0].Ino != st.Ino {
				t.Errorf(". has ino %d, stat says %d", ents[0].Ino, st.Ino)
			}
			parent, _ := f.fs.Stat(f.resolve(t, path.Join(dir.Path, ".."), 0))
			if ents[1].Ino != parent.Ino {
				t.Errorf(".. has ino %d, stat of the parent says %d", ents[1].Ino, parent.Ino)
			}
		})
	}
}

func TestVisible(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		dir, name string
		want      bool
	}{
		{"/data", "readme.txt", true},
		{"/data", ".", true},
		{"/data", "..", true},
		{"/data", ".hidden", false},
		{"/data", "secret.key", false},
		{"/data", "cache", false},
		{"/data/sub", "deep.txt", true},
		{"/data/sub", ".dot", false},
		{"/usr/lib/python3", ".hidden", true},
		{"/rw", "x.lock", false},
		{"/scratch", ".anything", true},
		{"/etc", "hostname", true},
	}
	for _, tt := range tests {
		t.Run(tt.dir+"/"+tt.name, func(t *testing.T) {
			if got := f.fs.Visible(tt.dir, tt.name); got != tt.want {
				t.Errorf("Visible = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestVisibleAgreesWithResolve checks every name of the host directories:
// a name appears in a listing exactly when it resolves.
func TestVisibleAgreesWithResolve(t *testing.T) {
	f := newFixture(t)
	for _, dir := range []struct{ guest, host string }{
		{"/data", f.host}, {"/data/sub", f.host + "/sub"}, {"/usr/lib/python3", f.host}, {"/rw", f.rw},
	} {
		ents, err := os.ReadDir(dir.host)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			l, err := f.fs.Resolve("/", dir.guest+"/"+e.Name(), 0)
			if err == nil {
				l.Close()
			}
			if vis := f.fs.Visible(dir.guest, e.Name()); vis != (err == nil) {
				t.Errorf("%s/%s: Visible %v, Resolve %v", dir.guest, e.Name(), vis, errno(err))
			}
		}
	}
}

func TestIsVirtualDirAndHostWritable(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		path              string
		virtual, writable bool
	}{
		{path: "/", virtual: true},
		{path: "/etc", virtual: true},
		{path: "/usr", virtual: true},
		{path: "/etc/hostname"},
		{path: "/lib"},
		{path: "/nope"},
		{path: "/data"},
		{path: "/data/sub"},
		{path: "/scratch", writable: true},
		{path: "/scratch/dir/sub", writable: true},
		{path: "/rw/x", writable: true},
		{path: "/single"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := f.fs.IsVirtualDir(tt.path); got != tt.virtual {
				t.Errorf("IsVirtualDir = %v, want %v", got, tt.virtual)
			}
			if got := f.fs.HostWritable(tt.path); got != tt.writable {
				t.Errorf("HostWritable = %v, want %v", got, tt.writable)
			}
		})
	}
}

func TestPathOf(t *testing.T) {
	f := newFixture(t)
	open := func(p string) (int, unix.Stat_t) {
		t.Helper()
		fd, err := f.fs.Open(f.follow(t, p), unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err != nil {
			t.Fatalf("Open %s: %v", p, err)
		}
		t.Cleanup(func() { unix.Close(fd) })
		var st unix.Stat_t
		unix.Fstat(fd, &st)
		return fd, st
	}
	pathOf := func(st unix.Stat_t) string {
		p, ok := f.fs.PathOf(&st)
		if !ok {
			return "(unknown)"
		}
		return p
	}

	fd, sub := open("/scratch/dir/sub")
	if got := pathOf(sub); got != "/scratch/dir/sub" {
		t.Errorf("opened dir: %s", got)
	}
	dup, _ := unix.Dup(fd)
	var dupSt unix.Stat_t
	unix.Fstat(dup, &dupSt)
	unix.Close(dup)
	if got := pathOf(dupSt); got != "/scratch/dir/sub" {
		t.Errorf("dup of the fd: %s", got)
	}
	_, data := open("/data/sub/up") // a symlink to /data
	if got := pathOf(data); got != "/data" {
		t.Errorf("dir opened through a symlink: %s", got)
	}
	_, etc := open("/etc")
	if got := pathOf(etc); got != "/etc" {
		t.Errorf("virtual dir: %s", got)
	}
	_, etc2 := open("/etc/.")
	if etc2.Ino != etc.Ino {
		t.Errorf("a virtual dir opened twice has two shadows")
	}

	if err := f.fs.Rename(f.missing(t, "/scratch/dir"), f.missing(t, "/scratch/moved"), 0); err != nil {
		t.Fatal(err)
	}
	if got := pathOf(sub); got != "/scratch/moved/sub" {
		t.Errorf("after renaming its parent: %s", got)
	}
	_, other := open("/scratch")
	if err := f.fs.Rename(f.missing(t, "/scratch/moved/sub"), f.missing(t, "/scratch/file.txt"), unix.RENAME_EXCHANGE); err != nil {
		t.Fatal(err)
	}
	if got := pathOf(sub); got != "/scratch/file.txt" {
		t.Errorf("after an exchange: %s", got)
	}
	if got := pathOf(other); got != "/scratch" {
		t.Errorf("an unrelated dir moved: %s", got)
	}

	var never unix.Stat_t
	unix.Stat(f.outside, &never)
	if p, ok := f.fs.PathOf(&never); ok {
		t.Errorf("a dir never opened maps to %s", p)
	}
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		mounts []vfs.Mount
		ok     bool
	}{
		{name: "empty tree", ok: true},
		{name: "root as a virtual dir", mounts: []vfs.Mount{{Guest: "/", Kind: vfs.KindDir, Mode: 0o755}}, ok: true},
		{name: "mounts in any order", mounts: []vfs.Mount{{Guest: "/a/b/c", Kind: vfs.KindFile}, {Guest: "/a", Kind: vfs.KindDir}}, ok: true},
		{name: "relative guest path", mounts: []vfs.Mount{{Guest: "etc", Kind: vfs.KindDir}}},
		{name: "root as a file", mounts: []vfs.Mount{{Guest: "/", Kind: vfs.KindFile}}},
		{name: "missing host path", mounts: []vfs.Mount{{Guest: "/h", Kind: vfs.KindHost, Host: dir + "/nope"}}},
		{name: "mount inside a host mount", mounts: []vfs.Mount{{Guest: "/h", Kind: vfs.KindHost, Host: dir}, {Guest: "/h/x", Kind: vfs.KindFile}}},
		{name: "mount below a file", mounts: []vfs.Mount{{Guest: "/f", Kind: vfs.KindFile}, {Guest: "/f/x", Kind: vfs.KindFile}}},
		{name: "declared twice", mounts: []vfs.Mount{{Guest: "/f", Kind: vfs.KindFile}, {Guest: "/f/", Kind: vfs.KindFile}}},
		{name: "unknown kind", mounts: []vfs.Mount{{Guest: "/f", Kind: "tape"}}},
		{name: "unknown device", mounts: []vfs.Mount{{Guest: "/dev/tty", Kind: vfs.KindDevice, Device: "tty"}}},
		{name: "symlink without a target", mounts: []vfs.Mount{{Guest: "/l", Kind: vfs.KindSymlink}}},
		{name: "scratch without a directory", mounts: []vfs.Mount{{Guest: "/s", Kind: vfs.KindScratch}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := vfs.New(tt.mounts, vfs.Options{})
			if (err == nil) != tt.ok {
				t.Fatalf("New: %v, want ok %v", err, tt.ok)
			}
			if fs != nil {
				fs.Close()
			}
		})
	}
	t.Run("a failing New closes the fds it owns", func(t *testing.T) {
		shadow, scratch := openPath(t, t.TempDir()), openPath(t, t.TempDir())
		_, err := vfs.New([]vfs.Mount{
			{Guest: "/bad", Kind: "tape"},
			{Guest: "/deeper/scratch", Kind: vfs.KindScratch, RootFD: scratch},
		}, vfs.Options{ShadowFD: shadow})
		if err == nil {
			t.Fatal("New succeeded")
		}
		for _, fd := range []int{shadow, scratch} {
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != unix.EBADF {
				t.Errorf("fd %d still open", fd)
			}
		}
	})
	t.Run("root mode is the declared one", func(t *testing.T) {
		fs, _ := vfs.New([]vfs.Mount{{Guest: "/", Kind: vfs.KindDir, Mode: 0o755}}, vfs.Options{})
		defer fs.Close()
		l, _ := fs.Resolve("/", "/", 0)
		if st, _ := fs.Stat(l); st.Mode != unix.S_IFDIR|0o755 {
			t.Errorf("root mode %#o", st.Mode)
		}
	})
}
