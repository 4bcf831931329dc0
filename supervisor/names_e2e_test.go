package supervisor_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor"
)

// fixedLookup resolves names from a table, as a DNS server that knows
// only them would; the tests never depend on the host's DNS.
func fixedLookup(table map[string]string) policies.LookupFunc {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		a, ok := table[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
}

// runNamed runs python -c code under a policy given as HCL source, with
// lookup as the run's resolver (nil: the host's), and returns the run
// even if gaol failed.
func runNamed(t *testing.T, hcl, code string, lookup policies.LookupFunc) *guestRun {
	t.Helper()
	requireSandbox(t)
	pol, diags := policies.LoadSource("test.hcl", []byte(hcl), nil)
	if diags.HasErrors() {
		t.Fatalf("policy: %v", diags)
	}
	defer holdQuiet(t, false)()
	var stdout, stderr, trace bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	res := supervisor.Run(ctx, supervisor.Options{
		Policy: pol, Path: python, Argv: []string{python, "-c", code},
		Stdout: &stdout, Stderr: &stderr, Trace: &trace, Lookup: lookup,
	})
	g := &guestRun{res: res, stdout: stdout.String(), stderr: stderr.String(), rawTrace: trace.Bytes(), elapsed: time.Since(start)}
	g.trace = parseTrace(t, trace.Bytes())
	return g
}

func TestAHostNameReachesExactlyTheAddressItResolvedTo(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprintf(w, "hello %s", r.Host)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	other, otherAccepted := countingListener(t)
	_, otherPort, _ := net.SplitHostPort(other)
	policy := connectPolicy("api.gaol.test:" + port)
	code := fmt.Sprintf(`
import socket, time, urllib.request
print("addrs:", sorted({ai[4][0] for ai in socket.getaddrinfo("api.gaol.test", %[1]s, type=socket.SOCK_STREAM)}))
print("page:", urllib.request.urlopen("http://api.gaol.test:%[1]s/").read().decode())
t = time.monotonic()
try:
    socket.getaddrinfo("elsewhere.example", 80); print("elsewhere RESOLVED")
except socket.gaierror as e:
    print("elsewhere unknown", e.errno, round(time.monotonic() - t) == 0)
try:
    socket.create_connection(("api.gaol.test", %[2]s), timeout=5); print("other port REACHED")
except OSError as e:
    print("other port refused", e.errno)
print(open("/etc/hosts").read().splitlines()[-1].split())
print(open("/etc/nsswitch.conf").read().splitlines()[-1])
`, port, otherPort)
	g := runNamed(t, policy, code, fixedLookup(map[string]string{"api.gaol.test": "127.0.0.1"}))
	g.checkExit(t, 0)
	for _, want := range []string{
		"addrs: ['127.0.0.1']",
		"page: hello api.gaol.test:" + port,
		fmt.Sprintf("elsewhere unknown %d True", -2), // EAI_NONAME, at once: the guest has no DNS
		"other port refused 13",
		"['127.0.0.1', 'api.gaol.test']",
		"hosts: files",
	} {
		if !strings.Contains(g.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, g.stdout, g.stderr)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("the server got %d requests, want 1", hits.Load())
	}
	if n := otherAccepted.Load(); n != 0 {
		t.Errorf("the listener on another port accepted %d connections", n)
	}
	g.checkTrace(t, []traceWant{
		{syscall: "connect", action: "emulate", path: "127.0.0.1:" + port},
		{syscall: "connect", action: "deny", path: "127.0.0.1:" + otherPort, errno: "EACCES"},
	})
	for _, ev := range g.events(func(ev supervisor.Event) bool { return ev.Args.Path == "127.0.0.1:"+port }) {
		if ev.Rule != "network.connect" || ev.RulePos != "test.hcl:4" {
			t.Errorf("the connect was decided by %q at %q, want network.connect at test.hcl:4", ev.Rule, ev.RulePos)
		}
	}
}

func TestANameThatDoesNotResolveFailsTheRunBeforeTheGuestStarts(t *testing.T) {
	g := runNamed(t, connectPolicy("udp:nowhere.gaol.test:53"), `print("RAN")`, fixedLookup(nil))
	want := `network: connect entry "udp:nowhere.gaol.test:53" (test.hcl:4): cannot resolve nowhere.gaol.test: lookup nowhere.gaol.test: no such host`
	if g.res.Error != want || g.res.Status != supervisor.StatusFailed || g.stdout != "" {
		t.Errorf("got %s, stdout %q; want status 125 and error %q", describe(g.res), g.stdout, want)
	}
}

func TestTheGuestsEtcFilesComeOnlyWithANetwork(t *testing.T) {
	probe := `
import os
for p in ["/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf"]:
    print(p, open(p).read().splitlines()[-1] if os.path.exists(p) else "absent")
`
	for _, c := range []struct {
		name   string
		policy string
		want   []string
	}{
		{
			name:   "the default profile has no /etc",
			policy: `sandbox "p" { extends = "python" }`,
			want:   []string{"/etc/hosts absent", "/etc/resolv.conf absent", "/etc/nsswitch.conf absent"},
		},
		{
			name:   "an address allow-list brings localhost and no DNS",
			policy: connectPolicy("10.0.0.1:80"),
			want:   []string{"/etc/hosts ::1\tlocalhost", "/etc/resolv.conf options attempts:1 timeout:1", "/etc/nsswitch.conf hosts: files"},
		},
		{
			name: "the policy's own /etc/hosts wins",
			policy: `sandbox "p" {
  extends = "python"
  network {
    connect = ["10.0.0.1:80"]
  }
  mount "/etc/hosts" {
    type    = "file"
    content = "10.0.0.1 mine\n"
  }
}`,
			want: []string{"/etc/hosts 10.0.0.1 mine", "/etc/resolv.conf options attempts:1 timeout:1"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := runNamed(t, c.policy, probe, fixedLookup(nil))
			g.checkExit(t, 0)
			for _, w := range c.want {
				if !strings.Contains(g.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s%s", w, g.stdout, g.stderr)
				}
			}
		})
	}
}
