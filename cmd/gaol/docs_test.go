package main

import (
	"os"
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
