package main

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
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
