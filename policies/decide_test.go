package policies

import (
	"net/netip"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/sys/unix"
)

// decidePolicy exercises every kind of criterion.
const decidePolicy = `
sandbox "decide" {
  extends = "python"

  mount "/work" {
    type = "host"
    host = "hostdir"
  }

  network {
    connect = ["10.0.0.0/8:443", "localhost:*", "[2001:db8::/32]:80"]
  }

  process {
    exec = ["/usr/bin/git"]
  }

  rule "hide-secrets" {
    class  = "file"
    paths  = ["/work/secret*", "/work/**/.git/**"]
    action = "deny"
    errno  = "ENOENT"
  }

  rule "read-only-config" {
    paths  = ["/work/config/**"]
    access = ["write", "create"]
    action = "deny"
    errno  = "EROFS"
  }

  rule "listing-allowed" {
    paths  = ["/work/config/**"]
    access = ["read", "list"]
    action = "allow"
    log    = true
  }

  rule "no-metadata" {
    addresses = ["10.0.0.254"]
    action    = "deny"
    errno     = "ENETUNREACH"
  }

  rule "no-raw-clock" {
    syscalls = ["clock_getres"]
    action   = "deny"
    errno    = "EPERM"
  }
}
`

func TestDecide(t *testing.T) {
	p := mustLoad(t, decidePolicy, nil)
	tests := []struct {
		name  string
		op    Op
		allow bool
		errno unix.Errno
		rule  string
	}{
		{name: "reading a file is allowed by the profile", op: Op{Kind: KindOpen, Syscall: "openat", Path: "/work/a.py", Access: AccessRead}, allow: true, rule: "filesystem"},
		{name: "a secret is hidden", op: Op{Kind: KindOpen, Path: "/work/secret.txt", Access: AccessRead}, errno: unix.ENOENT, rule: "hide-secrets"},
		{name: "a secret is hidden from stat too", op: Op{Kind: KindStat, Path: "/work/secret", Access: AccessRead}, errno: unix.ENOENT, rule: "hide-secrets"},
		{name: "git internals are hidden at any depth", op: Op{Kind: KindList, Path: "/work/a/b/.git/objects", Access: AccessList}, errno: unix.ENOENT, rule: "hide-secrets"},
		{name: "a name that only starts like a secret directory is not", op: Op{Kind: KindOpen, Path: "/work/secretive/x", Access: AccessRead}, allow: true, rule: "filesystem"},
		{name: "writing config is denied", op: Op{Kind: KindOpen, Path: "/work/config/a.ini", Access: AccessRead | AccessWrite}, errno: unix.EROFS, rule: "read-only-config"},
		{name: "reading config is allowed and logged", op: Op{Kind: KindOpen, Path: "/work/config/a.ini", Access: AccessRead}, allow: true, rule: "listing-allowed"},
		{name: "an allow rule does not grant more than it lists", op: Op{Kind: KindOpen, Path: "/work/config/x", Access: AccessRead | AccessExec}, allow: true, rule: "filesystem"},
		{name: "connect inside the allowed range", op: Op{Kind: KindConnect, Addr: netip.MustParseAddrPort("10.1.2.3:443")}, allow: true, rule: "network.connect"},
		{name: "connect to the wrong port", op: Op{Kind: KindConnect, Addr: netip.MustParseAddrPort("10.1.2.3:80")}, errno: unix.EACCES},
		{name: "connect outside the range", op: Op{Kind: KindConnect, Addr: netip.MustParseAddrPort("192.168.1.1:443")}, errno: unix.EACCES},
		{name: "a rule carves an exception out of the allowance", op: Op{Kind: KindConnect, Addr: netip.MustParseAddrPort("10.0.0.254:443")}, errno: unix.ENETUNREACH, rule: "no-metadata"},
		{name: "an IPv4-mapped address does not escape a rule", op: Op{Kind: KindConnect, Addr: netip.MustParseAddrPort("[::ffff:10.0.0.254]:443")}, errno: unix.ENETUNREACH, rule: "no-metadata"},
		{name: "an IPv4-mapped address matches the allowance", op: Op{Kind: KindConnect, Addr: netip.MustParseAddrPort("[::ffff:10.9.9.9]:443")}, allow: true, rule: "network.connect"},
		{name: "localhost on any port", op: Op{Kind: KindConnect, Addr: netip.MustParseAddrPort("127.0.0.1:5432")}, allow: true, rule: "network.connect"},
		{name: "IPv6 localhost", op: Op{Kind: KindSend, Addr: netip.MustParseAddrPort("[::1]:53")}, allow: true, rule: "network.connect"},
		{name: "IPv6 prefix", op: Op{Kind: KindConnect, Addr: netip.MustParseAddrPort("[2001:db8::5]:80")}, allow: true, rule: "network.connect"},
		{name: "binding is not connecting", op: Op{Kind: KindBind, Addr: netip.MustParseAddrPort("127.0.0.1:8080")}, errno: unix.EACCES},
		{name: "sockets may be created when the network block allows destinations", op: Op{Kind: KindSocket, Syscall: "socket", Network: "tcp"}, allow: true, rule: "network.socket"},
		{name: "exec of a listed program", op: Op{Kind: KindExec, Path: "/usr/bin/git", Access: AccessExec}, allow: true, rule: "process.exec"},
		{name: "exec of another program", op: Op{Kind: KindExec, Path: "/usr/bin/gitk", Access: AccessExec}, errno: unix.EACCES},
		{name: "fork is denied with processes = 0", op: Op{Kind: KindFork, Syscall: "fork"}, errno: unix.EACCES},
		{name: "threads are allowed", op: Op{Kind: KindThread, Syscall: "clone"}, allow: true, rule: "threads"},
		{name: "kind comes from the syscall when unset", op: Op{Syscall: "clock_gettime"}, allow: true, rule: "clocks"},
		{name: "a syscall rule matches by name", op: Op{Syscall: "clock_getres"}, errno: unix.EPERM, rule: "no-raw-clock"},
		{name: "signals are denied by default", op: Op{Kind: KindSignal, Syscall: "kill"}, errno: unix.EACCES},
		{name: "an unknown operation is denied by default", op: Op{Kind: "teleport"}, errno: unix.EACCES},
		{name: "the zero op is denied", op: Op{}, errno: unix.EACCES},
		{name: "a path with .. is denied, not matched", op: Op{Kind: KindOpen, Path: "/work/../etc/passwd", Access: AccessRead}, errno: unix.EACCES, rule: UncleanPath},
		{name: "a relative path is denied", op: Op{Kind: KindOpen, Path: "work/a.py", Access: AccessRead}, errno: unix.EACCES, rule: UncleanPath},
		{name: "a path with a trailing slash is denied", op: Op{Kind: KindOpen, Path: "/work/", Access: AccessRead}, errno: unix.EACCES, rule: UncleanPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(tt.op)
			if d.Allow != tt.allow || d.Errno != tt.errno || d.Rule != tt.rule {
				t.Errorf("Decide(%+v) = {Allow:%v Errno:%v Rule:%q}, want {Allow:%v Errno:%v Rule:%q}",
					tt.op, d.Allow, d.Errno, d.Rule, tt.allow, tt.errno, tt.rule)
			}
			if tt.rule != "" && tt.rule != UncleanPath && d.Range.Filename == "" {
				t.Errorf("decision by %q has no source range", d.Rule)
			}
			if !d.Allow && tt.errno == unix.EACCES && !d.Log {
				t.Error("the denial is not logged")
			}
		})
	}
}

func TestDecideByHandBuiltRules(t *testing.T) {
	rng := hcl.Range{Filename: "hand.go", Start: hcl.Pos{Line: 1}}
	p := &Policy{Rules: []Rule{
		{Name: "deny-without-errno", Paths: []*Glob{MustCompileGlob("/x")}, DeclRange: rng},
		{Name: "all", Allow: true},
	}}
	if d := p.Decide(Op{Path: "/x"}); d.Allow || d.Errno != unix.EACCES || d.Range != rng {
		t.Errorf("deny rule with errno 0 = %+v, want EACCES", d)
	}
	if d := p.Decide(Op{Path: "/y"}); !d.Allow || d.Errno != 0 {
		t.Errorf("catch-all allow = %+v", d)
	}
	var nilPolicy *Policy
	if d := nilPolicy.Decide(Op{Kind: KindOpen}); d.Allow || d.Errno != unix.EACCES {
		t.Errorf("nil policy = %+v", d)
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	p := mustLoad(t, decidePolicy, nil)
	op := Op{Kind: KindOpen, Syscall: "openat", Path: "/work/src/pkg/mod.py", Access: AccessRead}
	if n := testing.AllocsPerRun(100, func() { p.Decide(op) }); n != 0 {
		t.Errorf("Decide allocates %v times per call", n)
	}
}

func BenchmarkDecide(b *testing.B) {
	p, diags := testParser().LoadSource("testdata/inline.hcl", []byte(decidePolicy), nil)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	ops := []Op{
		{Kind: KindOpen, Syscall: "openat", Path: "/usr/lib/python3.12/os.py", Access: AccessRead},
		{Kind: KindStat, Syscall: "newfstatat", Path: "/work/src/pkg/mod.py", Access: AccessRead},
		{Kind: KindConnect, Syscall: "connect", Addr: netip.MustParseAddrPort("10.1.2.3:443")},
		{Kind: KindClock, Syscall: "clock_gettime"},
	}
	for b.Loop() {
		for _, op := range ops {
			p.Decide(op)
		}
	}
}
