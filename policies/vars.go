package policies

import (
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// LoadVarsFile reads a .gaolvars file: HCL attributes NAME = VALUE, where
// each value is a literal string, number or bool (numbers and bools are
// turned into strings, as --var gives them). Expressions may not refer to
// variables or call functions. The map is nil if there are errors.
func (p *Parser) LoadVarsFile(path string) (map[string]string, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read variables file",
			Detail: fmt.Sprintf("The variables file cannot be read: %s.", err)}}
	}
	file, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if file != nil {
		p.Files()[path] = file
	}
	if diags.HasErrors() {
		return nil, diags
	}
	attrs, adiags := file.Body.JustAttributes()
	diags = append(diags, adiags...)
	vars := make(map[string]string, len(attrs))
	for _, name := range sortedKeys(attrs) {
		attr := attrs[name]
		v, vdiags := attr.Expr.Value(nil)
		diags = append(diags, vdiags...)
		if vdiags.HasErrors() {
			continue
		}
		s, err := convert.Convert(v, cty.String)
		if err != nil || s.IsNull() || !s.IsKnown() {
			diags = append(diags, diagError(attr.Expr.Range(), "Invalid variable value",
				fmt.Sprintf("The value of %s must be a string, number or bool.", name)))
			continue
		}
		vars[name] = s.AsString()
	}
	if diags.HasErrors() {
		return nil, sortDiags(diags)
	}
	return vars, sortDiags(diags)
}

// LoadVarsFile is NewParser().LoadVarsFile.
func LoadVarsFile(path string) (map[string]string, hcl.Diagnostics) {
	return NewParser().LoadVarsFile(path)
}

// ParseVarFlag splits a --var argument "NAME=VALUE"; VALUE may contain "=".
func ParseVarFlag(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok || !hclsyntax.ValidIdentifier(name) {
		return "", "", fmt.Errorf("--var %q: want NAME=VALUE, with NAME a letter followed by letters, digits, underscores or dashes", s)
	}
	return name, value, nil
}
