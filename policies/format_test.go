package policies

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"
)

// formatInputs are layouts that exercise each of Format's rules: every one
// must come out of Format exactly as it comes out of hclwrite.Format.
var formatInputs = []struct {
	name string
	src  string
}{
	{name: "empty input", src: ""},
	{name: "only a newline", src: "\n"},
	{name: "no final newline", src: "a=1"},
	{name: "trailing spaces at the end of input are kept", src: "a = 1   "},
	{name: "trailing spaces before a newline go", src: "a = 1   \n"},
	{name: "attribute spacing", src: "a=1\nbb    =    2\n"},
	{name: "nested blocks are indented two spaces a level", src: "sandbox \"x\" {\nlimits {\ncpu = \"1s\"\n}\n      env {\n   A = \"b\"\n}\n}\n"},
	{name: "one-line blocks", src: "a {b=1}\nc {   }\nd{}\ne \"l\" {f = [1,2]}\n"},
	{name: "alignment group of consecutive attributes", src: "a = 1\nlonger_name = 2\nmid = 3\n"},
	{name: "blank line splits an alignment group", src: "a = 1\nlonger_name = 2\n\nb = 3\nccc = 4\n"},
	{name: "comment line splits an alignment group", src: "a = 1\n# note\nlonger_name = 2\n"},
	{name: "block splits an alignment group", src: "a = 1\nb {\nc = 1\n}\nlonger_name = 2\n"},
	{name: "multi-line value splits an alignment group", src: "a = 1\nlist = [\n1,\n2,\n]\nlonger = 3\nx = {\ny = 1\nzzz = 2\n}\n"},
	{name: "trailing comments are aligned", src: "a = 1 # one\nlonger_name = \"two\" // two\nb = 3 /* three */\n"},
	{name: "trailing comments across assignments of differing width", src: "a = 1 # one\nlonger_name = 2  # two\nc {} # block\nd = [1] # list\n"},
	{name: "block comments", src: "/* head\n   comment */\na = /* inline */ 1\nb = 2 /* trailing */\n/* multi\nline */ c = 3\n"},
	{name: "comment at end of input without newline", src: "a = 1 # end"},
	{name: "comment-only lines are indented", src: "x {\n# inside\n      // also\n}\n"},
	{name: "heredoc", src: "a = <<EOT\n  keep   this\n    indent\nEOT\nb {\nc = <<-EOT\n    flush ${x}\n    EOT\n}\n"},
	{name: "heredoc with interpolation opening a level", src: "a = <<EOT\n${ [\nEOT\nb = 1\n"},
	{name: "heredoc in a block argument list", src: "f(<<EOT\nx\nEOT\n)\n"},
	{name: "templates with interpolation", src: "a = \"${ x }-${y}${ z}\"\nb = \"%{ if c }yes%{ else }no%{ endif }\"\nc = \"${ {a=1} }\"\n"},
	{name: "template with a directive over lines", src: "a = <<EOT\n%{ for x in xs ~}\n${x}\n%{ endfor ~}\nEOT\n"},
	{name: "unary minus and subtraction", src: "a = -1\nb = 2-1\nc = [-1, - 2]\nd = x - -y\ne = (-1)\nf = a ? -1 : -2\ng = !a\nh = a*-b\ni = a==-1\nj = a&&-b\nk = f(-1)\nl = {x=-1}\n"},
	{name: "splat and index expressions", src: "a = x[*].y\nb = x.*.y\nc = x[0][1]\nd = f(x)[0]\ne = x [ 1 ]\nf = 1 [0]\ng = \"s\"[0]\n"},
	{name: "objects and tuples", src: "a = {x=1, \"y\"=2, z:3}\nb = [ 1 , 2 , 3 , ]\nc = {\nx = 1\nyy = 2\n}\nd = [\n{\na = 1\n},\n]\n"},
	{name: "for expressions", src: "a = [for x in xs: x if x>1]\nb = {for k, v in m: k => v...}\nc = [for x in [1,2]: x]\nd = [for in in ins: in]\n"},
	{name: "function calls", src: "a = f( 1 , 2 )\nb = f(xs...)\nc = provider::ns::fn(1)\nd = upper (x)\n"},
	{name: "operators", src: "a = 1+2*3/4%5\nb = a==b&&c!=d||e<f\nc = a>=b?c:d\nd = a<=b\n"},
	{name: "conditional over lines", src: "a = (\ncond\n? 1\n: 2\n)\n"},
	{name: "CRLF line endings", src: "a=1\r\nb {\r\nccc = 2\r\n}\r\n# c\r\n"},
	{name: "tabs", src: "a\t= 1\n\tb = 2\nc {\n\td = 3\n}\n"},
	{name: "unbalanced closing brackets", src: "a {\nb = [[\n1\n]]\n}\n}\n]\nc = 1\n"},
	{name: "several closings on one line", src: "a { b { c {\nd = 1\n}}}\ne = 2\n"},
	{name: "partial closing", src: "a = [[\n1\n], [\n2\n]]\n"},
	{name: "opening after closing on one line", src: "a = [\n1\n] + [\n2\n]\n"},
	{name: "equals inside the first token's brackets", src: "a [b = 1]\n= 2\n"},
	{name: "equals as first token", src: "= 1\n  = 2\n"},
	{name: "wide and combining characters align by grapheme", src: "é = 1\ne\u0301e\u0301 = 2\n日本 = 3\nx = 4 # c\nyy = \"日本語\" # d\n"},
	{name: "invalid characters", src: "a = 1 @ 2\nb = $\nc = `x`\n"},
	{name: "unterminated string", src: "a = \"abc\nb = 1\n"},
	{name: "unterminated block", src: "a {\nb = 1\n"},
	{name: "deep nesting", src: "a {\nb {\nc {\nd {\ne = [\n{\nf = (\n1\n)\n}\n]\n}\n}\n}\n}\n"},
	{name: "blank lines with spaces", src: "a {\n   \n\t\nb = 1\n  \n}\n"},
	{name: "object key expressions", src: "a = {(k) = 1, \"${k}\" = 2}\n"},
	{name: "attribute after closing brace on one line", src: "a {\n} b = 1\n"},
}

// TestFormatMatchesHclwrite: Format lays out each tricky input exactly as
// hclwrite.Format does.
func TestFormatMatchesHclwrite(t *testing.T) {
	for _, tt := range formatInputs {
		t.Run(tt.name, func(t *testing.T) {
			assertFormatMatches(t, []byte(tt.src))
		})
	}
}

// TestFormatMatchesHclwriteOnRepositoryFiles: every policy file in the
// repository, as written and with its layout spoilt (indentation dropped,
// spaces doubled), is formatted as hclwrite formats it.
func TestFormatMatchesHclwriteOnRepositoryFiles(t *testing.T) {
	files := repositoryPolicyFiles(t)
	if len(files) < 20 {
		t.Fatalf("found %d .hcl files, want at least 20", len(files))
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(file, func(t *testing.T) {
			assertFormatMatches(t, src)
			assertFormatMatches(t, spoilLayout(src))
		})
	}
}

// TestFormatIsIdempotentOnProfiles: the built-in profiles and examples are
// kept formatted, so formatting them changes nothing.
func TestFormatIsIdempotentOnProfiles(t *testing.T) {
	for _, pattern := range []string{"profiles/*.hcl", "../examples/*.hcl"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if got := Format(src); !bytes.Equal(got, src) {
				t.Errorf("%s is not formatted; Format gives:\n%s", file, got)
			}
		}
	}
}

// FuzzFormat: on any input, Format and hclwrite.Format agree byte for byte.
func FuzzFormat(f *testing.F) {
	for _, tt := range formatInputs {
		f.Add([]byte(tt.src))
	}
	seedPolicies(f, func(src []byte) { f.Add(src); f.Add(spoilLayout(src)) })
	f.Fuzz(func(t *testing.T, src []byte) {
		assertFormatMatches(t, src)
	})
}

func assertFormatMatches(t *testing.T, src []byte) {
	t.Helper()
	want := hclwrite.Format(src)
	if got := Format(src); !bytes.Equal(got, want) {
		t.Errorf("Format(%q)\n got %q\nwant %q", src, got, want)
	}
}

// repositoryPolicyFiles lists every .hcl file in the repository's policy
// directories: profiles, examples, testdata and the compat suite.
func repositoryPolicyFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, root := range []string{"profiles", "testdata", "../examples", "../tests/compat"} {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && filepath.Ext(path) == ".hcl" {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

var (
	lineIndent = regexp.MustCompile(`(?m)^[ \t]+`)
	innerSpace = regexp.MustCompile(` +`)
)

// spoilLayout drops each line's indentation and doubles every other run
// of spaces, so that the formatter has work to do on real policies.
func spoilLayout(src []byte) []byte {
	src = lineIndent.ReplaceAll(src, nil)
	return innerSpace.ReplaceAll(src, []byte("  "))
}
