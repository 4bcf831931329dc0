package policies

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestTestdataPolicies(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, p *Policy)
	}{
		{
			file: "testdata/base.hcl",
			check: func(t *testing.T, p *Policy) {
				if p.Limits.CPU != 4*time.Second || p.Limits.Wall != 30*time.Second {
					t.Errorf("Limits = %+v", p.Limits)
				}
				if d := p.Decide(Op{Kind: KindOpen, Path: "/data/hello.txt", Access: AccessWrite}); d.Allow || d.Errno != unix.EROFS {
					t.Errorf("write to /data = %+v, want EROFS", d)
				}
			},
		},
		{
			file: "testdata/child.hcl",
			check: func(t *testing.T, p *Policy) {
				if !slices.Equal(p.Chain, []string{filepath.Join("testdata", "base.hcl"), "builtin:python"}) {
					t.Errorf("Chain = %v", p.Chain)
				}
				if p.Limits.CPU != time.Second || p.Limits.Memory != 512<<20 || p.Limits.Output != 16<<20 {
					t.Errorf("Limits = %+v: want cpu from child, memory from base, output from python", p.Limits)
				}
				if got := guestPaths(p.Mounts); !slices.Equal(got, []string{"/tmp", "/dev/shm", "/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/data", "/etc/motd"}) {
					t.Errorf("mounts = %v", got)
				}
				if p.Mounts[0].QuotaBytes != 1<<20 {
					t.Errorf("/tmp not replaced: %+v", p.Mounts[0])
				}
				wantEnv := map[string]string{"LANG": "C.UTF-8", "CHILD": "YES", "BASE": "yes", "PATH": "/usr/local/bin:/usr/bin:/bin"}
				for k, v := range wantEnv {
					if p.Env[k] != v {
						t.Errorf("Env[%s] = %q, want %q", k, p.Env[k], v)
					}
				}
				if _, ok := p.Env["HOME"]; ok {
					t.Error("HOME = null did not remove it")
				}
				var names []string
				for _, r := range p.Rules {
					names = append(names, r.Name)
				}
				if !slices.Equal(names, []string{"child-hide-sub", "base-deny-data-writes", "filesystem", "unix-sockets", "clocks", "threads"}) {
					t.Errorf("rule order = %v", names)
				}
				d := p.Decide(Op{Kind: KindStat, Path: "/data/sub/.hidden", Access: AccessRead})
				if d.Allow || d.Errno != unix.ENOENT || d.Rule != "child-hide-sub" || d.Range.Filename != "testdata/child.hcl" {
					t.Errorf("stat in hidden dir = %+v", d)
				}
			},
		},
		{
			file: "testdata/standalone.hcl",
			check: func(t *testing.T, p *Policy) {
				if d := p.Decide(Op{Kind: KindOpen, Path: "/work/hello.py", Access: AccessRead}); !d.Allow {
					t.Errorf("read = %+v", d)
				}
				if d := p.Decide(Op{Kind: KindClock, Syscall: "clock_gettime"}); d.Allow || d.Rule != "" {
					t.Errorf("clock in a policy without a clock rule = %+v", d)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := testParser()
			pol, diags := p.Load(tt.file, nil)
			if diags.HasErrors() {
				t.Fatalf("errors:\n%s", render(p, diags))
			}
			if len(diags) > 0 {
				t.Errorf("unexpected warnings:\n%s", render(p, diags))
			}
			tt.check(t, pol)
		})
	}
}

func TestLoadVarsFile(t *testing.T) {
	vars, diags := LoadVarsFile("testdata/vars.gaolvars")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := map[string]string{"submission": "hostdir", "attempt": "3", "strict": "true"}
	if len(vars) != len(want) {
		t.Errorf("vars = %v, want %v", vars, want)
	}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("vars[%s] = %q, want %q", k, vars[k], v)
		}
	}
}

func TestLoadVarsFileRefusesExpressions(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "bad.gaolvars")
	writeFile(t, name, "a = var.b\nc = [1]\nblock {}\n")
	vars, diags := LoadVarsFile(name)
	if vars != nil || len(diags) != 3 {
		t.Errorf("vars = %v, diags = %s", vars, summaries(diags))
	}
}

func TestParseVarFlag(t *testing.T) {
	tests := []struct {
		arg, name, value string
		ok               bool
	}{
		{arg: "a=b", name: "a", value: "b", ok: true},
		{arg: "url=http://x/?q=1", name: "url", value: "http://x/?q=1", ok: true},
		{arg: "empty=", name: "empty", value: "", ok: true},
		{arg: "novalue", ok: false},
		{arg: "1x=2", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			name, value, err := ParseVarFlag(tt.arg)
			if (err == nil) != tt.ok || name != tt.name || value != tt.value {
				t.Errorf("ParseVarFlag(%q) = %q, %q, %v", tt.arg, name, value, err)
			}
		})
	}
}
