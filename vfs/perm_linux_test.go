package vfs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// chmodHost sets a host mode in the fixture's scratch directory, and
// gives the test's cleanup its permissions back.
func chmodHost(t *testing.T, f *fixture, rel string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(f.scratch, rel)
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(p, 0o755) })
}

// chownHost gives a scratch file to another host user; it needs root.
func chownHost(t *testing.T, f *fixture, rel string, uid, gid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user needs root")
	}
	if err := os.Lchown(filepath.Join(f.scratch, rel), uid, gid); err != nil {
		t.Fatal(err)
	}
}

// locOp resolves p with flags and applies op; a failed resolution is the
// result.
func locOp(f *fixture, p string, flags vfs.Flags, op func(*vfs.Loc) error) error {
	l, err := f.fs.Resolve("/", p, flags)
	if err != nil {
		return err
	}
	defer l.Close()
	return op(l)
}

func openOp(f *fixture, p string, flags int) error {
	rf := vfs.Follow
	if flags&unix.O_CREAT != 0 {
		rf |= vfs.Missing
	}
	return locOp(f, p, rf, func(l *vfs.Loc) error {
		fd, err := f.fs.Open(l, flags, 0o644)
		if err == nil {
			unix.Close(fd)
		}
		return err
	})
}

func accessOp(f *fixture, p string, mode uint32) error {
	return locOp(f, p, vfs.Follow, func(l *vfs.Loc) error { return f.fs.Access(l, mode) })
}

func TestPermissionBitsAreTheGuests(t *testing.T) {
	other := os.Getegid() + 1 // a group gaol's user is not in, for these tests
	tests := []struct {
		name  string
		setup func(t *testing.T, f *fixture)
		op    func(f *fixture) error
		err   error // for the guest, uid 1000, and for uid 0, which holds no capability either
	}{
		{
			name:  "a mode 000 file does not open for reading",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "file.txt", 0) },
			op:    func(f *fixture) error { return openOp(f, "/scratch/file.txt", unix.O_RDONLY) },
			err:   unix.EACCES,
		},
		{
			name:  "access R_OK of a mode 000 file is EACCES",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "file.txt", 0) },
			op:    func(f *fixture) error { return accessOp(f, "/scratch/file.txt", unix.R_OK) },
			err:   unix.EACCES,
		},
		{
			name:  "a mode 000 file still opens with O_PATH",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "file.txt", 0) },
			op:    func(f *fixture) error { return openOp(f, "/scratch/file.txt", unix.O_PATH) },
		},
		{
			name:  "a mode 0444 file does not open for writing",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "file.txt", 0o444) },
			op:    func(f *fixture) error { return openOp(f, "/scratch/file.txt", unix.O_WRONLY) },
			err:   unix.EACCES,
		},
		{
			name:  "a mode 0444 file does not open for reading and writing",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "file.txt", 0o444) },
			op:    func(f *fixture) error { return openOp(f, "/scratch/file.txt", unix.O_RDWR) },
			err:   unix.EACCES,
		},
		{
			name:  "O_TRUNC asks for write permission",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "file.txt", 0o444) },
			op:    func(f *fixture) error { return openOp(f, "/scratch/file.txt", unix.O_RDONLY|unix.O_TRUNC) },
			err:   unix.EACCES,
		},
		{
			name:  "O_CREAT of an existing mode 0444 file asks for write permission",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "file.txt", 0o444) },
			op:    func(f *fixture) error { return openOp(f, "/scratch/file.txt", unix.O_WRONLY|unix.O_CREAT) },
			err:   unix.EACCES,
		},
		{
			name:  "a mode 0444 file cannot be truncated",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "file.txt", 0o444) },
			op: func(f *fixture) error {
				return locOp(f, "/scratch/file.txt", vfs.Follow, func(l *vfs.Loc) error { return f.fs.Truncate(l, 0) })
			},
			err: unix.EACCES,
		},
		{
			name:  "a mode 0200 file opens for writing only",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "file.txt", 0o200) },
			op:    func(f *fixture) error { return openOp(f, "/scratch/file.txt", unix.O_WRONLY) },
		},
		{
			name: "X_OK of a file without x bits is EACCES even for root",
			op:   func(f *fixture) error { return accessOp(f, "/scratch/file.txt", unix.X_OK) },
			err:  unix.EACCES,
		},
		{
			name:  "nothing can be created in a mode 0500 directory",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "dir", 0o500) },
			op:    func(f *fixture) error { return openOp(f, "/scratch/dir/new", unix.O_WRONLY|unix.O_CREAT) },
			err:   unix.EACCES,
		},
		{
			name:  "no directory can be made in a mode 0500 directory",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "dir", 0o500) },
			op: func(f *fixture) error {
				return locOp(f, "/scratch/dir/new", vfs.Missing, func(l *vfs.Loc) error { return f.fs.Mkdir(l, 0o755) })
			},
			err: unix.EACCES,
		},
		{
			name:  "no symlink can be made in a mode 0500 directory",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "dir", 0o500) },
			op: func(f *fixture) error {
				return locOp(f, "/scratch/dir/new", vfs.Missing, func(l *vfs.Loc) error { return f.fs.Symlink("x", l) })
			},
			err: unix.EACCES,
		},
		{
			name:  "nothing can be removed from a mode 0500 directory",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "dir", 0o500) },
			op: func(f *fixture) error {
				return locOp(f, "/scratch/dir/inner.txt", vfs.Missing, func(l *vfs.Loc) error { return f.fs.Unlink(l, false) })
			},
			err: unix.EACCES,
		},
		{
			name:  "nothing can be renamed out of a mode 0500 directory",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "dir", 0o500) },
			op: func(f *fixture) error {
				return locOp(f, "/scratch/dir/inner.txt", vfs.Missing, func(from *vfs.Loc) error {
					return locOp(f, "/scratch/moved", vfs.Missing, func(to *vfs.Loc) error { return f.fs.Rename(from, to, 0) })
				})
			},
			err: unix.EACCES,
		},
		{
			name:  "a directory without write permission cannot move to another parent",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "dir/sub", 0o500) },
			op: func(f *fixture) error {
				return locOp(f, "/scratch/dir/sub", vfs.Missing, func(from *vfs.Loc) error {
					return locOp(f, "/scratch/moved", vfs.Missing, func(to *vfs.Loc) error { return f.fs.Rename(from, to, 0) })
				})
			},
			err: unix.EACCES,
		},
		{
			name:  "a directory without write permission may be renamed in place",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "dir/sub", 0o500) },
			op: func(f *fixture) error {
				return locOp(f, "/scratch/dir/sub", vfs.Missing, func(from *vfs.Loc) error {
					return locOp(f, "/scratch/dir/sub2", vfs.Missing, func(to *vfs.Loc) error { return f.fs.Rename(from, to, 0) })
				})
			},
		},
		{
			name:  "a mode 0000 directory cannot be searched: its child does not stat",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "dir", 0) },
			op: func(f *fixture) error {
				return locOp(f, "/scratch/dir/inner.txt", 0, func(l *vfs.Loc) error { _, err := f.fs.Stat(l); return err })
			},
			err: unix.EACCES,
		},
		{
			name:  "a mode 0000 directory itself still stats",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "dir", 0) },
			op: func(f *fixture) error {
				return locOp(f, "/scratch/dir", 0, func(l *vfs.Loc) error { _, err := f.fs.Stat(l); return err })
			},
		},
		{
			name:  "a missing name in a mode 0600 directory is EACCES, not ENOENT",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "dir", 0o600) },
			op: func(f *fixture) error {
				return locOp(f, "/scratch/dir/nothing", 0, func(*vfs.Loc) error { return nil })
			},
			err: unix.EACCES,
		},
		{
			name:  "\"..\" out of a mode 0000 directory is EACCES",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "dir", 0) },
			op:    func(f *fixture) error { return locOp(f, "/scratch/dir/..", 0, func(*vfs.Loc) error { return nil }) },
			err:   unix.EACCES,
		},
		{
			name:  "a read-only mount is EROFS before any permission bit",
			setup: func(t *testing.T, f *fixture) { chmodHost(t, f, "file.txt", 0o444) },
			op:    func(f *fixture) error { return openOp(f, "/data/readme.txt", unix.O_WRONLY) },
			err:   unix.EROFS,
		},
		{
			name: "another user's file takes the other bits",
			setup: func(t *testing.T, f *fixture) {
				chownHost(t, f, "file.txt", 4000, other)
				chmodHost(t, f, "file.txt", 0o640)
			},
			op:  func(f *fixture) error { return openOp(f, "/scratch/file.txt", unix.O_RDONLY) },
			err: unix.EACCES,
		},
		{
			name: "another user's file in gaol's group takes the group bits",
			setup: func(t *testing.T, f *fixture) {
				chownHost(t, f, "file.txt", 4000, os.Getegid())
				chmodHost(t, f, "file.txt", 0o640)
			},
			op: func(f *fixture) error { return openOp(f, "/scratch/file.txt", unix.O_RDONLY) },
		},
		{
			name:  "another user's file cannot be chmodded",
			setup: func(t *testing.T, f *fixture) { chownHost(t, f, "file.txt", 4000, other) },
			op: func(f *fixture) error {
				return locOp(f, "/scratch/file.txt", vfs.Follow, func(l *vfs.Loc) error { return f.fs.Chmod(l, 0o600) })
			},
			err: unix.EPERM,
		},
		{
			name: "another user's file writable by all may be touched to now, not given times",
			setup: func(t *testing.T, f *fixture) {
				chownHost(t, f, "file.txt", 4000, other)
				chmodHost(t, f, "file.txt", 0o666)
			},
			op: func(f *fixture) error {
				return locOp(f, "/scratch/file.txt", vfs.Follow, func(l *vfs.Loc) error {
					if err := f.fs.Utimens(l, nil); err != nil {
						return err
					}
					return f.fs.Utimens(l, []unix.Timespec{{Sec: 1}, {Sec: 1}})
				})
			},
			err: unix.EPERM,
		},
		{
			name: "another user's file in a sticky directory cannot be removed",
			setup: func(t *testing.T, f *fixture) {
				chownHost(t, f, "dir", 4000, other)
				chownHost(t, f, "dir/inner.txt", 4000, other)
				chmodHost(t, f, "dir", os.ModeSticky|0o777)
			},
			op: func(f *fixture) error {
				return locOp(f, "/scratch/dir/inner.txt", vfs.Missing, func(l *vfs.Loc) error { return f.fs.Unlink(l, false) })
			},
			err: unix.EPERM,
		},
	}
	for _, tt := range tests {
		for _, uid := range []uint32{1000, 0} {
			t.Run(fmt.Sprintf("%s (uid %d)", tt.name, uid), func(t *testing.T) {
				f := newFixtureAs(t, uid)
				if tt.setup != nil {
					tt.setup(t, f)
				}
				checkErr(t, "", tt.op(f), tt.err)
			})
		}
	}
}
