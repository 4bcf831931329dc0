package policies

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestPolicyDocExamples loads the HCL examples in docs/policy.md: whole
// policies as they are, fragments wrapped in a sandbox that extends
// python. Fragments that are not complete blocks (they contain "..." or
// start with an attribute) are skipped, and so is the example of errors.
func TestPolicyDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```hcl\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	attrFirst := regexp.MustCompile(`(?m)\A(\s*#.*\n)*\s*[a-z_]+\s*=`)
	vars := map[string]string{"submission": "grader/submission", "course": "cs101", "attempt": "2", "apis": "10.0.0.1"}
	loaded := 0
	for i, m := range blocks {
		src := m[1]
		if strings.Contains(src, "...") || attrFirst.MatchString(src) {
			continue
		}
		// The Errors section's policy is wrong on purpose: cmd/gaol's
		// TestDocsErrorsExample checks what gaol check says about it.
		if strings.HasPrefix(src, "# bad.hcl\n") {
			continue
		}
		if !strings.Contains(src, `sandbox "`) {
			src = "sandbox \"doc\" {\n  extends = \"python\"\n" + src + "}\n"
		}
		p := testParser()
		// In examples/, so that path.policy/workspace and the grader's files exist.
		_, diags := p.LoadSource("../examples/doc.hcl", []byte(src), vars)
		if diags.HasErrors() {
			t.Errorf("example %d in docs/policy.md:\n%s\n%s", i+1, src, render(p, diags))
		}
		loaded++
	}
	if loaded < 10 {
		t.Errorf("loaded only %d examples from docs/policy.md", loaded)
	}
}

// TestPolicyDocMentionsEverything keeps the reference complete: every
// attribute of every block, every operation, function and profile.
func TestPolicyDocMentionsEverything(t *testing.T) {
	doc, err := os.ReadFile("../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	var names []string
	names = append(names, kindNames...)
	names = append(names, functionNames...)
	names = append(names, Profiles()...)
	names = append(names, mountKinds...)
	names = append(names, timeModes...)
	names = append(names, traceEvents...)
	names = append(names, accessNames...)
	names = append(names, classes...)
	for _, s := range []any{fileSchema{}, sandboxBlock{}, interpreterBlock{}, limitsBlock{}, mountBlock{}, timeBlock{}, processBlock{}, networkBlock{}, traceBlock{}, identityBlock{}, ruleBlock{}} {
		names = append(names, hclNames(s)...)
	}
	for _, n := range names {
		if !strings.Contains(text, "`"+n+"`") && !strings.Contains(text, `"`+n+`"`) && !strings.Contains(text, n+" (") && !strings.Contains(text, ", "+n) && !strings.Contains(text, "`"+n+"(") {
			t.Errorf("docs/policy.md does not mention %q", n)
		}
	}
}

// TestPolicyDocListsEverySyscall keeps the operations table in step with
// syscallKinds.
func TestPolicyDocListsEverySyscall(t *testing.T) {
	doc, err := os.ReadFile("../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(doc), "| class | operations (syscalls) |")
	if start < 0 {
		t.Fatal("no operations table")
	}
	table := string(doc[start:])
	table = table[:strings.Index(table, "\n\n")]
	for name, kind := range syscallKind {
		row := regexp.MustCompile("(?m)^\\| " + string(kindClass[kind]) + " \\|.*$").FindString(table)
		if !regexp.MustCompile(`\b` + name + `\b`).MatchString(row) {
			t.Errorf("the operations table does not list syscall %s in class %s", name, kindClass[kind])
		}
	}
}
