package policies

import (
	"fmt"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
)

// fileSchema is a policy file: exactly one sandbox block.
type fileSchema struct {
	Sandboxes []*sandboxBlock `hcl:"sandbox,block"`
}

// sandboxBlock is `sandbox "NAME" { ... }`, holding everything else.
type sandboxBlock struct {
	Name          string            `hcl:"name,label"`
	NameRange     hcl.Range         `hcl:"name,label_range"`
	DefRange      hcl.Range         `hcl:",def_range"`
	Description   hcl.Expression    `hcl:"description,optional"`
	Extends       hcl.Expression    `hcl:"extends,optional"`
	Deterministic hcl.Expression    `hcl:"deterministic,optional"`
	Unmount       hcl.Expression    `hcl:"unmount,optional"`
	Interpreter   *interpreterBlock `hcl:"interpreter,block"`
	Limits        *limitsBlock      `hcl:"limits,block"`
	Mounts        []*mountBlock     `hcl:"mount,block"`
	Env           *envBlock         `hcl:"env,block"`
	Time          *timeBlock        `hcl:"time,block"`
	Process       *processBlock     `hcl:"process,block"`
	Network       *networkBlock     `hcl:"network,block"`
	Trace         *traceBlock       `hcl:"trace,block"`
	Identity      *identityBlock    `hcl:"identity,block"`
	Rules         []*ruleBlock      `hcl:"rule,block"`
}

// layer is one file's sandbox block, evaluated; after inherit it is the
// flattened policy of the file and everything it extends.
type layer struct {
	name          string
	nameRange     hcl.Range
	source        string   // file name as given, or builtin:NAME
	chain         []string // sources of the extended policies, nearest first
	description   opt[string]
	deterministic opt[bool]
	interpreter   interpreterLayer
	limits        limitsLayer
	unmount       []located
	mounts        []Mount
	env           map[string]envValue
	time          timeLayer
	exec          opt[[]located]
	connect       opt[[]destination]
	trace         traceLayer
	identity      identityLayer
	rules         []Rule
}

func (b *sandboxBlock) decode(e *evaluator, source, dir string) *layer {
	l := &layer{name: b.Name, nameRange: b.NameRange, source: source}
	if b.Name == "" {
		e.add(diagError(b.NameRange, "Empty sandbox name", "Name the sandbox, as in sandbox \"grader\" { ... }."))
	}
	l.description = e.str("description", b.Description)
	l.deterministic = e.boolean("deterministic", b.Deterministic)
	if u := e.strings("unmount", b.Unmount); u.Set {
		for _, x := range u.V {
			if _, ok := checkGuestPath(e, x.Value, x.Range, "unmount"); ok {
				l.unmount = append(l.unmount, x)
			}
		}
	}
	l.interpreter = b.Interpreter.decode(e)
	l.limits = b.Limits.decode(e)
	l.mounts = decodeMounts(e, b.Mounts, dir)
	l.env = b.Env.decode(e)
	l.time = b.Time.decode(e)
	proc := b.Process.decode(e)
	l.limits.processes = processBudget(e, l.limits.processes, proc.max)
	l.exec = proc.exec
	l.connect = b.Network.decode(e)
	l.trace = b.Trace.decode(e, dir)
	l.identity = b.Identity.decode(e)
	l.rules = decodeRules(e, b.Rules)
	return l
}

// inherit flattens l over parent, the already flattened policy it
// extends: the child's scalars win, mounts merge by guest path, env by
// key, and the child's rules come first.
func (l *layer) inherit(parent *layer, e *evaluator) {
	if parent == nil {
		l.mounts = mergeMounts(nil, l.unmount, l.mounts, e)
		l.env = mergeEnv(nil, l.env)
		return
	}
	l.chain = append([]string{parent.source}, parent.chain...)
	l.deterministic = l.deterministic.or(parent.deterministic)
	l.interpreter = l.interpreter.inherit(parent.interpreter)
	l.limits = l.limits.inherit(parent.limits)
	l.mounts = mergeMounts(parent.mounts, l.unmount, l.mounts, e)
	l.env = mergeEnv(parent.env, l.env)
	l.time = l.time.inherit(parent.time)
	l.exec = l.exec.or(parent.exec)
	l.connect = l.connect.or(parent.connect)
	l.trace = l.trace.inherit(parent.trace)
	l.identity = l.identity.inherit(parent.identity)
	l.rules = mergeRules(parent.rules, l.rules)
}

// hostPath makes p absolute relative to dir, the policy file's directory.
func hostPath(dir, p string) string {
	if p == "" {
		return ""
	}
	if filepath.IsAbs(p) || dir == "" {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// sandboxCount checks that a file has exactly one sandbox block.
func sandboxCount(f *fileSchema, body hcl.Body, filename string) hcl.Diagnostics {
	switch len(f.Sandboxes) {
	case 0:
		rng := body.MissingItemRange()
		return hcl.Diagnostics{diagError(rng, "Missing sandbox block",
			fmt.Sprintf("%s has no sandbox block. A policy file holds exactly one, such as sandbox \"mine\" { extends = \"python\" }.", filename))}
	case 1:
		return nil
	}
	var diags hcl.Diagnostics
	for _, extra := range f.Sandboxes[1:] {
		diags = append(diags, diagError(extra.DefRange, "More than one sandbox block",
			fmt.Sprintf("A policy file holds exactly one sandbox block, and %q is already declared at %s. Put each sandbox in its own file; one can extend another.", f.Sandboxes[0].Name, f.Sandboxes[0].DefRange)))
	}
	return diags
}
