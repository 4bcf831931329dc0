package policies

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestLoadInline(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		vars  map[string]string
		check func(t *testing.T, p *Policy)
	}{
		{
			name: "extending python inherits its defaults",
			src:  `sandbox "s" { extends = "python" }`,
			check: func(t *testing.T, p *Policy) {
				want := Limits{CPU: 10 * time.Second, Wall: 30 * time.Second, Memory: 1 << 30, Output: 16 << 20,
					Processes: 0, OpenFiles: 256, Tasks: 256, FileSize: 64 << 20}
				if p.Limits != want {
					t.Errorf("Limits = %+v, want %+v", p.Limits, want)
				}
				if !slices.Equal(p.Chain, []string{"builtin:python"}) {
					t.Errorf("Chain = %v", p.Chain)
				}
				if p.Env["HOME"] != "/tmp" || p.Time.Mode != TimeReal || !p.Interpreter.Discover {
					t.Errorf("env/time/interpreter not inherited: %v %v %+v", p.Env, p.Time, p.Interpreter)
				}
			},
		},
		{
			name: "a standalone policy has no mounts, env or rules",
			src:  `sandbox "s" {}`,
			check: func(t *testing.T, p *Policy) {
				if len(p.Mounts) != 0 || len(p.Env) != 0 || len(p.Rules) != 0 || len(p.Chain) != 0 {
					t.Errorf("got %+v", p)
				}
				if !p.Interpreter.Discover {
					t.Error("interpreter discovery should default to true")
				}
			},
		},
		{
			name: "child scalars override the parent's, attribute by attribute",
			src: `sandbox "s" {
				extends = "python"
				limits { cpu = "1s" }
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Limits.CPU != time.Second || p.Limits.Wall != 30*time.Second {
					t.Errorf("Limits = %+v", p.Limits)
				}
			},
		},
		{
			name: "sizes accept binary and decimal units and plain numbers",
			src: `sandbox "s" {
				limits {
					memory    = "2GiB"
					output    = "3MB"
					file_size = 4096
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Limits.Memory != 2<<30 || p.Limits.Output != 3e6 || p.Limits.FileSize != 4096 {
					t.Errorf("Limits = %+v", p.Limits)
				}
			},
		},
		{
			name: "unlimited lifts a budget",
			src: `sandbox "s" {
				extends = "python"
				limits {
					cpu       = "unlimited"
					processes = "unlimited"
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Limits.CPU != 0 || p.Limits.Processes != UnlimitedProcesses {
					t.Errorf("Limits = %+v", p.Limits)
				}
			},
		},
		{
			name: "process.max sets the process budget and allows fork",
			src: `sandbox "s" {
				extends = "python"
				process {
					max  = 3
					exec = ["/usr/bin/*"]
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Limits.Processes != 3 {
					t.Errorf("Processes = %d", p.Limits.Processes)
				}
				if d := p.Decide(Op{Kind: KindFork, Syscall: "clone"}); !d.Allow || d.Rule != "process.fork" {
					t.Errorf("fork decision = %+v", d)
				}
				if d := p.Decide(Op{Kind: KindExec, Path: "/usr/bin/git", Access: AccessExec}); !d.Allow || d.Rule != "process.exec" {
					t.Errorf("exec decision = %+v", d)
				}
				if d := p.Decide(Op{Kind: KindExec, Path: "/bin/sh", Access: AccessExec}); d.Allow {
					t.Errorf("exec outside the list allowed: %+v", d)
				}
			},
		},
		{
			name: "a child mount replaces the parent's at the same guest path, in place",
			src: `sandbox "s" {
				extends = "python"
				mount "/tmp" {
					type  = "scratch"
					quota = "1MiB"
					files = 8
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Mounts[0].Guest != "/tmp" || p.Mounts[0].QuotaBytes != 1<<20 || p.Mounts[0].QuotaFiles != 8 {
					t.Errorf("Mounts[0] = %+v", p.Mounts[0])
				}
				if len(p.Mounts) != 6 {
					t.Errorf("got %d mounts, want python's 6", len(p.Mounts))
				}
			},
		},
		{
			name: "unmount removes an inherited mount",
			src: `sandbox "s" {
				extends = "python"
				unmount = ["/tmp", "/dev/zero"]
			}`,
			check: func(t *testing.T, p *Policy) {
				if got := guestPaths(p.Mounts); !slices.Equal(got, []string{"/dev/shm", "/dev/null", "/dev/urandom", "/dev/random"}) {
					t.Errorf("mounts = %v", got)
				}
			},
		},
		{
			name: "env merges by key and null removes",
			src: `sandbox "s" {
				extends = "python"
				env {
					LANG   = "en_US.UTF-8"
					TMPDIR = null
					NEW    = 42
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Env["LANG"] != "en_US.UTF-8" || p.Env["NEW"] != "42" || p.Env["PATH"] == "" {
					t.Errorf("Env = %v", p.Env)
				}
				if _, ok := p.Env["TMPDIR"]; ok {
					t.Error("TMPDIR not removed")
				}
			},
		},
		{
			name: "the child's rules come before the parent's",
			src: `sandbox "s" {
				extends = "python"
				rule "mine" {
					paths  = ["/x"]
					action = "deny"
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				var names []string
				for _, r := range p.Rules {
					names = append(names, r.Name)
				}
				if !slices.Equal(names, []string{"mine", "filesystem", "unix-sockets", "clocks", "threads"}) {
					t.Errorf("rules = %v", names)
				}
			},
		},
		{
			name: "a child rule with a parent rule's name replaces it",
			src: `sandbox "s" {
				extends = "python"
				rule "clocks" {
					class  = "time"
					action = "deny"
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if len(p.Rules) != 4 || p.Rules[0].Name != "clocks" || p.Rules[0].Allow {
					t.Errorf("rules = %+v", p.Rules)
				}
			},
		},
		{
			name: "variables, functions and path.policy are evaluated",
			src: `sandbox "s" {
				mount "/data" {
					type = "host"
					host = "${path.policy}/${var.dir}"
				}
				env {
					WHO   = upper(var.who)
					HOME  = env("GAOL_TEST_HOME")
					UNSET = env("GAOL_TEST_UNSET")
					LIST  = join(",", concat(["a"], ["b", "c"]))
					FMT   = format("%s-%03d", "run", 7)
					DEF   = try(var.missing, "default")
				}
				mount "/etc/motd" {
					type    = "file"
					content = file("motd.txt")
				}
			}`,
			vars: map[string]string{"dir": "hostdir", "who": "grader"},
			check: func(t *testing.T, p *Policy) {
				abs, _ := filepath.Abs("testdata/hostdir")
				if p.Mounts[0].Host != abs {
					t.Errorf("host = %q, want %q", p.Mounts[0].Host, abs)
				}
				want := map[string]string{"WHO": "GRADER", "HOME": "/home/tester", "UNSET": "", "LIST": "a,b,c", "FMT": "run-007", "DEF": "default"}
				for k, v := range want {
					if p.Env[k] != v {
						t.Errorf("Env[%s] = %q, want %q", k, p.Env[k], v)
					}
				}
				if p.Mounts[1].Content != "motd from a file\n" {
					t.Errorf("content = %q", p.Mounts[1].Content)
				}
			},
		},
		{
			name: "relative host paths are relative to the policy file",
			src: `sandbox "s" {
				mount "/data" {
					type     = "host"
					host     = "hostdir"
					writable = true
					exclude  = ["*.pyc", "sub/**"]
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				m := p.Mounts[0]
				if !filepath.IsAbs(m.Host) || !strings.HasSuffix(m.Host, "testdata/hostdir") || !m.Writable {
					t.Errorf("mount = %+v", m)
				}
			},
		},
		{
			name: "a device mount takes its device from its name",
			src: `sandbox "s" {
				mount "/dev/null" { type = "device" }
				mount "/dev/rnd" {
					type   = "device"
					device = "urandom"
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Mounts[0].Device != "null" || p.Mounts[1].Device != "urandom" {
					t.Errorf("mounts = %+v", p.Mounts)
				}
			},
		},
		{
			name: "file and dir mounts parse octal modes",
			src: `sandbox "s" {
				mount "/d" {
					type = "dir"
					mode = "0750"
				}
				mount "/d/f" {
					type    = "file"
					content = "x"
					mode    = 644
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Mounts[0].Mode != 0o750 || p.Mounts[1].Mode != 0o644 {
					t.Errorf("modes = %o %o", p.Mounts[0].Mode, p.Mounts[1].Mode)
				}
			},
		},
		{
			name: "virtual time fills in its defaults",
			src: `sandbox "s" {
				time { mode = "virtual" }
			}`,
			check: func(t *testing.T, p *Policy) {
				want := Time{Mode: TimeVirtual, Start: DefaultTimeStart, Step: DefaultTimeStep}
				if p.Time != want {
					t.Errorf("Time = %+v, want %+v", p.Time, want)
				}
			},
		},
		{
			name: "time attributes are parsed",
			src: `sandbox "s" {
				time {
					mode  = "offset"
					start = "2024-02-29T12:00:00+01:00"
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Time.Mode != TimeOffset || !p.Time.Start.Equal(time.Date(2024, 2, 29, 11, 0, 0, 0, time.UTC)) {
					t.Errorf("Time = %+v", p.Time)
				}
			},
		},
		{
			name: "coarse time rounds",
			src: `sandbox "s" {
				time {
					mode  = "coarse"
					round = "100ms"
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Time != (Time{Mode: TimeCoarse, Round: 100 * time.Millisecond}) {
					t.Errorf("Time = %+v", p.Time)
				}
			},
		},
		{
			name: "rule attributes are compiled",
			src: `sandbox "s" {
				rule "r" {
					class     = "network"
					syscalls  = ["connect", "sendto"]
					addresses = ["10.0.0.0/8", "::ffff:192.168.0.0/112", "localhost"]
					ports     = [443, 8443]
					action    = "deny"
					errno     = "ECONNREFUSED"
					log       = false
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				r := p.Rules[0]
				if r.Class != ClassNetwork || len(r.Syscalls) != 2 || len(r.Addresses) != 4 || !slices.Equal(r.Ports, []uint16{443, 8443}) ||
					r.Allow || r.Errno != unix.ECONNREFUSED || r.Log {
					t.Errorf("rule = %+v", r)
				}
				if r.Addresses[1].String() != "192.168.0.0/16" {
					t.Errorf("mapped prefix = %v, want 192.168.0.0/16", r.Addresses[1])
				}
			},
		},
		{
			name: "deny rules log by default and allow rules do not",
			src: `sandbox "s" {
				rule "a" {
					paths  = ["/a"]
					action = "allow"
				}
				rule "d" {
					paths  = ["/d"]
					action = "deny"
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Rules[0].Log || !p.Rules[1].Log {
					t.Errorf("rules = %+v", p.Rules)
				}
				if p.Rules[1].Errno != unix.EACCES && p.Rules[1].Errno != 0 {
					t.Errorf("default errno = %v", p.Rules[1].Errno)
				}
			},
		},
		{
			name: "trace paths are relative to the policy file",
			src: `sandbox "s" {
				trace { file = "out.jsonl" }
			}`,
			check: func(t *testing.T, p *Policy) {
				if !filepath.IsAbs(p.Trace.File) || filepath.Base(p.Trace.File) != "out.jsonl" || p.Trace.Events != TraceAll {
					t.Errorf("Trace = %+v", p.Trace)
				}
			},
		},
		{
			name: "attributes set to null are inherited",
			src: `sandbox "s" {
				extends = "python"
				limits { cpu = try(var.cpu, null) }
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Limits.CPU != 10*time.Second {
					t.Errorf("CPU = %v", p.Limits.CPU)
				}
			},
		},
		{
			name: "host mounts follow host symlinks only when asked",
			src: `sandbox "s" {
				mount "/a" {
					type = "host"
					host = "hostdir"
				}
				mount "/b" {
					type            = "host"
					host            = "hostdir"
					follow_symlinks = true
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Mounts[0].FollowSymlinks || !p.Mounts[1].FollowSymlinks {
					t.Errorf("FollowSymlinks = %v, %v; want false, true", p.Mounts[0].FollowSymlinks, p.Mounts[1].FollowSymlinks)
				}
			},
		},
		{
			name: "the guest is uid and gid 1000 unless the policy says otherwise",
			src:  `sandbox "s" { extends = "python" }`,
			check: func(t *testing.T, p *Policy) {
				if p.Identity != (Identity{UID: 1000, GID: 1000}) {
					t.Errorf("Identity = %+v, want 1000/1000", p.Identity)
				}
			},
		},
		{
			name: "identity sets the guest's uid and gid, from 0 to 65534",
			src: `sandbox "s" {
				identity {
					uid = 0
					gid = 65534
				}
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Identity != (Identity{UID: 0, GID: 65534}) {
					t.Errorf("Identity = %+v, want 0/65534", p.Identity)
				}
			},
		},
		{
			name: "identity is inherited attribute by attribute",
			src: `sandbox "s" {
				extends = "identity_base.hcl"
				identity { gid = 4242 }
			}`,
			check: func(t *testing.T, p *Policy) {
				if p.Identity != (Identity{UID: 2000, GID: 4242}) {
					t.Errorf("Identity = %+v, want the parent's uid 2000 and the child's gid 4242", p.Identity)
				}
			},
		},
		{
			name: "identity accepts numbers given as strings and variables",
			src: `sandbox "s" {
				identity {
					uid = var.uid
					gid = "77"
				}
			}`,
			vars: map[string]string{"uid": "4242"},
			check: func(t *testing.T, p *Policy) {
				if p.Identity != (Identity{UID: 4242, GID: 77}) {
					t.Errorf("Identity = %+v, want 4242/77", p.Identity)
				}
			},
		},
		{
			name: "variables convert to the type an attribute needs",
			src: `sandbox "s" {
				deterministic = var.det
				interpreter { site_packages = var.det }
				limits { open_files = var.n }
			}`,
			vars: map[string]string{"det": "true", "n": "12"},
			check: func(t *testing.T, p *Policy) {
				if !p.Deterministic || !p.Interpreter.SitePackages || p.Limits.OpenFiles != 12 {
					t.Errorf("got %+v", p)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mustLoad(t, tt.src, tt.vars))
		})
	}
}
