package policies

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// opt is a setting as one file states it: Set is false when the file does
// not mention it (or sets it to null), in which case the profile it extends
// decides. Range is where the value was written.
type opt[T any] struct {
	V     T
	Set   bool
	Range hcl.Range
}

func some[T any](v T, rng hcl.Range) opt[T] { return opt[T]{V: v, Set: true, Range: rng} }

// or returns o if it is set, else parent: the child's scalar wins.
func (o opt[T]) or(parent opt[T]) opt[T] {
	if o.Set {
		return o
	}
	return parent
}

// located is a string with the range it was written at.
type located struct {
	Value string
	Range hcl.Range
}

// evaluator evaluates one file's expressions, collecting diagnostics.
type evaluator struct {
	ctx   *hcl.EvalContext
	vars  map[string]string
	used  map[string]bool // var.NAME names referred to, if not nil
	diags hcl.Diagnostics
}

func (e *evaluator) add(d ...*hcl.Diagnostic) { e.diags = append(e.diags, d...) }

// present reports whether an attribute was written: decodeBody fills
// absent hcl.Expression fields with a synthetic static null expression.
func present(expr hcl.Expression) bool {
	_, ok := expr.(hclsyntax.Expression)
	return ok
}

// value evaluates expr and converts it to ty. It returns false, having
// recorded why, when the attribute is absent, null or invalid.
func (e *evaluator) value(name string, expr hcl.Expression, ty cty.Type, want string) (cty.Value, bool) {
	if expr == nil || !present(expr) {
		return cty.NilVal, false
	}
	if e.used != nil {
		for _, t := range expr.Variables() {
			if attr, ok := varName(t); ok {
				e.used[attr] = true
			}
		}
	}
	v, diags := expr.Value(e.ctx)
	if diags.HasErrors() {
		if undef := e.undefinedVars(expr); len(undef) > 0 {
			diags = undef
		}
		e.add(diags...)
		return cty.NilVal, false
	}
	e.add(diags...)
	if v.IsNull() {
		return cty.NilVal, false
	}
	v, _ = v.Unmark()
	if !v.IsWhollyKnown() {
		e.add(diagError(expr.Range(), "Value not known", fmt.Sprintf("The value of %s cannot be known while the policy is loaded.", name)))
		return cty.NilVal, false
	}
	cv, err := convert.Convert(v, ty)
	if err != nil || !cv.IsWhollyKnown() {
		e.add(diagError(expr.Range(), "Incorrect value type",
			fmt.Sprintf("The value of %s must be %s; this is a %s.", name, want, v.Type().FriendlyName())))
		return cty.NilVal, false
	}
	return cv, true
}

// undefinedVars explains a failed evaluation that refers to var.NAME for a
// NAME nobody set.
func (e *evaluator) undefinedVars(expr hcl.Expression) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range expr.Variables() {
		if t.RootName() != "var" || len(t) < 2 {
			continue
		}
		attr, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		if _, set := e.vars[attr.Name]; set {
			continue
		}
		given := ""
		if s := suggestion(attr.Name, sortedKeys(e.vars)); s != "" {
			given = fmt.Sprintf(" A value was given for %q instead: is --var %s misspelt?", s, s)
		}
		diags = append(diags, diagError(t.SourceRange(), "Undefined variable",
			fmt.Sprintf("The policy uses var.%s, but no value was given for it. Set it with --var %s=VALUE or in a .gaolvars file, or give a default with try(var.%s, DEFAULT).%s",
				attr.Name, attr.Name, attr.Name, given)))
	}
	return diags
}

func (e *evaluator) str(name string, expr hcl.Expression) opt[string] {
	v, ok := e.value(name, expr, cty.String, "a string")
	if !ok {
		return opt[string]{}
	}
	return some(v.AsString(), expr.Range())
}

func (e *evaluator) boolean(name string, expr hcl.Expression) opt[bool] {
	v, ok := e.value(name, expr, cty.Bool, "true or false")
	if !ok {
		return opt[bool]{}
	}
	return some(v.True(), expr.Range())
}

// list evaluates a list and returns its elements, converted to elem, with
// the range of each (the whole expression's range when the list was not
// written as a literal).
func (e *evaluator) list(name string, expr hcl.Expression, elem cty.Type, want string) ([]cty.Value, []hcl.Range, bool) {
	v, ok := e.value(name, expr, cty.List(elem), want)
	if !ok {
		return nil, nil, false
	}
	vals := v.AsValueSlice()
	ranges := make([]hcl.Range, len(vals))
	tuple, literal := expr.(*hclsyntax.TupleConsExpr)
	for i := range vals {
		ranges[i] = expr.Range()
		if literal && len(tuple.Exprs) == len(vals) {
			ranges[i] = tuple.Exprs[i].Range()
		}
	}
	for i, ev := range vals {
		if ev.IsNull() {
			e.add(diagError(ranges[i], "Null list element", fmt.Sprintf("The list %s must not contain null.", name)))
			return nil, nil, false
		}
	}
	return vals, ranges, true
}

func (e *evaluator) strings(name string, expr hcl.Expression) opt[[]located] {
	vals, ranges, ok := e.list(name, expr, cty.String, "a list of strings")
	if !ok {
		return opt[[]located]{}
	}
	out := make([]located, len(vals))
	for i, v := range vals {
		out[i] = located{Value: v.AsString(), Range: ranges[i]}
	}
	return some(out, expr.Range())
}

// budget is a limit as written: a number, or "unlimited".
type budget struct {
	N         int64
	Unlimited bool
}

// budget evaluates a limit: "unlimited", or a value parse accepts. Zero is
// refused (except where zeroOK) so that "no limit" is always spelled out.
func (e *evaluator) budget(name string, expr hcl.Expression, what string, parse func(string) (int64, error), zeroOK bool) opt[budget] {
	s := e.str(name, expr)
	if !s.Set {
		return opt[budget]{}
	}
	if s.V == unlimited {
		return some(budget{Unlimited: true}, s.Range)
	}
	n, err := parse(s.V)
	if err != nil {
		e.add(diagError(s.Range, "Invalid "+what, fmt.Sprintf("The value of %s is invalid: %s", name, sentence(err.Error()))))
		return opt[budget]{}
	}
	if n == 0 && !zeroOK {
		e.add(diagError(s.Range, "Zero "+what, fmt.Sprintf("A %s of zero for %s would mean no limit at all. To lift the limit, write %q, which gaol reports as a loosening.", what, name, unlimited)))
		return opt[budget]{}
	}
	return some(budget{N: n}, s.Range)
}

// enum evaluates a string that must be one of options; what names the
// kind of value in messages ("mount type").
func (e *evaluator) enum(name, what string, expr hcl.Expression, options []string) opt[string] {
	s := e.str(name, expr)
	if !s.Set {
		return s
	}
	for _, o := range options {
		if s.V == o {
			return s
		}
	}
	e.add(diagError(s.Range, "Unknown "+what,
		fmt.Sprintf("%q is not %s %s; %s must be %s.%s", s.V, article(what), what, name, oneOf(options), didYouMean(s.V, options))))
	return opt[string]{}
}

// required reports a missing attribute that decodeBody does not: like
// gohcl, it never requires hcl.Expression fields.
func (e *evaluator) required(name string, expr hcl.Expression, block hcl.Range, example string) {
	if present(expr) {
		return
	}
	e.add(diagError(block, "Missing required argument",
		fmt.Sprintf("The argument %q is required, but no definition was found. Add it, for example %s.", name, example)))
}

// varName is NAME for a traversal var.NAME.
func varName(t hcl.Traversal) (string, bool) {
	if t.RootName() != "var" || len(t) < 2 {
		return "", false
	}
	attr, ok := t[1].(hcl.TraverseAttr)
	return attr.Name, ok
}
