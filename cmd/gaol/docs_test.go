package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gaol-sandbox/gaol/supervisor"
)

// TestResultFieldsAreDocumented compares the result's JSON fields with
// the example in docs/cli.md ("The result"), both ways: a field users
// script against is documented, and the docs name no field gaol does not
// write.
func TestResultFieldsAreDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "### The result")
	if i < 0 {
		t.Fatal("docs/cli.md has no \"The result\" section")
	}
	block := regexp.MustCompile("(?s)```json\n(.*?)```").FindStringSubmatch(doc[i:])
	if block == nil {
		t.Fatal("\"The result\" has no json example")
	}
	// Top-level keys: on lines indented by two spaces, every "key": at
	// brace depth zero.
	documented := map[string]bool{}
	key := regexp.MustCompile(`^"([a-z_]+)":`)
	for _, line := range strings.Split(block[1], "\n") {
		if !strings.HasPrefix(line, `  "`) {
			continue
		}
		depth := 0
		for j := 2; j < len(line); j++ {
			switch line[j] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			case '"':
				if m := key.FindStringSubmatch(line[j:]); depth == 0 && m != nil {
					documented[m[1]] = true
					j += len(m[0]) - 1
				} else if end := strings.IndexByte(line[j+1:], '"'); end >= 0 {
					j += end + 1
				}
			}
		}
	}
	written := map[string]bool{}
	typ := reflect.TypeOf(supervisor.Result{})
	for k := 0; k < typ.NumField(); k++ {
		name, _, _ := strings.Cut(typ.Field(k).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			written[name] = true
		}
	}
	var missing, extra []string
	for n := range written {
		if !documented[n] {
			missing = append(missing, n)
		}
	}
	for n := range documented {
		if !written[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("result fields missing from docs/cli.md's example: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("docs/cli.md's example has fields the result does not: %v", extra)
	}
}

// TestTraceDocExamples runs the program docs/trace.md's example lines
// come from and checks that each line's syscall, arguments, action, rule
// and errno occur in the real trace (sequence numbers, times, pids and
// latencies differ from run to run), and that no line of it lacks a rule.
func TestTraceDocExamples(t *testing.T) {
	requireSandbox(t)
	b, err := os.ReadFile("../../docs/trace.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)Example lines, from.*?```json\n(.*?)```").FindStringSubmatch(string(b))
	if block == nil {
		t.Fatal("docs/trace.md has no example lines")
	}
	trace := filepath.Join(t.TempDir(), "t.jsonl")
	r := cli{args: []string{"run", "--time", "virtual", "--trace", trace, "--", "/usr/bin/python3", "-c",
		"import select, os; select.select([], [], [], 5); os.fork()"}}.run(t)
	if r.status != 1 {
		t.Fatalf("status %d (want 1: the fork fails): %s", r.status, r.stderr)
	}
	got, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	key := func(ev supervisor.Event) string {
		ev.Seq, ev.TimeUS, ev.Pid, ev.Tid, ev.LatencyUS, ev.Result = 0, 0, 0, 0, 0, 0
		if ev.Action == "inject" {
			ev.Args.Fd = nil
		}
		sort.Strings(ev.Args.Flags)
		k, _ := json.Marshal(ev)
		return string(k)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(got)), "\n") {
		var ev supervisor.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("trace line %q: %v", line, err)
		}
		if ev.Rule == "" {
			t.Errorf("a trace line without a rule: %s", line)
		}
		seen[key(ev)] = true
	}
	for _, line := range strings.Split(strings.TrimSpace(block[1]), "\n") {
		var ev supervisor.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("docs/trace.md example %q: %v", line, err)
		}
		if !seen[key(ev)] {
			t.Errorf("docs/trace.md shows a line no run writes:\n%s", line)
		}
	}
}
