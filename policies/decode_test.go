package policies

import (
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// decodeInputs are policies whose decoding exercises each tag kind and
// each diagnostic decodeBody shares with gohcl.
var decodeInputs = []struct {
	name string
	src  string
}{
	{name: "every block type once", src: `sandbox "a" {
  extends = "python"
  interpreter {}
  limits { cpu = "1s" }
  mount "/w" { type = "tmpfs" }
  mount "/x" {
    type = "host"
    host = "/tmp"
  }
  env { A = "b" }
  time {}
  process {}
  network {}
  trace {}
  identity {}
  rule "r" { action = "allow" }
}
`},
	{name: "a duplicate single block", src: "sandbox \"a\" {\n  limits {}\n  limits {}\n  limits {}\n}\n"},
	{name: "an unsupported argument close to two names", src: "sandbox \"a\" {\n  extend = 1\n  unmont = 2\n}\n"},
	{name: "an unsupported block type", src: "sandbox \"a\" {\n  limit {}\n  rules \"x\" {}\n}\n"},
	{name: "a missing label", src: "sandbox {\n}\nsandbox \"b\" {\n  mount {}\n}\n"},
	{name: "an extra label", src: "sandbox \"a\" \"b\" {\n  rule \"r\" \"s\" {}\n}\n"},
	{name: "a block inside env", src: "sandbox \"a\" {\n  env {\n    A = 1\n    nested {}\n  }\n}\n"},
	{name: "an attribute at the top level", src: "x = 1\nsandbox \"a\" {}\n"},
	{name: "a block where an attribute belongs", src: "sandbox \"a\" {\n  extends {}\n}\n"},
	{name: "an attribute where a block belongs", src: "sandbox \"a\" {\n  limits = {}\n}\n"},
	{name: "a duplicate attribute", src: "sandbox \"a\" {\n  extends = 1\n  extends = 2\n}\n"},
	{name: "a misspelt argument as close to two names", src: "sandbox \"a\" {\n  identity {\n    qid = 1\n  }\n}\n"},
	{name: "an empty file", src: ""},
}

// TestDecodeBodyMatchesGohcl: on every policy in the repository and each
// decodeInputs case, decodeBody fills the schema and reports exactly what
// gohcl.DecodeBody does.
func TestDecodeBodyMatchesGohcl(t *testing.T) {
	for _, tt := range decodeInputs {
		t.Run(tt.name, func(t *testing.T) { assertDecodeMatches(t, []byte(tt.src)) })
	}
	for _, file := range repositoryPolicyFiles(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(file, func(t *testing.T) { assertDecodeMatches(t, src) })
	}
}

func assertDecodeMatches(t *testing.T, src []byte) {
	t.Helper()
	file, diags := hclsyntax.ParseConfig(src, "policy.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return // the loader stops at syntax errors
	}
	var got, want fileSchema
	gotDiags := sortDiags(decodeBody(file.Body, &got))
	wantDiags := sortDiags(gohcl.DecodeBody(file.Body, nil, &want))
	if g, w := fmt.Sprint(gotDiags), fmt.Sprint(wantDiags); g != w {
		t.Errorf("diagnostics:\n got %s\nwant %s", g, w)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded:\n got %#v\nwant %#v", got, want)
	}
}
