package policies

import (
	"github.com/hashicorp/hcl/v2"
)

// policy turns a flattened layer into the Policy the supervisor enforces,
// filling in defaults and appending the rules that the network and
// process settings imply.
func (l *layer) policy() (*Policy, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	t, tdiags := l.time.final()
	diags = append(diags, tdiags...)
	diags = append(diags, checkMountTree(l.mounts)...)
	p := &Policy{
		Name:          l.name,
		Source:        l.source,
		Chain:         l.chain,
		Description:   l.description.V,
		Deterministic: l.deterministic.V,
		Interpreter:   l.interpreter.final(),
		Limits:        l.limits.final(),
		Mounts:        l.mounts,
		Env:           finalEnv(l.env),
		Time:          t,
		Process:       Process{Exec: values(l.exec.V)},
		Network:       Network{Connect: destinationValues(l.connect.V)},
		Trace:         l.trace.final(),
		Identity:      l.identity.final(),
		layer:         l,
	}
	p.Rules = append(append([]Rule(nil), l.rules...), l.impliedRules(p.Limits)...)
	return p, diags
}

// impliedRules are the allowances of the network and process settings.
// They come after every rule block, so rules can narrow or widen them.
func (l *layer) impliedRules(lim Limits) []Rule {
	var rules []Rule
	if len(l.connect.V) > 0 {
		rules = append(rules, Rule{Name: "network.socket", Operations: []string{KindSocket},
			Allow: true, DeclRange: l.connect.Range})
	}
	for _, d := range l.connect.V {
		rules = append(rules, d.rule("network.connect"))
	}
	if lim.Processes != 0 {
		rules = append(rules, Rule{Name: "process.fork", Operations: []string{KindFork},
			Allow: true, DeclRange: l.limits.processes.Range})
	}
	if len(l.exec.V) > 0 {
		r := Rule{Name: "process.exec", Operations: []string{KindExec}, Allow: true, DeclRange: l.exec.Range}
		for _, x := range l.exec.V {
			r.Paths = append(r.Paths, MustCompileGlob(x.Value)) // validated by checkPathGlob
		}
		rules = append(rules, r)
	}
	return rules
}

func values(xs []located) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x.Value)
	}
	return out
}

func destinationValues(ds []destination) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Value)
	}
	return out
}
