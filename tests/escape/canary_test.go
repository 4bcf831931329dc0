package escape

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// canaries are the host-side things one attack must not touch. They live
// in the attack's own temporary directories, outside every mount.
type canaries struct {
	dir     string // canary directory: its listing must not change
	file    string // canary file in dir: its content is secrets.content
	link    string // symlink in dir: its target holds secrets.link
	sockDir string // holds the filesystem unix socket (apart from dir)
	secrets secrets

	tcp, udp, abstract, unixSock *listener
	sleep                        *exec.Cmd // host process that must stay alive
	sleepNice                    int
}

// secrets are strings that must never appear in the guest's output or in
// the trace. The guest gets the canaries' paths, never these.
type secrets struct {
	content, link, name, envName, envValue string
}

func (s secrets) all() map[string]string {
	return map[string]string{
		"the canary file's content": s.content, "the canary symlink's target": s.link,
		"the secret file name": s.name, "the secret environment variable's name": s.envName,
		"the secret environment variable's value": s.envValue,
	}
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func newCanaries(t *testing.T) *canaries {
	t.Helper()
	c := &canaries{dir: t.TempDir(), sockDir: t.TempDir()}
	c.secrets = secrets{
		content:  "gaol-secret-content-" + randomHex(t, 12),
		link:     "gaol-secret-link-" + randomHex(t, 12),
		name:     "gaol-secret-name-" + randomHex(t, 12),
		envName:  "GAOL_ESCAPE_SECRET_" + strings.ToUpper(randomHex(t, 6)),
		envValue: "gaol-secret-env-" + randomHex(t, 12),
	}
	c.file = filepath.Join(c.dir, "canary.txt")
	c.link = filepath.Join(c.dir, "link")
	must(t, os.WriteFile(c.file, []byte(c.secrets.content+"\n"), 0o644))
	must(t, os.Symlink("/nonexistent/"+c.secrets.link, c.link))
	must(t, os.WriteFile(filepath.Join(c.dir, c.secrets.name), nil, 0o600))
	must(t, os.Mkdir(filepath.Join(c.dir, "sub"), 0o755))
	// Old times: a change by the guest cannot hide in the same second.
	old := time.Now().Add(-48 * time.Hour)
	must(t, os.Chtimes(c.file, old, old))
	c.startListeners(t)
	c.startSleep(t)
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// listener counts whatever reaches one host endpoint.
type listener struct {
	addr string
	hits atomic.Int64
}

func (c *canaries) startListeners(t *testing.T) {
	c.tcp = listenStream(t, "tcp4", "127.0.0.1:0")
	c.abstract = listenStream(t, "unix", "@gaol-canary-"+randomHex(t, 8))
	c.unixSock = listenStream(t, "unix", filepath.Join(c.sockDir, "canary.sock"))
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { pc.Close() })
	c.udp = &listener{addr: pc.LocalAddr().String()}
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			c.udp.hits.Add(1)
		}
	}()
}

func listenStream(t *testing.T, network, addr string) *listener {
	t.Helper()
	ln, err := net.Listen(network, addr)
	must(t, err)
	t.Cleanup(func() { ln.Close() })
	l := &listener{addr: ln.Addr().String()}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			l.hits.Add(1)
			conn.Close()
		}
	}()
	return l
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func (c *canaries) startSleep(t *testing.T) {
	c.sleep = exec.Command("sleep", "600")
	must(t, c.sleep.Start())
	t.Cleanup(func() {
		c.sleep.Process.Kill()
		c.sleep.Wait()
	})
	c.sleepNice = niceOf(c.sleep.Process.Pid)
}

// args are the guest's argv words naming the canaries.
func (c *canaries) args() []string {
	return []string{
		"canary=" + c.file, "canarydir=" + c.dir, "canarylink=" + c.link,
		"hostpid=" + fmt.Sprint(c.sleep.Process.Pid),
		"tcp=" + port(c.tcp.addr), "udp=" + port(c.udp.addr),
		"abstract=" + strings.TrimPrefix(c.abstract.addr, "@"), "unixsock=" + c.unixSock.addr,
	}
}

// check returns what happened to the canaries.
func (c *canaries) check() []string {
	var out []string
	for _, l := range []struct {
		what string
		l    *listener
	}{{"the host TCP listener", c.tcp}, {"the host UDP socket", c.udp},
		{"the host abstract unix listener", c.abstract}, {"the host filesystem unix listener", c.unixSock}} {
		if n := l.l.hits.Load(); n > 0 {
			out = append(out, fmt.Sprintf("%s on %s was reached %d times", l.what, l.l.addr, n))
		}
	}
	pid := c.sleep.Process.Pid
	switch st := procState(pid); st {
	case "":
		out = append(out, fmt.Sprintf("the host process %d (sleep) is gone", pid))
	case "Z", "X":
		out = append(out, fmt.Sprintf("the host process %d (sleep) was killed", pid))
	case "T", "t":
		out = append(out, fmt.Sprintf("the host process %d (sleep) was stopped", pid))
	}
	if n := niceOf(pid); n != c.sleepNice {
		out = append(out, fmt.Sprintf("the host process %d (sleep) was reniced from %d to %d", pid, c.sleepNice, n))
	}
	return out
}

// snapshot is what a host directory tree looks like: per entry its mode,
// size, link count, times, owner, content hash or link target.
type snapshot map[string]string

func takeSnapshot(t *testing.T, root string) snapshot {
	t.Helper()
	s := snapshot{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		s[rel] = describe(p)
		return nil
	})
	must(t, err)
	return s
}

func describe(p string) string {
	var st syscall.Stat_t
	if err := syscall.Lstat(p, &st); err != nil {
		return "lstat: " + err.Error()
	}
	d := fmt.Sprintf("mode %o size %d nlink %d uid %d gid %d mtime %d.%09d ctime %d.%09d",
		st.Mode, st.Size, st.Nlink, st.Uid, st.Gid, st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec)
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
		b, err := os.ReadFile(p)
		if err != nil {
			return d + " unreadable"
		}
		sum := sha256.Sum256(b)
		d += " sha256 " + hex.EncodeToString(sum[:8])
	case syscall.S_IFLNK:
		target, _ := os.Readlink(p)
		d += " -> " + target
	}
	return d
}

// diff lists the changes from s to a fresh snapshot of root.
func (s snapshot) diff(t *testing.T, root, what string) []string {
	now := takeSnapshot(t, root)
	var out []string
	names := map[string]bool{}
	for n := range s {
		names[n] = true
	}
	for n := range now {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		before, had := s[n]
		after, has := now[n]
		switch {
		case !had:
			out = append(out, fmt.Sprintf("%s: %s appeared (%s)", what, n, after))
		case !has:
			out = append(out, fmt.Sprintf("%s: %s disappeared", what, n))
		case before != after:
			out = append(out, fmt.Sprintf("%s: %s changed from {%s} to {%s}", what, n, before, after))
		}
	}
	return out
}
