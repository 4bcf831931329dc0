package policies

import (
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		path    string
		want    bool
	}{
		{name: "literal matches itself", pattern: "/etc/passwd", path: "/etc/passwd", want: true},
		{name: "literal does not match a sibling", pattern: "/etc/passwd", path: "/etc/shadow", want: false},
		{name: "literal does not match a prefix", pattern: "/etc", path: "/etc/passwd", want: false},
		{name: "star matches within an element", pattern: "/work/secret*", path: "/work/secret.txt", want: true},
		{name: "star matches the empty string", pattern: "/work/secret*", path: "/work/secret", want: true},
		{name: "star does not cross a slash", pattern: "/work/secret*", path: "/work/secret/key", want: false},
		{name: "star in the middle", pattern: "/a/b*d/c", path: "/a/bxxd/c", want: true},
		{name: "several stars backtrack", pattern: "/a/*x*y*", path: "/a/1x2x3y4", want: true},
		{name: "several stars fail", pattern: "/a/*x*y", path: "/a/1x2x3y4", want: false},
		{name: "question mark is one character", pattern: "/a/?.py", path: "/a/b.py", want: true},
		{name: "question mark is not zero characters", pattern: "/a/?.py", path: "/a/.py", want: false},
		{name: "question mark is a rune, not a byte", pattern: "/a/?", path: "/a/é", want: true},
		{name: "question mark does not match a slash", pattern: "/a?b", path: "/a/b", want: false},
		{name: "class matches a member", pattern: "/a/[bc]", path: "/a/c", want: true},
		{name: "class does not match others", pattern: "/a/[bc]", path: "/a/d", want: false},
		{name: "class range", pattern: "/log/[0-9][0-9]", path: "/log/42", want: true},
		{name: "negated class with !", pattern: "/a/[!b]", path: "/a/b", want: false},
		{name: "negated class with ^", pattern: "/a/[^b]", path: "/a/c", want: true},
		{name: "escaped star is literal", pattern: `/a/\*`, path: "/a/*", want: true},
		{name: "escaped star does not glob", pattern: `/a/\*`, path: "/a/b", want: false},
		{name: "double star matches the directory itself", pattern: "/work/**", path: "/work", want: true},
		{name: "double star matches one level", pattern: "/work/**", path: "/work/a", want: true},
		{name: "double star matches many levels", pattern: "/work/**", path: "/work/a/b/c", want: true},
		{name: "double star does not match a sibling", pattern: "/work/**", path: "/workshop", want: false},
		{name: "double star in the middle matches zero elements", pattern: "/a/**/b", path: "/a/b", want: true},
		{name: "double star in the middle matches several", pattern: "/a/**/b", path: "/a/x/y/b", want: true},
		{name: "double star in the middle needs the tail", pattern: "/a/**/b", path: "/a/x/y/c", want: false},
		{name: "two double stars", pattern: "/**/x/**/y", path: "/p/x/q/r/y", want: true},
		{name: "two double stars fail", pattern: "/**/x/**/y", path: "/p/x/q/r/z", want: false},
		{name: "double star then star", pattern: "/work/**/secret*", path: "/work/a/b/secret.key", want: true},
		{name: "root pattern matches root", pattern: "/", path: "/", want: true},
		{name: "root pattern does not match children", pattern: "/", path: "/a", want: false},
		{name: "slash star does not match root", pattern: "/*", path: "/", want: false},
		{name: "slash double star matches root", pattern: "/**", path: "/", want: true},
		{name: "slash double star matches everything", pattern: "/**", path: "/a/b", want: true},
		{name: "relative pattern", pattern: "**/*.pyc", path: "a/b/c.pyc", want: true},
		{name: "relative pattern at top", pattern: "**/*.pyc", path: "c.pyc", want: true},
		{name: "absolute pattern does not match relative path", pattern: "/a", path: "a", want: false},
		{name: "empty path matches nothing absolute", pattern: "/a", path: "", want: false},
		{name: "case matters", pattern: "/A", path: "/a", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := CompileGlob(tt.pattern)
			if err != nil {
				t.Fatalf("CompileGlob(%q): %v", tt.pattern, err)
			}
			if got := g.Match(tt.path); got != tt.want {
				t.Errorf("Glob(%q).Match(%q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
			}
		})
	}
}

func TestCompileGlobErrors(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    string
	}{
		{name: "empty pattern", pattern: "", want: "empty"},
		{name: "doubled slash", pattern: "/a//b", want: "empty path element"},
		{name: "trailing slash", pattern: "/a/", want: "empty path element"},
		{name: "double star inside an element", pattern: "/a/**.py", want: "whole element"},
		{name: "unterminated class", pattern: "/a/[bc", want: "no closing"},
		{name: "empty class", pattern: "/a/[]", want: "is empty"},
		{name: "reversed range", pattern: "/a/[z-a]", want: "reversed"},
		{name: "trailing backslash", pattern: `/a/b\`, want: "backslash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CompileGlob(tt.pattern)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CompileGlob(%q) error = %v, want one containing %q", tt.pattern, err, tt.want)
			}
		})
	}
}

func TestGlobCovers(t *testing.T) {
	tests := []struct {
		name   string
		a, b   string
		covers bool
	}{
		{name: "equal patterns", a: "/a/*", b: "/a/*", covers: true},
		{name: "pattern covers a literal it matches", a: "/a/*", b: "/a/b", covers: true},
		{name: "pattern does not cover a literal it misses", a: "/a/*", b: "/b/c", covers: false},
		{name: "prefix double star covers a pattern below", a: "/work/**", b: "/work/secret*", covers: true},
		{name: "prefix double star covers its own directory", a: "/work/**", b: "/work", covers: true},
		{name: "prefix double star does not cover a sibling", a: "/work/**", b: "/other/*", covers: false},
		{name: "star does not cover double star", a: "/a/*", b: "/a/**", covers: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MustCompileGlob(tt.a).covers(MustCompileGlob(tt.b)); got != tt.covers {
				t.Errorf("%q covers %q = %v, want %v", tt.a, tt.b, got, tt.covers)
			}
		})
	}
}

func TestGlobMatchDoesNotAllocate(t *testing.T) {
	g := MustCompileGlob("/work/**/secret*")
	allocs := testing.AllocsPerRun(100, func() { g.Match("/work/a/b/c/secret.txt") })
	if allocs != 0 {
		t.Errorf("Match allocates %v times per call, want 0", allocs)
	}
}

// TestGlobPathologicalPatternsAreFast guards the backtracking bounds: a
// pattern with many stars against a long near-miss must not explode.
func TestGlobPathologicalPatternsAreFast(t *testing.T) {
	g := MustCompileGlob("/" + strings.Repeat("**/", 20) + "x")
	path := "/" + strings.Repeat("a/", 200) + "y"
	if g.Match(path) {
		t.Fatal("matched a path without x")
	}
	g = MustCompileGlob("/" + strings.Repeat("*a", 30) + "b")
	if g.Match("/" + strings.Repeat("a", 300)) {
		t.Fatal("matched a name without b")
	}
}

func BenchmarkGlobMatch(b *testing.B) {
	g := MustCompileGlob("/work/**/secret*")
	for b.Loop() {
		g.Match("/work/src/pkg/module/secret.txt")
	}
}

func FuzzGlob(f *testing.F) {
	for _, s := range []string{"/work/**", "/a/*b?[c-d]", `/x/\*`, "**/*.pyc", "/", "[!a]"} {
		f.Add(s, "/work/a/b")
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		g, err := CompileGlob(pattern)
		if err != nil {
			return
		}
		g.Match(path)
		if g.Literal() && !g.Match(pattern) && pattern != "" {
			t.Errorf("literal pattern %q does not match itself", pattern)
		}
	})
}
