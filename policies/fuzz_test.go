package policies

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// seedPolicies adds every policy in testdata and examples to a corpus.
func seedPolicies(f *testing.F, add func(src []byte)) {
	for _, pattern := range []string{"testdata/*.hcl", "testdata/*/*.hcl", "../examples/*.hcl", "profiles/*.hcl"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				add(src)
			}
		}
	}
}

// FuzzLoadSource: no input makes the loader panic, and a policy that
// loads has a rule list Decide can walk.
func FuzzLoadSource(f *testing.F) {
	seedPolicies(f, func(src []byte) { f.Add(src) })
	f.Fuzz(func(t *testing.T, src []byte) {
		p := testParser()
		pol, diags := p.LoadSource("testdata/fuzz.hcl", src, map[string]string{"x": "1"})
		if pol == nil && !diags.HasErrors() {
			t.Fatal("no policy and no error")
		}
		if pol != nil {
			pol.Decide(Op{Kind: KindOpen, Path: "/work/x", Access: AccessRead})
			Warnings(pol)
		}
		render(p, diags)
	})
}

// denyOnlyPolicy has rules of every kind of criterion, none of which allows.
const denyOnlyPolicy = `
sandbox "deny-only" {
  rule "secrets" {
    paths  = ["/work/secret*", "/**/.git/**", "/a/[b-d]?/*x"]
    action = "deny"
    errno  = "ENOENT"
  }
  rule "net" {
    addresses = ["10.0.0.0/8", "::1"]
    ports     = [443]
    action    = "deny"
  }
  rule "writes" {
    class  = "file"
    access = ["write", "create"]
    action = "deny"
    errno  = "EROFS"
  }
  rule "clocks" {
    syscalls = ["clock_gettime"]
    action   = "deny"
  }
}
`

// FuzzDecide: Decide never panics, and a policy without allow rules
// denies everything with a non-zero errno.
func FuzzDecide(f *testing.F) {
	f.Add("open", "openat", "/work/secret.txt", []byte{10, 0, 0, 1}, uint16(443), uint8(AccessRead))
	f.Add("", "clock_gettime", "", []byte{}, uint16(0), uint8(0))
	f.Add("connect", "connect", "", []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3}, uint16(443), uint8(0))
	f.Add("exec", "execve", "/usr/bin/../bin/sh", []byte{127, 0, 0, 1}, uint16(80), uint8(AccessExec))
	p, diags := testParser().LoadSource("testdata/deny.hcl", []byte(denyOnlyPolicy), nil)
	if diags.HasErrors() {
		f.Fatal(diags)
	}
	f.Fuzz(func(t *testing.T, kind, syscall, path string, addr []byte, port uint16, access uint8) {
		op := Op{Kind: kind, Syscall: syscall, Path: path, Access: Access(access)}
		if a, ok := netip.AddrFromSlice(addr); ok {
			op.Addr = netip.AddrPortFrom(a, port)
		}
		d := p.Decide(op)
		if d.Allow || d.Errno == 0 {
			t.Fatalf("Decide(%+v) = %+v in a policy with no allow rule", op, d)
		}
	})
}
