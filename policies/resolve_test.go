package policies

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

const namedPolicy = `sandbox "s" {
  network {
    connect = [
      "api.example.internal:443",
      "udp:ntp.example:123",
      "10.9.9.9:80",
      "API.example.internal.:8443",
    ]
  }
}`

// fakeLookup answers from a table and counts its calls, which Resolve
// makes concurrently.
type fakeLookup struct {
	table map[string][]netip.Addr
	mu    sync.Mutex
	calls []string
}

func (f *fakeLookup) lookup(_ context.Context, host string) ([]netip.Addr, error) {
	f.mu.Lock()
	f.calls = append(f.calls, host)
	f.mu.Unlock()
	addrs, ok := f.table[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	return addrs, nil
}

func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}

func connectOp(network, addr string) Op {
	return Op{Kind: KindConnect, Syscall: "connect", Network: network, Addr: netip.MustParseAddrPort(addr)}
}

func TestHostNamesAllowExactlyTheirResolvedAddresses(t *testing.T) {
	p := mustLoad(t, namedPolicy, nil)
	f := &fakeLookup{table: map[string][]netip.Addr{
		"api.example.internal": addrs("10.1.2.3", "::ffff:10.1.2.4", "2001:db8::7"),
		"ntp.example":          addrs("10.5.5.5"),
	}}
	r, names, err := p.Resolve(context.Background(), f.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.calls, ","); len(f.calls) != 2 || !strings.Contains(got, "api.example.internal") || !strings.Contains(got, "ntp.example") {
		t.Errorf("lookups %q: want each name once, written in lower case without its final dot", got)
	}
	if len(names) != 2 || names[0].Name != "api.example.internal" || len(names[0].Addrs) != 3 || names[0].Addrs[1] != netip.MustParseAddr("10.1.2.4") {
		t.Errorf("resolved names = %+v", names)
	}
	for _, c := range []struct {
		name  string
		op    Op
		allow bool
	}{
		{name: "the first address on the entry's port", op: connectOp("tcp", "10.1.2.3:443"), allow: true},
		{name: "an IPv4-mapped answer is its IPv4 address", op: connectOp("tcp", "10.1.2.4:443"), allow: true},
		{name: "the IPv6 address", op: connectOp("tcp", "[2001:db8::7]:443"), allow: true},
		{name: "the second entry of the same name adds its port", op: connectOp("tcp", "10.1.2.3:8443"), allow: true},
		{name: "another port of the name", op: connectOp("tcp", "10.1.2.3:80")},
		{name: "a neighbouring address", op: connectOp("tcp", "10.1.2.5:443")},
		{name: "the udp name by udp", op: connectOp("udp", "10.5.5.5:123"), allow: true},
		{name: "the udp name by tcp", op: connectOp("tcp", "10.5.5.5:123")},
		{name: "an address entry beside names", op: connectOp("tcp", "10.9.9.9:80"), allow: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := r.Decide(c.op)
			if d.Allow != c.allow {
				t.Errorf("allow = %v, want %v (rule %q)", d.Allow, c.allow, d.Rule)
			}
			if c.allow && (d.Rule != "network.connect" || d.Range.Filename == "") {
				t.Errorf("decided by %q at %v, want network.connect at its entry", d.Rule, d.Range)
			}
		})
	}
	if d := p.Decide(connectOp("tcp", "10.1.2.3:443")); d.Allow {
		t.Error("Resolve changed the policy it was given")
	}
}

func TestAnUnresolvedNameAllowsNothing(t *testing.T) {
	p := mustLoad(t, namedPolicy, nil)
	for _, op := range []Op{connectOp("tcp", "10.1.2.3:443"), connectOp("tcp", "1.1.1.1:443"), connectOp("udp", "10.5.5.5:123")} {
		if d := p.Decide(op); d.Allow || d.Errno != unix.EACCES {
			t.Errorf("%v before Resolve: %+v", op.Addr, d)
		}
	}
}

func TestANameThatDoesNotResolveFailsTheRun(t *testing.T) {
	p := mustLoad(t, namedPolicy, nil)
	for _, c := range []struct {
		name  string
		table map[string][]netip.Addr
		want  string
	}{
		{
			name:  "the lookup fails",
			table: map[string][]netip.Addr{"api.example.internal": addrs("10.1.2.3")},
			want:  `connect entry "udp:ntp.example:123" (testdata/inline.hcl:5): cannot resolve ntp.example: no such host`,
		},
		{
			name:  "the name has no address",
			table: map[string][]netip.Addr{"api.example.internal": nil, "ntp.example": addrs("10.5.5.5")},
			want:  `connect entry "api.example.internal:443" (testdata/inline.hcl:4): cannot resolve api.example.internal: it resolves to no address`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeLookup{table: c.table}
			r, _, err := p.Resolve(context.Background(), f.lookup)
			if err == nil || err.Error() != c.want || r != nil {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestAPolicyWithoutNamesIsNotLookedUp(t *testing.T) {
	p := mustLoad(t, `sandbox "s" {
  network {
    connect = ["localhost:8080"]
  }
}`, nil)
	f := &fakeLookup{}
	r, names, err := p.Resolve(context.Background(), f.lookup)
	if err != nil || r != p || names != nil || len(f.calls) != 0 {
		t.Errorf("Resolve = %p, %v, %v with lookups %q; want the same policy and no lookup", r, names, err, f.calls)
	}
}

func TestAllowConnectTakesAHostName(t *testing.T) {
	p := mustLoad(t, `sandbox "s" {}`, nil)
	if err := AllowConnect(p, "svc.example:8080"); err != nil {
		t.Fatal(err)
	}
	if err := AllowConnect(p, "a..b:80"); err == nil || !strings.Contains(err.Error(), "empty label") {
		t.Errorf("a malformed name: %v", err)
	}
	f := &fakeLookup{table: map[string][]netip.Addr{}}
	if _, _, err := p.Resolve(context.Background(), f.lookup); err == nil ||
		err.Error() != `connect entry "svc.example:8080" (--allow-connect): cannot resolve svc.example: no such host` {
		t.Errorf("unresolved: %v", err)
	}
	f.table["svc.example"] = addrs("192.0.2.1")
	r, _, err := p.Resolve(context.Background(), f.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if d := r.Decide(connectOp("tcp", "192.0.2.1:8080")); !d.Allow || d.Rule != "--allow-connect" {
		t.Errorf("resolved: %+v", d)
	}
}

func TestANameRuleShadowsNothingBeforeTheRun(t *testing.T) {
	p := mustLoad(t, `sandbox "s" {
  network {
    connect = ["api.example.internal:443", "10.0.0.0/8:443"]
  }
}`, nil)
	for _, w := range Warnings(p) {
		if w.Summary == "Rule never matches" {
			t.Errorf("a name's rule is taken to cover a later one: %s", w.Detail)
		}
	}
}
