package vfs_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// listenUnix binds a unix stream listener at p on the host that answers
// each connection with "ok".
func listenUnix(t *testing.T, p string) {
	t.Helper()
	ln, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("ok"))
			c.Close()
		}
	}()
}

func TestOpenSocket(t *testing.T) {
	f := newFixture(t)
	listenUnix(t, filepath.Join(f.rw, "s.sock"))
	listenUnix(t, filepath.Join(f.host, "ro.sock"))
	listenUnix(t, filepath.Join(f.scratch, "s.sock"))
	for _, c := range []struct {
		name string
		path string
		want error
	}{
		{name: "a socket in a writable host mount", path: "/rw/s.sock"},
		{name: "a regular file is refused as the kernel refuses it", path: "/rw/note.txt", want: unix.ECONNREFUSED},
		{name: "a directory too", path: "/rw", want: unix.ECONNREFUSED},
		{name: "a socket in a read-only mount", path: "/data/ro.sock", want: unix.EACCES},
		{name: "a socket in scratch", path: "/scratch/s.sock", want: unix.EACCES},
		{name: "a virtual file", path: "/etc/hostname", want: unix.EACCES},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := f.fs.Resolve("/", c.path, vfs.Follow)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			fd, err := f.fs.OpenSocket(l)
			if err != c.want {
				t.Fatalf("OpenSocket = %d, %v; want %v", fd, err, c.want)
			}
			if err != nil {
				return
			}
			defer unix.Close(fd)
			if got := dialProcFD(t, fd); got != "ok" {
				t.Errorf("the socket by its /proc/self/fd link answered %q", got)
			}
		})
	}
}

// dialProcFD connects to the socket an O_PATH fd holds, by the magic link.
func dialProcFD(t *testing.T, fd int) string {
	t.Helper()
	c, err := net.Dial("unix", fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		t.Fatalf("connect through the fd: %v", err)
	}
	defer c.Close()
	buf := make([]byte, 2)
	n, _ := c.Read(buf)
	return string(buf[:n])
}

func TestOpenSocketRefusesASymlinkSwappedInAfterTheCheck(t *testing.T) {
	f := newFixture(t)
	outside := filepath.Join(f.outside, "out.sock")
	listenUnix(t, outside)
	listenUnix(t, filepath.Join(f.rw, "swap.sock"))
	l, err := f.fs.Resolve("/", "/rw/swap.sock", vfs.Follow)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// The host swaps the checked socket for a symlink out of the mount.
	link := filepath.Join(f.rw, "tmp-link")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(link, filepath.Join(f.rw, "swap.sock")); err != nil {
		t.Fatal(err)
	}
	if fd, err := f.fs.OpenSocket(l); err != unix.ECONNREFUSED {
		if err == nil {
			unix.Close(fd)
		}
		t.Fatalf("OpenSocket after the swap = %v, want ECONNREFUSED (the symlink itself, never followed)", err)
	}
}
