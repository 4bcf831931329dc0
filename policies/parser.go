package policies

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Parser loads policies and keeps every file it parsed (policies, the
// files and profiles they extend, vars files) so that the caller can
// render diagnostics with their source lines:
//
//	wr := hcl.NewDiagnosticTextWriter(os.Stderr, parser.Files(), 78, true)
//
// The zero value is ready to use. A Parser is not safe for concurrent use.
type Parser struct {
	// LookupEnv answers the policy function env("NAME"); nil means
	// os.LookupEnv. Tests set it to keep the host environment out.
	LookupEnv func(string) (string, bool)

	files map[string]*hcl.File
}

// NewParser returns an empty Parser.
func NewParser() *Parser { return &Parser{} }

// Files returns every file parsed so far, by the file name diagnostics
// use. Built-in profiles appear as "builtin:NAME".
func (p *Parser) Files() map[string]*hcl.File {
	if p.files == nil {
		p.files = map[string]*hcl.File{}
	}
	return p.files
}

// Load reads and evaluates the policy file at path. vars are the values
// of var.NAME (from --var and .gaolvars files). The policy is nil if the
// diagnostics contain errors; they may contain warnings either way.
func (p *Parser) Load(path string, vars map[string]string) (*Policy, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read policy",
			Detail: fmt.Sprintf("The policy file cannot be read: %s.", err)}}
	}
	return p.LoadSource(path, src, vars)
}

// LoadSource evaluates src as the policy file filename: filename names
// it in diagnostics and its directory is path.policy, the base of
// relative paths.
func (p *Parser) LoadSource(filename string, src []byte, vars map[string]string) (*Policy, hcl.Diagnostics) {
	if filename == "" {
		filename = "policy.hcl" // a name for diagnostics; path.policy is the current directory
	}
	u := unit{filename: filename, key: absPath(filename), dir: filepath.Dir(absPath(filename)), src: src}
	return p.evaluate(u, vars)
}

// Builtin evaluates the embedded profile name.
func (p *Parser) Builtin(name string) (*Policy, hcl.Diagnostics) {
	src, ok := ProfileSource(name)
	if !ok {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown profile",
			Detail: fmt.Sprintf("There is no built-in profile named %q.%s The built-in profiles are %s.", name, didYouMean(name, Profiles()), oneOf(Profiles()))}}
	}
	return p.evaluate(builtinUnit(name, src), nil)
}

func (p *Parser) evaluate(u unit, vars map[string]string) (*Policy, hcl.Diagnostics) {
	if vars == nil {
		vars = map[string]string{}
	}
	ld := &loader{p: p, vars: vars, used: map[string]bool{}}
	l, diags := ld.load(u, nil)
	if l == nil || diags.HasErrors() {
		return nil, sortDiags(diags)
	}
	pol, pdiags := l.policy()
	diags = append(diags, pdiags...)
	if diags.HasErrors() {
		return nil, sortDiags(diags)
	}
	return pol, sortDiags(diags)
}

// Check is Load for `gaol check`: besides the errors, it returns the
// loosening warnings (Warnings) of whatever part of the policy could be
// evaluated, so that an author sees them while errors remain too. The
// policy is nil if there are errors.
func (p *Parser) Check(path string, vars map[string]string) (*Policy, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read policy",
			Detail: fmt.Sprintf("The policy file cannot be read: %s.", err)}}
	}
	u := unit{filename: path, key: absPath(path), dir: filepath.Dir(absPath(path)), src: src}
	return p.check(u, vars)
}

// CheckBuiltin is Check for the embedded profile name.
func (p *Parser) CheckBuiltin(name string) (*Policy, hcl.Diagnostics) {
	src, ok := ProfileSource(name)
	if !ok {
		return p.Builtin(name)
	}
	return p.check(builtinUnit(name, src), nil)
}

func (p *Parser) check(u unit, vars map[string]string) (*Policy, hcl.Diagnostics) {
	if vars == nil {
		vars = map[string]string{}
	}
	ld := &loader{p: p, vars: vars, used: map[string]bool{}}
	l, diags := ld.load(u, nil)
	diags = append(diags, unusedVars(vars, ld.used)...)
	if l == nil {
		return nil, sortDiags(diags)
	}
	pol, pdiags := l.policy()
	diags = append(append(diags, pdiags...), Warnings(pol)...)
	if diags.HasErrors() {
		return nil, sortDiags(diags)
	}
	return pol, sortDiags(diags)
}

// Load is NewParser().Load: for callers that need not render diagnostics.
func Load(path string, vars map[string]string) (*Policy, hcl.Diagnostics) {
	return NewParser().Load(path, vars)
}

// LoadSource is NewParser().LoadSource.
func LoadSource(filename string, src []byte, vars map[string]string) (*Policy, hcl.Diagnostics) {
	return NewParser().LoadSource(filename, src, vars)
}

// Builtin is NewParser().Builtin.
func Builtin(name string) (*Policy, hcl.Diagnostics) {
	return NewParser().Builtin(name)
}

// unit is one policy source on the way to a layer.
type unit struct {
	filename string // for ranges and messages: as given, or builtin:NAME
	key      string // identity, for cycles: absolute path or builtin:NAME
	dir      string // absolute directory; "" for built-in profiles
	src      []byte
}

func builtinUnit(name string, src []byte) unit {
	return unit{filename: "builtin:" + name, key: "builtin:" + name, src: src}
}

func absPath(name string) string {
	if a, err := filepath.Abs(name); err == nil {
		return a
	}
	return name
}

// loader evaluates one policy and the chain it extends.
type loader struct {
	p    *Parser
	vars map[string]string
	used map[string]bool // the names of var.NAME the policy refers to
}

// maxDepth bounds extends chains; far deeper than any sensible policy.
const maxDepth = 32

// load evaluates u and everything it extends into one flattened layer.
// stack holds the units that extend u, for cycle detection.
func (ld *loader) load(u unit, stack []unit) (*layer, hcl.Diagnostics) {
	file, diags := hclsyntax.ParseConfig(u.src, u.filename, hcl.InitialPos)
	if file != nil {
		ld.p.Files()[u.filename] = file
	}
	if diags.HasErrors() {
		return nil, diags // syntax errors make everything after them noise
	}
	var fs fileSchema
	diags = append(diags, decodeBody(file.Body, &fs)...)
	diags = append(diags, sandboxCount(&fs, file.Body, u.filename)...)
	if len(fs.Sandboxes) == 0 {
		return nil, diags
	}
	sb := fs.Sandboxes[0]
	e := &evaluator{ctx: evalContext(u.dir, ld.vars, ld.p.LookupEnv), vars: ld.vars, used: ld.used}
	var parent *layer
	parentOK := true
	if ext := e.str("extends", sb.Extends); ext.Set {
		parentOK = false
		if pu, d := ld.resolve(u, ext, stack); d != nil {
			e.add(d)
		} else {
			var pdiags hcl.Diagnostics
			parent, pdiags = ld.load(pu, append(stack, u))
			diags = append(diags, pdiags...)
			parentOK = parent != nil && !pdiags.HasErrors()
		}
	}
	l := sb.decode(e, u.filename, u.dir)
	if parentOK {
		l.inherit(parent, e)
	}
	return l, append(diags, e.diags...)
}

// resolve finds the unit an extends attribute names: a built-in profile,
// or a file relative to the extending file.
func (ld *loader) resolve(from unit, ext opt[string], stack []unit) (unit, *hcl.Diagnostic) {
	var u unit
	if isProfileName(ext.V) {
		src, ok := ProfileSource(ext.V)
		if !ok {
			return u, diagError(ext.Range, "Unknown profile",
				fmt.Sprintf("There is no built-in profile named %q.%s The built-in profiles are %s; to extend a file, write a path such as \"./base.hcl\".",
					ext.V, didYouMean(ext.V, Profiles()), oneOf(Profiles())))
		}
		u = builtinUnit(ext.V, src)
	} else {
		if from.dir == "" {
			return u, diagError(ext.Range, "Built-in profile extends a file", "Built-in profiles can only extend other built-in profiles.")
		}
		name := ext.V
		if !filepath.IsAbs(name) {
			name = filepath.Join(filepath.Dir(from.filename), name)
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return u, diagError(ext.Range, "Cannot read extended policy",
				fmt.Sprintf("The policy %s cannot be read: %s. Relative paths in extends are relative to the extending file.", name, err))
		}
		u = unit{filename: name, key: absPath(name), dir: filepath.Dir(absPath(name)), src: src}
	}
	chain := append(stack[:len(stack):len(stack)], from)
	for i, s := range chain {
		if s.key == u.key {
			names := make([]string, 0, len(chain)-i+1)
			for _, c := range chain[i:] {
				names = append(names, c.filename)
			}
			names = append(names, u.filename)
			return unit{}, diagError(ext.Range, "Cycle in extends",
				fmt.Sprintf("The policies extend each other in a cycle: %s. A chain of extends must end at a policy that extends nothing.", strings.Join(names, " extends ")))
		}
	}
	if len(chain) >= maxDepth {
		return unit{}, diagError(ext.Range, "Extends chain too deep", fmt.Sprintf("The chain of extends is longer than %d policies.", maxDepth))
	}
	return u, nil
}

// isProfileName tells a built-in profile name from a file path.
func isProfileName(s string) bool {
	return !strings.ContainsAny(s, `/\`) && !strings.HasSuffix(s, ".hcl")
}

// unusedVars warns about each value given for a var.NAME the policy never
// refers to: most often a misspelt --var.
func unusedVars(vars map[string]string, used map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	var names []string
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, k := range sortedKeys(vars) {
		if used[k] {
			continue
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Unused variable",
			Detail: fmt.Sprintf("A value was given for %q (--var or .gaolvars), but the policy refers to no var.%s.%s", k, k, didYouMeanVar(k, names))})
	}
	return diags
}

// didYouMeanVar suggests the var.NAME the policy uses that the given name
// k was perhaps meant to be.
func didYouMeanVar(k string, used []string) string {
	if s := suggestion(k, used); s != "" {
		return fmt.Sprintf(" Did you mean --var %s=...?", s)
	}
	return ""
}
