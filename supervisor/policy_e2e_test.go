package supervisor_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// runPolicy runs python -c code under a policy given as HCL source, and
// fails the test if gaol itself failed.
func runPolicy(t *testing.T, hcl, code string) *guestRun {
	t.Helper()
	g := runNamed(t, hcl, code, nil)
	if g.res.Error != "" {
		t.Fatalf("gaol failed: %s\nstderr:\n%s", g.res.Error, g.stderr)
	}
	return g
}

// connectPolicy is the python profile allowing TCP to one destination.
func connectPolicy(dest string) string {
	return fmt.Sprintf(`sandbox "net" {
  extends = "python"
  network {
    connect = ["%s"]
  }
}`, dest)
}

// countingListener accepts TCP connections on loopback and counts them.
func countingListener(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), accepted
}

func TestNetworkAllowListReachesExactlyItsDestination(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "hello from the host")
	}))
	defer srv.Close()
	allowed := strings.TrimPrefix(srv.URL, "http://")
	other, otherAccepted := countingListener(t)
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	_, udpPort, _ := net.SplitHostPort(udp.LocalAddr().String())
	_, port, _ := net.SplitHostPort(allowed)
	_, otherPort, _ := net.SplitHostPort(other)

	policy := connectPolicy(allowed)
	code := fmt.Sprintf(`
import socket, urllib.request
print("page:", urllib.request.urlopen(%q).read().decode())
def attempt(label, f):
    try:
        f(); print(label, "REACHED")
    except OSError as e:
        print(label, "refused", e.errno)
attempt("other-port", lambda: socket.create_connection(("127.0.0.1", %s), timeout=5))
attempt("other-address", lambda: socket.create_connection(("127.0.0.2", %s), timeout=5))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
attempt("udp", lambda: u.sendto(b"x", ("127.0.0.1", %s)))
`, srv.URL, otherPort, port, udpPort)
	g := runPolicy(t, policy, code)
	g.checkExit(t, 0)
	for _, want := range []string{"page: hello from the host", "other-port refused 13", "other-address refused 13", "udp refused 13"} {
		if !strings.Contains(g.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, g.stdout, g.stderr)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("the allowed server got %d requests, want 1", hits.Load())
	}
	if n := otherAccepted.Load(); n != 0 {
		t.Errorf("the listener on another port accepted %d connections", n)
	}
	udp.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := udp.ReadFrom(make([]byte, 16)); err == nil {
		t.Errorf("the UDP socket received %d bytes", n)
	}
	g.checkTrace(t, []traceWant{
		{syscall: "connect", action: "emulate", path: allowed},
		{syscall: "connect", action: "deny", path: other},
		{syscall: "sendto", action: "deny"},
	})
}

func TestSockaddrSwappedDuringConnectNeverReachesTheOtherAddress(t *testing.T) {
	allowed, allowedAccepted := countingListener(t)
	forbidden, forbiddenAccepted := countingListener(t)
	_, aport, _ := net.SplitHostPort(allowed)
	_, fport, _ := net.SplitHostPort(forbidden)
	policy := connectPolicy(allowed)
	// One thread flips the port bytes of a sockaddr_in between the allowed
	// and the forbidden port while the main thread connects with it.
	code := fmt.Sprintf(`
import ctypes, socket, struct, threading
libc = ctypes.CDLL(None, use_errno=True)
good, bad = struct.pack(">H", %s), struct.pack(">H", %s)
buf = ctypes.create_string_buffer(struct.pack("<H", socket.AF_INET) + good + socket.inet_aton("127.0.0.1") + bytes(8), 16)
stop = False
def flip():
    while not stop:
        ctypes.memmove(ctypes.addressof(buf) + 2, bad, 2)
        ctypes.memmove(ctypes.addressof(buf) + 2, good, 2)
threading.Thread(target=flip, daemon=True).start()
ok = 0
for i in range(300):
    s = socket.socket()
    if libc.connect(s.fileno(), buf, 16) == 0:
        ok += 1
    s.close()
stop = True
print("connected", ok)
`, aport, fport)
	g := runPolicy(t, policy, code)
	g.checkExit(t, 0)
	if n := forbiddenAccepted.Load(); n != 0 {
		t.Fatalf("the forbidden listener accepted %d connections: the swapped sockaddr got through", n)
	}
	if allowedAccepted.Load() == 0 {
		t.Errorf("no connection reached the allowed listener either; the test proves nothing:\n%s%s", g.stdout, g.stderr)
	}
}

const determinismProgram = `
import time, datetime, random
print(time.time(), time.monotonic())
print(datetime.datetime.now())
t = time.monotonic(); time.sleep(5); print("slept", round(time.monotonic() - t, 3))
random.seed(time.time()); print(random.random())
`

func TestVirtualTimeRunsAreIdenticalAndSleepsFastForward(t *testing.T) {
	policy := `sandbox "det" {
  extends = "python"
  time {
    mode  = "virtual"
    start = "2024-01-01T00:00:00Z"
    step  = "1ms"
  }
}`
	a := runPolicy(t, policy, determinismProgram)
	b := runPolicy(t, policy, determinismProgram)
	a.checkExit(t, 0)
	b.checkExit(t, 0)
	if a.stdout != b.stdout {
		t.Errorf("two virtual-time runs differ:\n%s---\n%s", a.stdout, b.stdout)
	}
	if !strings.HasPrefix(a.stdout, "1704067200.") || !strings.Contains(a.stdout, "slept 5.0") {
		t.Errorf("unexpected output:\n%s", a.stdout)
	}
	for _, g := range []*guestRun{a, b} {
		if g.elapsed > 4*time.Second {
			t.Errorf("a 5 s sleep in virtual time took %v of wall time", g.elapsed)
		}
	}
}

func TestFrozenAndOffsetClocks(t *testing.T) {
	frozen := runPolicy(t, `sandbox "f" {
  extends = "python"
  time {
    mode  = "frozen"
    start = "2020-02-02T00:00:00Z"
  }
}`, `import time; a = time.time(); sum(range(10**6)); print(a, time.time())`)
	frozen.checkExit(t, 0)
	if strings.TrimSpace(frozen.stdout) != "1580601600.0 1580601600.0" {
		t.Errorf("frozen time: %q", frozen.stdout)
	}
	offset := runPolicy(t, `sandbox "o" {
  extends = "python"
  time {
    mode  = "offset"
    start = "2001-01-01T00:00:00Z"
  }
}`, `import time; t = time.time(); time.sleep(0.2); print(time.gmtime(t)[:3], round(time.time() - t, 1) >= 0.2)`)
	offset.checkExit(t, 0)
	if strings.TrimSpace(offset.stdout) != "(2001, 1, 1) True" {
		t.Errorf("offset time: %q", offset.stdout)
	}
}

const poolProgram = `
import multiprocessing
def sq(x): return x * x
if __name__ == "__main__":
    try:
        with multiprocessing.Pool(2) as p:
            print(p.map(sq, range(6)))
    except OSError as e:
        print("refused", e.errno)
`

func TestMultiprocessingPoolNeedsTheProcessBudget(t *testing.T) {
	allowed := runPolicy(t, `sandbox "mp" {
  extends = "python"
  process {
    max = 2
  }
}`, poolProgram)
	allowed.checkExit(t, 0)
	if strings.TrimSpace(allowed.stdout) != "[0, 1, 4, 9, 16, 25]" {
		t.Errorf("with max = 2: %q\n%s", allowed.stdout, allowed.stderr)
	}
	denied := runPolicy(t, `sandbox "nomp" {
  extends = "python"
}`, poolProgram)
	denied.checkExit(t, 0)
	if strings.TrimSpace(denied.stdout) != "refused 11" {
		t.Errorf("without a process budget: %q\n%s", denied.stdout, denied.stderr)
	}
	denied.checkTrace(t, []traceWant{{syscall: "clone", action: "deny"}})
}

func TestExecOutsideTheGlobsIsRefused(t *testing.T) {
	g := runPolicy(t, fmt.Sprintf(`sandbox "ex" {
  extends = "python"
  process {
    max  = 2
    exec = ["%s*"]
  }
}`, python), `
import subprocess, sys
print(subprocess.run([sys.executable, "-c", "print('child')"], capture_output=True, text=True).stdout.strip())
try:
    subprocess.run([sys.executable.replace("python3", "pydoc3")]); print("RAN")
except OSError as e:
    print("refused", e.errno)
`)
	g.checkExit(t, 0)
	lines := strings.Fields(g.stdout)
	if len(lines) < 3 || lines[0] != "child" || lines[1] != "refused" {
		t.Errorf("stdout: %q\nstderr:\n%s", g.stdout, g.stderr)
	}
}

func TestRulesAreAskedAboutBothNamesOfARenameOrLink(t *testing.T) {
	policy := `sandbox "r" {
  extends = "python"
  rule "no-secrets" {
    paths  = ["/tmp/secret*"]
    action = "deny"
    errno  = "EPERM"
  }
}`
	g := runPolicy(t, policy, `
import os
open("/tmp/plain", "w").write("x")
for name, f in [("rename", os.rename), ("link", os.link)]:
    try:
        f("/tmp/plain", "/tmp/secret-" + name); print(name, "DONE")
    except OSError as e:
        print(name, "refused", e.errno)
print(sorted(os.listdir("/tmp")))
`)
	g.checkExit(t, 0)
	for _, want := range []string{"rename refused 1", "link refused 1", "['plain']"} {
		if !strings.Contains(g.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s%s", want, g.stdout, g.stderr)
		}
	}
}

func TestScratchKeepCopiesRegularFilesOut(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "kept")
	policy := fmt.Sprintf(`sandbox "k" {
  extends = "python"
  mount "/out" {
    type  = "scratch"
    quota = "1MiB"
    files = 64
    keep  = %q
  }
}`, dst)
	g := runPolicy(t, policy, `
import os
os.makedirs("/out/sub")
open("/out/a.txt", "w").write("alpha")
open("/out/sub/b.txt", "w").write("beta")
os.chmod("/out/a.txt", 0o640)
os.symlink("/etc/passwd", "/out/link")
os.mkfifo("/out/fifo")
print("written")
`)
	g.checkExit(t, 0)
	for name, want := range map[string]string{"a.txt": "alpha", "sub/b.txt": "beta"} {
		b, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", name, b, err, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dst, "a.txt")); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("a.txt mode: %v, %v; want 0640", fi, err)
	}
	for _, name := range []string{"link", "fifo"} {
		if _, err := os.Lstat(filepath.Join(dst, name)); !os.IsNotExist(err) {
			t.Errorf("the guest's %s was kept: %v", name, err)
		}
	}
}
