package supervisor_test

import (
	"strings"
	"testing"
)

// cwdProbe is the preamble of the working-directory probes: a fresh
// directory d below a fresh directory top, and e, which calls f and
// returns the errno's name, the string f returned, or "ok".
const cwdProbe = `import errno, os, tempfile
top = tempfile.mkdtemp()
d = os.path.join(top, "d")
os.mkdir(d)
def e(f, *a, **kw):
    try:
        r = f(*a, **kw)
        return r if isinstance(r, str) else "ok"
    except OSError as x:
        return errno.errorcode[x.errno]
`

// TestRemovedWorkingDirectoryIsTheKernels runs each probe natively and
// under gaol: the working directory is a directory, not a name, as the
// kernel keeps it. Once removed, getcwd fails ENOENT and nothing is found
// or made in it, even when the path is made again; ".." still leads to its
// parent; a renamed one moves with its process. A directory fd of a
// removed directory answers the same.
func TestRemovedWorkingDirectoryIsTheKernels(t *testing.T) {
	forks := `sandbox "fork" {
  extends = "python"
  process {
    max = 2
  }
}`
	tests := []struct {
		name   string
		policy string // HCL; "" runs the python profile
		code   string
		want   string
	}{
		{
			name: "the working directory can be removed, and getcwd is then ENOENT",
			code: `os.chdir(d)
print(e(os.rmdir, d), e(os.getcwd))`,
			want: "ok ENOENT",
		},
		{
			name: "nothing is found or made in a removed working directory",
			code: `os.chdir(d); os.rmdir(d)
print(e(os.open, "f", os.O_CREAT | os.O_WRONLY, 0o600), e(os.mkdir, "sub"), e(os.stat, "f"), e(os.symlink, "x", "l"))`,
			want: "ENOENT ENOENT ENOENT ENOENT",
		},
		{
			name: "a directory made again at the same path is another: the old one stays removed",
			code: `os.chdir(d); os.rmdir(d); os.mkdir(d)
open(os.path.join(d, "there"), "w").close()
print(e(os.getcwd), e(os.stat, "there"), e(os.open, "f", os.O_CREAT | os.O_WRONLY, 0o600), os.listdir(d))`,
			want: "ENOENT ENOENT ENOENT ['there']",
		},
		{
			name: "dotdot leads out of a removed working directory to its parent",
			code: `open(os.path.join(top, "marker"), "w").close()
os.chdir(d); os.rmdir(d)
print(e(os.stat, "../marker"), e(os.stat, "./../marker"), e(os.chdir, ".."), os.getcwd() == top)`,
			want: "ok ok ok True",
		},
		{
			name: "a renamed working directory moves with its process",
			code: `os.chdir(d); os.rename(d, os.path.join(top, "moved"))
open("f", "w").close()
print(os.getcwd() == os.path.join(top, "moved"), os.listdir(os.path.join(top, "moved")))`,
			want: "True ['f']",
		},
		{
			name: "a directory renamed over the working directory removes it",
			code: `other = os.path.join(top, "other"); os.mkdir(other)
os.chdir(d); os.rename(other, d)
print(e(os.getcwd), e(os.open, "f", os.O_CREAT | os.O_WRONLY, 0o600))`,
			want: "ENOENT ENOENT",
		},
		{
			name: "fchdir to a removed directory succeeds and getcwd is ENOENT",
			code: `fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY); os.rmdir(d)
print(e(os.fchdir, fd), e(os.getcwd))`,
			want: "ok ENOENT",
		},
		{
			name: "a removed directory's fd finds nothing in it, even when the path is made again",
			code: `open(os.path.join(top, "marker"), "w").close()
fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY); os.rmdir(d); os.mkdir(d)
print(e(os.open, "f", os.O_CREAT | os.O_WRONLY, 0o600, dir_fd=fd), e(os.mkdir, "sub", dir_fd=fd), e(os.stat, "../marker", dir_fd=fd), os.listdir(d))`,
			want: "ENOENT ENOENT ok []",
		},
		{
			name:   "threads and forked children share the removal",
			policy: forks,
			code: `import threading
os.chdir(d); os.rmdir(d)
seen = []
th = threading.Thread(target=lambda: seen.append(e(os.getcwd))); th.start(); th.join()
pid = os.fork()
if pid == 0:
    os._exit(2 if e(os.getcwd) == "ENOENT" else 1)
print(seen[0], os.waitpid(pid, 0)[1] >> 8)`,
			want: "ENOENT 2",
		},
		{
			name: "importlib's path finder finds nothing in a removed working directory, without a warning",
			code: `import importlib.machinery, sys, warnings
warnings.simplefilter("error")
os.chdir(d); os.rmdir(d)
sys.path[:] = [""]; sys.path_importer_cache.clear()
print(importlib.machinery.PathFinder.find_spec("whatever"))`,
			want: "None",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			native, _ := runNative(t, cwdProbe+tt.code)
			if got := strings.TrimSpace(native); got != tt.want {
				t.Fatalf("natively: %q, want %q: the probe does not say what the kernel answers", got, tt.want)
			}
			var g *guestRun
			if tt.policy == "" {
				g = runGuest(t, runSpec{code: cwdProbe + tt.code})
			} else {
				g = runPolicy(t, tt.policy, cwdProbe+tt.code)
			}
			if got := strings.TrimSpace(g.stdout); got != tt.want {
				t.Errorf("under gaol: %q, want %q (natively the same)\nstderr:\n%s\nresult: %s", got, tt.want, g.stderr, describe(g.res))
			}
		})
	}
}
