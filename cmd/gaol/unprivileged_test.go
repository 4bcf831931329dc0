package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestRunsAsAnOrdinaryUser runs gaol as uid 65534 when the tests run as
// root (as CI does): running as root is never required. Run unprivileged,
// every other test of this package already shows it.
func TestRunsAsAnOrdinaryUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("already unprivileged: the other tests run gaol as an ordinary user")
	}
	if testing.Short() {
		t.Skip("builds gaol; skipped with -short")
	}
	dir, err := os.MkdirTemp("", "gaol-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "gaol")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A host unix socket an ordinary user may write to, in a directory
	// the guest gets read-write.
	sockDir := filepath.Join(dir, "sock")
	if err := os.Mkdir(sockDir, 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(sockDir, "s.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	os.Chmod(filepath.Join(sockDir, "s.sock"), 0o666)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	// A keep directory an ordinary user may create, for a scratch whose
	// hard links and holes the copy keeps (linkat needs no privilege).
	keepParent := filepath.Join(dir, "keep")
	if err := os.Mkdir(keepParent, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(keepParent, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	keepPolicy := filepath.Join(dir, "keep.hcl")
	if err := os.WriteFile(keepPolicy, []byte(`sandbox "k" {
  extends = "python"
  mount "/out" {
    type  = "scratch"
    quota = "1MiB"
    files = 64
    keep  = "`+filepath.Join(keepParent, "kept")+`"
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	checkKept := func(t *testing.T) {
		var a, b, sparse syscall.Stat_t
		for p, st := range map[string]*syscall.Stat_t{"a": &a, "b": &b, "sparse": &sparse} {
			if err := syscall.Lstat(filepath.Join(keepParent, "kept", p), st); err != nil {
				t.Fatal(err)
			}
		}
		if a.Ino != b.Ino || a.Uid != 65534 || sparse.Size != 32<<20 || sparse.Blocks*512 > 256<<10 {
			t.Errorf("kept as the ordinary user: a and b inodes %d and %d (one file?), owner %d, sparse %d bytes in %d KiB", a.Ino, b.Ino, a.Uid, sparse.Size, sparse.Blocks/2)
		}
	}
	for _, c := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"keep copies a hard link once and a sparse file's holes as holes", []string{"run", "--policy", keepPolicy, "--result", filepath.Join(keepParent, "result.json"), "--", "/usr/bin/python3", "-c",
			"import os\nopen('/out/a', 'w').write('a' * 4096)\nos.link('/out/a', '/out/b')\nf = open('/out/sparse', 'wb'); f.write(b'x'); f.truncate(32 << 20)\nprint('kept')"}, "kept", 0},
		{"a unix socket in a --rw mount is reachable", []string{"run", "--rw", sockDir + ":/sock", "--", "/usr/bin/python3", "-c",
			"import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('/sock/s.sock')\nprint('got', s.recv(2).decode())"}, "got hi", 0},
		{"the standard library runs", []string{"run", "--", "/usr/bin/python3", "-c", "import json, sqlite3, tempfile, os; print('ok', os.getuid())"}, "ok 1000", 0},
		{"the guest's /proc/self is read from its own host /proc", []string{"run", "--", "/usr/bin/python3", "-c",
			"import os\nf = open('/tmp/x', 'w')\nst = [l.split()[1] for l in open('/proc/self/status') if l.startswith(('Uid', 'Pid', 'VmRSS'))]\n" +
				"print(os.readlink('/proc/self/fd/%d' % f.fileno()), st[0] == str(os.getpid()), st[1], int(st[2]) > 0)"}, "/tmp/x True 1000 True", 0},
		{"a FIFO in /tmp carries bytes between threads, and a waiting open ends with the run", []string{"run", "--wall", "2s", "--", "/usr/bin/python3", "-c",
			"import os, threading\nos.mkfifo('/tmp/f')\nthreading.Thread(target=lambda: open('/tmp/f', 'w').write('via fifo')).start()\n" +
				"print(open('/tmp/f').read(), flush=True)\nopen('/tmp/f')"}, "via fifo", 124},
		{"permission bits bind the guest", []string{"run", "--", "/usr/bin/python3", "-c", `import os
open("/tmp/none", "w").close(); os.chmod("/tmp/none", 0)
os.mkdir("/tmp/rx"); os.chmod("/tmp/rx", 0o500)
for f, *a in ((open, "/tmp/none"), (open, "/tmp/rx/new", "w")):
    try:
        f(*a)
    except PermissionError:
        print("EACCES", end=" ")
print(os.access("/tmp/none", os.R_OK))`}, "EACCES EACCES False", 0},
		{"a CPU budget stops a busy loop", []string{"run", "--cpu", "1s", "--", "/usr/bin/python3", "-c", "while True: pass"}, "", 124},
		{"a thread bomb stops at the tasks budget", []string{"run", "--", "/usr/bin/python3", "-c",
			"import threading, time\nthreading.stack_size(65536)\nn = 0\ntry:\n    while True:\n        threading.Thread(target=time.sleep, args=(30,), daemon=True).start(); n += 1\nexcept RuntimeError:\n    print('refused after', n)"}, "refused after", 0},
		{"virtual time fast-forwards a select (fd copies, /proc status)", []string{"run", "--time", "virtual", "--", "/usr/bin/python3", "-c",
			"import os, select, time\nr, w = os.pipe()\nt = time.monotonic()\nprint(select.select([r], [], [], 5), time.monotonic() - t >= 5)\nos.write(w, b'x')\nprint(select.select([r], [], [], 5)[0] == [r])"}, "([], [], []) True\nTrue", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, c.args...)
			cmd.Dir = "/tmp"
			cmd.Env = []string{"HOME=/tmp", "PATH=/usr/bin:/bin"}
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != c.code {
				t.Fatalf("exit %d, want %d:\n%s", code, c.code, out)
			}
			if !strings.Contains(string(out), c.want) {
				t.Errorf("output lacks %q:\n%s", c.want, out)
			}
			if strings.HasPrefix(c.name, "keep ") {
				checkKept(t)
			}
		})
	}
}
