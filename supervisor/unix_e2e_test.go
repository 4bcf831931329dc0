package supervisor_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/supervisor"
)

// unixEcho listens on the host's unix socket p (a path, or "@name" for
// the abstract namespace) and answers each line-less message in upper
// case; it counts the connections it accepted.
func unixEcho(t *testing.T, p string) *atomic.Int64 {
	t.Helper()
	ln, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			buf := make([]byte, 64)
			k, _ := c.Read(buf)
			c.Write([]byte(strings.ToUpper(string(buf[:k]))))
			c.Close()
		}
	}()
	return &n
}

// outsideDir is a host directory at a path no mount of the guest's
// covers: the temporary directory is under /tmp, which the guest has as
// its own scratch, where a missing name is simply missing.
func outsideDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "gaol-outside-")
	if err != nil {
		t.Skipf("no /var/tmp for a directory outside the guest's tree: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

const unixProbe = `
import errno, os, socket
def attempt(label, f):
    try:
        print(label, "ok", f())
    except OSError as e:
        print(label, "refused", errno.errorcode.get(e.errno, e.errno))
def stream(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(b"ping")
    return s.recv(16).decode()
`

func TestUnixSocketsAreReachableOnlyWhereAWritableMountShowsThem(t *testing.T) {
	mounted, outside := t.TempDir(), outsideDir(t)
	echo := unixEcho(t, filepath.Join(mounted, "echo.sock"))
	out := unixEcho(t, filepath.Join(outside, "out.sock"))
	abstract := fmt.Sprintf("@gaol-test-%d", os.Getpid())
	abstractHits := unixEcho(t, abstract)
	dgram, err := net.ListenPacket("unixgram", filepath.Join(mounted, "dgram.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer dgram.Close()
	os.WriteFile(filepath.Join(mounted, "plain.txt"), []byte("x"), 0o644)
	os.Symlink(filepath.Join(outside, "out.sock"), filepath.Join(mounted, "abs.sock"))
	rel, _ := filepath.Rel(mounted, filepath.Join(outside, "out.sock"))
	os.Symlink(rel, filepath.Join(mounted, "rel.sock"))

	policy := func(writable bool) string {
		return fmt.Sprintf(`sandbox "u" {
  extends = "python"
  mount "/sock" {
    type     = "host"
    host     = %q
    writable = %v
  }
}`, mounted, writable)
	}
	code := unixProbe + fmt.Sprintf(`
attempt("mounted", lambda: stream("/sock/echo.sock"))
os.chdir("/sock")
attempt("relative", lambda: stream("echo.sock"))
os.symlink("/sock/echo.sock", "/tmp/via")
attempt("guest-symlink", lambda: stream("/tmp/via"))
attempt("unmounted", lambda: stream(%q))
attempt("symlink-out-absolute", lambda: stream("/sock/abs.sock"))
attempt("symlink-out-relative", lambda: stream("/sock/rel.sock"))
attempt("abstract", lambda: stream("\0" + %q))
attempt("not-a-socket", lambda: stream("/sock/plain.txt"))
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
attempt("datagram", lambda: d.sendto(b"dgram", "/sock/dgram.sock"))
`, filepath.Join(outside, "out.sock"), abstract[1:])

	t.Run("a writable mount", func(t *testing.T) {
		g := runPolicy(t, policy(true), code)
		g.checkExit(t, 0)
		for _, want := range []string{
			"mounted ok PING", "relative ok PING", "guest-symlink ok PING",
			"unmounted refused ENOENT", "symlink-out-absolute refused ENOENT", "symlink-out-relative refused ENOENT",
			"abstract refused EACCES", "not-a-socket refused ECONNREFUSED", "datagram ok 5",
		} {
			if !strings.Contains(g.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, g.stdout, g.stderr)
			}
		}
		if n := echo.Load(); n != 3 {
			t.Errorf("the mounted listener accepted %d connections, want 3", n)
		}
		dgram.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 16)
		if n, _, err := dgram.ReadFrom(buf); err != nil || string(buf[:n]) != "dgram" {
			t.Errorf("the mounted datagram socket received %q, %v", buf[:n], err)
		}
		g.checkTrace(t, []traceWant{
			{syscall: "connect", action: "emulate", path: "unix:/sock/echo.sock"},
			{syscall: "connect", action: "deny", path: "unix:" + filepath.Join(outside, "out.sock"), errno: "ENOENT"},
			{syscall: "connect", action: "deny", path: "unix:/sock/abs.sock", errno: "ENOENT"},
			{syscall: "connect", action: "deny", path: "unix:" + abstract, errno: "EACCES"},
			{syscall: "sendto", action: "emulate", path: "unix:/sock/dgram.sock"},
		})
		for _, ev := range g.events(func(ev supervisor.Event) bool { return ev.Args.Path == "unix:echo.sock" }) {
			if ev.Args.Guest != "/sock/echo.sock" || ev.Rule != "unix-sockets" {
				t.Errorf("the relative connect resolved to %q by rule %q", ev.Args.Guest, ev.Rule)
			}
		}
	})
	t.Run("a read-only mount", func(t *testing.T) {
		before := echo.Load()
		g := runPolicy(t, policy(false), code)
		g.checkExit(t, 0)
		if !strings.Contains(g.stdout, "mounted refused EACCES") || !strings.Contains(g.stdout, "datagram refused EACCES") {
			t.Errorf("stdout:\n%s\nstderr:\n%s", g.stdout, g.stderr)
		}
		if n := echo.Load() - before; n != 0 {
			t.Errorf("the listener behind a read-only mount accepted %d connections", n)
		}
		g.checkTrace(t, []traceWant{{syscall: "connect", action: "deny", path: "unix:/sock/echo.sock", errno: "EACCES"}})
	})
	if n := out.Load() + abstractHits.Load(); n != 0 {
		t.Errorf("listeners outside the mount accepted %d connections", n)
	}
}
