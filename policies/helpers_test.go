package policies

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// testEnv is the host environment env() sees in tests.
var testEnv = map[string]string{"GAOL_TEST_HOME": "/home/tester", "GAOL_TEST_EMPTY": ""}

func testParser() *Parser {
	return &Parser{LookupEnv: func(k string) (string, bool) {
		v, ok := testEnv[k]
		return v, ok
	}}
}

// loadInline evaluates src as if it were testdata/inline.hcl, so relative
// paths resolve in testdata/.
func loadInline(t *testing.T, src string, vars map[string]string) (*Policy, hcl.Diagnostics, *Parser) {
	t.Helper()
	p := testParser()
	pol, diags := p.LoadSource("testdata/inline.hcl", []byte(src), vars)
	return pol, diags, p
}

// mustLoad evaluates src and fails the test on any error.
func mustLoad(t *testing.T, src string, vars map[string]string) *Policy {
	t.Helper()
	pol, diags, p := loadInline(t, src, vars)
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", render(p, diags))
	}
	return pol
}

// render formats diagnostics as `gaol check` would, without color.
func render(p *Parser, diags hcl.Diagnostics) string {
	var buf bytes.Buffer
	wr := hcl.NewDiagnosticTextWriter(&buf, p.Files(), 0, false)
	if err := wr.WriteDiagnostics(diags); err != nil {
		return err.Error()
	}
	return buf.String()
}

func summaries(diags hcl.Diagnostics) string {
	var s []string
	for _, d := range diags {
		s = append(s, d.Summary)
	}
	return strings.Join(s, "; ")
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hclNames lists the attribute and block names of a schema struct.
func hclNames(v any) []string {
	var names []string
	ty := reflect.TypeOf(v)
	for i := 0; i < ty.NumField(); i++ {
		tag := ty.Field(i).Tag.Get("hcl")
		name, kind, _ := strings.Cut(tag, ",")
		if name != "" && (kind == "" || kind == "attr" || kind == "optional" || kind == "block") {
			names = append(names, name)
		}
	}
	return names
}
