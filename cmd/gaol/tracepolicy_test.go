package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestThePolicysTraceBlock: a policy's trace block writes its file with
// the events it selects, a rule with log = true is logged, and --trace
// overrides the block with every event.
func TestThePolicysTraceBlock(t *testing.T) {
	requireSandbox(t)
	t.Parallel()
	dir := t.TempDir()
	policy := func(events string) string {
		return writeFile(t, filepath.Join(dir, events+".hcl"), `sandbox "tr" {
  extends = "python"
  trace {
    file   = "`+events+`.jsonl"
    events = "`+events+`"
  }
  rule "secrets" {
    paths  = ["/tmp/secret*"]
    action = "deny"
    errno  = "EPERM"
  }
  rule "watched" {
    paths  = ["/tmp/watched*"]
    action = "allow"
    log    = true
  }
}
`, 0o644)
	}
	code := `
for name in ("/tmp/secret", "/tmp/watched"):
    try:
        open(name, "w").close()
        print(name, "ok")
    except OSError as e:
        print(name, e.errno)
`
	read := func(t *testing.T, file string) []map[string]any {
		t.Helper()
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("the trace: %v", err)
		}
		var evs []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var ev map[string]any
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("trace line %q: %v", line, err)
			}
			evs = append(evs, ev)
		}
		return evs
	}
	rules := func(evs []map[string]any) (actions map[string]bool, byRule map[string]bool) {
		actions, byRule = map[string]bool{}, map[string]bool{}
		for _, ev := range evs {
			actions[ev["action"].(string)] = true
			byRule[ev["rule"].(string)] = true
		}
		return
	}
	for _, tc := range []struct {
		events      string
		wantActions []string // the only actions in the trace
		wantRules   []string // rules whose decisions must be there
	}{
		{events: "denied", wantActions: []string{"deny"}, wantRules: []string{"secrets"}},
		{events: "logged", wantRules: []string{"secrets", "watched"}},
		{events: "all", wantRules: []string{"secrets", "watched"}},
	} {
		t.Run(tc.events, func(t *testing.T) {
			p := policy(tc.events)
			r := cli{args: []string{"run", "--log-level", "info", "--policy", p, "--", python, "-c", code}, dir: dir}.run(t)
			if r.status != 0 || !strings.Contains(r.stdout, "/tmp/secret 1\n/tmp/watched ok") {
				t.Fatalf("status %d, stdout %q, stderr:\n%s", r.status, r.stdout, r.stderr)
			}
			for _, rule := range []string{"rule=secrets", "rule=watched"} {
				if !strings.Contains(r.stderr, "rule logged") || !strings.Contains(r.stderr, rule) {
					t.Errorf("gaol's log lacks the logged decision of %s:\n%s", rule, r.stderr)
				}
			}
			evs := read(t, filepath.Join(dir, tc.events+".jsonl"))
			actions, byRule := rules(evs)
			for _, want := range tc.wantRules {
				if !byRule[want] {
					t.Errorf("the trace has no decision of rule %s", want)
				}
			}
			if tc.wantActions != nil {
				for a := range actions {
					if a != tc.wantActions[0] {
						t.Errorf("events = %q kept a %s decision", tc.events, a)
					}
				}
			}
			if tc.events == "logged" {
				// Besides denials, only the logged rule's decisions.
				for _, ev := range evs {
					if ev["action"] != "deny" && ev["rule"] != "watched" {
						t.Errorf("events = logged kept %v", ev)
						break
					}
				}
			}
			if tc.events == "all" && len(evs) < 50 {
				t.Errorf("events = all kept only %d events", len(evs))
			}
		})
	}
	t.Run("--trace overrides the block", func(t *testing.T) {
		p := policy("denied")
		os.Remove(filepath.Join(dir, "denied.jsonl"))
		mine := filepath.Join(dir, "mine.jsonl")
		r := cli{args: []string{"run", "--trace", mine, "--policy", p, "--", python, "-c", code}, dir: dir}.run(t)
		if r.status != 0 {
			t.Fatalf("status %d: %s", r.status, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "denied.jsonl")); err == nil {
			t.Errorf("the policy's trace file was written although --trace was given")
		}
		if _, byRule := rules(read(t, mine)); !byRule["watched"] {
			t.Errorf("--trace did not keep every event")
		}
	})
}
