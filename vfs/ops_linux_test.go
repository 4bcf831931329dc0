package vfs_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// The loc helpers resolve the way a supervisor would for each call.
func (f *fixture) missing(t *testing.T, p string) *vfs.Loc { return f.resolve(t, p, vfs.Missing) }
func (f *fixture) follow(t *testing.T, p string) *vfs.Loc  { return f.resolve(t, p, vfs.Follow) }

// inScratch checks the host side of scratch after an operation.
func inScratch(rel string, want bool) func(*testing.T, *fixture) {
	return func(t *testing.T, f *fixture) {
		if got := hostExists(filepath.Join(f.scratch, rel)); got != want {
			t.Errorf("scratch/%s exists = %v, want %v", rel, got, want)
		}
	}
}

func TestMkdir(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		err   error
		after func(*testing.T, *fixture)
	}{
		{name: "in scratch", path: "/scratch/new", after: inScratch("new", true)},
		{name: "with a trailing slash", path: "/scratch/new/", after: inScratch("new", true)},
		{name: "in a scratch subdirectory", path: "/scratch/dir/sub/new", after: inScratch("dir/sub/new", true)},
		{name: "existing name in scratch", path: "/scratch/file.txt", err: unix.EEXIST},
		{name: "existing symlink is not followed", path: "/scratch/passwd", err: unix.EEXIST},
		{name: "in a read-only mount", path: "/data/new", err: unix.EROFS},
		{name: "existing name in a read-only mount", path: "/data/sub", err: unix.EEXIST},
		{name: "in a virtual dir", path: "/etc/new", err: unix.EROFS},
		{name: "existing virtual dir", path: "/etc", err: unix.EEXIST},
		{name: "a mount point", path: "/scratch", err: unix.EEXIST},
		{name: "a hidden name in a writable mount", path: "/rw/.new", err: unix.EACCES},
		{name: "an existing hidden name in a writable mount", path: "/rw/.dot", err: unix.EACCES},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			checkErr(t, "Mkdir", f.fs.Mkdir(f.missing(t, tt.path), 0o755), tt.err)
			if tt.after != nil {
				tt.after(t, f)
			}
		})
	}
}

func TestUnlink(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		dir   bool
		err   error
		after func(*testing.T, *fixture)
	}{
		{name: "file in scratch", path: "/scratch/file.txt", after: inScratch("file.txt", false)},
		{name: "symlink in scratch, not its target", path: "/scratch/passwd", after: inScratch("passwd", false)},
		{name: "empty dir in scratch", path: "/scratch/dir/sub", dir: true, after: inScratch("dir/sub", false)},
		{name: "non-empty dir", path: "/scratch/dir", dir: true, err: unix.ENOTEMPTY},
		{name: "dir without AT_REMOVEDIR", path: "/scratch/dir", err: unix.EISDIR},
		{name: "file with AT_REMOVEDIR", path: "/scratch/file.txt", dir: true, err: unix.ENOTDIR},
		{name: "missing name in scratch", path: "/scratch/nope", err: unix.ENOENT},
		{name: "missing name in a read-only mount", path: "/data/nope", err: unix.EROFS},
		{name: "file in a read-only mount", path: "/data/readme.txt", err: unix.EROFS},
		{name: "writable host file", path: "/rw/note.txt"},
		{name: "hidden name in a writable mount", path: "/rw/.dot", err: unix.ENOENT},
		{name: "virtual file", path: "/etc/hostname", err: unix.EROFS},
		{name: "virtual dir", path: "/etc", dir: true, err: unix.EROFS},
		{name: "scratch mount point", path: "/scratch", dir: true, err: unix.EROFS},
		{name: "host file mount point", path: "/single", err: unix.EROFS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			checkErr(t, "Unlink", f.fs.Unlink(f.missing(t, tt.path), tt.dir), tt.err)
			if tt.after != nil {
				tt.after(t, f)
			}
		})
	}
	t.Run("hidden file stays on the host", func(t *testing.T) {
		f := newFixture(t)
		f.fs.Unlink(f.missing(t, "/rw/.dot"), false)
		if !hostExists(filepath.Join(f.rw, ".dot")) {
			t.Error("the hidden file was removed")
		}
	})
}

func TestRename(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		flags    uint
		err      error
		after    func(*testing.T, *fixture)
	}{
		{name: "file within scratch", from: "/scratch/file.txt", to: "/scratch/dir/moved", after: inScratch("dir/moved", true)},
		{name: "dir within scratch", from: "/scratch/dir", to: "/scratch/moved", after: inScratch("moved/inner.txt", true)},
		{name: "onto an existing file", from: "/scratch/file.txt", to: "/scratch/dir/inner.txt", after: inScratch("file.txt", false)},
		{name: "RENAME_NOREPLACE onto an existing file", from: "/scratch/file.txt", to: "/scratch/dir/inner.txt", flags: unix.RENAME_NOREPLACE, err: unix.EEXIST},
		{name: "RENAME_EXCHANGE", from: "/scratch/file.txt", to: "/scratch/dir", flags: unix.RENAME_EXCHANGE, after: inScratch("file.txt/inner.txt", true)},
		{name: "unknown flags", from: "/scratch/file.txt", to: "/scratch/x", flags: 1 << 7, err: unix.EINVAL},
		{name: "exchange with noreplace", from: "/scratch/file.txt", to: "/scratch/dir", flags: unix.RENAME_EXCHANGE | unix.RENAME_NOREPLACE, err: unix.EINVAL},
		{name: "dir into itself", from: "/scratch/dir", to: "/scratch/dir/sub/x", err: unix.EINVAL},
		{name: "file onto a dir", from: "/scratch/file.txt", to: "/scratch/dir", err: unix.EISDIR},
		{name: "file to a name with a trailing slash", from: "/scratch/file.txt", to: "/scratch/new/", err: unix.ENOTDIR},
		{name: "dir to a name with a trailing slash", from: "/scratch/dir", to: "/scratch/new/", after: inScratch("new", true)},
		{name: "missing source in scratch", from: "/scratch/nope", to: "/scratch/x", err: unix.ENOENT},
		{name: "across writable mounts", from: "/scratch/file.txt", to: "/rw/x", err: unix.EXDEV},
		{name: "from a read-only mount to scratch", from: "/data/readme.txt", to: "/scratch/x", err: unix.EXDEV},
		{name: "missing source across mounts", from: "/data/nope", to: "/scratch/x", err: unix.EXDEV},
		{name: "within a read-only mount", from: "/data/readme.txt", to: "/data/x", err: unix.EROFS},
		{name: "missing source in a read-only mount", from: "/data/nope", to: "/data/x", err: unix.EROFS},
		{name: "within the virtual tree", from: "/etc/hostname", to: "/etc/x", err: unix.EROFS},
		{name: "a mount point", from: "/scratch", to: "/etc/x", err: unix.EROFS},
		{name: "a mount point into its own mount", from: "/scratch", to: "/scratch/x", err: unix.EXDEV},
		{name: "onto a hidden name", from: "/rw/note.txt", to: "/rw/.dot", err: unix.EACCES},
		{name: "from a hidden name", from: "/rw/.dot", to: "/rw/x", err: unix.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			checkErr(t, "Rename", f.fs.Rename(f.missing(t, tt.from), f.missing(t, tt.to), tt.flags), tt.err)
			if tt.after != nil {
				tt.after(t, f)
			}
		})
	}
}

func TestLink(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		follow   bool // AT_SYMLINK_FOLLOW
		err      error
		after    func(*testing.T, *fixture)
	}{
		{name: "within scratch", from: "/scratch/file.txt", to: "/scratch/dir/hard", after: inScratch("dir/hard", true)},
		{name: "a symlink itself", from: "/scratch/passwd", to: "/scratch/hard", after: isLink("hard", "/etc/passwd")},
		{name: "a directory", from: "/scratch/dir", to: "/scratch/hard", err: unix.EPERM},
		{name: "onto an existing name", from: "/scratch/file.txt", to: "/scratch/dir", err: unix.EEXIST},
		{name: "to a name with a trailing slash", from: "/scratch/file.txt", to: "/scratch/new/", err: unix.ENOENT},
		{name: "across mounts", from: "/rw/note.txt", to: "/scratch/hard", err: unix.EXDEV},
		{name: "from a virtual file", from: "/etc/hostname", to: "/scratch/hard", err: unix.EXDEV},
		{name: "into a read-only mount", from: "/scratch/file.txt", to: "/data/hard", err: unix.EROFS},
		{name: "into a virtual dir", from: "/scratch/file.txt", to: "/etc/hard", err: unix.EROFS},
		{name: "onto a hidden name", from: "/rw/note.txt", to: "/rw/.hard", err: unix.EACCES},
		{name: "through a symlink out of the mount", from: "/scratch/passwd", follow: true, to: "/scratch/hard", err: unix.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var flags vfs.Flags
			if tt.follow {
				flags = vfs.Follow
			}
			from, err := f.fs.Resolve("/", tt.from, flags)
			if err != nil {
				checkErr(t, "Resolve", err, tt.err)
				return
			}
			defer from.Close()
			checkErr(t, "Link", f.fs.Link(from, f.missing(t, tt.to)), tt.err)
			if tt.after != nil {
				tt.after(t, f)
			}
		})
	}
}

// isLink checks that scratch holds a symlink rel with the target.
func isLink(rel, target string) func(*testing.T, *fixture) {
	return func(t *testing.T, f *fixture) {
		got, err := os.Readlink(filepath.Join(f.scratch, rel))
		if err != nil || got != target {
			t.Errorf("scratch/%s: %q, %v; want a symlink to %q", rel, got, err, target)
		}
	}
}

func TestSymlink(t *testing.T) {
	tests := []struct {
		name   string
		target string
		path   string
		err    error
		after  func(*testing.T, *fixture)
	}{
		{name: "in scratch", target: "/etc/hostname", path: "/scratch/link", after: isLink("link", "/etc/hostname")},
		{name: "target stored as is", target: "../../../x", path: "/scratch/dir/link", after: isLink("dir/link", "../../../x")},
		{name: "empty target", target: "", path: "/scratch/link", err: unix.ENOENT},
		{name: "target of 4096 bytes", target: string(make([]byte, 4096)), path: "/scratch/link", err: unix.ENAMETOOLONG},
		{name: "onto an existing name", target: "x", path: "/scratch/file.txt", err: unix.EEXIST},
		{name: "onto an existing name in a read-only mount", target: "x", path: "/data/readme.txt", err: unix.EEXIST},
		{name: "with a trailing slash", target: "x", path: "/scratch/new/", err: unix.ENOENT},
		{name: "in a read-only mount", target: "x", path: "/data/link", err: unix.EROFS},
		{name: "in a virtual dir", target: "x", path: "/etc/link", err: unix.EROFS},
		{name: "a hidden name", target: "x", path: "/rw/.link", err: unix.EACCES},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			checkErr(t, "Symlink", f.fs.Symlink(tt.target, f.missing(t, tt.path)), tt.err)
			if tt.after != nil {
				tt.after(t, f)
			}
		})
	}
	t.Run("a created symlink resolves in the guest's namespace", func(t *testing.T) {
		f := newFixture(t)
		if err := f.fs.Symlink("/etc/hostname", f.missing(t, "/scratch/link")); err != nil {
			t.Fatal(err)
		}
		if l := f.follow(t, "/scratch/link"); l.Path != "/etc/hostname" {
			t.Errorf("resolves to %q", l.Path)
		}
		got, err := f.fs.Readlink(f.resolve(t, "/scratch/link", 0))
		if err != nil || got != "/etc/hostname" {
			t.Errorf("Readlink: %q, %v", got, err)
		}
	})
}

func TestChmod(t *testing.T) {
	tests := []struct {
		name string
		path string
		mode uint32
		err  error
		want os.FileMode // host mode of scratch/file.txt afterwards
	}{
		{name: "scratch file", path: "/scratch/file.txt", mode: 0o600, want: 0o600},
		{name: "scratch file, type bits dropped", path: "/scratch/file.txt", mode: unix.S_IFDIR | 0o640, want: 0o640},
		{name: "scratch mount root", path: "/scratch", mode: 0o700},
		{name: "read-only host file", path: "/data/readme.txt", mode: 0o600, err: unix.EROFS},
		{name: "virtual file", path: "/etc/hostname", mode: 0o600, err: unix.EROFS},
		{name: "virtual dir", path: "/etc", mode: 0o700, err: unix.EROFS},
		{name: "missing", path: "/scratch/nope", mode: 0o600, err: unix.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			checkErr(t, "Chmod", f.fs.Chmod(f.resolve(t, tt.path, vfs.Follow|vfs.Missing), tt.mode), tt.err)
			if tt.want != 0 {
				fi, _ := os.Stat(filepath.Join(f.scratch, "file.txt"))
				if fi.Mode() != tt.want {
					t.Errorf("mode %v, want %v", fi.Mode(), tt.want)
				}
			}
		})
	}
	t.Run("an unfollowed symlink is EOPNOTSUPP", func(t *testing.T) {
		f := newFixture(t)
		checkErr(t, "Chmod", f.fs.Chmod(f.resolve(t, "/scratch/passwd", 0), 0o600), unix.EOPNOTSUPP)
	})
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		path string
		size int64
		err  error
	}{
		{name: "scratch file", path: "/scratch/file.txt", size: 3},
		{name: "scratch file grows", path: "/scratch/file.txt", size: 100},
		{name: "negative size", path: "/scratch/file.txt", size: -1, err: unix.EINVAL},
		{name: "negative size of a missing file", path: "/scratch/nope", size: -1, err: unix.EINVAL},
		{name: "missing", path: "/scratch/nope", err: unix.ENOENT},
		{name: "scratch dir", path: "/scratch/dir", err: unix.EISDIR},
		{name: "read-only host file", path: "/data/readme.txt", err: unix.EROFS},
		{name: "read-only host dir", path: "/data/sub", err: unix.EISDIR},
		{name: "virtual file", path: "/etc/hostname", err: unix.EROFS},
		{name: "virtual dir", path: "/etc", err: unix.EISDIR},
		{name: "device", path: "/dev/null", err: unix.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			checkErr(t, "Truncate", f.fs.Truncate(f.resolve(t, tt.path, vfs.Follow|vfs.Missing), tt.size), tt.err)
			if tt.err == nil {
				fi, _ := os.Stat(filepath.Join(f.scratch, "file.txt"))
				if fi.Size() != tt.size {
					t.Errorf("size %d, want %d", fi.Size(), tt.size)
				}
			}
		})
	}
}

func TestUtimens(t *testing.T) {
	at := unix.NsecToTimespec(time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC).UnixNano())
	omit := unix.Timespec{Nsec: unix.UTIME_OMIT}
	tests := []struct {
		name string
		path string
		ts   []unix.Timespec
		err  error
		want *unix.Timespec // mtime of scratch/file.txt afterwards
	}{
		{name: "scratch file", path: "/scratch/file.txt", ts: []unix.Timespec{at, at}, want: &at},
		{name: "scratch file, now", path: "/scratch/file.txt"},
		{name: "scratch file, atime only", path: "/scratch/file.txt", ts: []unix.Timespec{at, omit}},
		{name: "invalid nanoseconds", path: "/scratch/file.txt", ts: []unix.Timespec{{Nsec: 1e9}, at}, err: unix.EINVAL},
		{name: "both omitted in a read-only mount", path: "/data/readme.txt", ts: []unix.Timespec{omit, omit}},
		{name: "read-only host file", path: "/data/readme.txt", ts: []unix.Timespec{at, at}, err: unix.EROFS},
		{name: "virtual file", path: "/etc/hostname", err: unix.EROFS},
		{name: "missing", path: "/scratch/nope", err: unix.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			checkErr(t, "Utimens", f.fs.Utimens(f.resolve(t, tt.path, vfs.Follow|vfs.Missing), tt.ts), tt.err)
			if tt.want != nil {
				var st unix.Stat_t
				unix.Stat(filepath.Join(f.scratch, "file.txt"), &st)
				if st.Mtim != *tt.want {
					t.Errorf("mtime %v, want %v", st.Mtim, *tt.want)
				}
			}
		})
	}
	t.Run("an unfollowed symlink's own times", func(t *testing.T) {
		f := newFixture(t)
		if err := f.fs.Utimens(f.resolve(t, "/scratch/passwd", 0), []unix.Timespec{at, at}); err != nil {
			t.Fatal(err)
		}
		var st unix.Stat_t
		unix.Lstat(filepath.Join(f.scratch, "passwd"), &st)
		if st.Mtim != at {
			t.Errorf("symlink mtime %v, want %v", st.Mtim, at)
		}
	})
}

func TestReadlink(t *testing.T) {
	tests := []struct {
		name string
		path string
		want string
		err  error
	}{
		{name: "virtual symlink", path: "/lib", want: "usr/lib"},
		{name: "host symlink", path: "/data/abs", want: "/etc/hostname"},
		{name: "scratch symlink", path: "/scratch/passwd", want: "/etc/passwd"},
		{name: "virtual file", path: "/etc/hostname", err: unix.EINVAL},
		{name: "host dir", path: "/data/sub", err: unix.EINVAL},
		{name: "missing", path: "/scratch/nope", err: unix.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			got, err := f.fs.Readlink(f.missing(t, tt.path))
			checkErr(t, "Readlink", err, tt.err)
			if got != tt.want {
				t.Errorf("Readlink = %q, want %q", got, tt.want)
			}
		})
	}
}
