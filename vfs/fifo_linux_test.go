package vfs_test

import (
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// hostType is the file type of a host path, 0 when it does not exist.
func hostType(t *testing.T, p string) (uint32, uint32) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return 0, 0
	}
	return st.Mode & unix.S_IFMT, st.Mode & 0o7777
}

func TestMknod(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		mode     uint32
		err      error
		hostPath func(*fixture) string // where the node must (or, on error, must not) appear
		wantType uint32
		wantPerm uint32
	}{
		{name: "a FIFO in scratch", path: "/scratch/fifo", mode: unix.S_IFIFO | 0o640,
			hostPath: func(f *fixture) string { return filepath.Join(f.scratch, "fifo") }, wantType: unix.S_IFIFO, wantPerm: 0o640},
		{name: "a regular file (type 0) in a writable host mount", path: "/rw/plain", mode: 0o600,
			hostPath: func(f *fixture) string { return filepath.Join(f.rw, "plain") }, wantType: unix.S_IFREG, wantPerm: 0o600},
		{name: "S_IFREG", path: "/scratch/reg", mode: unix.S_IFREG | 0o644,
			hostPath: func(f *fixture) string { return filepath.Join(f.scratch, "reg") }, wantType: unix.S_IFREG, wantPerm: 0o644},
		{name: "set-ID bits are dropped", path: "/scratch/suid", mode: unix.S_IFIFO | 0o6755,
			hostPath: func(f *fixture) string { return filepath.Join(f.scratch, "suid") }, wantType: unix.S_IFIFO, wantPerm: 0o755},
		{name: "a char device is EPERM", path: "/scratch/null", mode: unix.S_IFCHR | 0o666, err: unix.EPERM,
			hostPath: func(f *fixture) string { return filepath.Join(f.scratch, "null") }},
		{name: "a block device is EPERM", path: "/scratch/sda", mode: unix.S_IFBLK | 0o666, err: unix.EPERM,
			hostPath: func(f *fixture) string { return filepath.Join(f.scratch, "sda") }},
		{name: "a socket node is EPERM", path: "/scratch/sock", mode: unix.S_IFSOCK | 0o666, err: unix.EPERM,
			hostPath: func(f *fixture) string { return filepath.Join(f.scratch, "sock") }},
		{name: "a directory type is EPERM", path: "/scratch/d", mode: unix.S_IFDIR | 0o755, err: unix.EPERM,
			hostPath: func(f *fixture) string { return filepath.Join(f.scratch, "d") }},
		{name: "an unknown type is EINVAL", path: "/scratch/x", mode: unix.S_IFMT | 0o644, err: unix.EINVAL,
			hostPath: func(f *fixture) string { return filepath.Join(f.scratch, "x") }},
		{name: "a FIFO in a read-only mount is EROFS", path: "/data/fifo", mode: unix.S_IFIFO | 0o644, err: unix.EROFS,
			hostPath: func(f *fixture) string { return filepath.Join(f.host, "fifo") }},
		{name: "a device in a read-only mount is EROFS first, as in the kernel", path: "/data/null", mode: unix.S_IFCHR, err: unix.EROFS,
			hostPath: func(f *fixture) string { return filepath.Join(f.host, "null") }},
		{name: "a FIFO in the virtual tree is EROFS", path: "/etc/fifo", mode: unix.S_IFIFO | 0o644, err: unix.EROFS},
		{name: "an existing name is EEXIST", path: "/scratch/file.txt", mode: unix.S_IFIFO | 0o644, err: unix.EEXIST},
		{name: "a hidden name is EACCES", path: "/rw/.fifo", mode: unix.S_IFIFO | 0o644, err: unix.EACCES,
			hostPath: func(f *fixture) string { return filepath.Join(f.rw, ".fifo") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			l := f.missing(t, tt.path)
			checkErr(t, "Mknod", f.fs.Mknod(l, tt.mode), tt.err)
			if tt.hostPath == nil {
				return
			}
			typ, perm := hostType(t, tt.hostPath(f))
			if typ != tt.wantType || perm != tt.wantPerm {
				t.Errorf("host node: type %o perm %o, want type %o perm %o", typ, perm, tt.wantType, tt.wantPerm)
			}
		})
	}
}

func TestFIFOOpen(t *testing.T) {
	f := newFixture(t)
	if err := unix.Mkfifo(filepath.Join(f.scratch, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("only read-only and write-only blocking opens wait", func(t *testing.T) {
		l := f.follow(t, "/scratch/fifo")
		for _, tt := range []struct {
			flags int
			want  bool
		}{
			{unix.O_RDONLY, true}, {unix.O_WRONLY, true}, {unix.O_RDWR, false},
			{unix.O_RDONLY | unix.O_NONBLOCK, false}, {unix.O_WRONLY | unix.O_NONBLOCK, false}, {unix.O_PATH, false},
			{unix.O_WRONLY | unix.O_CREAT, true}, {unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL, false},
		} {
			if got := l.WaitsOnOpen(tt.flags); got != tt.want {
				t.Errorf("WaitsOnOpen(%#x) = %v, want %v", tt.flags, got, tt.want)
			}
		}
		if f.follow(t, "/scratch/file.txt").WaitsOnOpen(unix.O_RDONLY) {
			t.Error("a regular file waits on open")
		}
	})
	t.Run("Open never waits: a writer without a reader is ENXIO", func(t *testing.T) {
		_, err := f.fs.Open(f.follow(t, "/scratch/fifo"), unix.O_WRONLY, 0)
		checkErr(t, "Open", err, unix.ENXIO)
	})
	t.Run("Open never waits: a reader opens at once, without O_NONBLOCK left on", func(t *testing.T) {
		fd := mustOpen(t, f, unix.O_RDONLY, false)
		defer unix.Close(fd)
		if fl, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); fl&unix.O_NONBLOCK != 0 {
			t.Error("the reader's fd has O_NONBLOCK, which the guest did not ask for")
		}
	})
	t.Run("OpenWait waits for the other end, then both ends talk", func(t *testing.T) {
		opened := make(chan int, 1)
		go func() { opened <- mustOpen(t, f, unix.O_RDONLY, true) }()
		select {
		case fd := <-opened:
			unix.Close(fd)
			t.Fatal("the reader opened without a writer")
		case <-time.After(100 * time.Millisecond):
		}
		w := mustOpen(t, f, unix.O_WRONLY, true)
		defer unix.Close(w)
		r := <-opened
		defer unix.Close(r)
		unix.Write(w, []byte("hi"))
		buf := make([]byte, 8)
		if n, _ := unix.Read(r, buf); string(buf[:n]) != "hi" {
			t.Errorf("read %q, want hi", buf[:n])
		}
	})
}

func mustOpen(t *testing.T, f *fixture, flags int, wait bool) int {
	l := f.follow(t, "/scratch/fifo")
	defer l.Close()
	open := f.fs.Open
	if wait {
		open = f.fs.OpenWait
	}
	fd, err := open(l, flags, 0)
	if err != nil {
		t.Errorf("open %#x: %v", flags, err)
		return -1
	}
	return fd
}
