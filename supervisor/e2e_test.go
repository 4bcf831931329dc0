package supervisor_test

// End-to-end tests: the real CPython under the real supervisor with the
// built-in python profile. The test binary is its own guest stub: gaol
// re-executes /proc/self/exe with guest.ModeInit, and TestMain turns that
// into guest.RunInit before the testing package does anything. The test
// process itself is never sandboxed.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/guest"
	"github.com/gaol-sandbox/gaol/guest/guesttest"
	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor"
)

func TestMain(m *testing.M) {
	guesttest.ServeStub()
	os.Exit(m.Run())
}

const stdlibImports = `import json, re, pathlib, tempfile, sqlite3; print("ok")`

func TestStandardLibraryRunsOnTheDefaultProfile(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	scriptDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(scriptDir, "main.py"), []byte(stdlibImports+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		spec runSpec
	}{
		{name: "from -c", spec: runSpec{code: stdlibImports}},
		{name: "from a script file mapped at /work", spec: runSpec{
			args:   []string{"/work/main.py"},
			mounts: []policies.Mount{{Guest: "/work/main.py", Kind: policies.MountHost, Host: filepath.Join(scriptDir, "main.py")}},
			cwd:    "/work",
		}},
		{name: "from stdin", spec: runSpec{args: []string{"-"}, stdin: stdlibImports + "\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := runGuest(t, tt.spec)
			g.checkExit(t, 0)
			if g.stdout != "ok\n" {
				t.Errorf("stdout = %q, want %q (stderr: %s)", g.stdout, "ok\n", g.stderr)
			}
			if g.res.Limit != "none" || g.res.Policy != "python" {
				t.Errorf("limit = %q, policy = %q; want none, python", g.res.Limit, g.res.Policy)
			}
			if len(g.trace) == 0 {
				t.Fatal("the trace is empty")
			}
			g.checkCounts(t)
			g.checkTrace(t, []traceWant{{syscall: "execve", action: "allow", path: python}})
		})
	}
}

// prelude is Python shared by the escape attempts: attempt() prints
// "LABEL ERRNO" for a refused operation and "LABEL SUCCEEDED ..." for one
// that worked; raw() makes a raw syscall through libc.syscall, so that no
// Python wrapper stands between the guest and the kernel.
const prelude = `
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
NR = {"open": 2, "ptrace": 101, "getdents64": 217, "openat": 257, "newfstatat": 262, "io_uring_setup": 425}
AT_FDCWD = -100
CANARY = sys.argv[1]

def attempt(label, f):
    try:
        r = f()
    except OSError as e:
        print(label, errno.errorcode.get(e.errno, str(e.errno)), flush=True)
    else:
        print(label, "SUCCEEDED", repr(r)[:300], flush=True)

def raw(name, *args):
    conv = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(NR[name]), *conv)
    if r == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r

def getdents(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    buf = ctypes.create_string_buffer(1 << 16)
    names = []
    while True:
        n = raw("getdents64", fd, buf, len(buf))
        if n == 0:
            break
        off = 0
        while off < n:
            reclen = int.from_bytes(buf.raw[off + 16:off + 18], "little")
            names.append(buf.raw[off + 19:off + reclen].split(b"\0")[0].decode())
            off += reclen
    os.close(fd)
    return names

def show(label, names):
    print(label, " ".join(sorted(n for n in names if n not in (".", ".."))), flush=True)
`

// canary is a host directory outside every mount, with a secret the guest
// must never read and contents it must never change.
type canary struct {
	dir    string
	secret string
	before map[string]string
}

func newCanary(t *testing.T) *canary {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	c := &canary{dir: t.TempDir(), secret: "gaol-canary-" + hex.EncodeToString(b)}
	if err := os.WriteFile(filepath.Join(c.dir, "secret.txt"), []byte(c.secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(c.dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	c.before = c.snapshot(t)
	return c
}

// snapshot maps every path below the canary to its mode and content.
func (c *canary) snapshot(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(c.dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		v := fi.Mode().String()
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += " " + string(b)
		}
		out[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (c *canary) checkUnchanged(t *testing.T) {
	t.Helper()
	after := c.snapshot(t)
	for p, v := range after {
		if c.before[p] != v {
			t.Errorf("canary %s changed: was %q, now %q", p, c.before[p], v)
		}
	}
	for p := range c.before {
		if _, ok := after[p]; !ok {
			t.Errorf("canary %s was removed", p)
		}
	}
}

// checkNoLeak checks that no secret of the host reached the guest's output
// or the trace.
func (c *canary) checkNoLeak(t *testing.T, g *guestRun) {
	t.Helper()
	for _, secret := range []string{c.secret, "root:x:0:0"} {
		for name, out := range map[string]string{"stdout": g.stdout, "stderr": g.stderr, "trace": string(g.rawTrace)} {
			if strings.Contains(out, secret) {
				t.Errorf("host secret %q appeared in the guest's %s", secret, name)
			}
		}
	}
}

// mountRoots lists the names the guest's / may hold on the built-in
// profile: the first component of every mount the policy declares and of
// every file of the interpreter gaol exposes.
func mountRoots(t *testing.T) map[string]bool {
	t.Helper()
	in, err := supervisor.DiscoverInterpreter(context.Background(), python, false)
	if err != nil {
		t.Fatalf("discover %s: %v", python, err)
	}
	paths := append(append([]string{python, in.Executable}, in.Dirs...), in.Files...)
	for _, m := range builtin(t).Mounts {
		paths = append(paths, m.Guest)
	}
	// gaol's own synthesised /proc (docs/policy.md, "The guest's /proc"),
	// which the case for /proc checks holds nothing of the host's.
	roots := map[string]bool{"proc": true}
	for _, p := range paths {
		for _, q := range []string{p, evalSymlinks(p)} {
			if first, _, _ := strings.Cut(strings.TrimPrefix(q, "/"), "/"); first != "" {
				roots[first] = true
			}
		}
	}
	return roots
}

func evalSymlinks(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// forbiddenRoots are host directories no python guest ever needs.
var forbiddenRoots = []string{"etc", "home", "root", "sys", "var", "boot", "run", "srv", "mnt", "opt"}

// checkListing checks a "LABEL name name ..." line of the guest against
// the mount roots.
func checkListing(t *testing.T, g *guestRun, label string, roots map[string]bool) {
	t.Helper()
	var names []string
	found := false
	for _, line := range strings.Split(g.stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, label+" "); ok {
			names, found = strings.Fields(rest), true
		}
	}
	if !found {
		t.Fatalf("the guest printed no %q line; stdout:\n%s\nstderr:\n%s", label, g.stdout, g.stderr)
	}
	for _, n := range names {
		if !roots[n] {
			t.Errorf("/ lists %q, which is no mount root (roots: %v)", n, sortedKeys(roots))
		}
		if slices.Contains(forbiddenRoots, n) {
			t.Errorf("/ lists the host's %q", n)
		}
	}
	for _, want := range []string{"tmp", "usr", "dev"} {
		if !slices.Contains(names, want) {
			t.Errorf("/ lacks the mount root %q: %v", want, names)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestGuestCannotReachAnythingOutsideItsMounts(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	c := newCanary(t)
	t.Cleanup(func() { c.checkUnchanged(t) })
	secretPath := filepath.Join(c.dir, "secret.txt")
	roots := mountRoots(t)
	tests := []struct {
		name  string
		body  string      // Python run after the prelude; CANARY is the canary's host directory
		want  []string    // lines the guest must print
		trace []traceWant // events the trace must (not) hold
		check func(*testing.T, *guestRun)
	}{
		{
			name:  "reading /etc/passwd fails as if it did not exist",
			body:  `attempt("read", lambda: open("/etc/passwd").read())`,
			want:  []string{"read ENOENT"},
			trace: []traceWant{{syscall: "openat", action: "deny", path: "/etc/passwd", errno: "ENOENT"}},
		},
		{
			name: "a host file outside the mounts cannot be read by its host path",
			body: `attempt("read", lambda: open(CANARY + "/secret.txt").read())
attempt("list", lambda: os.listdir(CANARY))`,
			want:  []string{"read ENOENT", "list ENOENT"},
			trace: []traceWant{{syscall: "openat", path: secretPath, errno: "ENOENT"}},
		},
		{
			name:  "listing / shows only the mount roots",
			body:  `show("listing", os.listdir("/"))`,
			check: func(t *testing.T, g *guestRun) { checkListing(t, g, "listing", roots) },
			trace: []traceWant{{syscall: "getdents64", action: "emulate"}},
		},
		{
			name:  "raw getdents64 on an fd of / shows only the mount roots",
			body:  `show("listing", getdents("/"))`,
			check: func(t *testing.T, g *guestRun) { checkListing(t, g, "listing", roots) },
			trace: []traceWant{{syscall: "getdents64", action: "emulate"}},
		},
		{
			name: "/proc holds only gaol's synthesised entries, nothing of the host's",
			body: `show("proc", os.listdir("/proc"))
show("proc/self", os.listdir("/proc/self"))
print("exe", os.readlink("/proc/self/exe"))
attempt("self/root", lambda: os.listdir("/proc/self/root"))
attempt("self/root passwd", lambda: open("/proc/self/root/etc/passwd").read())
attempt("self/cwd", lambda: os.listdir("/proc/self/cwd"))
attempt("self/mem", lambda: open("/proc/self/mem", "r+b"))
attempt("self/fd", lambda: os.listdir("/proc/self/fd"))
attempt("pid 1 environ", lambda: open("/proc/1/environ").read())
attempt("host pid", lambda: open("/proc/%d/cmdline" % os.getppid()).read())`,
			// /proc/self/fd lists the guest's own fds: the standard streams
			// and the listing's directory.
			want: []string{"proc cpuinfo meminfo self", "proc/self exe fd limits status", "exe " + python,
				"self/root ENOENT", "self/root passwd ENOENT", "self/cwd ENOENT", "self/mem ENOENT", "self/fd SUCCEEDED ['0', '1', '2', '3']",
				"pid 1 environ ENOENT", "host pid ENOENT"},
			trace: []traceWant{
				{syscall: "openat", action: "deny", path: "/proc/self/root/etc/passwd", errno: "ENOENT"},
				{syscall: "openat", action: "deny", path: "/proc/self/mem", errno: "ENOENT"},
				{syscall: "openat", action: "deny", path: "/proc/1/environ", errno: "ENOENT"},
			},
		},
		{
			name: "nothing outside /tmp can be written",
			body: `attempt("write /usr", lambda: open("/usr/gaol-probe", "w"))
attempt("write /", lambda: open("/gaol-probe", "w"))
attempt("write /etc", lambda: open("/etc/gaol-probe", "w"))
attempt("write stdlib", lambda: open(os.path.dirname(os.__file__) + "/os.py", "a"))
attempt("mkdir /usr/lib", lambda: os.mkdir("/usr/lib/gaol-probe"))
attempt("write canary", lambda: open(CANARY + "/pwned", "w"))
attempt("unlink canary", lambda: os.unlink(CANARY + "/secret.txt"))
attempt("write /tmp", lambda: open("/tmp/fine", "w").write("x"))`,
			want: []string{"write /usr EROFS", "write / EROFS", "write /etc ENOENT", "write stdlib EROFS",
				"mkdir /usr/lib EROFS", "write canary ENOENT", "unlink canary ENOENT", "write /tmp SUCCEEDED 1"},
			trace: []traceWant{
				{syscall: "openat", action: "deny", path: "/usr/gaol-probe", errno: "EROFS"},
				{syscall: "openat", action: "deny", path: "/gaol-probe", errno: "EROFS"},
				{syscall: "openat", action: "deny", path: "/etc/gaol-probe", errno: "ENOENT"},
				{syscall: "mkdir", action: "deny", path: "/usr/lib/gaol-probe", errno: "EROFS"},
			},
		},
		{
			name:  "raw openat of /etc/passwd is refused",
			body:  `attempt("openat", lambda: raw("openat", AT_FDCWD, b"/etc/passwd", os.O_RDONLY))`,
			want:  []string{"openat ENOENT"},
			trace: []traceWant{{syscall: "openat", action: "deny", path: "/etc/passwd", errno: "ENOENT"}},
		},
		{
			name:  "raw open of /etc/passwd is refused",
			body:  `attempt("open", lambda: raw("open", b"/etc/passwd", os.O_RDONLY))`,
			want:  []string{"open ENOENT"},
			trace: []traceWant{{syscall: "open", action: "deny", path: "/etc/passwd", errno: "ENOENT"}},
		},
		{
			name:  "raw newfstatat of /etc/shadow is refused",
			body:  `attempt("newfstatat", lambda: raw("newfstatat", AT_FDCWD, b"/etc/shadow", ctypes.create_string_buffer(256), 0))`,
			want:  []string{"newfstatat ENOENT"},
			trace: []traceWant{{syscall: "newfstatat", action: "deny", path: "/etc/shadow", errno: "ENOENT"}},
		},
		{
			name: "dot-dot cannot climb out of /tmp",
			body: `attempt("dotdot", lambda: open("/tmp/../../etc/passwd").read())
attempt("deep dotdot", lambda: open("/tmp/" + "../" * 40 + "etc/passwd").read())`,
			want: []string{"dotdot ENOENT", "deep dotdot ENOENT"},
			trace: []traceWant{
				{syscall: "openat", action: "deny", path: "/tmp/../../etc/passwd", errno: "ENOENT"},
			},
		},
		{
			name: "a symlink created in /tmp cannot point outside",
			body: `os.symlink("/etc/passwd", "/tmp/x")
attempt("absolute link", lambda: open("/tmp/x").read())
os.symlink("../../../../../etc/passwd", "/tmp/y")
attempt("relative link", lambda: open("/tmp/y").read())
os.symlink(CANARY + "/secret.txt", "/tmp/z")
attempt("canary link", lambda: open("/tmp/z").read())
attempt("readlink", lambda: os.readlink("/tmp/x"))`,
			want: []string{"absolute link ENOENT", "relative link ENOENT", "canary link ENOENT", "readlink SUCCEEDED '/etc/passwd'"},
			trace: []traceWant{
				{syscall: "symlink", action: "emulate", path: "/tmp/x"},
				{syscall: "openat", action: "deny", path: "/tmp/x", errno: "ENOENT"},
				{syscall: "openat", action: "deny", path: "/tmp/y", errno: "ENOENT"},
			},
		},
		{
			name: "a directory fd cannot be used to climb out",
			body: `fd = os.open("/usr", os.O_RDONLY | os.O_DIRECTORY)
attempt("dirfd", lambda: os.open("../etc/passwd", os.O_RDONLY, dir_fd=fd))
attempt("dirfd stat", lambda: os.stat("../../etc/shadow", dir_fd=fd))`,
			want: []string{"dirfd ENOENT", "dirfd stat ENOENT"},
			trace: []traceWant{
				{syscall: "openat", action: "deny", path: "../etc/passwd", errno: "ENOENT"},
				{syscall: "newfstatat", action: "deny", path: "../../etc/shadow", errno: "ENOENT"},
			},
		},
		{
			name: "fchdir to a directory fd cannot be used to climb out",
			body: `fd = os.open("/usr", os.O_RDONLY | os.O_DIRECTORY)
os.fchdir(fd)
print("cwd", os.getcwd())
attempt("relative", lambda: open("../../etc/passwd").read())`,
			want: []string{"cwd /usr", "relative ENOENT"},
			trace: []traceWant{
				{syscall: "fchdir", action: "emulate"},
				{syscall: "openat", action: "deny", path: "../../etc/passwd", errno: "ENOENT"},
			},
		},
		{
			// io_uring would let the guest do I/O the filter never sees. The
			// kernel refuses it on the filter's errno path, so the
			// supervisor (and the trace) never sees it either: see
			// docs/trace.md.
			name:  "io_uring_setup is refused with EPERM in the kernel",
			body:  `attempt("io_uring_setup", lambda: raw("io_uring_setup", 8, ctypes.create_string_buffer(120)))`,
			want:  []string{"io_uring_setup EPERM"},
			trace: []traceWant{{syscall: "io_uring_setup", absent: true}},
		},
		{
			name:  "ptrace(PTRACE_TRACEME) is refused with EPERM in the kernel",
			body:  `attempt("ptrace", lambda: raw("ptrace", 0, 0, 0, 0))`,
			want:  []string{"ptrace EPERM"},
			trace: []traceWant{{syscall: "ptrace", absent: true}},
		},
		{
			// The errno says why (ENOENT: not in the guest's view; EACCES:
			// visible but no exec allowed); the guest and the trace agree.
			name: "exec of /bin/sh, or of the interpreter itself, is refused",
			body: `attempt("execv sh", lambda: os.execv("/bin/sh", ["sh", "-c", "echo escaped"]))
attempt("execv python", lambda: os.execv(sys.executable, [sys.executable, "-c", "print('escaped')"]))`,
			check: func(t *testing.T, g *guestRun) {
				checkRefusedExec(t, g, "execv sh", "/bin/sh")
				checkRefusedExec(t, g, "execv python", python)
				if strings.Contains(g.stdout, "escaped") {
					t.Error("the exec ran")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := runGuest(t, runSpec{code: prelude + tt.body + "\n", args: []string{c.dir}})
			g.checkExit(t, 0)
			for _, w := range tt.want {
				if !slices.Contains(strings.Split(g.stdout, "\n"), w) {
					t.Errorf("the guest did not print %q; stdout:\n%s\nstderr:\n%s", w, g.stdout, g.stderr)
				}
			}
			if tt.check != nil {
				tt.check(t, g)
			}
			g.checkTrace(t, tt.trace)
			g.checkCounts(t)
			c.checkNoLeak(t, g)
		})
	}
}

// checkRefusedExec checks that the guest's exec of path, printed under
// label, failed, and that the trace shows its denial with the same errno.
func checkRefusedExec(t *testing.T, g *guestRun, label, path string) {
	t.Helper()
	errno := ""
	for _, line := range strings.Split(g.stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, label+" "); ok {
			errno = rest
		}
	}
	if !strings.HasPrefix(errno, "E") {
		t.Fatalf("%s: want a refusal, got %q; stdout:\n%s\nstderr:\n%s", label, errno, g.stdout, g.stderr)
	}
	g.checkTrace(t, []traceWant{{syscall: "execve", action: "deny", path: path, errno: errno}})
}

// machine code run by asmGuest: each ends in ret, so a call that the
// kernel answers returns to Python.
const (
	// mov eax, 20 (getpid in the i386 table); int 0x80; ret
	int80Getpid = "b814000000cd80c3"
	// mov eax, 0x40000027 (getpid with the x32 bit); syscall; ret
	x32Getpid = "b8270000400f05c3"
)

// asmGuest maps executable memory, copies the machine code given in hex
// as argv[1] into it and calls it.
const asmGuest = `
import ctypes, mmap, sys
code = bytes.fromhex(sys.argv[1])
m = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
m.write(code)
f = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(m)))
print("calling", flush=True)
print("returned", f(), flush=True)
`

func TestWrongSyscallABIKillsTheGuest(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	tests := []struct {
		name string
		code string
		// nativeCheck skips the case when the kernel itself cannot make
		// the call (then there is nothing for the filter to stop).
		nativeCheck bool
	}{
		{name: "int 0x80 (the i386 ABI) is killed with SIGSYS", code: int80Getpid, nativeCheck: true},
		{name: "an x32 syscall number is killed with SIGSYS", code: x32Getpid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.nativeCheck {
				out, st := runNative(t, asmGuest, tt.code)
				if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					t.Skipf("this kernel cannot make the call at all: natively it dies of %v (no IA32 syscall entry, e.g. ia32_emulation=0); output: %q", ws.Signal(), out)
				}
			}
			g := runGuest(t, runSpec{code: asmGuest, args: []string{tt.code}})
			if g.res.Signal != "SIGSYS" || g.res.ExitCode != nil || g.res.Status != 128+int(syscall.SIGSYS) {
				t.Fatalf("want the guest killed by SIGSYS (status %d), got %s\nstdout:\n%s\nstderr:\n%s",
					128+int(syscall.SIGSYS), describe(g.res), g.stdout, g.stderr)
			}
			if !strings.Contains(g.stdout, "calling") || strings.Contains(g.stdout, "returned") {
				t.Errorf("the guest should have died inside the call; stdout:\n%s", g.stdout)
			}
			if g.res.Limit != "none" {
				t.Errorf("limit = %q, want none", g.res.Limit)
			}
		})
	}
}

func TestBudgetsStopTheGuest(t *testing.T) {
	requireSandbox(t)
	// Not parallel, and each run holds the quiet lock (runTimed): the
	// bounds are on wall time, which other guests on the same two CPUs
	// would stretch.
	tests := []struct {
		name   string
		code   string
		limits func(*policies.Limits)
		limit  supervisor.Limit
		within time.Duration // the whole run, start to result
	}{
		{
			name:   "a busy loop stops at the CPU budget",
			code:   "while True: pass",
			limits: func(l *policies.Limits) { l.CPU = time.Second },
			limit:  "cpu", within: time.Second + time.Second,
		},
		{
			name:   "a sleep stops at the wall budget",
			code:   "import time; time.sleep(1e6)",
			limits: func(l *policies.Limits) { l.Wall = 2 * time.Second },
			limit:  "wall", within: 2*time.Second + time.Second,
		},
		{
			// No time budget applies: the run must end within a second of
			// starting, plus one second.
			name:   "a 10 GiB allocation stops at the memory budget",
			code:   `b = b"x" * (10 << 30); print(len(b))`,
			limits: func(l *policies.Limits) { l.Memory = 512 << 20 },
			limit:  "memory", within: time.Second + time.Second,
		},
		{
			name:   "a print flood stops at the output budget",
			code:   `while True: print("x" * 99)`,
			limits: func(l *policies.Limits) { l.Output = 1 << 20 },
			limit:  "output", within: time.Second + time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := runTimed(t, runSpec{code: tt.code, limits: tt.limits})
			if g.res.Limit != tt.limit || g.res.Status != supervisor.StatusLimit {
				t.Fatalf("want limit %q and status %d, got %s\nstderr:\n%s", tt.limit, supervisor.StatusLimit, describe(g.res), g.stderr)
			}
			if g.elapsed > tt.within {
				t.Errorf("the run took %v, want at most %v", g.elapsed.Round(time.Millisecond), tt.within)
			}
			if tt.limit == "output" {
				if got := len(g.stdout) + len(g.stderr); got != 1<<20 {
					t.Errorf("the guest's output reached the caller with %d bytes, want exactly the budget, %d", got, 1<<20)
				}
			}
			t.Run("the result still reports the guest's usage", func(t *testing.T) {
				checkUsage(t, g.res)
				if tt.limit == "cpu" {
					if cpu := g.res.CPUUser + g.res.CPUSystem; cpu < 0.9 {
						t.Errorf("cpu_user_s + cpu_system_s = %.3f, want about the 1 s budget it used up", cpu)
					}
				}
			})
		})
	}
	t.Run("a fork loop is refused and the guest carries on", func(t *testing.T) {
		const attempts = 50
		code := `
import errno, os
refused, last = 0, None
for i in range(` + strconv.Itoa(attempts) + `):
    try:
        pid = os.fork()
    except OSError as e:
        refused, last = refused + 1, errno.errorcode[e.errno]
    else:
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
print("forks refused", refused, last)
`
		g := runTimed(t, runSpec{code: code})
		g.checkExit(t, 0)
		if want := fmt.Sprintf("forks refused %d EAGAIN\n", attempts); g.stdout != want {
			t.Errorf("stdout = %q, want %q (stderr: %s)", g.stdout, want, g.stderr)
		}
		if g.res.Limit != "none" {
			t.Errorf("limit = %q, want none", g.res.Limit)
		}
		if g.elapsed > 2*time.Second {
			t.Errorf("the run took %v, want under 2s", g.elapsed.Round(time.Millisecond))
		}
		denied := g.events(func(ev supervisor.Event) bool {
			return ev.Syscall == "clone" && ev.Action == "deny" && ev.Errno == "EAGAIN"
		})
		if len(denied) != attempts {
			t.Errorf("trace has %d denied clones, want %d:\n%s", len(denied), attempts, g.eventsLike(traceWant{syscall: "clone"}))
		}
		g.checkCounts(t)
	})
}

// checkUsage checks the fields every result must fill, however the guest
// ended.
func checkUsage(t *testing.T, r *supervisor.Result) {
	t.Helper()
	if r.CPUUser+r.CPUSystem <= 0 {
		t.Errorf("cpu_user_s + cpu_system_s = %v, want > 0", r.CPUUser+r.CPUSystem)
	}
	if r.PeakRSS <= 0 {
		t.Errorf("peak_rss_bytes = %d, want > 0", r.PeakRSS)
	}
	if r.Wall <= 0 {
		t.Errorf("wall_s = %v, want > 0", r.Wall)
	}
	if r.Syscalls.Intercepted == 0 {
		t.Error("syscalls.intercepted = 0")
	}
	if !slices.Contains(r.Layers, "seccomp-user-notify") {
		t.Errorf("layers = %v, want seccomp-user-notify among them", r.Layers)
	}
	if r.Version == "" || r.Policy != "python" {
		t.Errorf("gaol_version = %q, policy = %q", r.Version, r.Policy)
	}
}

const threadsGuest = `
import os, threading
count, lock = 0, threading.Lock()
def work():
    global count
    for _ in range(300):
        os.stat("/tmp")
        with lock:
            count += 1
threads = [threading.Thread(target=work) for _ in range(64)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("stats", count)
`

func TestMultiThreadedGuests(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	tests := []struct {
		name   string
		limits func(*policies.Limits)
	}{
		{name: "64 threads of 300 stats each finish on the default profile"},
		{
			// The same with address space to spare: separates the notify
			// loop's concurrency from the memory budget's accounting.
			name:   "64 threads of 300 stats each finish with a 4 GiB memory budget",
			limits: func(l *policies.Limits) { l.Memory = 4 << 30 },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := runGuest(t, runSpec{code: threadsGuest, limits: tt.limits})
			g.checkExit(t, 0)
			if want := "stats 19200\n"; g.stdout != want {
				t.Errorf("stdout = %q, want %q", g.stdout, want)
			}
			stats := g.events(func(ev supervisor.Event) bool { return ev.Syscall == "newfstatat" && ev.Args.Path == "/tmp" })
			if len(stats) < 64*300 {
				t.Errorf("trace has %d stats of /tmp, want at least %d", len(stats), 64*300)
			}
			tids := map[int]bool{}
			for _, ev := range stats {
				tids[ev.Tid] = true
			}
			if len(tids) < 64 {
				t.Errorf("the stats came from %d threads, want 64", len(tids))
			}
			g.checkCounts(t)
		})
	}
}

func TestCrashingGuestYieldsAFullResult(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	tests := []struct {
		name   string
		code   string
		signal syscall.Signal
	}{
		{name: "a segfault (ctypes.string_at(0))", code: "import ctypes; ctypes.string_at(0)", signal: syscall.SIGSEGV},
		{name: "an abort (os.abort())", code: "import os; os.abort()", signal: syscall.SIGABRT},
		{name: "a SIGTERM to itself", code: "import os, signal; os.kill(os.getpid(), signal.SIGTERM)", signal: syscall.SIGTERM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := runGuest(t, runSpec{code: tt.code})
			if g.res.ExitCode != nil || g.res.Signal == "" || g.res.Status != 128+int(tt.signal) {
				t.Fatalf("want death by signal %d (status %d), got %s", tt.signal, 128+int(tt.signal), describe(g.res))
			}
			if g.res.Signal != signalName(tt.signal) {
				t.Errorf("signal = %q, want %q", g.res.Signal, signalName(tt.signal))
			}
			if g.res.Limit != "none" {
				t.Errorf("limit = %q, want none", g.res.Limit)
			}
			checkUsage(t, g.res)
			g.checkCounts(t)
		})
	}
}

// signalName is the name gaol reports for a signal ("SIGSEGV").
func signalName(s syscall.Signal) string {
	return map[syscall.Signal]string{syscall.SIGSEGV: "SIGSEGV", syscall.SIGABRT: "SIGABRT", syscall.SIGTERM: "SIGTERM", syscall.SIGSYS: "SIGSYS"}[s]
}

// TestRepeatedRunsLeaveNothingBehind runs many guests that end every way a
// guest can end and checks that the supervisor's process holds no more
// fds, children or temporary files than before.
func TestRepeatedRunsLeaveNothingBehind(t *testing.T) {
	requireSandbox(t)
	// Not parallel: it counts the whole test process's fds and children.
	runs := 200
	if testing.Short() {
		runs = 20
	}
	tmp := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp) // the supervisor's os.TempDir(), for this test only
	ends := []struct {
		name   string
		spec   runSpec
		path   string // interpreter path, if not python
		status int
	}{
		{name: "exit 0", spec: runSpec{code: "pass"}, status: 0},
		{name: "exit 3", spec: runSpec{code: "import sys; sys.exit(3)"}, status: 3},
		{name: "segfault", spec: runSpec{code: "import ctypes; ctypes.string_at(0)"}, status: 139},
		{name: "output budget", spec: runSpec{code: `while True: print("x" * 99)`, limits: func(l *policies.Limits) { l.Output = 64 << 10 }}, status: 124},
		{name: "wall budget", spec: runSpec{code: "import time; time.sleep(60)", limits: func(l *policies.Limits) { l.Wall = 300 * time.Millisecond }}, status: 124},
		{name: "threads and files", spec: runSpec{code: `
import os, threading
def w():
    for i in range(20):
        open("/tmp/f%d" % threading.get_ident(), "w").write("x")
        os.listdir("/usr")
ts = [threading.Thread(target=w) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]`}, status: 0},
		{name: "stdin", spec: runSpec{args: []string{"-"}, stdin: "print(1)\n"}, status: 0},
	}
	runOne := func(t *testing.T, i int) {
		e := ends[i%len(ends)]
		g := startGuest(t, e.spec)
		if g.res.Status != e.status || g.res.Error != "" {
			tail := g.trace
			if len(tail) > 8 {
				tail = tail[len(tail)-8:]
			}
			t.Errorf("%s: want status %d, got %s\nstdout: %.300s\nstderr: %.500s\nlast trace events: %+v",
				e.name, e.status, describe(g.res), g.stdout, g.stderr, tail)
		}
	}
	// One run of each kind first: the Go runtime and the interpreter
	// cache allocate what they keep for good (netpoller fds, the cache
	// file) on first use.
	for i := range ends {
		runOne(t, i)
	}
	tmpBefore := tempEntries(t)
	fdsBefore := openFDs(t)
	childrenBefore := children(t)

	// As many at a time as -parallel allows (GOMAXPROCS by default).
	t.Run("runs", func(t *testing.T) {
		for i := 0; i < runs; i++ {
			t.Run(fmt.Sprintf("%03d %s", i, ends[i%len(ends)].name), func(t *testing.T) {
				t.Parallel()
				runOne(t, i)
			})
		}
	})

	if got := openFDs(t); len(got) != len(fdsBefore) {
		t.Errorf("after %d runs the test process has %d open fds, before %d:\nbefore: %v\nafter:  %v", runs, len(got), len(fdsBefore), fdsBefore, got)
	}
	if got := children(t); len(got) != len(childrenBefore) {
		t.Errorf("after %d runs: processes left %v, before %v", runs, got, childrenBefore)
	}
	if got := tempEntries(t); len(got) != len(tmpBefore) {
		t.Errorf("after %d runs %s holds %v, before %v", runs, os.TempDir(), got, tmpBefore)
	}
}

// openFDs lists the test process's open fds with what they point at.
func openFDs(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		out = append(out, e.Name()+"->"+target)
	}
	return out
}

// children lists the test process's children, and every guest stub
// started from this test binary wherever it was reparented, as "pid cmdline".
func children(t *testing.T) []string {
	t.Helper()
	self := os.Getpid()
	exe, _ := os.Readlink("/proc/self/exe")
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		pid := e.Name()
		if pid[0] < '0' || pid[0] > '9' || pid == "self" {
			continue
		}
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		cmd := strings.ReplaceAll(string(cmdline), "\x00", " ")
		pexe, _ := os.Readlink("/proc/" + pid + "/exe")
		isChild := len(fields) > 1 && fields[1] == strconv.Itoa(self)
		isOurStub := strings.Contains(cmd, guest.ModeInit) && pexe == exe
		if isChild || isOurStub {
			out = append(out, pid+" "+cmd)
		}
	}
	return out
}

// tempEntries lists os.TempDir(), which is private to the leak test: gaol
// creates nothing on the host (scratch mounts are detached tmpfs), so it
// must stay as it was. The stub, started with an empty environment, would
// use /tmp, which other processes share; it creates no files either.
func tempEntries(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(os.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}
