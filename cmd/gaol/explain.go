package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/policies"
)

const explainUsage = `usage: gaol explain [--var NAME=VALUE]... [--var-file FILE]... POLICY -- OPERATION ARGS...

Operations (the guest path is absolute):
  open PATH [read|write|create]...   opening a file (default: read)
  stat PATH | list DIR | mkdir PATH | remove PATH | readlink PATH
  exec PATH                          executing a program after the interpreter
  connect ADDR:PORT [tcp|udp]        an outbound connection
  bind ADDR:PORT | send ADDR:PORT    binding, a datagram to an address
  fork | thread | signal | clock | sleep
POLICY may be a file or builtin:NAME.`

// cmdExplain answers "what would happen if the guest did X?" from the
// policy alone, before anything runs: the decision, the rule that makes it
// (name, file:line) and the chain of profiles it came through.
func cmdExplain(args []string) int {
	var v policyVars
	fs := flag.NewFlagSet("gaol explain", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), explainUsage)
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	v.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	args = fs.Args()
	if len(args) < 3 || args[1] != "--" {
		fmt.Fprintln(os.Stderr, explainUsage)
		return 2
	}
	values, err := v.values()
	if err != nil {
		fmt.Fprintf(os.Stderr, "gaol explain: %v\n", err)
		return 2
	}
	p := policies.NewParser()
	var pol *policies.Policy
	var diags hcl.Diagnostics
	if name, ok := strings.CutPrefix(args[0], "builtin:"); ok {
		pol, diags = p.Builtin(name)
	} else {
		pol, diags = p.Load(args[0], values)
	}
	if diags.HasErrors() {
		writeDiags(os.Stderr, p.Files(), diags)
		return 1
	}
	op, err := parseOp(args[2:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "gaol explain: %v\n\n%s\n", err, explainUsage)
		return 2
	}
	fmt.Print(explain(pol, op))
	return 0
}

func parseOp(words []string) (policies.Op, error) {
	kind := words[0]
	if policies.KindClass(kind) == "" {
		return policies.Op{}, fmt.Errorf("unknown operation %q", kind)
	}
	op := policies.Op{Kind: kind}
	rest := words[1:]
	switch policies.KindClass(kind) {
	case policies.ClassFile, policies.ClassProcess:
		if kind == policies.KindFork || kind == policies.KindThread || kind == policies.KindSignal {
			return op, nil
		}
		if len(rest) == 0 || !path.IsAbs(rest[0]) {
			return op, fmt.Errorf("%s needs an absolute guest path", kind)
		}
		op.Path = path.Clean(rest[0])
		for _, a := range rest[1:] {
			acc, ok := policies.ParseAccess(a)
			if !ok {
				return op, fmt.Errorf("unknown access %q (read, write, create, exec, list)", a)
			}
			op.Access |= acc
		}
		if op.Access == 0 {
			op.Access = policies.DefaultAccess(kind)
		}
	case policies.ClassNetwork:
		if len(rest) == 0 {
			return op, fmt.Errorf("%s needs ADDR:PORT", kind)
		}
		ap, err := netip.ParseAddrPort(rest[0])
		if err != nil {
			return op, fmt.Errorf("%s: %v", kind, err)
		}
		op.Addr, op.Network = ap, "tcp"
		if len(rest) > 1 {
			op.Network = rest[1]
		}
	}
	return op, nil
}

func explain(pol *policies.Policy, op policies.Op) string {
	var b strings.Builder
	d := pol.Decide(op)
	verdict := "allow"
	if !d.Allow {
		verdict = "deny (" + errnoName(d) + ")"
	}
	rule := d.Rule
	if rule == "" {
		rule = "(default: deny)"
	}
	fmt.Fprintf(&b, "decision: %s\nrule:     %s", verdict, rule)
	if d.Range.Filename != "" {
		fmt.Fprintf(&b, " at %s:%d", d.Range.Filename, d.Range.Start.Line)
	}
	b.WriteString("\n")
	chain := append([]string{pol.Source}, pol.Chain...)
	fmt.Fprintf(&b, "policy:   %s (%s)\n", pol.Name, strings.Join(chain, " → "))
	if op.Path != "" && policies.KindClass(op.Kind) == policies.ClassFile {
		if m, ok := mountFor(pol, op.Path); ok {
			fmt.Fprintf(&b, "mount:    %s (%s", m.Guest, m.Kind)
			if m.Host != "" {
				fmt.Fprintf(&b, " of %s", m.Host)
			}
			if !m.Writable && m.Kind != policies.MountScratch {
				b.WriteString(", read-only: writes get EROFS")
			}
			b.WriteString(")\n")
		} else {
			b.WriteString("mount:    none — the path is outside every mount the policy declares, so the guest gets ENOENT\n" +
				"          whatever the rules say (the interpreter's own files are added at run time)\n")
		}
	}
	return b.String()
}

func errnoName(d policies.Decision) string {
	if n := unix.ErrnoName(d.Errno); n != "" {
		return n
	}
	return fmt.Sprintf("errno %d", int(d.Errno))
}

// mountFor finds the mount a guest path lies in, longest prefix first.
func mountFor(pol *policies.Policy, p string) (policies.Mount, bool) {
	var best policies.Mount
	found := false
	for _, m := range pol.Mounts {
		if p == m.Guest || strings.HasPrefix(p, strings.TrimSuffix(m.Guest, "/")+"/") {
			if !found || len(m.Guest) > len(best.Guest) {
				best, found = m, true
			}
		}
	}
	return best, found
}
