package vfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

func TestOpen(t *testing.T) {
	const rdonly = unix.O_RDONLY
	tests := []struct {
		name    string
		path    string
		resolve vfs.Flags
		flags   int
		mode    uint32
		err     error
		content string // if set, what reading the fd gives
		check   func(t *testing.T, f *fixture, fd int)
	}{
		// Virtual files: read-only memfds.
		{name: "file mount gives its content", path: "/etc/hostname", resolve: vfs.Follow, flags: rdonly, content: "gaol\n", check: readOnlyFD},
		{name: "file mount through a host symlink", path: "/data/abs", resolve: vfs.Follow, flags: rdonly, content: "gaol\n"},
		{name: "file mount for writing", path: "/etc/hostname", resolve: vfs.Follow, flags: unix.O_WRONLY, err: unix.EROFS},
		{name: "file mount for reading and writing", path: "/etc/hostname", resolve: vfs.Follow, flags: unix.O_RDWR, err: unix.EROFS},
		{name: "file mount with O_TRUNC", path: "/etc/hostname", resolve: vfs.Follow, flags: rdonly | unix.O_TRUNC, err: unix.EROFS},
		{name: "file mount with O_APPEND reads", path: "/etc/hostname", resolve: vfs.Follow, flags: rdonly | unix.O_APPEND, content: "gaol\n"},
		{name: "file mount with O_CREAT opens it", path: "/etc/hostname", resolve: vfs.Follow | vfs.Missing, flags: rdonly | unix.O_CREAT, mode: 0o644, content: "gaol\n"},
		{name: "file mount with O_CREAT|O_EXCL", path: "/etc/hostname", resolve: vfs.Missing, flags: unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL, err: unix.EEXIST},
		{name: "file mount with O_DIRECTORY", path: "/etc/hostname", resolve: vfs.Follow, flags: rdonly | unix.O_DIRECTORY, err: unix.ENOTDIR},
		{name: "file mount with O_PATH|O_WRONLY ignores the access mode", path: "/etc/hostname", resolve: vfs.Follow, flags: unix.O_PATH | unix.O_WRONLY},

		// Virtual directories, symlinks and devices.
		{name: "virtual dir is a shadow directory", path: "/etc", resolve: vfs.Follow, flags: rdonly | unix.O_DIRECTORY, check: isDirFD},
		{name: "virtual dir for writing", path: "/etc", resolve: vfs.Follow, flags: unix.O_WRONLY, err: unix.EISDIR},
		{name: "virtual dir with O_CREAT", path: "/etc", resolve: vfs.Follow | vfs.Missing, flags: rdonly | unix.O_CREAT, err: unix.EISDIR},
		{name: "virtual dir with O_TMPFILE", path: "/etc", resolve: vfs.Follow, flags: unix.O_TMPFILE | unix.O_RDWR, mode: 0o600, err: unix.EROFS},
		{name: "create in a virtual dir", path: "/etc/new", resolve: vfs.Follow | vfs.Missing, flags: unix.O_WRONLY | unix.O_CREAT, mode: 0o644, err: unix.EROFS},
		{name: "unfollowed virtual symlink", path: "/lib", flags: rdonly | unix.O_NOFOLLOW, err: unix.ELOOP},
		{name: "unfollowed virtual symlink for writing", path: "/lib", flags: unix.O_WRONLY | unix.O_NOFOLLOW, err: unix.ELOOP},
		{name: "unfollowed virtual symlink with O_PATH", path: "/lib", flags: unix.O_PATH | unix.O_NOFOLLOW, check: linkTo("usr/lib")},
		{name: "device for writing", path: "/dev/null", resolve: vfs.Follow, flags: unix.O_WRONLY, check: writes},
		{name: "device for reading", path: "/dev/zero", resolve: vfs.Follow, flags: rdonly, check: readsZeros},
		{name: "device with O_DIRECTORY", path: "/dev/null", resolve: vfs.Follow, flags: rdonly | unix.O_DIRECTORY, err: unix.ENOTDIR},

		// Read-only host mounts.
		{name: "host file", path: "/data/readme.txt", resolve: vfs.Follow, flags: rdonly, content: "hello\n", check: readOnlyFD},
		{name: "host file mount", path: "/single", resolve: vfs.Follow, flags: rdonly, content: "hello\n"},
		{name: "host file for writing", path: "/data/readme.txt", resolve: vfs.Follow, flags: unix.O_WRONLY, err: unix.EROFS},
		{name: "host file mount for writing", path: "/single", resolve: vfs.Follow, flags: unix.O_RDWR, err: unix.EROFS},
		{name: "host file with O_TRUNC", path: "/data/readme.txt", resolve: vfs.Follow, flags: rdonly | unix.O_TRUNC, err: unix.EROFS},
		{name: "host file with O_APPEND reads", path: "/data/readme.txt", resolve: vfs.Follow, flags: rdonly | unix.O_APPEND, content: "hello\n"},
		{name: "existing host file with O_CREAT opens it", path: "/data/readme.txt", resolve: vfs.Follow | vfs.Missing, flags: rdonly | unix.O_CREAT, mode: 0o644, content: "hello\n"},
		{name: "create in a read-only mount", path: "/data/new", resolve: vfs.Follow | vfs.Missing, flags: unix.O_WRONLY | unix.O_CREAT, mode: 0o644, err: unix.EROFS},
		{name: "create with a trailing slash", path: "/data/new/", resolve: vfs.Follow | vfs.Missing, flags: unix.O_WRONLY | unix.O_CREAT, mode: 0o644, err: unix.EISDIR},
		{name: "create through a symlink whose target ends in a slash", path: "/data/newslash", resolve: vfs.Follow | vfs.Missing, flags: rdonly | unix.O_CREAT, err: unix.EISDIR},
		{name: "missing without O_CREAT", path: "/data/new", resolve: vfs.Follow | vfs.Missing, flags: rdonly, err: unix.ENOENT},
		{name: "host dir", path: "/data/sub", resolve: vfs.Follow, flags: rdonly | unix.O_DIRECTORY, check: isDirFD},
		{name: "host mount root", path: "/data", resolve: vfs.Follow, flags: rdonly | unix.O_DIRECTORY, check: isDirFD},
		{name: "host dir for writing", path: "/data/sub", resolve: vfs.Follow, flags: unix.O_WRONLY, err: unix.EISDIR},
		{name: "host dir with O_TRUNC", path: "/data/sub", resolve: vfs.Follow, flags: rdonly | unix.O_TRUNC, err: unix.EISDIR},
		{name: "host dir with O_CREAT", path: "/data/sub", resolve: vfs.Follow | vfs.Missing, flags: rdonly | unix.O_CREAT, err: unix.EISDIR},
		{name: "host dir with O_TMPFILE", path: "/data/sub", resolve: vfs.Follow, flags: unix.O_TMPFILE | unix.O_RDWR, mode: 0o600, err: unix.EROFS},
		{name: "host dir with a mode and no O_CREAT", path: "/data/sub", resolve: vfs.Follow, flags: rdonly | unix.O_DIRECTORY, mode: 0o777, check: isDirFD},
		{name: "unfollowed host symlink", path: "/data/abs", flags: rdonly | unix.O_NOFOLLOW, err: unix.ELOOP},
		{name: "unfollowed host symlink with O_DIRECTORY", path: "/data/abs", flags: rdonly | unix.O_NOFOLLOW | unix.O_DIRECTORY, err: unix.ENOTDIR},
		{name: "unfollowed host symlink with O_PATH", path: "/data/abs", flags: unix.O_PATH | unix.O_NOFOLLOW, check: linkTo("/etc/hostname")},
		{name: "host file with O_PATH|O_DIRECTORY", path: "/data/readme.txt", resolve: vfs.Follow, flags: unix.O_PATH | unix.O_DIRECTORY, err: unix.ENOTDIR},
		{name: "host file with O_PATH ignores write flags", path: "/data/readme.txt", resolve: vfs.Follow, flags: unix.O_PATH | unix.O_RDWR | unix.O_TRUNC},
		{name: "unknown flag bits are dropped", path: "/data/readme.txt", resolve: vfs.Follow, flags: rdonly | 0o40000000 | 1<<40, content: "hello\n"},

		// Invalid combinations, refused before any lookup.
		{name: "O_CREAT with O_DIRECTORY", path: "/scratch/new", resolve: vfs.Follow | vfs.Missing, flags: unix.O_CREAT | unix.O_DIRECTORY, err: unix.EINVAL},
		{name: "O_TMPFILE read-only", path: "/scratch", resolve: vfs.Follow, flags: unix.O_TMPFILE | unix.O_RDONLY, err: unix.EINVAL},

		// Writable mounts.
		{name: "create in scratch", path: "/scratch/new", resolve: vfs.Follow | vfs.Missing, flags: unix.O_WRONLY | unix.O_CREAT, mode: 0o640, check: created("new", 0o640)},
		{name: "create in a scratch subdirectory", path: "/scratch/dir/sub/new", resolve: vfs.Follow | vfs.Missing, flags: unix.O_RDWR | unix.O_CREAT | unix.O_EXCL, mode: 0o600, check: created("dir/sub/new", 0o600)},
		{name: "create with setuid bits and garbage in the mode", path: "/scratch/new", resolve: vfs.Follow | vfs.Missing, flags: unix.O_WRONLY | unix.O_CREAT, mode: 0o170644, check: created("new", 0o644)},
		{name: "scratch file for writing", path: "/scratch/file.txt", resolve: vfs.Follow, flags: unix.O_WRONLY | unix.O_TRUNC, check: truncated("file.txt")},
		{name: "scratch file with O_CREAT|O_EXCL", path: "/scratch/file.txt", resolve: vfs.Missing, flags: unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL, err: unix.EEXIST},
		{name: "scratch root for writing", path: "/scratch", resolve: vfs.Follow, flags: unix.O_RDWR, err: unix.EISDIR},
		{name: "scratch O_TMPFILE", path: "/scratch", resolve: vfs.Follow, flags: unix.O_TMPFILE | unix.O_RDWR, mode: 0o600},
		{name: "create a hidden name in a writable mount", path: "/rw/.new", resolve: vfs.Follow | vfs.Missing, flags: unix.O_WRONLY | unix.O_CREAT, mode: 0o644, err: unix.EACCES},
		{name: "open a hidden existing name with O_CREAT", path: "/rw/.dot", resolve: vfs.Follow | vfs.Missing, flags: unix.O_RDWR | unix.O_CREAT, mode: 0o644, err: unix.EACCES},
		{name: "open a hidden existing name without O_CREAT", path: "/rw/.dot", resolve: vfs.Follow | vfs.Missing, flags: rdonly, err: unix.ENOENT},
		{name: "create through a scratch symlink to /etc/passwd lands in the guest's read-only /etc", path: "/scratch/passwd", resolve: vfs.Follow | vfs.Missing, flags: unix.O_WRONLY | unix.O_CREAT, mode: 0o644, err: unix.EROFS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			l := f.resolve(t, tt.path, tt.resolve)
			fd, err := f.fs.Open(l, tt.flags, tt.mode)
			checkErr(t, "Open", err, tt.err)
			if err != nil {
				return
			}
			defer unix.Close(fd)
			if got, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || got&unix.FD_CLOEXEC == 0 {
				t.Errorf("fd is not close-on-exec")
			}
			if tt.content != "" {
				if got := readFD(t, fd); got != tt.content {
					t.Errorf("content = %q, want %q", got, tt.content)
				}
			}
			if tt.check != nil {
				tt.check(t, f, fd)
			}
		})
	}
}

func readOnlyFD(t *testing.T, _ *fixture, fd int) {
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil || fl&unix.O_ACCMODE != unix.O_RDONLY {
		t.Errorf("fd flags %#o, %v: want read-only", fl, err)
	}
	if _, err := unix.Write(fd, []byte("x")); err != unix.EBADF {
		t.Errorf("write to the fd: %v, want EBADF", err)
	}
}

func isDirFD(t *testing.T, _ *fixture, fd int) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		t.Errorf("fd is not a directory (%v)", err)
	}
}

func writes(t *testing.T, _ *fixture, fd int) {
	if n, err := unix.Write(fd, []byte("x")); n != 1 || err != nil {
		t.Errorf("write: %d, %v", n, err)
	}
}

func readsZeros(t *testing.T, _ *fixture, fd int) {
	buf := []byte{1, 1}
	if n, err := unix.Read(fd, buf); n != 2 || err != nil || buf[0] != 0 || buf[1] != 0 {
		t.Errorf("read: %d, %v, %v", n, err, buf)
	}
}

// linkTo checks that the fd is an O_PATH fd of a symlink with the target.
func linkTo(target string) func(*testing.T, *fixture, int) {
	return func(t *testing.T, _ *fixture, fd int) {
		buf := make([]byte, 256)
		n, err := unix.Readlinkat(fd, "", buf)
		if err != nil || string(buf[:n]) != target {
			t.Errorf("readlink of the fd: %q, %v; want %q", buf[:n], err, target)
		}
	}
}

// created checks that rel was created in scratch with the mode bits
// (under a umask of at most 022).
func created(rel string, mode os.FileMode) func(*testing.T, *fixture, int) {
	return func(t *testing.T, f *fixture, fd int) {
		fi, err := os.Lstat(filepath.Join(f.scratch, rel))
		if err != nil {
			t.Fatalf("created file: %v", err)
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm()&^0o022 != mode&^0o022 {
			t.Errorf("created file has mode %v, want %v", fi.Mode(), mode)
		}
		writes(t, f, fd)
	}
}

func truncated(rel string) func(*testing.T, *fixture, int) {
	return func(t *testing.T, f *fixture, fd int) {
		fi, err := os.Stat(filepath.Join(f.scratch, rel))
		if err != nil || fi.Size() != 0 {
			t.Errorf("file not truncated: %v, %v", fi, err)
		}
	}
}

func TestOpenVirtualDirWithoutShadow(t *testing.T) {
	fs, err := vfs.New([]vfs.Mount{{Guest: "/etc", Kind: vfs.KindDir}}, vfs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	l, err := fs.Resolve("/", "/etc", vfs.Follow)
	if err != nil {
		t.Fatal(err)
	}
	_, err = fs.Open(l, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	checkErr(t, "Open", err, unix.EACCES)
}
