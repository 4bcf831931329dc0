package supervisor_test

import (
	"strings"
	"testing"
)

// TestGuestProcSelf checks the guest's dynamic /proc/self entries: each
// shows the calling process's own state, the guest's ids and nothing of
// the host. Each snippet prints one line per check.
func TestGuestProcSelf(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		want   string
		policy string // HCL; "" runs the python profile
	}{
		{
			name: "/proc/self/fd lists exactly the fds the process holds",
			code: `import os
def held():
    out = set()
    for fd in range(1024):
        try:
            os.fstat(fd)
        except OSError:
            continue
        out.add(fd)
    return out
f, g = open("/tmp/x", "w"), open("/proc/cpuinfo")
r, w = os.pipe()
listed = {int(n) for n in os.listdir("/proc/self/fd")}
now = held()
print(now <= listed, len(listed - now), {f.fileno(), g.fileno(), r, w} <= listed)
f.close(); os.close(w)
listed = {int(n) for n in os.listdir("/proc/self/fd")}
now = held()
print(now <= listed, len(listed - now), w in listed, r in listed)`,
			// The listing's own directory fd is listed too, then closed.
			want: "True 1 True\nTrue 1 False True",
		},
		{
			name: "readlink of an fd gives the guest path or a per-run pipe number",
			code: `import os, re
fd = os.open("/tmp/x", os.O_CREAT | os.O_WRONLY)
d = os.open("/tmp", os.O_RDONLY)
r, w = os.pipe()
dup = os.dup(r)
print(os.readlink("/proc/self/fd/%d" % fd), os.readlink("/proc/self/fd/%d" % d))
pr, pd = os.readlink("/proc/self/fd/%d" % r), os.readlink("/proc/self/fd/%d" % dup)
print(bool(re.fullmatch(r"pipe:\[\d+\]", pr)), pr == pd, pr != os.readlink("/proc/self/fd/%d" % os.pipe()[0]))
try:
    os.readlink("/proc/self/fd/999")
except FileNotFoundError:
    print("ENOENT")
os.rename("/tmp/x", "/tmp/y")
print(os.readlink("/proc/self/fd/%d" % fd))
os.unlink("/tmp/y")
print(os.readlink("/proc/self/fd/%d" % fd))
for f in (open("/proc/cpuinfo"), open("/proc/self/status"), open("/dev/null")):
    print(os.readlink("/proc/self/fd/%d" % f.fileno()), end=" ")`,
			want: "/tmp/x /tmp\nTrue True True\nENOENT\n/tmp/y\n/tmp/y (deleted)\n/proc/cpuinfo /proc/self/status /dev/null",
		},
		{
			name: "opening /proc/self/fd/N reopens the file through the guest's view",
			code: `import os
with open("/tmp/x", "w") as f:
    f.write("hello")
    f.flush()
    print(open("/proc/self/fd/%d" % f.fileno()).read(), os.stat("/proc/self/fd/%d" % f.fileno()).st_size)
r, w = os.pipe()
try:
    open("/proc/self/fd/%d" % r)
except FileNotFoundError:
    print("pipe ENOENT")`,
			want: "hello 5\npipe ENOENT",
		},
		{
			name: "/proc/self/status shows the guest's pid, ids, umask and memory",
			code: `import os
os.umask(0o027)
st = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines())
st = {k: v.strip() for k, v in st.items()}
print(st["Pid"] == str(os.getpid()), st["Tgid"] == st["Pid"], st["PPid"], st["Uid"], st["Gid"], st["Umask"])
print(st["VmRSS"].endswith(" kB"), int(st["VmRSS"].split()[0]) > 1000, st["Threads"], st["Name"])
print(sorted(k for k in st if k.startswith(("Cap", "Seccomp", "NoNewPrivs", "Speculation"))))`,
			want: "True True 1 1000\t1000\t1000\t1000 1000\t1000\t1000\t1000 0027\nTrue True 1 python3\n[]",
		},
		{
			name: "/proc/self/limits shows the guest's own limits",
			code: `import resource
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
line = [l for l in open("/proc/self/limits") if l.startswith("Max file size")][0].split()
print(line[3] == str(soft), line[4] == str(hard))`,
			want: "True True",
		},
		{
			name: "/proc lists no host process",
			code: `import os
print(sorted(os.listdir("/proc")), sorted(os.listdir("/proc/self")))`,
			want: "['cpuinfo', 'meminfo', 'self'] ['exe', 'fd', 'limits', 'status']",
		},
		{
			name: "a child sees its own fds and pid, and its parent's pid",
			policy: `sandbox "fork" {
  extends = "python"
  process {
    max = 2
  }
}`,
			code: `import os
parent = os.getpid()
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    f = open("/tmp/child", "w")
    st = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines())
    fds = os.listdir("/proc/self/fd")
    ok = (str(f.fileno()) in fds and os.readlink("/proc/self/fd/%d" % f.fileno()) == "/tmp/child"
          and st["Pid"].strip() == str(os.getpid()) != str(parent) and st["PPid"].strip() == str(parent))
    os.write(w, b"child ok" if ok else repr((fds, st)).encode())
    os._exit(0)
os.close(w)
got = os.read(r, 65536).decode()
os.waitpid(pid, 0)
def target(n):
    try:
        return os.readlink("/proc/self/fd/" + n)
    except FileNotFoundError: # the listing's own fd, closed since
        return None
print(got, "/tmp/child" not in [target(n) for n in os.listdir("/proc/self/fd")])`,
			want: "child ok True",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g *guestRun
			if tt.policy != "" {
				g = runPolicy(t, tt.policy, tt.code)
			} else {
				g = runGuest(t, runSpec{code: tt.code})
			}
			if got := strings.TrimSpace(g.stdout); got != tt.want {
				t.Errorf("stdout %q, want %q\nstderr:\n%s\nresult: %s", got, tt.want, g.stderr, describe(g.res))
			}
		})
	}
}
