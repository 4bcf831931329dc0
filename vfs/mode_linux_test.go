package vfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// TestCreateModeIsTheGuests checks that a created file or directory gets
// exactly the mode the guest asked for (its own umask already applied by
// the caller), whatever the supervisor's umask: Python's umask tests set
// 002 and expect group-writable directories.
func TestCreateModeIsTheGuests(t *testing.T) {
	old := unix.Umask(0o077) // a supervisor umask stricter than the guest's
	defer unix.Umask(old)
	tests := []struct {
		name   string
		create func(*testing.T, *fixture) (rel string, fd int)
		want   uint32
	}{
		{name: "open O_CREAT", want: 0o664, create: openCreate("/scratch/new", unix.O_WRONLY|unix.O_CREAT, 0o664)},
		{name: "open O_CREAT|O_EXCL", want: 0o775, create: openCreate("/scratch/new", unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, 0o775)},
		{name: "open O_CREAT drops set-user-ID", want: 0o755, create: openCreate("/scratch/new", unix.O_WRONLY|unix.O_CREAT, 0o4755)},
		{name: "existing file with O_CREAT keeps its mode", want: 0o640, create: func(t *testing.T, f *fixture) (string, int) {
			if err := os.Chmod(filepath.Join(f.scratch, "file.txt"), 0o640); err != nil {
				t.Fatal(err)
			}
			return openCreate("/scratch/file.txt", unix.O_WRONLY|unix.O_CREAT, 0o666)(t, f)
		}},
		{name: "O_TMPFILE", want: 0o660, create: openCreate("/scratch", unix.O_TMPFILE|unix.O_RDWR, 0o660)},
		{name: "mkdir", want: 0o775, create: func(t *testing.T, f *fixture) (string, int) {
			if err := f.fs.Mkdir(f.missing(t, "/scratch/d"), 0o775); err != nil {
				t.Fatalf("Mkdir: %v", err)
			}
			return "d", -1
		}},
		{name: "mkdir keeps the sticky bit", want: 0o1777, create: func(t *testing.T, f *fixture) (string, int) {
			if err := f.fs.Mkdir(f.missing(t, "/scratch/d"), 0o1777); err != nil {
				t.Fatalf("Mkdir: %v", err)
			}
			return "d", -1
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rel, fd := tt.create(t, f)
			var st unix.Stat_t
			var err error
			if fd >= 0 {
				defer unix.Close(fd)
				err = unix.Fstat(fd, &st)
			} else {
				err = unix.Lstat(filepath.Join(f.scratch, rel), &st)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode & 0o7777; got != tt.want {
				t.Errorf("mode = %#o, want %#o", got, tt.want)
			}
		})
	}
}

func openCreate(p string, flags int, mode uint32) func(*testing.T, *fixture) (string, int) {
	return func(t *testing.T, f *fixture) (string, int) {
		fd, err := f.fs.Open(f.resolve(t, p, vfs.Follow|vfs.Missing), flags, mode)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return "", fd
	}
}

func TestChown(t *testing.T) {
	const guest = 1000 // newFixture's UID and GID
	tests := []struct {
		name     string
		path     string
		resolve  vfs.Flags
		uid, gid int
		err      error
	}{
		{name: "to its own ids in scratch", path: "/scratch/file.txt", resolve: vfs.Follow, uid: guest, gid: guest},
		{name: "nothing, in scratch", path: "/scratch/file.txt", resolve: vfs.Follow, uid: -1, gid: -1},
		{name: "only the group, to its own", path: "/scratch/dir", resolve: vfs.Follow, uid: -1, gid: guest},
		{name: "an unfollowed symlink to its own ids", path: "/scratch/passwd", uid: guest, gid: -1},
		{name: "to another user", path: "/scratch/file.txt", resolve: vfs.Follow, uid: 0, gid: -1, err: unix.EPERM},
		{name: "to another group", path: "/scratch/file.txt", resolve: vfs.Follow, uid: -1, gid: 0, err: unix.EPERM},
		{name: "in a read-only mount", path: "/data/readme.txt", resolve: vfs.Follow, uid: -1, gid: -1, err: unix.EROFS},
		{name: "a virtual file", path: "/etc/hostname", resolve: vfs.Follow, uid: 0, gid: 0, err: unix.EROFS},
		{name: "a missing name", path: "/scratch/new", resolve: vfs.Missing, uid: -1, gid: -1, err: unix.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			checkErr(t, "Chown", f.fs.Chown(f.resolve(t, tt.path, tt.resolve), tt.uid, tt.gid), tt.err)
		})
	}
}

func TestStatfs(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		readOnly bool
		sized    bool // reports the host filesystem's blocks
		err      error
	}{
		{name: "scratch is writable and has a size", path: "/scratch/file.txt", sized: true},
		{name: "a writable host mount", path: "/rw", sized: true},
		{name: "a read-only host mount says ST_RDONLY", path: "/data/readme.txt", readOnly: true, sized: true},
		{name: "a host file mount", path: "/single", readOnly: true, sized: true},
		{name: "the virtual tree is an empty read-only tmpfs", path: "/etc/hostname", readOnly: true},
		{name: "a missing name", path: "/scratch/new", err: unix.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			st, err := f.fs.Statfs(f.resolve(t, tt.path, vfs.Follow|vfs.Missing))
			checkErr(t, "Statfs", err, tt.err)
			if err != nil {
				return
			}
			if got := st.Flags&unix.ST_RDONLY != 0; got != tt.readOnly {
				t.Errorf("ST_RDONLY = %v, want %v", got, tt.readOnly)
			}
			if got := st.Blocks > 0; got != tt.sized {
				t.Errorf("blocks = %d, want sized %v", st.Blocks, tt.sized)
			}
			if st.Fsid != (unix.Fsid{}) || st.Bsize == 0 || st.Namelen == 0 {
				t.Errorf("statfs %+v: want a zero fsid, a block size and a name length", st)
			}
		})
	}
}
