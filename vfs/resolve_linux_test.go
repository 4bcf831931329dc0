package vfs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

func TestResolve(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("a", 255)
	tests := []struct {
		name    string
		cwd     string // "" means "/"
		path    string
		flags   vfs.Flags
		want    string // canonical guest path
		missing bool   // want Exists false
		err     error
	}{
		// Plain walking.
		{name: "absolute path to a virtual file", path: "/etc/hostname", want: "/etc/hostname"},
		{name: "relative path from the cwd", cwd: "/etc", path: "hostname", want: "/etc/hostname"},
		{name: "relative path from a host cwd", cwd: "/data/sub", path: "deep.txt", want: "/data/sub/deep.txt"},
		{name: "dot is the cwd", cwd: "/data/sub", path: ".", want: "/data/sub"},
		{name: "dot and dotdot are walked", path: "/etc/./../etc/hostname", want: "/etc/hostname"},
		{name: "dotdot at the root stays at the root", path: "/../../etc/hostname", want: "/etc/hostname"},
		{name: "slash dotdot is the root", path: "/..", want: "/"},
		{name: "relative dotdot above the root stays at the root", cwd: "/etc", path: "../../../etc", want: "/etc"},
		{name: "the root", path: "/", want: "/"},
		{name: "repeated slashes", path: "//etc///hostname", want: "/etc/hostname"},
		{name: "empty path", path: "", err: unix.ENOENT},

		// Trailing slashes and files used as directories.
		{name: "trailing slash on a virtual dir", path: "/etc/", want: "/etc"},
		{name: "trailing slash on a host dir", path: "/data/sub/", want: "/data/sub"},
		{name: "trailing slash on a virtual file", path: "/etc/hostname/", err: unix.ENOTDIR},
		{name: "trailing slash on a host file", path: "/data/readme.txt/", err: unix.ENOTDIR},
		{name: "trailing slash on a device", path: "/dev/null/", err: unix.ENOTDIR},
		{name: "virtual file as a directory", path: "/etc/hostname/x", err: unix.ENOTDIR},
		{name: "host file as a directory", path: "/data/readme.txt/x", err: unix.ENOTDIR},
		{name: "host file then dot", path: "/data/readme.txt/.", err: unix.ENOTDIR},
		{name: "host file then dotdot", path: "/data/readme.txt/..", err: unix.ENOTDIR},
		{name: "host file mount", path: "/single", want: "/single"},
		{name: "host file mount as a directory", path: "/single/x", err: unix.ENOTDIR},
		{name: "host file mount with a trailing slash", path: "/single/", err: unix.ENOTDIR},

		// Missing names.
		{name: "missing virtual name", path: "/nope", err: unix.ENOENT},
		{name: "missing host name", path: "/data/nope", err: unix.ENOENT},
		{name: "missing directory in the middle", path: "/data/nope/x", err: unix.ENOENT},
		{name: "missing dir then dotdot", path: "/data/nope/..", err: unix.ENOENT},
		{name: "Missing: absent last in a host mount", path: "/scratch/new", flags: vfs.Missing, want: "/scratch/new", missing: true},
		{name: "Missing: absent last in a subdirectory", path: "/scratch/dir/sub/new", flags: vfs.Missing, want: "/scratch/dir/sub/new", missing: true},
		{name: "Missing: absent last in a virtual dir", path: "/etc/new", flags: vfs.Missing, want: "/etc/new", missing: true},
		{name: "Missing: absent last with a trailing slash", path: "/scratch/new/", flags: vfs.Missing, want: "/scratch/new", missing: true},
		{name: "Missing: absent parent", path: "/scratch/nodir/new", flags: vfs.Missing, err: unix.ENOENT},
		{name: "Missing: parent is a file", path: "/data/readme.txt/new", flags: vfs.Missing, err: unix.ENOTDIR},
		{name: "Missing: existing last", path: "/data/readme.txt", flags: vfs.Missing, want: "/data/readme.txt"},
		{name: "Missing: hidden name is absent", path: "/rw/.new", flags: vfs.Missing, want: "/rw/.new", missing: true},
		{name: "Missing: existing hidden name is absent", path: "/rw/.dot", flags: vfs.Missing, want: "/rw/.dot", missing: true},

		// Virtual symlinks.
		{name: "virtual symlink in the middle", path: "/lib/python3/readme.txt", want: "/usr/lib/python3/readme.txt"},
		{name: "virtual symlink last, not followed", path: "/lib", want: "/lib"},
		{name: "virtual symlink last, followed", path: "/lib", flags: vfs.Follow, want: "/usr/lib"},
		{name: "trailing slash follows a virtual symlink", path: "/lib/", want: "/usr/lib"},
		{name: "dotdot after a virtual symlink is the target's parent", path: "/lib/python3/..", want: "/usr/lib"},
		{name: "virtual symlink loop", path: "/loop", flags: vfs.Follow, err: unix.ELOOP},
		{name: "virtual symlink loop, not followed", path: "/loop", want: "/loop"},
		{name: "virtual symlink loop in the middle", path: "/loop/x", err: unix.ELOOP},

		// Host symlinks: resolved in the guest's namespace.
		{name: "relative host symlink", path: "/data/sub/up/readme.txt", want: "/data/readme.txt"},
		{name: "relative host symlink last, followed", path: "/data/sub/up", flags: vfs.Follow, want: "/data"},
		{name: "absolute host symlink names a guest path", path: "/data/abs", flags: vfs.Follow, want: "/etc/hostname"},
		{name: "absolute host symlink, not followed", path: "/data/abs", want: "/data/abs"},
		{name: "trailing slash on a host symlink to a file", path: "/data/abs/", err: unix.ENOTDIR},
		{name: "host symlink to /etc/passwd is not the host's", path: "/data/passwd", flags: vfs.Follow, err: unix.ENOENT},
		{name: "host symlink out of every mount by dotdot lands at the guest root", path: "/data/dotdot", flags: vfs.Follow, want: "/"},
		{name: "relative host symlink to a host file outside", path: "/data/escape", flags: vfs.Follow, err: unix.ENOENT},
		{name: "absolute host symlink to a host file outside", path: "/data/outabs", flags: vfs.Follow, err: unix.ENOENT},
		{name: "host symlink into another mount", path: "/data/toscratch/file.txt", want: "/scratch/file.txt"},
		{name: "host symlink to a hidden name", path: "/data/tohidden", flags: vfs.Follow, err: unix.ENOENT},
		{name: "dangling host symlink", path: "/data/dangling", flags: vfs.Follow, err: unix.ENOENT},
		{name: "dangling host symlink with Missing", path: "/data/dangling", flags: vfs.Follow | vfs.Missing, want: "/data/nothing", missing: true},
		{name: "host symlink loop", path: "/data/loop", flags: vfs.Follow, err: unix.ELOOP},
		{name: "40 chained symlinks resolve", path: "/data/chain/l40", flags: vfs.Follow, want: "/data/readme.txt"},
		{name: "41 chained symlinks are ELOOP", path: "/data/chain/l41", flags: vfs.Follow, err: unix.ELOOP},
		{name: "symlink target with a trailing slash needs a directory", path: "/data/fileslash", flags: vfs.Follow, err: unix.ENOTDIR},
		{name: "symlink target with a trailing slash, not followed", path: "/data/fileslash", want: "/data/fileslash"},
		{name: "scratch symlink to /etc/passwd is not the host's", path: "/scratch/passwd", flags: vfs.Follow, err: unix.ENOENT},
		{name: "dotdot from deep in a host mount never escapes", path: "/data/sub/../../../../../etc/hostname", want: "/etc/hostname"},
		{name: "dotdot from a mount root is the virtual parent", path: "/usr/lib/python3/..", want: "/usr/lib"},

		// NoSymlinks.
		{name: "NoSymlinks refuses a symlink in the middle", path: "/lib/python3", flags: vfs.NoSymlinks, err: unix.ELOOP},
		{name: "NoSymlinks refuses a followed last symlink", path: "/data/abs", flags: vfs.NoSymlinks | vfs.Follow, err: unix.ELOOP},
		{name: "NoSymlinks returns an unfollowed last symlink", path: "/lib", flags: vfs.NoSymlinks, want: "/lib"},
		{name: "NoSymlinks without symlinks", path: "/data/sub/deep.txt", flags: vfs.NoSymlinks, want: "/data/sub/deep.txt"},

		// Name lengths.
		{name: "component of 255 bytes", path: "/data/" + long, err: unix.ENOENT},
		{name: "component of 256 bytes", path: "/data/" + long + "a", err: unix.ENAMETOOLONG},
		{name: "component of 256 bytes in a virtual dir", path: "/" + long + "a", err: unix.ENAMETOOLONG},
		{name: "component of 256 bytes with Missing", path: "/scratch/" + long + "a", flags: vfs.Missing, err: unix.ENAMETOOLONG},
		{name: "path of 4095 bytes", path: "/" + strings.Repeat("./", 2047), want: "/"},
		{name: "path of 4096 bytes", path: "/" + strings.Repeat("./", 2047) + "x", err: unix.ENAMETOOLONG},

		// Hidden names are absent.
		{name: "excluded by a glob", path: "/data/secret.key", err: unix.ENOENT},
		{name: "excluded directory", path: "/data/cache/x", err: unix.ENOENT},
		{name: "hidden dotfile", path: "/data/.hidden", err: unix.ENOENT},
		{name: "hidden dotfile in a subdirectory", path: "/data/sub/.dot", err: unix.ENOENT},
		{name: "same host dir without excludes", path: "/usr/lib/python3/.hidden", want: "/usr/lib/python3/.hidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd := tt.cwd
			if cwd == "" {
				cwd = "/"
			}
			l, err := f.fs.Resolve(cwd, tt.path, tt.flags)
			checkErr(t, "Resolve", err, tt.err)
			if err != nil {
				return
			}
			defer l.Close()
			if l.Path != tt.want {
				t.Errorf("Path = %q, want %q", l.Path, tt.want)
			}
			if l.Exists == tt.missing {
				t.Errorf("Exists = %v, want %v", l.Exists, !tt.missing)
			}
		})
	}
}

func TestResolveKinds(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name      string
		path      string
		flags     vfs.Flags
		kind      vfs.Kind
		dir, link bool
		host      bool
		writable  bool
	}{
		{name: "virtual dir", path: "/etc", kind: vfs.KindDir, dir: true},
		{name: "implicit parent dir", path: "/usr", kind: vfs.KindDir, dir: true},
		{name: "virtual file", path: "/etc/hostname", kind: vfs.KindFile},
		{name: "virtual symlink", path: "/lib", kind: vfs.KindSymlink, link: true},
		{name: "device", path: "/dev/null", kind: vfs.KindDevice},
		{name: "host mount root", path: "/data", kind: vfs.KindHost, dir: true, host: true},
		{name: "host dir", path: "/data/sub", kind: vfs.KindHost, dir: true, host: true},
		{name: "host symlink", path: "/data/abs", kind: vfs.KindHost, link: true, host: true},
		{name: "host file mount", path: "/single", kind: vfs.KindHost, host: true},
		{name: "writable host file", path: "/rw/note.txt", kind: vfs.KindHost, host: true, writable: true},
		{name: "scratch root", path: "/scratch", kind: vfs.KindScratch, dir: true, host: true, writable: true},
		{name: "missing in scratch", path: "/scratch/new", flags: vfs.Missing, kind: vfs.KindScratch, host: true, writable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := f.resolve(t, tt.path, tt.flags)
			got := []any{l.Kind(), l.IsDir(), l.IsSymlink(), l.IsHost(), l.Writable()}
			want := []any{tt.kind, tt.dir, tt.link, tt.host, tt.writable}
			for i, name := range []string{"Kind", "IsDir", "IsSymlink", "IsHost", "Writable"} {
				if got[i] != want[i] {
					t.Errorf("%s() = %v, want %v", name, got[i], want[i])
				}
			}
		})
	}
}

// openFDs counts the process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestResolveReleasesFDs(t *testing.T) {
	f := newFixture(t)
	paths := []struct {
		path  string
		flags vfs.Flags
	}{
		{"/scratch/dir/sub/new", vfs.Missing},
		{"/scratch/dir/sub/.", 0},
		{"/scratch/dir/sub/../inner.txt", 0},
		{"/data/sub/up/sub/up/readme.txt", 0},
		{"/data/sub/deep.txt/", 0},
		{"/data/sub/nope/x", vfs.Missing},
		{"/data/chain/l41", vfs.Follow},
		{"/data/sub/up/toscratch/dir/sub", 0},
	}
	before := openFDs(t)
	for i := 0; i < 50; i++ {
		for _, p := range paths {
			if l, err := f.fs.Resolve("/", p.path, p.flags); err == nil {
				l.Close()
			}
		}
	}
	if after := openFDs(t); after > before+2 {
		t.Errorf("Resolve leaked %d fds", after-before)
	}
}

func TestResolveWhy(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		cwd   string // "" means "/"
		path  string
		flags vfs.Flags
		want  vfs.Absence
	}{
		{name: "a name the root lacks is not mounted", path: "/nope", want: vfs.NotMounted},
		{name: "a path below a name the root lacks is not mounted", path: "/nope/passwd", want: vfs.NotMounted},
		{name: "a name a virtual directory lacks is not mounted", path: "/etc/passwd", want: vfs.NotMounted},
		{name: "dotdot out of a host mount to a missing name is not mounted", path: "/data/../../nope/x", want: vfs.NotMounted},
		{name: "a relative path climbing out of a host cwd is not mounted", cwd: "/data/sub", path: "../../../nope", want: vfs.NotMounted},
		{name: "a host symlink to /etc/passwd is not mounted", path: "/data/passwd", flags: vfs.Follow, want: vfs.NotMounted},
		{name: "a scratch symlink to /etc/passwd is not mounted", path: "/scratch/passwd", flags: vfs.Follow, want: vfs.NotMounted},
		{name: "an excluded name is hidden", path: "/data/secret.key", want: vfs.Hidden},
		{name: "a path below an excluded directory is hidden", path: "/data/cache/x", want: vfs.Hidden},
		{name: "a hidden dotfile is hidden", path: "/data/.hidden", want: vfs.Hidden},
		{name: "a host symlink to a hidden name is hidden", path: "/data/tohidden", flags: vfs.Follow, want: vfs.Hidden},
		{name: "a name missing from a host directory is absent", path: "/data/nope", want: vfs.Absent},
		{name: "a name missing from scratch is absent", path: "/scratch/nope", want: vfs.Absent},
		{name: "a dangling host symlink is absent", path: "/data/dangling", flags: vfs.Follow, want: vfs.Absent},
		{name: "the empty path is absent", path: "", want: vfs.Absent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd := tt.cwd
			if cwd == "" {
				cwd = "/"
			}
			l, why, err := f.fs.ResolveWhy(nil, cwd, tt.path, tt.flags)
			if err == nil {
				l.Close()
			}
			checkErr(t, "ResolveWhy", err, unix.ENOENT)
			if why != tt.want {
				t.Errorf("absence = %v, want %v", why, tt.want)
			}
		})
	}
	t.Run("a path that resolves has no absence", func(t *testing.T) {
		l, why, err := f.fs.ResolveWhy(nil, "/", "/data/readme.txt", 0)
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		if why != vfs.Absent {
			t.Errorf("absence = %v, want %v", why, vfs.Absent)
		}
	})
}

func TestLocInodeIsTheHostFile(t *testing.T) {
	f := newFixture(t)
	hostInode := func(p string) vfs.Inode {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			t.Fatal(err)
		}
		return vfs.InodeOf(&st)
	}
	tests := []struct {
		name  string
		path  string
		flags vfs.Flags
		want  vfs.Inode
	}{
		{name: "a scratch directory is its host directory", path: "/scratch/dir", want: hostInode(filepath.Join(f.scratch, "dir"))},
		{name: "a mount root is its host directory", path: "/scratch", want: hostInode(f.scratch)},
		{name: "a followed symlink is its target", path: "/data/sub/up", flags: vfs.Follow, want: hostInode(f.host)},
		{name: "a virtual directory has none", path: "/etc"},
		{name: "a virtual file has none", path: "/etc/hostname"},
		{name: "an absent name has none", path: "/scratch/nope", flags: vfs.Missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.resolve(t, tt.path, tt.flags).Inode(); got != tt.want {
				t.Errorf("Inode() = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("a directory made again at the same path is another", func(t *testing.T) {
		host := filepath.Join(f.scratch, "again")
		mkdir(t, host)
		// Held open so that its number cannot be handed to the new one.
		held, err := unix.Open(host, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(held)
		before := f.follow(t, "/scratch/again").Inode()
		if err := os.Remove(host); err != nil {
			t.Fatal(err)
		}
		mkdir(t, host)
		if after := f.follow(t, "/scratch/again").Inode(); after == before {
			t.Errorf("Inode() after rmdir and mkdir = %v, the removed directory's", after)
		}
	})
}
