package supervisor_test

import (
	"strings"
	"testing"
)

// permissionProbe makes files and directories in /tmp that uid 1000 may
// not use and prints what each use gives: a mode 000 file does not open
// and access(R_OK) says so; a mode 0444 file does not open for writing;
// nothing can be created in a mode 0500 directory; nothing below a mode
// 0000 directory can be stat'ed.
const permissionProbe = `import os
def errno(f, *a):
    try:
        f(*a)
        return "ok"
    except PermissionError:
        return "EACCES"
open("/tmp/none", "w").close(); os.chmod("/tmp/none", 0)
open("/tmp/ro", "w").close(); os.chmod("/tmp/ro", 0o444)
os.mkdir("/tmp/rx"); os.chmod("/tmp/rx", 0o500)
os.mkdir("/tmp/shut"); open("/tmp/shut/f", "w").close(); os.chmod("/tmp/shut", 0)
print(errno(open, "/tmp/none"), os.access("/tmp/none", os.R_OK), os.access("/tmp/none", os.R_OK, effective_ids=True),
      errno(open, "/tmp/ro", "w"), os.access("/tmp/ro", os.W_OK), errno(open, "/tmp/rx/new", "w"), errno(os.mkdir, "/tmp/rx/d"),
      errno(os.stat, "/tmp/shut/f"), errno(os.unlink, "/tmp/shut/f"))`

const permissionWant = "EACCES False False EACCES False EACCES EACCES EACCES EACCES"

// TestGuestSeesWhatAKernelWouldAnswer runs calls whose answers CPython's
// own test suite checks (tests/compat) and compares what the guest sees
// with what an unprivileged process sees natively. Each snippet prints
// one line per check.
func TestGuestSeesWhatAKernelWouldAnswer(t *testing.T) {
	tests := []struct {
		name string
		code string
		want string
	}{
		{
			name: "created files and directories get the guest's umask, not the supervisor's",
			code: `import os
os.umask(0o002)
os.mkdir("/tmp/d", 0o777)
os.close(os.open("/tmp/f", os.O_CREAT | os.O_WRONLY, 0o666))
print(oct(os.stat("/tmp/d").st_mode & 0o777), oct(os.stat("/tmp/f").st_mode & 0o777))`,
			want: "0o775 0o664",
		},
		{
			name: "the owner may chown a file to its own ids, not to another's",
			code: `import os
open("/tmp/f", "w").close()
st = os.stat("/tmp/f")
os.chown("/tmp/f", st.st_uid, st.st_gid)
os.chown("/tmp/f", -1, -1)
os.lchown("/tmp/f", st.st_uid, -1)
fd = os.open("/tmp/f", os.O_RDONLY)
os.fchown(fd, -1, st.st_gid)
for f, arg in ((os.chown, "/tmp/f"), (os.fchown, fd)):
    try:
        f(arg, 0, 0)
    except PermissionError:
        print("EPERM", end=" ")
try:
    os.chown("/tmp/missing", -1, -1)
except FileNotFoundError:
    print("ENOENT", end=" ")
try:
    os.fchown(9999, -1, -1)
except OSError as e:
    print(e.errno == 9 and "EBADF")`,
			want: "EPERM EPERM ENOENT EBADF",
		},
		{
			name: "set*id to the ids the guest has succeeds, to others is EPERM",
			code: `import os
os.setreuid(-1, -1); os.setregid(-1, -1); os.setuid(os.getuid()); os.setresgid(-1, os.getgid(), -1)
try:
    os.setuid(0)
except PermissionError:
    print("EPERM")`,
			want: "EPERM",
		},
		{
			name: "statvfs reports sizes, and ST_RDONLY for read-only mounts",
			code: `import os, shutil
u = shutil.disk_usage(os.path.dirname(os.__file__))
print(u.total > 0, u.used > 0, bool(os.statvfs(os.__file__).f_flag & os.ST_RDONLY), bool(os.statvfs("/tmp").f_flag & os.ST_RDONLY))`,
			want: "True True True False",
		},
		{
			name: "permission bits bind the guest as they bind uid 1000, also when gaol is root",
			code: permissionProbe,
			want: permissionWant,
		},
		{
			name: "the profile's LANG=C.UTF-8 finds its locale: no fallback to C and UTF-8 mode",
			code: `import sys, locale; print(sys.flags.utf8_mode, locale.setlocale(locale.LC_CTYPE), locale.getencoding())`,
			want: "0 C.UTF-8 UTF-8",
		},
		{
			name: "a mapping longer than any address space is a MemoryError, not the end of the run",
			code: `import sys
try:
    b = bytearray(1 << 62)
except MemoryError:
    print("MemoryError")`,
			want: "MemoryError",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := runGuest(t, runSpec{code: tt.code})
			if got := strings.TrimSpace(g.stdout); got != tt.want {
				t.Errorf("stdout %q, want %q\nstderr:\n%s\nresult: %s", got, tt.want, g.stderr, describe(g.res))
			}
		})
	}
}

// openat2Probe opens paths relative to a directory fd with openat2's
// scoping flags and prints the errno of each, in a fresh directory below
// sys.argv[1].
const openat2Probe = `import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
class How(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]
NO_XDEV, NO_MAGICLINKS, BENEATH, IN_ROOT = 0x01, 0x02, 0x08, 0x10
base = os.path.join(sys.argv[1], "scoped")
os.makedirs(base + "/d/sub")
open(base + "/d/f", "w").close()
os.symlink("/etc", base + "/d/abs")
os.symlink("../..", base + "/d/sub/up2")
dfd = os.open(base + "/d", os.O_RDONLY | os.O_DIRECTORY)
out = []
for path, resolve in (("f", BENEATH), ("sub/../f", BENEATH), ("../d/f", BENEATH), ("/f", BENEATH),
                      ("abs", BENEATH), ("sub/up2/x", BENEATH), ("/f", IN_ROOT), ("../../../f", IN_ROOT),
                      ("sub/up2/f", IN_ROOT), ("f", BENEATH | IN_ROOT), ("/proc/self/exe", NO_MAGICLINKS),
                      ("/proc/self/exe", 0), ("../d/f", NO_XDEV), ("/proc/self/exe", NO_XDEV)):
    how = How(os.O_RDONLY | os.O_CLOEXEC, 0, resolve)
    fd = libc.syscall(437, dfd, path.encode(), ctypes.byref(how), ctypes.sizeof(how))
    if fd >= 0:
        os.close(fd)
    out.append("ok" if fd >= 0 else errno.errorcode[ctypes.get_errno()])
print(" ".join(out))`

// TestOpenat2ScopesAreTheKernels: RESOLVE_BENEATH, RESOLVE_IN_ROOT,
// RESOLVE_NO_MAGICLINKS and RESOLVE_NO_XDEV give the guest the answers
// the kernel gives.
func TestOpenat2ScopesAreTheKernels(t *testing.T) {
	const want = "ok ok EXDEV EXDEV EXDEV EXDEV ok ok ok EINVAL ELOOP ok ok EXDEV"
	native, st := runNative(t, openat2Probe, t.TempDir())
	if !st.Success() || strings.TrimSpace(native) != want {
		t.Fatalf("natively: %q (%v), want %q", native, st, want)
	}
	g := runGuest(t, runSpec{code: openat2Probe, args: []string{"/tmp"}})
	if got := strings.TrimSpace(g.stdout); got != want {
		t.Errorf("under gaol %q, natively %q\nstderr:\n%s", got, want, g.stderr)
	}
}
