package vfs_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// fixture is a guest tree over real host directories:
//
//	/etc/hostname          file "gaol\n"
//	/etc/secret            file, mode 0400
//	/lib -> usr/lib        virtual symlink
//	/loop -> /loop         virtual symlink loop
//	/usr/lib/python3       host dir f.host, read-only
//	/data                  host dir f.host, read-only, excludes *.key and cache, hides dotfiles
//	/rw                    host dir f.rw, writable, excludes *.lock, hides dotfiles
//	/scratch               scratch dir f.scratch
//	/single                host file f.host/readme.txt, read-only
//	/dev/null, /dev/zero   devices
//
// f.outside holds canary.txt; no mount reaches it.
type fixture struct {
	fs      *vfs.FS
	host    string
	rw      string
	scratch string
	outside string
}

const canary = "CANARY\n"

func newFixture(t *testing.T) *fixture { return newFixtureAs(t, 1000) }

// newFixtureAs builds the fixture for a guest with the given UID and GID.
func newFixtureAs(t *testing.T, uid uint32) *fixture {
	t.Helper()
	f := &fixture{host: t.TempDir(), rw: t.TempDir(), scratch: t.TempDir(), outside: t.TempDir()}
	writeFile(t, filepath.Join(f.outside, "canary.txt"), canary)
	f.populateHost(t)
	writeFile(t, filepath.Join(f.rw, "note.txt"), "rw\n")
	writeFile(t, filepath.Join(f.rw, ".dot"), "dot\n")
	writeFile(t, filepath.Join(f.scratch, "file.txt"), "scratch\n")
	mkdir(t, filepath.Join(f.scratch, "dir"))
	mkdir(t, filepath.Join(f.scratch, "dir", "sub"))
	writeFile(t, filepath.Join(f.scratch, "dir", "inner.txt"), "inner\n")
	symlink(t, "/etc/passwd", filepath.Join(f.scratch, "passwd"))

	fs, err := vfs.New([]vfs.Mount{
		{Guest: "/etc/hostname", Kind: vfs.KindFile, Content: []byte("gaol\n")},
		{Guest: "/etc/secret", Kind: vfs.KindFile, Content: []byte("s"), Mode: 0o400},
		{Guest: "/lib", Kind: vfs.KindSymlink, Target: "usr/lib"},
		{Guest: "/loop", Kind: vfs.KindSymlink, Target: "/loop"},
		{Guest: "/usr/lib/python3", Kind: vfs.KindHost, Host: f.host},
		{Guest: "/data", Kind: vfs.KindHost, Host: f.host, Exclude: []string{"*.key", "cache"}, HideDotfiles: true},
		{Guest: "/rw", Kind: vfs.KindHost, Host: f.rw, Writable: true, Exclude: []string{"*.lock"}, HideDotfiles: true},
		{Guest: "/scratch", Kind: vfs.KindScratch, RootFD: openPath(t, f.scratch)},
		{Guest: "/single", Kind: vfs.KindHost, Host: filepath.Join(f.host, "readme.txt")},
		{Guest: "/dev/null", Kind: vfs.KindDevice, Device: "null"},
		{Guest: "/dev/zero", Kind: vfs.KindDevice, Device: "zero"},
	}, vfs.Options{ShadowFD: openPath(t, t.TempDir()), UID: uid, GID: uid,
		HostUID: uint32(os.Geteuid()), HostGID: uint32(os.Getegid())})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { fs.Close() })
	f.fs = fs
	return f
}

// populateHost lays out the host directory behind /data and /usr/lib/python3.
func (f *fixture) populateHost(t *testing.T) {
	h := f.host
	writeFile(t, filepath.Join(h, "readme.txt"), "hello\n")
	writeFile(t, filepath.Join(h, ".hidden"), "hidden\n")
	writeFile(t, filepath.Join(h, "secret.key"), "key\n")
	mkdir(t, filepath.Join(h, "cache"))
	writeFile(t, filepath.Join(h, "cache", "x"), "x\n")
	mkdir(t, filepath.Join(h, "sub"))
	writeFile(t, filepath.Join(h, "sub", "deep.txt"), "deep\n")
	writeFile(t, filepath.Join(h, "sub", ".dot"), "dot\n")
	symlink(t, "..", filepath.Join(h, "sub", "up"))
	symlink(t, "/etc/hostname", filepath.Join(h, "abs"))
	symlink(t, "/etc/passwd", filepath.Join(h, "passwd"))
	symlink(t, "../../../../../../../../..", filepath.Join(h, "dotdot"))
	rel, err := filepath.Rel(h, filepath.Join(f.outside, "canary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	symlink(t, rel, filepath.Join(h, "escape"))
	symlink(t, filepath.Join(f.outside, "canary.txt"), filepath.Join(h, "outabs"))
	symlink(t, "nothing", filepath.Join(h, "dangling"))
	symlink(t, "loop", filepath.Join(h, "loop"))
	symlink(t, "/scratch", filepath.Join(h, "toscratch"))
	symlink(t, ".hidden", filepath.Join(h, "tohidden"))
	symlink(t, "readme.txt/", filepath.Join(h, "fileslash"))
	symlink(t, "newdir/", filepath.Join(h, "newslash"))
	mkdir(t, filepath.Join(h, "chain"))
	symlink(t, "../readme.txt", filepath.Join(h, "chain", "l1"))
	for i := 2; i <= 41; i++ {
		symlink(t, fmt.Sprintf("l%d", i-1), filepath.Join(h, "chain", fmt.Sprintf("l%d", i)))
	}
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, p string) {
	t.Helper()
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// openPath returns an O_PATH directory fd of dir, as a scratch RootFD or
// a ShadowFD; the FS owns it.
func openPath(t *testing.T, dir string) int {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// resolve resolves p from the root and fails the test on an error.
func (f *fixture) resolve(t *testing.T, p string, flags vfs.Flags) *vfs.Loc {
	t.Helper()
	l, err := f.fs.Resolve("/", p, flags)
	if err != nil {
		t.Fatalf("Resolve(%q): %v", p, err)
	}
	t.Cleanup(l.Close)
	return l
}

// readFD reads an fd to its end.
func readFD(t *testing.T, fd int) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if n == 0 {
			return b.String()
		}
		b.Write(buf[:n])
	}
}

// errno names an error for messages: the errno's symbol, or "ok".
func errno(err error) string {
	if err == nil {
		return "ok"
	}
	var e unix.Errno
	if errors.As(err, &e) {
		if name := unix.ErrnoName(e); name != "" {
			return name
		}
	}
	return err.Error()
}

// checkErr fails the test unless err is exactly want (nil for success).
func checkErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if errno(err) != errno(want) {
		t.Errorf("%s: got %s, want %s", what, errno(err), errno(want))
	}
}

// hostExists reports whether the host path p exists (without following).
func hostExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
