package policies

import (
	"net/netip"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestExamples loads every examples/*.hcl: examples stay alive.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.hcl")
	if len(files) < 4 {
		t.Fatalf("found %d examples, want at least 4", len(files))
	}
	checks := map[string]func(t *testing.T, p *Policy){
		"grader.hcl": func(t *testing.T, p *Policy) {
			if p.Chain[0] != "builtin:python-strict" || p.Limits.CPU.Seconds() != 5 {
				t.Errorf("chain, limits = %v, %+v", p.Chain, p.Limits)
			}
			if d := p.Decide(Op{Kind: KindOpen, Path: "/tests/run.py", Access: AccessRead}); !d.Allow || !d.Log {
				t.Errorf("reading a test = %+v, want an allowed, logged decision", d)
			}
		},
		"workdir.hcl": func(t *testing.T, p *Policy) {
			d := p.Decide(Op{Kind: KindOpen, Path: "/work/secret.txt", Access: AccessRead})
			if d.Allow || d.Errno != unix.EACCES || d.Rule != "secrets" {
				t.Errorf("reading the secret = %+v", d)
			}
			if d := p.Decide(Op{Kind: KindOpen, Path: "/work/data.txt", Access: AccessRead}); !d.Allow {
				t.Errorf("reading data = %+v", d)
			}
			if d := p.Decide(Op{Kind: KindList, Path: "/work", Access: AccessList}); !d.Allow {
				t.Errorf("listing /work = %+v", d)
			}
		},
		"deterministic.hcl": func(t *testing.T, p *Policy) {
			if p.Time.Mode != TimeVirtual || !p.Deterministic {
				t.Errorf("Time = %+v", p.Time)
			}
			if w := Warnings(p); len(w) != 0 {
				t.Errorf("a deterministic example that warns: %s", summaries(w))
			}
		},
		"network.hcl": func(t *testing.T, p *Policy) {
			if d := p.Decide(Op{Kind: KindConnect, Addr: netip.MustParseAddrPort("10.0.0.254:443")}); d.Allow || d.Errno != unix.ENETUNREACH {
				t.Errorf("metadata = %+v", d)
			}
			if d := p.Decide(Op{Kind: KindConnect, Addr: netip.MustParseAddrPort("10.0.0.1:8443")}); !d.Allow {
				t.Errorf("api = %+v", d)
			}
		},
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			p := testParser()
			pol, diags := p.Load(file, nil)
			if len(diags) > 0 {
				t.Fatalf("diagnostics:\n%s", render(p, diags))
			}
			check, ok := checks[name]
			if !ok {
				t.Fatalf("no check for %s: add one to TestExamples", name)
			}
			check(t, pol)
		})
	}
}
