package vfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// followFixture is a host tree whose symlinks point elsewhere on the host,
// as a virtualenv's do:
//
//	root/venv/bin/python     -> root/usr/bin/python3 (absolute host path)
//	root/venv/bin/rel        -> ../../usr/bin/python3 (leaves the mount)
//	root/venv/bin/inside     -> ../lib/mod.py (stays inside)
//	root/venv/bin/up         -> ../.. (the host directory above the mount)
//	root/venv/bin/usrbin     -> root/usr/bin (a directory)
//	root/venv/bin/secret     -> root/secret/key (no mount exposes it)
//	root/venv/bin/relsecret  -> ../../secret/key
//	root/venv/bin/hidden     -> root/usr/bin/hidden.key (excluded where exposed)
//	root/venv/bin/hostname   -> /etc/hostname (a guest path too)
//	root/venv/bin/loop       -> root/venv/bin/loop
//	root/venv/lib/mod.py, root/usr/bin/python3, root/usr/bin/hidden.key, root/secret/key
//
// mounted as /venv (writable, follow_symlinks), /plain (the same tree,
// without) and /opt/usr (read-only, excluding *.key), with a virtual
// /etc/hostname.
func newFollowFixture(t *testing.T) (*vfs.FS, string) {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"venv/bin", "venv/lib", "usr/bin", "secret"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(root, "venv/lib/mod.py"), "mod\n")
	writeFile(t, filepath.Join(root, "usr/bin/python3"), "py\n")
	writeFile(t, filepath.Join(root, "usr/bin/hidden.key"), "key\n")
	writeFile(t, filepath.Join(root, "secret/key"), canary)
	bin := filepath.Join(root, "venv/bin")
	for name, target := range map[string]string{
		"python":    filepath.Join(root, "usr/bin/python3"),
		"rel":       "../../usr/bin/python3",
		"inside":    "../lib/mod.py",
		"up":        "../..",
		"usrbin":    filepath.Join(root, "usr/bin"),
		"secret":    filepath.Join(root, "secret/key"),
		"relsecret": "../../secret/key",
		"hidden":    filepath.Join(root, "usr/bin/hidden.key"),
		"hostname":  "/etc/hostname",
		"loop":      filepath.Join(bin, "loop"),
	} {
		symlink(t, target, filepath.Join(bin, name))
	}
	fs, err := vfs.New([]vfs.Mount{
		{Guest: "/venv", Kind: vfs.KindHost, Host: filepath.Join(root, "venv"), Writable: true, FollowSymlinks: true},
		{Guest: "/plain", Kind: vfs.KindHost, Host: filepath.Join(root, "venv")},
		{Guest: "/opt/usr", Kind: vfs.KindHost, Host: filepath.Join(root, "usr"), Exclude: []string{"*.key"}},
		{Guest: "/etc/hostname", Kind: vfs.KindFile, Content: []byte("gaol\n")},
	}, vfs.Options{UID: 1000, GID: 1000, HostUID: uint32(os.Geteuid()), HostGID: uint32(os.Getegid())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	return fs, root
}

func TestFollowSymlinksTranslatesHostTargets(t *testing.T) {
	fs, _ := newFollowFixture(t)
	tests := []struct {
		name    string
		path    string
		want    string // the canonical guest path reached
		content string // what it reads, for a file
		err     error
	}{
		{name: "an absolute host target another mount exposes is reached there", path: "/venv/bin/python", want: "/opt/usr/bin/python3", content: "py\n"},
		{name: "without the option the same target is a guest path, and absent", path: "/plain/bin/python", err: unix.ENOENT},
		{name: "a relative target leaving the mount is taken on the host", path: "/venv/bin/rel", want: "/opt/usr/bin/python3", content: "py\n"},
		{name: "without the option .. leaves the mount into the guest's tree", path: "/plain/bin/rel", err: unix.ENOENT},
		{name: "a relative target inside the mount stays in it", path: "/venv/bin/inside", want: "/venv/lib/mod.py", content: "mod\n"},
		{name: "a relative target inside the mount stays in it without the option too", path: "/plain/bin/inside", want: "/plain/lib/mod.py", content: "mod\n"},
		{name: "a directory target is walked through the mount exposing it", path: "/venv/bin/usrbin/python3", want: "/opt/usr/bin/python3", content: "py\n"},
		{name: "an absolute host target no mount exposes is absent", path: "/venv/bin/secret", err: unix.ENOENT},
		{name: "an unexposed absolute target is absent without the option too", path: "/plain/bin/secret", err: unix.ENOENT},
		{name: "a relative target with .. to an unexposed host path is absent", path: "/venv/bin/relsecret", err: unix.ENOENT},
		{name: "an unexposed relative target is absent without the option too", path: "/plain/bin/relsecret", err: unix.ENOENT},
		{name: ".. above every mount is absent", path: "/venv/bin/up/secret/key", err: unix.ENOENT},
		{name: "the exposing mount's excludes hide the target", path: "/venv/bin/hidden", err: unix.ENOENT},
		{name: "an absolute target is a host path, not the guest's file of that name", path: "/venv/bin/hostname", err: unix.ENOENT},
		{name: "without the option an absolute target is the guest's file", path: "/plain/bin/hostname", want: "/etc/hostname", content: "gaol\n"},
		{name: "a link to itself is a loop", path: "/venv/bin/loop", err: unix.ELOOP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := fs.Resolve("/", tt.path, vfs.Follow)
			checkErr(t, "Resolve", err, tt.err)
			if err != nil {
				return
			}
			defer l.Close()
			if l.Path != tt.want {
				t.Errorf("reached %s, want %s", l.Path, tt.want)
			}
			fd, err := fs.Open(l, unix.O_RDONLY, 0)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer unix.Close(fd)
			if got := readFD(t, fd); got != tt.content {
				t.Errorf("read %q, want %q", got, tt.content)
			}
		})
	}
}

func TestFollowedTargetObeysTheMountThatExposesIt(t *testing.T) {
	fs, _ := newFollowFixture(t)
	l, err := fs.Resolve("/", "/venv/bin/python", vfs.Follow)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = fs.Open(l, unix.O_WRONLY, 0)
	checkErr(t, "Open for writing through the writable /venv into the read-only /opt/usr", err, unix.EROFS)
}

func TestReadlinkShowsWhereAFollowedLinkLeads(t *testing.T) {
	fs, root := newFollowFixture(t)
	tests := []struct {
		name, path, want string
	}{
		{name: "a target leaving the mount reads as its guest path", path: "/venv/bin/rel", want: "/opt/usr/bin/python3"},
		{name: "an absolute host target reads as its guest path", path: "/venv/bin/python", want: "/opt/usr/bin/python3"},
		{name: "a target inside the mount keeps its text", path: "/venv/bin/inside", want: "../lib/mod.py"},
		{name: "a target no mount exposes keeps its text", path: "/venv/bin/secret", want: filepath.Join(root, "secret/key")},
		{name: "without the option every link keeps its text", path: "/plain/bin/rel", want: "../../usr/bin/python3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := fs.Resolve("/", tt.path, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if got, err := fs.Readlink(l); err != nil || got != tt.want {
				t.Errorf("Readlink = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestFollowSymlinksAbsenceIsNotMounted(t *testing.T) {
	fs, _ := newFollowFixture(t)
	_, why, err := fs.ResolveWhy(nil, "/", "/venv/bin/secret", vfs.Follow)
	if err != unix.ENOENT || why != vfs.NotMounted {
		t.Errorf("ResolveWhy = %v, %v; want ENOENT, not mounted", err, why)
	}
}
