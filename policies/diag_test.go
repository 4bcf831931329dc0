package policies

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestLoadInlineErrors(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		vars    map[string]string
		summary string // of the first error
		line    int    // of its subject
		detail  string // a part of its detail
	}{
		{
			name:    "an unknown attribute suggests the right one",
			src:     "sandbox \"s\" {\n  extnds = \"python\"\n}",
			summary: "Unsupported argument", line: 2, detail: `Did you mean "extends"?`,
		},
		{
			name:    "a relative host path that does not exist is resolved against the policy file",
			src:     "sandbox \"s\" {\n  mount \"/w\" {\n    type = \"host\"\n    host = \"no-such-dir\"\n  }\n}",
			summary: "Host path does not exist", line: 4, detail: "testdata/no-such-dir does not exist",
		},
		{
			name:    "a string where a bool belongs",
			src:     "sandbox \"s\" {\n  deterministic = \"yes\"\n}",
			summary: "Incorrect value type", line: 2, detail: "must be true or false",
		},
		{
			name:    "a variable given on the command line is suggested",
			src:     "sandbox \"s\" {\n  description = var.titel\n}",
			vars:    map[string]string{"title": "x"},
			summary: "Undefined variable", line: 2, detail: `A value was given for "title" instead: is --var title misspelt?`,
		},
		{
			name:    "a size with a wrongly cased unit",
			src:     "sandbox \"s\" {\n  limits {\n    memory = \"1gib\"\n  }\n}",
			summary: "Invalid size", line: 3, detail: `Did you mean "1GiB"?`,
		},
		{
			name:    "a duration without a unit",
			src:     "sandbox \"s\" {\n  limits {\n    wall = 30\n  }\n}",
			summary: "Invalid duration", line: 3, detail: `Did you mean "30s"?`,
		},
		{
			name:    "a device mount whose name is not a device",
			src:     "sandbox \"s\" {\n  mount \"/dev/tty\" {\n    type = \"device\"\n  }\n}",
			summary: "Missing device", line: 2,
		},
		{
			name:    "an extends value with a slash is a file path, not a profile",
			src:     "sandbox \"s\" {\n  extends = \"/etc/../python\"\n}",
			summary: "Cannot read extended policy", line: 2,
		},
		{
			name:    "an unknown errno is suggested by case",
			src:     "sandbox \"s\" {\n  rule \"r\" {\n    action = \"deny\"\n    errno = \"eperm\"\n  }\n}",
			summary: "Unknown errno", line: 4, detail: `Did you mean "EPERM"?`,
		},
		{
			name:    "a host name with an empty label",
			src:     "sandbox \"s\" {\n  network {\n    connect = [\"a..b:80\"]\n  }\n}",
			summary: "Invalid destination", line: 3, detail: `the host name "a..b" has an empty label`,
		},
		{
			name:    "a network entry with an unmasked prefix",
			src:     "sandbox \"s\" {\n  network {\n    connect = [\"192.168.1.1/24:80\"]\n  }\n}",
			summary: "Invalid destination", line: 3, detail: `Did you mean "192.168.1.0/24"?`,
		},
		{
			name:    "an offset clock without a start",
			src:     "sandbox \"s\" {\n  time {\n    mode = \"offset\"\n  }\n}",
			summary: "Missing start time", line: 3,
		},
		{
			name:    "an offset clock inherited without a start is reported where the mode is set",
			src:     "sandbox \"s\" {\n  extends = \"python\"\n  time {\n    mode = \"offset\"\n  }\n}",
			summary: "Missing start time", line: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, diags, p := loadInline(t, tt.src, tt.vars)
			if pol != nil || !diags.HasErrors() {
				t.Fatalf("loaded without errors; diagnostics: %s", summaries(diags))
			}
			d := firstError(diags)
			if d.Summary != tt.summary || d.Subject == nil || d.Subject.Start.Line != tt.line || !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("first error:\n%s\nwant %q on line %d with detail containing %q", render(p, hcl.Diagnostics{d}), tt.summary, tt.line, tt.detail)
			}
		})
	}
}

func firstError(diags hcl.Diagnostics) *hcl.Diagnostic {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			return d
		}
	}
	return nil
}

func TestDiagnosticsAreCollectedInOnePass(t *testing.T) {
	src := `sandbox "s" {
  limits {
    cpu    = "x"
    wall   = "y"
    memory = "z"
  }
  mount "rel" {
    type = "dir"
  }
  rule "r" {
    action = "maybe"
    errno  = "EWHAT"
  }
  bogus = 1
}`
	_, diags, p := loadInline(t, src, nil)
	if n := len(diags.Errs()); n != 7 {
		t.Errorf("got %d errors, want 7:\n%s", n, render(p, diags))
	}
	for i := 1; i < len(diags); i++ {
		if diags[i-1].Subject.Start.Byte > diags[i].Subject.Start.Byte {
			t.Errorf("diagnostics are not in source order: %s", summaries(diags))
		}
	}
}

func TestLoadReportsUnreadableFiles(t *testing.T) {
	_, diags := Load("testdata/no-such-policy.hcl", nil)
	if !diags.HasErrors() || diags[0].Summary != "Cannot read policy" {
		t.Errorf("diags = %s", summaries(diags))
	}
	_, diags = LoadVarsFile("testdata/no-such.gaolvars")
	if !diags.HasErrors() {
		t.Error("missing vars file not reported")
	}
}

func TestSuggestion(t *testing.T) {
	tests := []struct {
		given   string
		options []string
		want    string
	}{
		{given: "pyhton", options: []string{"python", "python-net"}, want: "python"},
		{given: "raed", options: accessNames, want: "read"},
		{given: "READ", options: accessNames, want: "read"},
		{given: "read", options: []string{"creat", "stat"}, want: ""},
		{given: "xyzzy", options: []string{"host", "file"}, want: ""},
		{given: "opnat", options: syscallNames, want: "openat"},
	}
	for _, tt := range tests {
		t.Run(tt.given, func(t *testing.T) {
			if got := suggestion(tt.given, tt.options); got != tt.want {
				t.Errorf("suggestion(%q) = %q, want %q", tt.given, got, tt.want)
			}
		})
	}
}
