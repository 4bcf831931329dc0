package policies_test

import (
	"fmt"
	"net/netip"
	"os"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/hashicorp/hcl/v2"
)

func ExampleLoadSource() {
	src := []byte(`
sandbox "grader" {
  extends = "python"

  limits {
    cpu = "2s"
  }

  env {
    COURSE = upper(var.course)
  }
}
`)
	p, diags := policies.LoadSource("grader.hcl", src, map[string]string{"course": "cs101"})
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	fmt.Println(p.Name, p.Chain, p.Limits.CPU, p.Limits.Wall, p.Env["COURSE"])
	// Output: grader [builtin:python] 2s 30s CS101
}

func ExampleLoad() {
	p, diags := policies.Load("testdata/child.hcl", nil)
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	fmt.Println(p.Name, "extends", p.Chain)
	// Output: child extends [testdata/base.hcl builtin:python]
}

func ExampleBuiltin() {
	p, _ := policies.Builtin("python-strict")
	fmt.Println(p.Limits.CPU, p.Limits.Memory>>20, "MiB")
	// Output: 2s 256 MiB
}

func ExampleProfiles() {
	fmt.Println(policies.Profiles())
	// Output: [python python-net python-strict]
}

func ExampleProfileSource() {
	src, _ := policies.ProfileSource("python")
	line, _, _ := bytesCut(src, '\n')
	fmt.Println(line)
	// Output: # python: the default profile.
}

func bytesCut(b []byte, sep byte) (string, string, bool) {
	for i, c := range b {
		if c == sep {
			return string(b[:i]), string(b[i+1:]), true
		}
	}
	return string(b), "", false
}

func ExampleParser_Files() {
	parser := policies.NewParser()
	_, diags := parser.LoadSource("bad.hcl", []byte(`
sandbox "s" {
  limits {
    cpu = "10"
  }
}
`), nil)
	wr := hcl.NewDiagnosticTextWriter(os.Stdout, parser.Files(), 0, false)
	wr.WriteDiagnostics(diags)
	// Output:
	// Error: Invalid duration
	//
	//   on bad.hcl line 4, in sandbox "s":
	//    4:     cpu = "10"
	//
	// The value of cpu is invalid: "10" has no unit. Did you mean "10s"?
	//
}

func ExamplePolicy_Decide() {
	p, _ := policies.LoadSource("work.hcl", []byte(`
sandbox "work" {
  extends = "python"

  rule "secrets" {
    paths  = ["/work/secret*"]
    action = "deny"
    errno  = "ENOENT"
  }

  network {
    connect = ["10.0.0.0/8:443"]
  }
}
`), nil)
	for _, op := range []policies.Op{
		{Kind: policies.KindOpen, Syscall: "openat", Path: "/work/main.py", Access: policies.AccessRead},
		{Kind: policies.KindOpen, Syscall: "openat", Path: "/work/secret.key", Access: policies.AccessRead},
		{Kind: policies.KindConnect, Syscall: "connect", Addr: netip.MustParseAddrPort("10.1.2.3:443")},
		{Kind: policies.KindConnect, Syscall: "connect", Addr: netip.MustParseAddrPort("8.8.8.8:53")},
	} {
		d := p.Decide(op)
		fmt.Printf("%-8s %-17s allow=%-5v errno=%-7v rule=%q line %d\n", op.Kind, target(op), d.Allow, errnoName(d), d.Rule, d.Range.Start.Line)
	}
	// Output:
	// open     /work/main.py     allow=true  errno=-       rule="filesystem" line 91
	// open     /work/secret.key  allow=false errno=ENOENT  rule="secrets" line 5
	// connect  10.1.2.3:443      allow=true  errno=-       rule="network.connect" line 12
	// connect  8.8.8.8:53        allow=false errno=EACCES  rule="" line 0
}

// target is what an operation acts on: its path or its address.
func target(op policies.Op) string {
	if op.Addr.IsValid() {
		return op.Addr.String()
	}
	return op.Path
}

func errnoName(d policies.Decision) string {
	for _, n := range []string{"ENOENT", "EACCES"} {
		if e, _ := policies.ErrnoByName(n); e == d.Errno {
			return n
		}
	}
	return "-"
}

func ExampleWarnings() {
	p, _ := policies.LoadSource("loose.hcl", []byte(`
sandbox "loose" {
  extends = "python"

  limits {
    memory = "unlimited"
  }

  network {
    connect = ["0.0.0.0/0:443"]
  }
}
`), nil)
	for _, w := range policies.Warnings(p) {
		fmt.Printf("%s: %s\n", w.Subject, w.Summary)
	}
	// Output:
	// loose.hcl:6,14-25: No memory limit
	// loose.hcl:10,16-31: Network access
}

func ExampleLoadVarsFile() {
	vars, _ := policies.LoadVarsFile("testdata/vars.gaolvars")
	fmt.Println(vars["submission"], vars["attempt"], vars["strict"])
	// Output: hostdir 3 true
}

func ExampleParseVarFlag() {
	name, value, _ := policies.ParseVarFlag("url=http://10.0.0.1/?a=b")
	fmt.Println(name, value)
	// Output: url http://10.0.0.1/?a=b
}

func ExampleCompileGlob() {
	g, _ := policies.CompileGlob("/work/**/secret*")
	for _, p := range []string{"/work/secret", "/work/a/b/secret.key", "/work/a/public"} {
		fmt.Println(p, g.Match(p))
	}
	_, err := policies.CompileGlob("/work/**.py")
	fmt.Println(err)
	// Output:
	// /work/secret true
	// /work/a/b/secret.key true
	// /work/a/public false
	// "**.py" uses ** inside a path element; ** must be a whole element, as in "/a/**/b"
}

func ExampleGlob_Match() {
	g := policies.MustCompileGlob("/usr/lib/python3.[0-9]*/**")
	fmt.Println(g.Match("/usr/lib/python3.12/os.py"), g.Match("/usr/lib/python2.7/os.py"))
	// Output: true false
}

func ExampleMount_Excluded() {
	m := policies.Mount{Guest: "/work", Kind: policies.MountHost, Host: "/srv/work",
		Exclude: []string{"*.pyc", "build/out"}, HideDotfiles: true}
	for _, rel := range []string{"main.py", "pkg/mod.pyc", ".git/config", "build/out/x", "build/in"} {
		fmt.Println(rel, m.Excluded(rel))
	}
	// Output:
	// main.py false
	// pkg/mod.pyc true
	// .git/config true
	// build/out/x true
	// build/in false
}

func ExampleErrnoByName() {
	e, ok := policies.ErrnoByName("ENOENT")
	fmt.Println(int(e), ok)
	// Output: 2 true
}

func ExampleParseAccess() {
	r, _ := policies.ParseAccess("read")
	w, _ := policies.ParseAccess("write")
	fmt.Println(r|w, policies.Access(0))
	// Output: read|write none
}

func ExampleAccess_String() {
	fmt.Println(policies.AccessCreate | policies.AccessList)
	// Output: create|list
}

func ExampleSyscallKind() {
	kind, _ := policies.SyscallKind("newfstatat")
	fmt.Println(kind, policies.KindClass(kind))
	// Output: stat file
}

func ExampleKindClass() {
	fmt.Println(policies.KindClass(policies.KindConnect), policies.KindClass("teleport") == "")
	// Output: network true
}

func ExampleNewParser() {
	// One parser for a whole command: it remembers every file, so that
	// diagnostics from the policy, the files it extends and the vars file
	// can all be rendered with their source lines.
	parser := policies.NewParser()
	vars, _ := parser.LoadVarsFile("testdata/vars.gaolvars")
	p, _ := parser.Load("testdata/child.hcl", vars)
	fmt.Println(p.Name, len(parser.Files()))
	// Output: child 4
}

func ExampleParser_Load() {
	parser := policies.NewParser()
	_, diags := parser.Load("testdata/invalid/unknown_profile.hcl", nil)
	for _, d := range diags {
		fmt.Printf("%s: %s\n", d.Subject, d.Summary)
	}
	// Output: testdata/invalid/unknown_profile.hcl:2,13-21: Unknown profile
}

func ExampleParser_LoadSource() {
	parser := &policies.Parser{LookupEnv: func(name string) (string, bool) {
		return map[string]string{"CI_JOB": "4711"}[name], true
	}}
	p, _ := parser.LoadSource("ci.hcl", []byte(`
sandbox "ci" {
  extends = "python"

  env {
    JOB = env("CI_JOB")
  }
}
`), nil)
	fmt.Println(p.Env["JOB"])
	// Output: 4711
}

func ExampleParser_Builtin() {
	parser := policies.NewParser()
	p, _ := parser.Builtin("python-net")
	_, ok := parser.Files()["builtin:python"]
	fmt.Println(p.Network.Connect, ok)
	// Output: [127.0.0.1:8080] true
}

func ExampleParser_LoadVarsFile() {
	parser := policies.NewParser()
	vars, _ := parser.LoadVarsFile("testdata/vars.gaolvars")
	fmt.Println(len(vars), vars["attempt"])
	// Output: 3 3
}

func ExampleMustCompileGlob() {
	g := policies.MustCompileGlob("/etc/**")
	fmt.Println(g.Match("/etc/ssl/certs"), g.Match("/etcetera"))
	// Output: true false
}

func ExampleGlob_String() {
	fmt.Println(policies.MustCompileGlob("/work/*.py"))
	// Output: /work/*.py
}

func ExampleGlob_Literal() {
	fmt.Println(policies.MustCompileGlob("/etc/passwd").Literal(), policies.MustCompileGlob("/etc/*").Literal())
	// Output: true false
}

func ExampleParseSize() {
	for _, s := range []string{"512MiB", "1GB", "4096", "1gib"} {
		n, err := policies.ParseSize(s)
		fmt.Println(n, err)
	}
	// Output:
	// 536870912 <nil>
	// 1000000000 <nil>
	// 4096 <nil>
	// 0 "1gib" has an unknown unit "gib". Did you mean "1GiB"?
}

func ExampleFormat() {
	src := []byte(`
sandbox "grader" {
extends="python"
   limits {
  cpu = "2s" # per test
      memory   = "256MiB" # in all
  }
}
`)
	os.Stdout.Write(policies.Format(src))
	// Output:
	// sandbox "grader" {
	//   extends = "python"
	//   limits {
	//     cpu    = "2s"     # per test
	//     memory = "256MiB" # in all
	//   }
	// }
}
