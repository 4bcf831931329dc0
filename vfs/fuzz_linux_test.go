package vfs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// FuzzResolve resolves arbitrary guest paths in a tree with host
// symlinks that lead out of their mounts, and checks that whatever
// resolves opens a file inside a mount, never the canary outside.
func FuzzResolve(f *testing.F) {
	host, scratch, outside := f.TempDir(), f.TempDir(), f.TempDir()
	canaryPath := filepath.Join(outside, "canary.txt")
	must := func(err error) {
		if err != nil {
			f.Fatal(err)
		}
	}
	must(os.WriteFile(canaryPath, []byte("CANARY"), 0o644))
	must(os.WriteFile(filepath.Join(host, "file"), []byte("x"), 0o644))
	must(os.Mkdir(filepath.Join(host, "dir"), 0o755))
	must(os.Symlink("..", filepath.Join(host, "dir", "up")))
	must(os.Symlink(canaryPath, filepath.Join(host, "abs")))
	rel, _ := filepath.Rel(host, canaryPath)
	must(os.Symlink(rel, filepath.Join(host, "rel")))
	must(os.Symlink("/", filepath.Join(scratch, "root")))
	must(os.Symlink("../../../..", filepath.Join(scratch, "dots")))
	sfd, err := unix.Open(scratch, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	must(err)
	fs, err := vfs.New([]vfs.Mount{
		{Guest: "/h", Kind: vfs.KindHost, Host: host},
		{Guest: "/s", Kind: vfs.KindScratch, RootFD: sfd},
		{Guest: "/v/link", Kind: vfs.KindSymlink, Target: "../h/dir/up/up"},
		{Guest: "/f", Kind: vfs.KindFile, Content: []byte("inline")},
	}, vfs.Options{})
	must(err)
	f.Cleanup(func() { fs.Close() })
	roots := []string{host, scratch}

	for _, seed := range []string{"/h/file", "/h/dir/up/up/abs", "/h/rel", "/s/root/etc/passwd", "/s/dots/h/abs",
		"/v/link/abs", "../../h/./dir//up/rel", "/h/dir/up/../../..", "/f/", "h/dir/up/up/up"} {
		f.Add(seed, "/", uint8(vfs.Follow))
	}
	f.Fuzz(func(t *testing.T, p, cwd string, flags uint8) {
		if !strings.HasPrefix(cwd, "/") || strings.Contains(cwd, "..") || strings.ContainsRune(cwd, 0) {
			cwd = "/"
		}
		loc, err := fs.Resolve(filepath.Clean(cwd), p, vfs.Flags(flags)&(vfs.Follow|vfs.Missing|vfs.NoSymlinks))
		if err != nil {
			if _, ok := err.(unix.Errno); !ok {
				t.Fatalf("Resolve(%q) returned a non-errno error %T: %v", p, err, err)
			}
			return
		}
		defer loc.Close()
		if !strings.HasPrefix(loc.Path, "/") || filepath.Clean(loc.Path) != loc.Path {
			t.Fatalf("Resolve(%q) = %q: not a canonical absolute path", p, loc.Path)
		}
		if !loc.Exists || !loc.IsHost() {
			return
		}
		fd, err := fs.Open(loc, unix.O_RDONLY, 0)
		if err != nil {
			return
		}
		defer unix.Close(fd)
		buf := make([]byte, 4096)
		n, err := unix.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd), buf)
		if err != nil {
			t.Fatal(err)
		}
		got := string(buf[:n])
		for _, r := range roots {
			if got == r || strings.HasPrefix(got, r+"/") {
				return
			}
		}
		t.Fatalf("Resolve(%q) opened %s, outside every mount", p, got)
	})
}
