package supervisor_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor"
)

// A policy with a host destination also lets the guest serve on its own
// loopback (a rule allows bind and connect there): the server lives in
// the guest's own network namespace, which the result lists, and the
// host destination is reached blocking, with a timeout and non-blocking.
func TestAGuestWithAHostDestinationServesOnlyOnItsOwnLoopback(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "host page")
	}))
	defer srv.Close()
	dest := strings.TrimPrefix(srv.URL, "http://")
	policy := fmt.Sprintf(`sandbox "own-lo" {
  extends = "python"
  network {
    connect = [%q]
  }
  rule "own-loopback" {
    operations = ["bind", "connect"]
    addresses  = ["127.0.0.0/8"]
    action     = "allow"
  }
}`, dest)
	code := fmt.Sprintf(`
import errno, select, socket, threading, urllib.request
print("blocking:", urllib.request.urlopen(%[1]q).read().decode())
print("timeout:", urllib.request.urlopen(%[1]q, timeout=5).read().decode())
host, port = %[2]q.split(":")
s = socket.socket(); s.setblocking(False)
r = s.connect_ex((host, int(port)))
select.select([], [s], [], 5)
print("non-blocking:", r in (0, errno.EINPROGRESS), s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen()
lport = srv.getsockname()[1]
print("PORT", lport, flush=True)
def serve():
    c, _ = srv.accept(); c.sendall(b"guest page"); c.close()
threading.Thread(target=serve).start()
print("own:", socket.create_connection(("127.0.0.1", lport), timeout=5).recv(64).decode())
`, srv.URL, dest)
	g := runPolicy(t, policy, code)
	g.checkExit(t, 0)
	for _, want := range []string{"blocking: host page", "timeout: host page", "non-blocking: True 0", "own: guest page"} {
		if !strings.Contains(g.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, g.stdout, g.stderr)
		}
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("the host server got %d requests, want 2", n)
	}
	if !slices.Contains(g.res.Layers, "network-namespace") {
		t.Errorf("layers %v lack network-namespace under a policy with a destination", g.res.Layers)
	}
	g.checkTrace(t, []traceWant{
		{syscall: "listen", action: "emulate"},
		{syscall: "bind", action: "emulate", path: "127.0.0.1:0"},
		{syscall: "connect", action: "emulate", path: dest},
	})
	for _, ev := range g.events(func(ev supervisor.Event) bool { return ev.Syscall == "listen" || ev.Syscall == "connect" }) {
		if ev.Action == "allow" {
			t.Errorf("%s continued in the kernel after an fd check: %+v", ev.Syscall, ev)
		}
	}
}

// hostileNet is a guest that floods the network handlers with lengths
// and counts no kernel would take: sendto of (size_t)-1 bytes, msghdrs
// with huge or negative iovlen, iov_len, controllen and namelen,
// connect and bind with addrlen -1. Every call gets an errno, and the
// guest can still open files afterwards.
const hostileNet = `
import ctypes, errno, os, socket, struct
libc = ctypes.CDLL(None, use_errno=True)
libc.sendto.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_void_p, ctypes.c_uint]
libc.sendmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.connect.argtypes = libc.bind.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint]
host, port = DEST.split(":")
sa = ctypes.create_string_buffer(struct.pack("<H", 2) + struct.pack(">H", int(port)) + socket.inet_aton(host) + bytes(8), 16)
data = ctypes.create_string_buffer(16)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def count(label, f, n):
    seen = {}
    for _ in range(n):
        r = f()
        e = errno.errorcode.get(ctypes.get_errno(), "?") if r < 0 else "ok"
        seen[e] = seen.get(e, 0) + 1
    print(label, sorted(seen.items()), flush=True)
count("sendto-huge", lambda: libc.sendto(u.fileno(), data, 2**64 - 1, 0, sa, 16), 20000)
count("sendto-neglen", lambda: libc.sendto(u.fileno(), data, 1, 0, sa, 2**32 - 1), 2000)
count("connect-neglen", lambda: libc.connect(u.fileno(), sa, 2**32 - 1), 2000)
count("bind-neglen", lambda: libc.bind(u.fileno(), sa, 2**32 - 1), 2000)
iov = ctypes.create_string_buffer(struct.pack("<QQ", ctypes.addressof(data), 2**64 - 1))
def msg(name, namelen, iovp, iovlen, ctl, ctllen):
    return ctypes.create_string_buffer(struct.pack("<QIxxxxQQQQixxxx", name, namelen, iovp, iovlen, ctl, ctllen, 0))
for label, m in [
    ("sendmsg-iovlen", msg(ctypes.addressof(sa), 16, ctypes.addressof(iov), 2**64 - 1, 0, 0)),
    ("sendmsg-iovlen-1025", msg(ctypes.addressof(sa), 16, ctypes.addressof(iov), 1025, 0, 0)),
    ("sendmsg-iov-len", msg(ctypes.addressof(sa), 16, ctypes.addressof(iov), 1, 0, 0)),
    ("sendmsg-controllen", msg(ctypes.addressof(sa), 16, 0, 0, ctypes.addressof(data), 2**63)),
    ("sendmsg-controllen-big", msg(ctypes.addressof(sa), 16, 0, 0, ctypes.addressof(data), 1 << 20)),
    ("sendmsg-namelen", msg(ctypes.addressof(sa), 2**32 - 1, 0, 0, 0, 0)),
]:
    count(label, lambda: libc.sendmsg(u.fileno(), m, 0), 2000)
fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(200)]
print("opened", len(fds))
`

// The flood of hostile lengths leaves the run going, answers each call
// with an errno, keeps the supervisor's fd count where it was and its
// log small.
func TestHostileNetworkLengthsGetAnErrnoAndLeakNothing(t *testing.T) {
	requireSandbox(t)
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	dest := udp.LocalAddr().String()
	pol, diags := policies.LoadSource("test.hcl", []byte(connectPolicy("udp:"+dest)), nil)
	if diags.HasErrors() {
		t.Fatalf("policy: %v", diags)
	}
	defer holdQuiet(t, false)()
	fdsBefore := openFDs(t)
	var stdout, stderr, logs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := supervisor.Run(ctx, supervisor.Options{
		Policy: pol, Path: python, Argv: []string{python, "-c", fmt.Sprintf("DEST = %q\n", dest) + hostileNet},
		Stdout: &stdout, Stderr: &stderr,
		Logger: hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Warn}),
	})
	if res.Error != "" || res.Status != 0 {
		t.Fatalf("%s\nstdout:\n%s\nstderr:\n%s", describe(res), stdout.String(), stderr.String())
	}
	for label, want := range map[string]string{
		"sendto-huge":            "[('EMSGSIZE', 20000)]",
		"sendto-neglen":          "[('EINVAL', 2000)]",
		"connect-neglen":         "[('EINVAL', 2000)]",
		"bind-neglen":            "[('EINVAL', 2000)]",
		"sendmsg-iovlen":         "[('EMSGSIZE', 2000)]",
		"sendmsg-iovlen-1025":    "[('EMSGSIZE', 2000)]",
		"sendmsg-iov-len":        "[('EINVAL', 2000)]",
		"sendmsg-controllen":     "[('EINVAL', 2000)]",
		"sendmsg-controllen-big": "[('ENOBUFS', 2000)]",
		"sendmsg-namelen":        "[('EINVAL', 2000)]",
		"opened":                 "200",
	} {
		if !strings.Contains(stdout.String(), label+" "+want+"\n") {
			t.Errorf("stdout lacks %q:\n%s", label+" "+want, stdout.String())
		}
	}
	if got := openFDs(t); len(got) != len(fdsBefore) {
		t.Errorf("the supervisor holds %d fds after the run, %d before", len(got), len(fdsBefore))
	}
	if logs.Len() > 4096 || stderr.Len() > 4096 {
		t.Errorf("the flood made %d bytes of log and %d of stderr:\n%.2000s", logs.Len(), stderr.Len(), logs.String())
	}
}

// With gaol running as root, a unix socket is reachable only as the
// guest's identity could write to it and search its directories: a
// socket owned by another user with mode 0600 is refused like a regular
// file with the same owner and mode, though root's own connect would
// pass.
func TestUnixSocketPermissionsBindTheGuest(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the files must belong to another user, and only root's connect ignores their mode")
	}
	const nobody = 65534
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	mine := unixEcho(t, filepath.Join(dir, "mine.sock"))
	theirs := unixEcho(t, filepath.Join(dir, "theirs.sock"))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(filepath.Join(dir, "mine.sock"), 0o600))
	must(os.Chown(filepath.Join(dir, "theirs.sock"), nobody, nobody))
	must(os.Chmod(filepath.Join(dir, "theirs.sock"), 0o600))
	must(os.WriteFile(filepath.Join(dir, "theirs.txt"), []byte("x"), 0o600))
	must(os.Chown(filepath.Join(dir, "theirs.txt"), nobody, nobody))
	must(os.Mkdir(filepath.Join(dir, "locked"), 0o700))
	inside := unixEcho(t, filepath.Join(dir, "locked", "in.sock"))
	must(os.Chmod(filepath.Join(dir, "locked", "in.sock"), 0o666))
	must(os.Chown(filepath.Join(dir, "locked"), nobody, nobody))
	dgram, err := net.ListenPacket("unixgram", filepath.Join(dir, "theirs.dgram"))
	must(err)
	defer dgram.Close()
	must(os.Chown(filepath.Join(dir, "theirs.dgram"), nobody, nobody))
	must(os.Chmod(filepath.Join(dir, "theirs.dgram"), 0o600))

	policy := fmt.Sprintf(`sandbox "u" {
  extends = "python"
  mount "/sock" {
    type     = "host"
    host     = %q
    writable = true
  }
}`, dir)
	code := unixProbe + `
attempt("mine", lambda: stream("/sock/mine.sock"))
attempt("theirs", lambda: stream("/sock/theirs.sock"))
attempt("file", lambda: open("/sock/theirs.txt", "w"))
attempt("locked-dir", lambda: stream("/sock/locked/in.sock"))
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
attempt("dgram", lambda: d.sendto(b"x", "/sock/theirs.dgram"))
`
	g := runPolicy(t, policy, code)
	g.checkExit(t, 0)
	for _, want := range []string{"mine ok PING", "theirs refused EACCES", "file refused EACCES", "locked-dir refused EACCES", "dgram refused EACCES"} {
		if !strings.Contains(g.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, g.stdout, g.stderr)
		}
	}
	if mine.Load() != 1 || theirs.Load() != 0 || inside.Load() != 0 {
		t.Errorf("connections accepted: mine %d (want 1), theirs %d, in the locked directory %d (want 0)", mine.Load(), theirs.Load(), inside.Load())
	}
	dgram.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := dgram.ReadFrom(make([]byte, 8)); err == nil {
		t.Errorf("the other user's datagram socket received %d bytes", n)
	}
}
