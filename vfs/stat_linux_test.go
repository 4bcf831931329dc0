package vfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

var virtualDev = unix.Mkdev(0, 0x3f)

func TestStatVirtual(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		path  string
		mode  uint32
		size  int64
		nlink uint64
	}{
		{name: "root", path: "/", mode: unix.S_IFDIR | 0o555, size: 4096, nlink: 2 + 6}, // data dev etc rw scratch usr
		{name: "declared parent", path: "/etc", mode: unix.S_IFDIR | 0o555, size: 4096, nlink: 2},
		{name: "implicit parent", path: "/usr/lib", mode: unix.S_IFDIR | 0o555, size: 4096, nlink: 3},
		{name: "file", path: "/etc/hostname", mode: unix.S_IFREG | 0o444, size: 5, nlink: 1},
		{name: "file with a mode", path: "/etc/secret", mode: unix.S_IFREG | 0o400, size: 1, nlink: 1},
		{name: "symlink", path: "/lib", mode: unix.S_IFLNK | 0o777, size: int64(len("usr/lib")), nlink: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := f.fs.Stat(f.resolve(t, tt.path, 0))
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode != tt.mode || st.Size != tt.size || st.Nlink != tt.nlink || st.Dev != virtualDev || st.Uid != 1000 || st.Gid != 1000 {
				t.Errorf("mode %#o size %d nlink %d dev %#x owner %d:%d; want %#o %d %d %#x, the guest's 1000:1000",
					st.Mode, st.Size, st.Nlink, st.Dev, st.Uid, st.Gid, tt.mode, tt.size, tt.nlink, virtualDev)
			}
			again, _ := f.fs.Stat(f.resolve(t, tt.path, 0))
			if again != st {
				t.Errorf("a second Stat differs:\n%+v\n%+v", st, again)
			}
			stx, err := f.fs.Statx(f.resolve(t, tt.path, 0), unix.STATX_BASIC_STATS)
			if err != nil || stx != vfs.StatToStatx(&st) {
				t.Errorf("Statx %+v, %v; want StatToStatx(Stat)", stx, err)
			}
		})
	}
	t.Run("inode numbers are distinct", func(t *testing.T) {
		seen := map[uint64]string{}
		for _, tt := range tests {
			st, _ := f.fs.Stat(f.resolve(t, tt.path, 0))
			if other, ok := seen[st.Ino]; ok {
				t.Errorf("%s and %s share inode %d", tt.path, other, st.Ino)
			}
			seen[st.Ino] = tt.path
		}
	})
}

func TestStatDevice(t *testing.T) {
	f := newFixture(t)
	st, err := f.fs.Stat(f.resolve(t, "/dev/null", 0))
	if err != nil {
		t.Fatal(err)
	}
	var host unix.Stat_t
	unix.Stat("/dev/null", &host)
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != host.Rdev {
		t.Errorf("mode %#o rdev %#x, want a char device %#x", st.Mode, st.Rdev, host.Rdev)
	}
	if st.Dev == host.Dev || st.Ino == host.Ino {
		t.Errorf("host identity shows: dev %#x ino %d", st.Dev, st.Ino)
	}
}

func TestStatHost(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		path     string
		hostPath func(*fixture) string
		uid      uint32
	}{
		{name: "read-only host file of gaol's user belongs to the guest", path: "/data/readme.txt", hostPath: func(f *fixture) string { return filepath.Join(f.host, "readme.txt") }, uid: 1000},
		{name: "read-only host mount root", path: "/data", hostPath: func(f *fixture) string { return f.host }, uid: 1000},
		{name: "host file mount", path: "/single", hostPath: func(f *fixture) string { return filepath.Join(f.host, "readme.txt") }, uid: 1000},
		{name: "unfollowed host symlink", path: "/data/abs", hostPath: func(f *fixture) string { return filepath.Join(f.host, "abs") }, uid: 1000},
		{name: "scratch file belongs to the guest", path: "/scratch/file.txt", hostPath: func(f *fixture) string { return filepath.Join(f.scratch, "file.txt") }, uid: 1000},
		{name: "writable host dir belongs to the guest", path: "/rw", hostPath: func(f *fixture) string { return f.rw }, uid: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var host unix.Stat_t
			if err := unix.Lstat(tt.hostPath(f), &host); err != nil {
				t.Fatal(err)
			}
			l := f.resolve(t, tt.path, 0)
			st, err := f.fs.Stat(l)
			if err != nil {
				t.Fatal(err)
			}
			if st.Ino != host.Ino || st.Mode != host.Mode || st.Size != host.Size {
				t.Errorf("ino/mode/size %d %#o %d, want the host's %d %#o %d", st.Ino, st.Mode, st.Size, host.Ino, host.Mode, host.Size)
			}
			if st.Dev == host.Dev || st.Dev == virtualDev {
				t.Errorf("dev %#x: want a disguised one (host %#x)", st.Dev, host.Dev)
			}
			if st.Uid != tt.uid || st.Gid != tt.uid {
				t.Errorf("uid/gid %d/%d, want %d", st.Uid, st.Gid, tt.uid)
			}
			stx, err := f.fs.Statx(l, unix.STATX_BASIC_STATS|unix.STATX_MNT_ID)
			if err != nil {
				t.Fatal(err)
			}
			if unix.Mkdev(stx.Dev_major, stx.Dev_minor) != st.Dev || stx.Ino != st.Ino || stx.Uid != st.Uid || uint32(stx.Mode) != st.Mode {
				t.Errorf("Statx dev %d:%d ino %d uid %d mode %#o disagrees with Stat", stx.Dev_major, stx.Dev_minor, stx.Ino, stx.Uid, stx.Mode)
			}
			if stx.Mnt_id != 0 || stx.Mask&(unix.STATX_MNT_ID|unix.STATX_MNT_ID_UNIQUE) != 0 {
				t.Errorf("Statx reports the host's mount id %d (mask %#x)", stx.Mnt_id, stx.Mask)
			}
		})
	}
}

func TestDisguiseIsConsistent(t *testing.T) {
	f := newFixture(t)
	var a, b, other unix.Stat_t
	unix.Stat(f.host, &a)
	unix.Stat(f.scratch, &b)
	unix.Stat("/proc/self", &other)
	if a.Dev != b.Dev || a.Dev == other.Dev {
		t.Skip("test directories are not on one filesystem apart from /proc")
	}
	hostDev := a.Dev
	f.fs.Disguise(&a)
	f.fs.Disguise(&b)
	f.fs.Disguise(&other)
	if a.Dev != b.Dev {
		t.Errorf("one host device got two numbers: %#x, %#x", a.Dev, b.Dev)
	}
	if a.Dev == hostDev || a.Dev == other.Dev || a.Dev == virtualDev || other.Dev == virtualDev {
		t.Errorf("device numbers collide: host %#x, disguised %#x, other %#x", hostDev, a.Dev, other.Dev)
	}
	st, _ := f.fs.Stat(f.resolve(t, "/data/readme.txt", 0))
	if st.Dev != a.Dev {
		t.Errorf("Stat dev %#x, Disguise dev %#x", st.Dev, a.Dev)
	}
}

func TestOwnersMapAsTheGuestsUserNamespaceWould(t *testing.T) {
	fs, err := vfs.New(nil, vfs.Options{UID: 4242, GID: 4343, HostUID: 500, HostGID: 600})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	tests := []struct {
		name             string
		uid, gid         uint32
		wantUID, wantGID uint32
	}{
		{name: "gaol's own user and group are the guest's", uid: 500, gid: 600, wantUID: 4242, wantGID: 4343},
		{name: "root is nobody", uid: 0, gid: 0, wantUID: vfs.Nobody, wantGID: vfs.Nobody},
		{name: "another user in gaol's group", uid: 501, gid: 600, wantUID: vfs.Nobody, wantGID: 4343},
		{name: "gaol's user in another group", uid: 500, gid: 0, wantUID: 4242, wantGID: vfs.Nobody},
		{name: "the guest's own ids on the host are someone else's", uid: 4242, gid: 4343, wantUID: vfs.Nobody, wantGID: vfs.Nobody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := unix.Stat_t{Uid: tt.uid, Gid: tt.gid}
			fs.Disguise(&st)
			if st.Uid != tt.wantUID || st.Gid != tt.wantGID {
				t.Errorf("host %d:%d appears as %d:%d, want %d:%d", tt.uid, tt.gid, st.Uid, st.Gid, tt.wantUID, tt.wantGID)
			}
		})
	}
}

func TestHostFileOfAnotherUserBelongsToNobody(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user needs root")
	}
	f := newFixture(t)
	p := filepath.Join(f.scratch, "theirs.txt")
	writeFile(t, p, "")
	if err := os.Chown(p, 4000, 4000); err != nil {
		t.Fatal(err)
	}
	st, err := f.fs.Stat(f.resolve(t, "/scratch/theirs.txt", 0))
	if err != nil {
		t.Fatal(err)
	}
	if st.Uid != vfs.Nobody || st.Gid != vfs.Nobody {
		t.Errorf("owner %d:%d, want nobody's %d:%d", st.Uid, st.Gid, vfs.Nobody, vfs.Nobody)
	}
	checkErr(t, "Chown to the guest", f.fs.Chown(f.resolve(t, "/scratch/theirs.txt", 0), 1000, 1000), unix.EPERM)
}

func TestStatMissing(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/scratch/nope", "/etc/nope"} {
		l := f.missing(t, p)
		_, err := f.fs.Stat(l)
		checkErr(t, "Stat "+p, err, unix.ENOENT)
		_, err = f.fs.Statx(l, unix.STATX_BASIC_STATS)
		checkErr(t, "Statx "+p, err, unix.ENOENT)
	}
}

func TestStatToStatx(t *testing.T) {
	st := unix.Stat_t{
		Dev: unix.Mkdev(8, 1), Ino: 42, Nlink: 3, Mode: unix.S_IFREG | 0o644, Uid: 7, Gid: 8,
		Rdev: unix.Mkdev(1, 3), Size: 1000, Blksize: 4096, Blocks: 8,
		Atim: unix.Timespec{Sec: 1, Nsec: 2}, Mtim: unix.Timespec{Sec: 3, Nsec: 4}, Ctim: unix.Timespec{Sec: 5, Nsec: 6},
	}
	stx := vfs.StatToStatx(&st)
	want := unix.Statx_t{
		Mask: unix.STATX_BASIC_STATS, Blksize: 4096, Nlink: 3, Uid: 7, Gid: 8, Mode: unix.S_IFREG | 0o644,
		Ino: 42, Size: 1000, Blocks: 8,
		Atime: unix.StatxTimestamp{Sec: 1, Nsec: 2}, Mtime: unix.StatxTimestamp{Sec: 3, Nsec: 4},
		Ctime: unix.StatxTimestamp{Sec: 5, Nsec: 6}, Btime: unix.StatxTimestamp{Sec: 5, Nsec: 6},
		Rdev_major: 1, Rdev_minor: 3, Dev_major: 8, Dev_minor: 1,
	}
	if stx != want {
		t.Errorf("StatToStatx:\n got %+v\nwant %+v", stx, want)
	}
}

func TestAccess(t *testing.T) {
	tests := []struct {
		name string
		root bool // the guest's UID is 0, else 1000
		path string
		mode uint32
		err  error
	}{
		{name: "F_OK of a virtual file", path: "/etc/hostname", mode: unix.F_OK},
		{name: "R_OK of a virtual file", path: "/etc/hostname", mode: unix.R_OK},
		{name: "W_OK of a virtual file", path: "/etc/hostname", mode: unix.W_OK, err: unix.EROFS},
		{name: "X_OK of a virtual file without x bits", path: "/etc/hostname", mode: unix.X_OK, err: unix.EACCES},
		{name: "X_OK of a virtual dir", path: "/etc", mode: unix.X_OK},
		{name: "R_OK of an owner-only virtual file: the guest owns the virtual tree", path: "/etc/secret", mode: unix.R_OK},
		{name: "R_OK of an owner-only virtual file as root", root: true, path: "/etc/secret", mode: unix.R_OK},
		{name: "W_OK of an owner-only virtual file as root", root: true, path: "/etc/secret", mode: unix.W_OK, err: unix.EROFS},
		{name: "X_OK of a file without x bits as root", root: true, path: "/etc/secret", mode: unix.X_OK, err: unix.EACCES},
		{name: "W_OK of a device", path: "/dev/null", mode: unix.W_OK | unix.R_OK},
		{name: "W_OK of a read-only host file", path: "/data/readme.txt", mode: unix.W_OK, err: unix.EROFS},
		{name: "R_OK of a read-only host file", path: "/data/readme.txt", mode: unix.R_OK},
		{name: "W_OK of a scratch file", path: "/scratch/file.txt", mode: unix.W_OK},
		{name: "W_OK of a scratch dir", path: "/scratch/dir", mode: unix.W_OK | unix.X_OK},
		{name: "W_OK of a read-only scratch file", path: "/scratch/ro.txt", mode: unix.W_OK, err: unix.EACCES},
		{name: "W_OK of a read-only scratch file as root, which has no capability", root: true, path: "/scratch/ro.txt", mode: unix.W_OK, err: unix.EACCES},
		{name: "invalid mode", path: "/etc/hostname", mode: 8, err: unix.EINVAL},
		{name: "missing", path: "/scratch/nope", mode: unix.F_OK, err: unix.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uid := uint32(1000)
			if tt.root {
				uid = 0
			}
			f := newFixtureAs(t, uid)
			writeFile(t, filepath.Join(f.scratch, "ro.txt"), "")
			unix.Chmod(filepath.Join(f.scratch, "ro.txt"), 0o444)
			checkErr(t, "Access", f.fs.Access(f.resolve(t, tt.path, vfs.Follow|vfs.Missing), tt.mode), tt.err)
		})
	}
}
