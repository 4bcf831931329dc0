package vfs_test

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// caller is what the dynamic mounts of these tests produce for: its name,
// the links of its "fd" directory (name → target) and a counter that the
// "now" file shows, so that a test sees when the content was made.
type caller struct {
	name  string
	links map[string]string
	reads int
}

func links(c any, name string) (vfs.Produced, error) {
	who, ok := c.(*caller)
	if !ok {
		return vfs.Produced{}, unix.ENOENT
	}
	if name == "" {
		var out []vfs.Child
		for _, n := range []string{"0", "1", "2", "3"} {
			if _, ok := who.links[n]; ok {
				out = append(out, vfs.Child{Name: n, Kind: vfs.KindSymlink})
			}
		}
		return vfs.Produced{Kind: vfs.KindDir, Children: out}, nil
	}
	target, ok := who.links[name]
	if !ok {
		return vfs.Produced{}, unix.ENOENT
	}
	return vfs.Produced{Kind: vfs.KindSymlink, Target: target}, nil
}

func now(c any, _ string) (vfs.Produced, error) {
	who := c.(*caller)
	who.reads++
	return vfs.Produced{Kind: vfs.KindFile, Content: []byte(who.name + strings.Repeat("!", who.reads) + "\n")}, nil
}

func newDynamicFS(t *testing.T) *vfs.FS {
	t.Helper()
	fs, err := vfs.New([]vfs.Mount{
		{Guest: "/etc/hostname", Kind: vfs.KindFile, Content: []byte("gaol\n")},
		{Guest: "/proc/self/fd", Kind: vfs.KindDir, Dynamic: links},
		{Guest: "/proc/self/now", Kind: vfs.KindFile, Dynamic: now},
		{Guest: "/proc/self/me", Kind: vfs.KindSymlink, Dynamic: func(c any, _ string) (vfs.Produced, error) {
			return vfs.Produced{Kind: vfs.KindSymlink, Target: "/who/" + c.(*caller).name}, nil
		}},
	}, vfs.Options{ShadowFD: openPath(t, t.TempDir())})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { fs.Close() })
	return fs
}

func TestDynamicMountsProduceForTheCaller(t *testing.T) {
	fs := newDynamicFS(t)
	alice := &caller{name: "alice", links: map[string]string{"0": "/etc/hostname", "3": "pipe:[1]"}}
	bob := &caller{name: "bob", links: map[string]string{"1": "/etc/hostname"}}

	t.Run("a dynamic directory lists each caller's own children", func(t *testing.T) {
		for _, tt := range []struct {
			who  *caller
			want string
		}{{alice, "0 3"}, {bob, "1"}} {
			ents, ok := fs.List(tt.who, "/proc/self/fd")
			if !ok {
				t.Fatalf("List(%s) not a virtual directory", tt.who.name)
			}
			var names []string
			for _, e := range ents[2:] {
				names = append(names, e.Name)
				if e.Type != unix.DT_LNK {
					t.Errorf("%s has type %d, want DT_LNK", e.Name, e.Type)
				}
			}
			if got := strings.Join(names, " "); got != tt.want {
				t.Errorf("%s lists %q, want %q", tt.who.name, got, tt.want)
			}
		}
	})
	t.Run("readlink of a child gives the caller's target", func(t *testing.T) {
		for _, tt := range []struct {
			who  *caller
			path string
			want string
		}{{alice, "/proc/self/fd/3", "pipe:[1]"}, {bob, "/proc/self/fd/1", "/etc/hostname"}, {bob, "/proc/self/me", "/who/bob"}} {
			l, _, err := fs.ResolveWhy(tt.who, "/", tt.path, 0)
			if err != nil {
				t.Fatalf("resolve %s for %s: %v", tt.path, tt.who.name, err)
			}
			got, err := fs.Readlink(l)
			l.Close()
			if err != nil || got != tt.want {
				t.Errorf("readlink %s for %s = %q, %v; want %q", tt.path, tt.who.name, got, err, tt.want)
			}
		}
	})
	t.Run("a child another caller has is absent, inside the view", func(t *testing.T) {
		_, why, err := fs.ResolveWhy(bob, "/", "/proc/self/fd/3", 0)
		if err != unix.ENOENT || why != vfs.Absent {
			t.Errorf("got %v (%v), want ENOENT (absent)", err, why)
		}
	})
	t.Run("following a child resolves its target in the guest's tree", func(t *testing.T) {
		l, _, err := fs.ResolveWhy(alice, "/", "/proc/self/fd/0", vfs.Follow)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if l.Path != "/etc/hostname" {
			t.Errorf("resolved to %s, want /etc/hostname", l.Path)
		}
	})
	t.Run("a dynamic file's content is made when it is looked up, and is read-only", func(t *testing.T) {
		st1 := statPath(t, fs, alice, "/proc/self/now")
		l, _, err := fs.ResolveWhy(alice, "/", "/proc/self/now", vfs.Follow)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if _, err := fs.Open(l, unix.O_WRONLY, 0); err != unix.EROFS {
			t.Errorf("open for writing: %v, want EROFS", err)
		}
		fd, err := fs.Open(l, unix.O_RDONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f := os.NewFile(uintptr(fd), "now")
		defer f.Close()
		buf := make([]byte, 64)
		n, _ := f.Read(buf)
		if got := string(buf[:n]); got != "alice!!\n" {
			t.Errorf("content %q, want the second production %q", got, "alice!!\n")
		}
		if st1.Size != int64(len("alice!\n")) || st1.Mode != unix.S_IFREG|0o444 {
			t.Errorf("stat size %d mode %o, want %d and regular 0444", st1.Size, st1.Mode, len("alice!\n"))
		}
		if fl, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); fl&unix.O_ACCMODE != unix.O_RDONLY {
			t.Errorf("the fd's access mode is %#x, want O_RDONLY", fl&unix.O_ACCMODE)
		}
		if p, ok := fs.PathOf(fstat(t, fd)); !ok || p != "/proc/self/now" {
			t.Errorf("PathOf = %q, %v; want /proc/self/now", p, ok)
		}
	})
	t.Run("a produced node keeps its inode number across lookups", func(t *testing.T) {
		a, b := statPath(t, fs, alice, "/proc/self/fd/0"), statPath(t, fs, bob, "/proc/self/fd/1")
		a2 := statPath(t, fs, bob, "/proc/self/now")
		if a.Ino == b.Ino || a.Ino != statPath(t, fs, alice, "/proc/self/fd/0").Ino || a2.Ino != statPath(t, fs, alice, "/proc/self/now").Ino {
			t.Errorf("inode numbers are not per path: %d %d %d", a.Ino, b.Ino, a2.Ino)
		}
	})
}

func statPath(t *testing.T, fs *vfs.FS, who *caller, p string) unix.Stat_t {
	t.Helper()
	l, _, err := fs.ResolveWhy(who, "/", p, 0)
	if err != nil {
		t.Fatalf("resolve %s: %v", p, err)
	}
	defer l.Close()
	st, err := fs.Stat(l)
	if err != nil {
		t.Fatalf("stat %s: %v", p, err)
	}
	return st
}

func fstat(t *testing.T, fd int) *unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

func TestDynamicMountsRefused(t *testing.T) {
	produce := func(any, string) (vfs.Produced, error) { return vfs.Produced{}, nil }
	for _, tt := range []struct {
		name   string
		mounts []vfs.Mount
		want   string
	}{
		{name: "nothing is mounted inside a dynamic directory",
			mounts: []vfs.Mount{{Guest: "/d", Kind: vfs.KindDir, Dynamic: produce}, {Guest: "/d/x", Kind: vfs.KindFile}},
			want:   "mount /d/x: /d is a dynamic directory: its children are produced"},
		{name: "a device is never dynamic",
			mounts: []vfs.Mount{{Guest: "/dev/x", Kind: vfs.KindDevice, Device: "null", Dynamic: produce}},
			want:   "mount /dev/x: a device mount cannot be dynamic (only file, symlink and dir)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := vfs.New(tt.mounts, vfs.Options{})
			if err == nil {
				fs.Close()
				t.Fatal("New accepted the mounts")
			}
			if err.Error() != tt.want {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}
