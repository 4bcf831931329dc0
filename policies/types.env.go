package policies

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// envBlock is `env { NAME = "value" }`: every attribute is one variable of
// the guest's environment. A value of null removes a variable the profile
// being extended sets.
type envBlock struct {
	Vars hcl.Attributes `hcl:",remain"`
}

// envValue is one variable as a file states it.
type envValue struct {
	Value   string
	Removed bool // written as null
	Range   hcl.Range
}

func (b *envBlock) decode(e *evaluator) map[string]envValue {
	if b == nil {
		return nil
	}
	out := make(map[string]envValue, len(b.Vars))
	for _, name := range sortedKeys(b.Vars) {
		attr := b.Vars[name]
		if isNullLiteral(e, attr.Expr) {
			out[name] = envValue{Removed: true, Range: attr.Range}
			continue
		}
		v := e.str(name, attr.Expr)
		if v.Set {
			out[name] = envValue{Value: v.V, Range: attr.Range}
		}
	}
	return out
}

// isNullLiteral reports whether expr evaluates to null without errors.
func isNullLiteral(e *evaluator, expr hcl.Expression) bool {
	v, diags := expr.Value(e.ctx)
	return !diags.HasErrors() && v.IsNull() && v.Type() == cty.DynamicPseudoType
}

// mergeEnv applies the child's variables over the parent's, key by key.
func mergeEnv(parent, child map[string]envValue) map[string]envValue {
	out := make(map[string]envValue, len(parent)+len(child))
	for k, v := range parent {
		out[k] = v
	}
	for k, v := range child {
		if v.Removed {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

func finalEnv(env map[string]envValue) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		if !v.Removed {
			out[k] = v.Value
		}
	}
	return out
}
