package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestAllowConnectWidensThePolicyToOneDestination(t *testing.T) {
	requireSandbox(t)
	listen := func() (string, *atomic.Int64) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
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
				c.Close()
			}
		}()
		return ln.Addr().String(), &n
	}
	allowed, allowedHits := listen()
	other, otherHits := listen()
	code := fmt.Sprintf(`
import socket
for label, addr in [("allowed", %q), ("other", %q)]:
    host, port = addr.split(":")
    try:
        socket.create_connection((host, int(port)), timeout=5).close(); print(label, "connected")
    except OSError as e:
        print(label, "refused", e.errno)
`, allowed, other)
	for _, c := range []struct {
		name  string
		flags []string
		want  []string
		hits  int64
	}{
		{"without the flag nothing is reachable", nil, []string{"allowed refused", "other refused"}, 0},
		{"with it exactly that destination is", []string{"--allow-connect", allowed}, []string{"allowed connected", "other refused 13"}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := allowedHits.Load()
			r := cli{args: gaolRun(c.flags, "-c", code)}.run(t)
			if r.status != 0 {
				t.Fatalf("status %d\n%s", r.status, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			if got := allowedHits.Load() - before; got != c.hits {
				t.Errorf("the allowed listener got %d connections, want %d", got, c.hits)
			}
		})
	}
	if n := otherHits.Load(); n != 0 {
		t.Errorf("the other listener got %d connections", n)
	}
	r := cli{args: gaolRun([]string{"--allow-connect", "nowhere"}, "-c", "pass")}.run(t)
	if r.status != 125 || !strings.Contains(r.stderr, "--allow-connect") {
		t.Errorf("a bad destination: status %d, stderr %q", r.status, r.stderr)
	}
}

func TestAllowConnectResolvesAHostNameWhenTheRunStarts(t *testing.T) {
	requireSandbox(t)
	name, addr := offlineLoopbackName(t)
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var hits atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			hits.Add(1)
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	code := fmt.Sprintf(`
import socket
print(socket.create_connection((%q, %s), timeout=5).recv(2).decode())
`, name, port)
	r := cli{args: gaolRun([]string{"--allow-connect", name + ":" + port}, "-c", code)}.run(t)
	if r.status != 0 || strings.TrimSpace(r.stdout) != "hi" || hits.Load() != 1 {
		t.Errorf("status %d, stdout %q, %d connections; want the name's listener reached once\n%s", r.status, r.stdout, hits.Load(), r.stderr)
	}
	r = cli{args: gaolRun([]string{"--allow-connect", "nowhere.invalid:80"}, "-c", "print('RAN')")}.run(t)
	if r.status != 125 || r.stdout != "" || !strings.Contains(r.stderr, `gaol: network: connect entry "nowhere.invalid:80" (--allow-connect): cannot resolve nowhere.invalid`) {
		t.Errorf("an unknown name: status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
}

// offlineLoopbackName is a host name the host resolves to a loopback
// address without a DNS server (its own name, from /etc/hosts), or skips.
func offlineLoopbackName(t *testing.T) (string, string) {
	name, err := os.Hostname()
	if err != nil {
		t.Skipf("no host name: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", name)
	for _, a := range addrs {
		if a.IsLoopback() {
			return name, a.String()
		}
	}
	t.Skipf("the host name %q does not resolve to a loopback address offline (%v, %v): the test would need DNS", name, addrs, err)
	return "", ""
}
