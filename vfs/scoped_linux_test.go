package vfs_test

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// TestScopedResolution: openat2's RESOLVE_BENEATH, RESOLVE_IN_ROOT and
// RESOLVE_NO_MAGICLINKS, answered as the kernel answers them.
func TestScopedResolution(t *testing.T) {
	f := newFixture(t)
	tests := []resolution{
		{name: "beneath: a name below the start", cwd: "/data", path: "sub/deep.txt", flags: vfs.Beneath, want: "/data/sub/deep.txt"},
		{name: "beneath: dotdot back to the start", cwd: "/data", path: "sub/../readme.txt", flags: vfs.Beneath, want: "/data/readme.txt"},
		{name: "beneath: dotdot above the start", cwd: "/data/sub", path: "../readme.txt", flags: vfs.Beneath, err: unix.EXDEV},
		{name: "beneath: an absolute path", cwd: "/data", path: "/data/readme.txt", flags: vfs.Beneath, err: unix.EXDEV},
		{name: "beneath: a relative symlink that stays below", cwd: "/data", path: "sub/up/readme.txt", flags: vfs.Beneath, want: "/data/readme.txt"},
		{name: "beneath: a relative symlink that climbs above", cwd: "/data/sub", path: "up/readme.txt", flags: vfs.Beneath, err: unix.EXDEV},
		{name: "beneath: an absolute symlink", cwd: "/data", path: "abs", flags: vfs.Beneath | vfs.Follow, err: unix.EXDEV},
		{name: "beneath: an absolute symlink not followed", cwd: "/data", path: "abs", flags: vfs.Beneath, want: "/data/abs"},
		{name: "beneath: dotdot out of a host mount's root", cwd: "/data", path: "..", flags: vfs.Beneath, err: unix.EXDEV},
		{name: "beneath: from the root, dotdot stays refused", cwd: "/", path: "..", flags: vfs.Beneath, err: unix.EXDEV},
		{name: "in root: an absolute path starts at the start", cwd: "/data", path: "/sub/deep.txt", flags: vfs.InRoot, want: "/data/sub/deep.txt"},
		{name: "in root: dotdot stops at the start", cwd: "/data/sub", path: "../../../deep.txt", flags: vfs.InRoot, want: "/data/sub/deep.txt"},
		{name: "in root: an absolute symlink starts at the start", cwd: "/data", path: "abs", flags: vfs.InRoot | vfs.Follow, err: unix.ENOENT},
		{name: "in root: a symlink climbing out stops at the start", cwd: "/data", path: "dotdot/readme.txt", flags: vfs.InRoot, want: "/data/readme.txt"},
		{name: "unscoped: the same climb reaches the guest root", cwd: "/data", path: "dotdot/etc/hostname", want: "/etc/hostname"},
		{name: "no xdev: a name in the starting mount", cwd: "/data", path: "sub/deep.txt", flags: vfs.NoXDev, want: "/data/sub/deep.txt"},
		{name: "no xdev: a relative symlink that stays in the mount", cwd: "/data", path: "sub/up/readme.txt", flags: vfs.NoXDev, want: "/data/readme.txt"},
		{name: "no xdev: dotdot out of the mount's root", cwd: "/data", path: "../etc", flags: vfs.NoXDev, err: unix.EXDEV},
		{name: "no xdev: from the root into a host mount", cwd: "/", path: "/data/readme.txt", flags: vfs.NoXDev, err: unix.EXDEV},
		{name: "no xdev: from the root through virtual directories", cwd: "/", path: "/usr/lib", flags: vfs.NoXDev, want: "/usr/lib"},
		{name: "no xdev: from the root onto a file mount", cwd: "/", path: "/etc/hostname", flags: vfs.NoXDev, err: unix.EXDEV},
		{name: "no xdev: an absolute symlink jumps to the root's mount", cwd: "/data", path: "abs", flags: vfs.NoXDev | vfs.Follow, err: unix.EXDEV},
		{name: "no xdev: a symlink into another mount", cwd: "/data", path: "toscratch/file.txt", flags: vfs.NoXDev, err: unix.EXDEV},
		{name: "no xdev: the starting directory itself", cwd: "/data/sub", path: ".", flags: vfs.NoXDev, want: "/data/sub"},
	}
	checkResolutions(t, f.fs, tests)
}

// TestMagicLinks: a magic link (procfs's /proc/self/exe and fd links) is
// followed like any symlink, except when openat2 refuses magic links:
// ELOOP for RESOLVE_NO_MAGICLINKS, EXDEV for a scoped lookup.
func TestMagicLinks(t *testing.T) {
	host := t.TempDir()
	writeFile(t, host+"/python", "#!")
	fs, err := vfs.New([]vfs.Mount{
		{Guest: "/usr/bin", Kind: vfs.KindHost, Host: host},
		{Guest: "/proc/self/exe", Kind: vfs.KindSymlink, Target: "/usr/bin/python", Magic: true},
		{Guest: "/proc/self/plain", Kind: vfs.KindSymlink, Target: "/usr/bin/python"},
	}, vfs.Options{ShadowFD: openPath(t, t.TempDir()), UID: 1000, GID: 1000,
		HostUID: uint32(os.Geteuid()), HostGID: uint32(os.Getegid())})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	tests := []resolution{
		{name: "a magic link is followed", cwd: "/", path: "/proc/self/exe", flags: vfs.Follow, want: "/usr/bin/python"},
		{name: "not followed, it is itself", cwd: "/", path: "/proc/self/exe", want: "/proc/self/exe"},
		{name: "no magic links: ELOOP", cwd: "/", path: "/proc/self/exe", flags: vfs.Follow | vfs.NoMagicLinks, err: unix.ELOOP},
		{name: "no magic links, not followed: itself", cwd: "/", path: "/proc/self/exe", flags: vfs.NoMagicLinks, want: "/proc/self/exe"},
		{name: "no magic links: a plain symlink is followed", cwd: "/", path: "/proc/self/plain", flags: vfs.Follow | vfs.NoMagicLinks, want: "/usr/bin/python"},
		{name: "beneath: EXDEV", cwd: "/proc", path: "self/exe", flags: vfs.Follow | vfs.Beneath, err: unix.EXDEV},
		{name: "in root: EXDEV", cwd: "/proc", path: "self/exe", flags: vfs.Follow | vfs.InRoot, err: unix.EXDEV},
		{name: "no symlinks: ELOOP", cwd: "/", path: "/proc/self/exe", flags: vfs.Follow | vfs.NoSymlinks, err: unix.ELOOP},
	}
	checkResolutions(t, fs, tests)
}

// resolution is one case of a table of lookups: from directory cwd
// (openat2's dirfd), path with flags resolves to want, or fails with err.
type resolution struct {
	name  string
	cwd   string
	path  string
	flags vfs.Flags
	want  string
	err   error
}

func checkResolutions(t *testing.T, fs *vfs.FS, tests []resolution) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := fs.Resolve(tt.cwd, tt.path, tt.flags)
			checkErr(t, tt.path, err, tt.err)
			if err != nil {
				return
			}
			defer l.Close()
			if l.Path != tt.want {
				t.Errorf("Resolve(%q, %q) = %q, want %q", tt.cwd, tt.path, l.Path, tt.want)
			}
		})
	}
}
