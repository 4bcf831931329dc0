package policies

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Glob is a compiled path pattern. Patterns are split at "/" into elements;
// within an element
//
//	pattern  matches
//	*        any run of characters except "/"
//	?        one character except "/"
//	[abc]    one character of the class; [a-z] is a range, [!a] or [^a] negates
//	\x       x literally
//
// and an element that is exactly ** matches zero or more whole elements, so
// "/work/**" matches "/work", "/work/a" and "/work/a/b". Patterns match
// clean paths: the caller resolves "..", "." and symlinks first (the VFS
// does), so that no other spelling of a path escapes a pattern.
//
// The zero value matches nothing; obtain a Glob from CompileGlob. A Glob is
// immutable and safe for concurrent use.
type Glob struct {
	pattern string
	elems   []globElem
}

// globElem is one "/"-separated element of a pattern.
type globElem struct {
	any     bool        // the element is **
	literal string      // the element has no metacharacters: compare directly
	toks    []globToken // otherwise: the element's tokens
}

type tokenKind uint8

const (
	tokLiteral tokenKind = iota // one rune, r
	tokAny                      // ?
	tokStar                     // *
	tokClass                    // [...]
)

type globToken struct {
	kind   tokenKind
	r      rune
	negate bool
	ranges []runeRange // tokClass: inclusive ranges
}

type runeRange struct{ lo, hi rune }

// CompileGlob compiles pattern. It reports an error, in a sentence fit for a
// diagnostic's detail, for an empty pattern, an empty element ("a//b" or a
// trailing "/"), "**" that is not a whole element, an unterminated or empty
// character class, and a trailing backslash.
func CompileGlob(pattern string) (*Glob, error) {
	if pattern == "" {
		return nil, fmt.Errorf("the pattern is empty")
	}
	if pattern == "/" {
		return &Glob{pattern: pattern, elems: []globElem{{literal: ""}}}, nil
	}
	parts := strings.Split(pattern, "/")
	g := &Glob{pattern: pattern, elems: make([]globElem, 0, len(parts))}
	for i, part := range parts {
		if part == "" && i > 0 {
			return nil, fmt.Errorf("the pattern has an empty path element (a doubled or trailing \"/\")")
		}
		e, err := compileElem(part)
		if err != nil {
			return nil, err
		}
		g.elems = append(g.elems, e)
	}
	return g, nil
}

// MustCompileGlob is CompileGlob for patterns written in Go source; it
// panics on a malformed pattern.
func MustCompileGlob(pattern string) *Glob {
	g, err := CompileGlob(pattern)
	if err != nil {
		panic(fmt.Sprintf("policies: MustCompileGlob(%q): %v", pattern, err))
	}
	return g
}

// String returns the pattern the Glob was compiled from.
func (g *Glob) String() string {
	if g == nil {
		return ""
	}
	return g.pattern
}

// Literal reports whether the pattern has no metacharacters, so it matches
// exactly one path.
func (g *Glob) Literal() bool {
	for _, e := range g.elems {
		if e.any || e.toks != nil {
			return false
		}
	}
	return true
}

func compileElem(s string) (globElem, error) {
	if s == "**" {
		return globElem{any: true}, nil
	}
	if !strings.ContainsAny(s, `*?[\`) {
		return globElem{literal: s}, nil
	}
	if strings.Contains(s, "**") {
		return globElem{}, fmt.Errorf("%q uses ** inside a path element; ** must be a whole element, as in \"/a/**/b\"", s)
	}
	var toks []globToken
	for i := 0; i < len(s); {
		switch s[i] {
		case '*':
			toks = append(toks, globToken{kind: tokStar})
			i++
		case '?':
			toks = append(toks, globToken{kind: tokAny})
			i++
		case '\\':
			if i+1 >= len(s) {
				return globElem{}, fmt.Errorf("the pattern ends with a lone backslash")
			}
			r, n := utf8.DecodeRuneInString(s[i+1:])
			toks = append(toks, globToken{kind: tokLiteral, r: r})
			i += 1 + n
		case '[':
			t, n, err := compileClass(s[i:])
			if err != nil {
				return globElem{}, err
			}
			toks = append(toks, t)
			i += n
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			toks = append(toks, globToken{kind: tokLiteral, r: r})
			i += n
		}
	}
	return globElem{toks: toks}, nil
}

// compileClass compiles the class at the start of s and returns its length.
func compileClass(s string) (globToken, int, error) {
	t := globToken{kind: tokClass}
	i := 1
	if i < len(s) && (s[i] == '!' || s[i] == '^') {
		t.negate = true
		i++
	}
	for first := true; ; first = false {
		if i >= len(s) {
			return t, 0, fmt.Errorf("the character class in %q has no closing \"]\"", s)
		}
		if s[i] == ']' && !first {
			break
		}
		if s[i] == ']' {
			return t, 0, fmt.Errorf("the character class in %q is empty", s)
		}
		lo, n, err := classRune(s[i:])
		if err != nil {
			return t, 0, err
		}
		i += n
		hi := lo
		if i+1 < len(s) && s[i] == '-' && s[i+1] != ']' {
			hi, n, err = classRune(s[i+1:])
			if err != nil {
				return t, 0, err
			}
			if hi < lo {
				return t, 0, fmt.Errorf("the range %c-%c in %q is reversed", lo, hi, s)
			}
			i += 1 + n
		}
		t.ranges = append(t.ranges, runeRange{lo, hi})
	}
	return t, i + 1, nil
}

func classRune(s string) (rune, int, error) {
	if s[0] == '\\' {
		if len(s) < 2 {
			return 0, 0, fmt.Errorf("the pattern ends with a lone backslash")
		}
		r, n := utf8.DecodeRuneInString(s[1:])
		return r, 1 + n, nil
	}
	r, n := utf8.DecodeRuneInString(s)
	return r, n, nil
}

// Match reports whether path matches the pattern. It does not allocate.
func (g *Glob) Match(path string) bool {
	if g == nil || len(g.elems) == 0 {
		return false
	}
	if path == "/" {
		path = "" // one empty element, like the pattern "/"
	}
	end := len(path) + 1 // position past the last element
	pi, xi := 0, 0       // next pattern element, start of next path element
	starPi, starXi := -1, -1
	for pi < len(g.elems) || xi < end {
		if pi < len(g.elems) {
			e := &g.elems[pi]
			if e.any {
				starPi, starXi = pi, xi
				pi++
				continue
			}
			if xi < end {
				stop := elemEnd(path, xi)
				if e.match(path[xi:stop]) {
					pi++
					xi = stop + 1
					continue
				}
			}
		}
		// Backtrack: let the last ** absorb one more element.
		if starPi < 0 || starXi >= end {
			return false
		}
		starXi = elemEnd(path, starXi) + 1
		pi, xi = starPi+1, starXi
	}
	return true
}

func elemEnd(path string, from int) int {
	if i := strings.IndexByte(path[from:], '/'); i >= 0 {
		return from + i
	}
	return len(path)
}

func (e *globElem) match(s string) bool {
	if e.toks == nil {
		return e.literal == s
	}
	return matchTokens(e.toks, s)
}

// matchTokens matches one element with the classic single-star
// backtracking algorithm: O(len(toks)*len(s)) at worst.
func matchTokens(toks []globToken, s string) bool {
	ti, si := 0, 0
	starTi, starSi := -1, -1
	for ti < len(toks) || si < len(s) {
		if ti < len(toks) {
			t := &toks[ti]
			if t.kind == tokStar {
				starTi, starSi = ti, si
				ti++
				continue
			}
			if si < len(s) {
				r, n := utf8.DecodeRuneInString(s[si:])
				if t.matchRune(r) {
					ti++
					si += n
					continue
				}
			}
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		ti, si = starTi+1, starSi
	}
	return true
}

func (t *globToken) matchRune(r rune) bool {
	switch t.kind {
	case tokLiteral:
		return r == t.r
	case tokAny:
		return true
	case tokClass:
		in := false
		for _, rg := range t.ranges {
			if rg.lo <= r && r <= rg.hi {
				in = true
				break
			}
		}
		return in != t.negate
	}
	return false
}

// covers reports whether every path g2 matches is also matched by g, for
// the cases that can be decided cheaply: equal patterns, g2 literal, or g
// of the form LITERAL/** with g2's pattern under LITERAL. False means
// "not known", not "no".
func (g *Glob) covers(g2 *Glob) bool {
	if g.pattern == g2.pattern {
		return true
	}
	if g2.Literal() {
		return g.Match(g2.pattern)
	}
	n := len(g.elems)
	if n == 0 || !g.elems[n-1].any || n-1 > len(g2.elems) {
		return false
	}
	for i := 0; i < n-1; i++ {
		a, b := g.elems[i], g2.elems[i]
		if a.any || a.toks != nil || b.any || b.toks != nil || a.literal != b.literal {
			return false
		}
	}
	return true
}
