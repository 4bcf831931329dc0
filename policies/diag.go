package policies

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

func diagError(subject hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: subject.Ptr()}
}

func diagWarning(subject hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: detail, Subject: subject.Ptr()}
}

// didYouMean returns ` Did you mean "x"?` for the option closest to given,
// or "" when none is close.
func didYouMean(given string, options []string) string {
	if s := suggestion(given, options); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// suggestion returns the option closest to given: equal ignoring case, or
// within an edit distance that grows with the length of the name (1 up to
// four characters, 2 up to eight, 3 beyond), the earliest of the closest.
func suggestion(given string, options []string) string {
	limit := 3
	switch {
	case len(given) <= 4:
		limit = 1
	case len(given) <= 8:
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, o := range options {
		if strings.EqualFold(o, given) {
			return o
		}
		if d := editDistance(strings.ToLower(given), strings.ToLower(o)); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes,
// counting a swap of adjacent characters as one edit (optimal string
// alignment), since swaps are the commonest typo.
func editDistance(a, b string) int {
	rows := make([][]int, len(a)+1)
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, rows[i-2][j-2]+1)
			}
			rows[i][j] = d
		}
	}
	return rows[len(a)][len(b)]
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

// oneOf renders options as `"a", "b" or "c"`.
func oneOf(options []string) string {
	q := make([]string, len(options))
	for i, o := range options {
		q[i] = fmt.Sprintf("%q", o)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// sortDiags orders diagnostics by file and position, so that output is
// stable although hcl reports a body's attributes in map order. Diagnostics
// without a subject come first, in their original order.
func sortDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		case a.Start.Byte != b.Start.Byte:
			return a.Start.Byte < b.Start.Byte
		default:
			return diags[i].Summary < diags[j].Summary
		}
	})
	return dedupDiags(diags)
}

// dedupDiags drops exact repeats, which arise when a file is reached twice
// (a profile extended along two paths of a failed load).
func dedupDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	out := diags[:0]
	for i, d := range diags {
		if i > 0 && sameDiag(diags[i-1], d) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func sameDiag(a, b *hcl.Diagnostic) bool {
	if a.Severity != b.Severity || a.Summary != b.Summary || a.Detail != b.Detail {
		return false
	}
	if a.Subject == nil || b.Subject == nil {
		return a.Subject == b.Subject
	}
	return *a.Subject == *b.Subject
}

// article is "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
