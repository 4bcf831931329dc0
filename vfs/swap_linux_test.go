package vfs_test

import (
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// swapScratch lays out scratch/x, a directory holding canary.txt with
// "inside\n", and two symlinks to f.outside (which holds the real
// canary): scratch/a by absolute host path, scratch/r by relative path.
// exchange(name) swaps x with a or r atomically.
func swapScratch(t *testing.T, f *fixture) (exchange func(name string)) {
	t.Helper()
	mkdir(t, filepath.Join(f.scratch, "x"))
	writeFile(t, filepath.Join(f.scratch, "x", "canary.txt"), "inside\n")
	symlink(t, f.outside, filepath.Join(f.scratch, "a"))
	rel, err := filepath.Rel(f.scratch, f.outside)
	if err != nil {
		t.Fatal(err)
	}
	symlink(t, rel, filepath.Join(f.scratch, "r"))
	x := filepath.Join(f.scratch, "x")
	return func(name string) {
		if err := unix.Renameat2(unix.AT_FDCWD, x, unix.AT_FDCWD, filepath.Join(f.scratch, name), unix.RENAME_EXCHANGE); err != nil {
			t.Errorf("exchange: %v", err)
		}
	}
}

// outsideState is what must never change in f.outside.
type outsideState struct {
	names   []string
	content string
	mode    os.FileMode
	mtime   unix.Timespec
}

func outside(t *testing.T, f *fixture) outsideState {
	t.Helper()
	var s outsideState
	ents, _ := os.ReadDir(f.outside)
	for _, e := range ents {
		s.names = append(s.names, e.Name())
	}
	p := filepath.Join(f.outside, "canary.txt")
	b, _ := os.ReadFile(p)
	s.content = string(b)
	if fi, err := os.Stat(p); err == nil {
		s.mode = fi.Mode()
	}
	var st unix.Stat_t
	unix.Stat(p, &st)
	s.mtime = st.Mtim
	return s
}

func checkOutside(t *testing.T, f *fixture, before outsideState) {
	t.Helper()
	if after := outside(t, f); !reflect.DeepEqual(after, before) {
		t.Errorf("host content outside every mount changed:\n before %+v\n after  %+v", before, after)
	}
	if before.content != canary {
		t.Fatalf("the canary was not set up: %q", before.content)
	}
}

// TestSymlinkSwappedAfterResolve holds a Loc, swaps the name it names (or
// its parent) for a symlink out of the mount, and then acts on the Loc.
func TestSymlinkSwappedAfterResolve(t *testing.T) {
	at := unix.Timespec{Sec: 1e9}
	tests := []struct {
		name  string
		path  string
		flags vfs.Flags
		swap  string // "a" or "r": exchange x with it; "file": x/canary.txt becomes a symlink; "newfile": so does x/new
		op    func(fs *vfs.FS, l *vfs.Loc) error
		err   error
	}{
		{name: "open of a file whose dir was swapped reads the file resolved", path: "/scratch/x/canary.txt", swap: "a",
			op: readsInside},
		{name: "open of a dir swapped for a symlink", path: "/scratch/x", swap: "a",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return openClose(fs, l, unix.O_RDONLY|unix.O_DIRECTORY) }, err: unix.ENOTDIR},
		{name: "open of a file swapped for a symlink", path: "/scratch/x/canary.txt", swap: "file",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return openClose(fs, l, unix.O_RDONLY) }, err: unix.ELOOP},
		{name: "open for writing of a file swapped for a symlink", path: "/scratch/x/canary.txt", swap: "file",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return openClose(fs, l, unix.O_WRONLY|unix.O_TRUNC) }, err: unix.ELOOP},
		{name: "truncate of a file swapped for a symlink", path: "/scratch/x/canary.txt", swap: "file",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return fs.Truncate(l, 0) }, err: unix.ELOOP},
		{name: "chmod of a file swapped for a symlink", path: "/scratch/x/canary.txt", swap: "file",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return fs.Chmod(l, 0o600) }, err: unix.EOPNOTSUPP},
		{name: "create over a missing name swapped for a symlink", path: "/scratch/x/new", flags: vfs.Missing, swap: "newfile",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return openClose(fs, l, unix.O_WRONLY|unix.O_CREAT) }, err: unix.ELOOP},
		{name: "create in a dir swapped for a symlink stays in scratch", path: "/scratch/x/new", flags: vfs.Missing, swap: "r",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return openClose(fs, l, unix.O_WRONLY|unix.O_CREAT) }},
		{name: "chmod of a name swapped for a symlink", path: "/scratch/x", swap: "a",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return fs.Chmod(l, 0o700) }, err: unix.EOPNOTSUPP},
		{name: "truncate of a name swapped for a symlink", path: "/scratch/x", swap: "r",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return fs.Truncate(l, 0) }, err: unix.EISDIR},
		{name: "utimens of a name swapped for a symlink touches the link", path: "/scratch/x", swap: "a",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return fs.Utimens(l, []unix.Timespec{at, at}) }},
		{name: "mkdir in a dir swapped for a symlink stays in scratch", path: "/scratch/x/made", flags: vfs.Missing, swap: "a",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return fs.Mkdir(l, 0o755) }},
		{name: "unlink in a dir swapped for a symlink stays in scratch", path: "/scratch/x/canary.txt", flags: vfs.Missing, swap: "r",
			op: func(fs *vfs.FS, l *vfs.Loc) error { return fs.Unlink(l, false) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			exchange := swapScratch(t, f)
			before := outside(t, f)
			l := f.resolve(t, tt.path, tt.flags)
			switch tt.swap {
			case "file":
				os.Remove(filepath.Join(f.scratch, "x", "canary.txt"))
				symlink(t, filepath.Join(f.outside, "canary.txt"), filepath.Join(f.scratch, "x", "canary.txt"))
			case "newfile":
				symlink(t, filepath.Join(f.outside, "canary.txt"), filepath.Join(f.scratch, "x", "new"))
			default:
				exchange(tt.swap)
			}
			checkErr(t, "op", tt.op(f.fs, l), tt.err)
			checkOutside(t, f, before)
		})
	}
}

func readsInside(fs *vfs.FS, l *vfs.Loc) error {
	fd, err := fs.Open(l, unix.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	buf := make([]byte, 64)
	n, _ := unix.Read(fd, buf)
	if string(buf[:n]) != "inside\n" {
		return unix.EXDEV // anything but the file resolved is a failure
	}
	return nil
}

func openClose(fs *vfs.FS, l *vfs.Loc, flags int) error {
	fd, err := fs.Open(l, flags, 0o644)
	if err == nil {
		unix.Close(fd)
	}
	return err
}

// TestConcurrentSymlinkSwapNeverEscapes races resolution and every
// operation against a goroutine that keeps swapping a scratch directory
// with symlinks to a host directory outside every mount.
func TestConcurrentSymlinkSwapNeverEscapes(t *testing.T) {
	f := newFixture(t)
	exchange := swapScratch(t, f)
	before := outside(t, f)
	outsideIno := func() uint64 {
		var st unix.Stat_t
		unix.Stat(f.outside, &st)
		return st.Ino
	}()

	var stop atomic.Bool
	var swapper sync.WaitGroup
	swapper.Add(1)
	go func() {
		defer swapper.Done()
		for !stop.Load() {
			for _, name := range []string{"a", "a", "r", "r"} {
				exchange(name)
			}
		}
	}()

	var reads, absent atomic.Int64
	ops := []func(){
		func() {
			l, err := f.fs.Resolve("/", "/scratch/x/canary.txt", vfs.Follow)
			if err != nil {
				if err == unix.ENOENT {
					absent.Add(1)
				}
				return
			}
			defer l.Close()
			fd, err := f.fs.Open(l, unix.O_RDONLY, 0)
			if err != nil {
				return
			}
			defer unix.Close(fd)
			buf := make([]byte, 64)
			n, _ := unix.Read(fd, buf)
			if got := string(buf[:n]); got != "inside\n" {
				t.Errorf("read %q through /scratch/x", got)
			}
			reads.Add(1)
		},
		func() {
			l, err := f.fs.Resolve("/", "/scratch/x", vfs.Follow)
			if err != nil {
				return
			}
			defer l.Close()
			if fd, err := f.fs.Open(l, unix.O_RDONLY|unix.O_DIRECTORY, 0); err == nil {
				var st unix.Stat_t
				unix.Fstat(fd, &st)
				unix.Close(fd)
				if st.Ino == outsideIno {
					t.Errorf("opened the host directory outside the mount")
				}
			}
		},
		onLoc(f, "/scratch/x/new", vfs.Follow|vfs.Missing, func(l *vfs.Loc) {
			if fd, err := f.fs.Open(l, unix.O_WRONLY|unix.O_CREAT, 0o644); err == nil {
				unix.Close(fd)
			}
		}),
		onLoc(f, "/scratch/x/made", vfs.Missing, func(l *vfs.Loc) { f.fs.Mkdir(l, 0o755) }),
		onLoc(f, "/scratch/x/sl", vfs.Missing, func(l *vfs.Loc) { f.fs.Symlink("y", l) }),
		onLoc(f, "/scratch/x/canary.txt", vfs.Follow, func(l *vfs.Loc) { f.fs.Chmod(l, 0o600) }),
		onLoc(f, "/scratch/x/canary.txt", vfs.Follow, func(l *vfs.Loc) { f.fs.Truncate(l, int64(len("inside\n"))) }),
		onLoc(f, "/scratch/x/canary.txt", vfs.Follow, func(l *vfs.Loc) { f.fs.Utimens(l, []unix.Timespec{{Sec: 1}, {Sec: 1}}) }),
		onLoc(f, "/scratch/x/canary.txt", 0, func(l *vfs.Loc) {
			if l.Exists {
				to, err := f.fs.Resolve("/", "/scratch/x/hard", vfs.Missing)
				if err == nil {
					f.fs.Link(l, to)
					to.Close()
				}
			}
		}),
	}
	var workers sync.WaitGroup
	deadline := time.Now().Add(5 * time.Second)
	for w := 0; w < 3; w++ {
		workers.Add(1)
		go func(w int) {
			defer workers.Done()
			for i := 0; ; i++ {
				ops[(i+w)%len(ops)]()
				enough := i > 3000 || reads.Load() > 200 && absent.Load() > 200
				if enough || time.Now().After(deadline) {
					return
				}
			}
		}(w)
	}
	workers.Wait()
	stop.Store(true)
	swapper.Wait()

	checkOutside(t, f, before)
	if reads.Load() == 0 || absent.Load() == 0 {
		t.Errorf("the race was not exercised: %d reads inside, %d ENOENT through a symlink", reads.Load(), absent.Load())
	}
	t.Logf("%d reads inside, %d ENOENT through a symlink", reads.Load(), absent.Load())
}

// onLoc returns an operation that resolves p and passes the Loc to op.
func onLoc(f *fixture, p string, flags vfs.Flags, op func(*vfs.Loc)) func() {
	return func() {
		l, err := f.fs.Resolve("/", p, flags)
		if err != nil {
			return
		}
		defer l.Close()
		op(l)
	}
}
