package policies

import (
	"bufio"
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Format returns src in the canonical layout of HCL, byte for byte what
// hclwrite.Format returns (a test holds the two together), so that
// `gaol fmt` agrees with `terraform fmt` and editor plugins. It is written
// here rather than imported because hclwrite links go-cmp, whose package
// initialisers (a seeded math/rand, a compiled regexp) every start of the
// gaol binary would pay for, and gaol starts twice per run.
//
// Only whitespace between tokens changes: each line is indented two spaces
// per open bracket level, tokens on a line are spaced by the rules of
// spaceAfter, and the `=` of consecutive one-line attributes, then their
// trailing comments, are aligned. Format never fails; input that does not
// lex is laid out as far as its tokens go, as hclwrite does, so callers that
// care refuse unparsable input first.
func Format(src []byte) []byte {
	toks := formatTokens(src)
	lines := formatLines(toks)
	indentLines(lines)
	spaceLines(lines)
	alignCells(lines, func(l *formatLine) []formatToken { return l.assign },
		func(l *formatLine) int { return columns(l.lead) })
	alignCells(lines, func(l *formatLine) []formatToken { return l.comment },
		func(l *formatLine) int { return columns(l.lead) + columns(l.assign) })
	return writeTokens(toks)
}

// formatToken is one lexed token and the number of spaces written before
// it: the source's gap at first, the canonical one once formatted.
type formatToken struct {
	typ    hclsyntax.TokenType
	bytes  []byte
	spaces int
}

// formatLine is one line's tokens in up to three cells, sub-slices of one
// token slice so that a change made through a cell is a change to the
// token: lead is everything up to the others; assign, when the line is a
// whole one-line attribute, runs from its `=` to the line's end; comment,
// when a line with other tokens ends in a comment, is that comment. The
// first tokens of assign and comment are what alignment moves.
type formatLine struct {
	lead, assign, comment []formatToken
}

// formatTokens lexes src as a config file, recording before each token
// the bytes the lexer skipped (only ever spaces). The last token is EOF,
// whose spaces are trailing spaces of an unterminated last line: they are
// kept, as hclwrite keeps them.
func formatTokens(src []byte) []formatToken {
	lexed, _ := hclsyntax.LexConfig(src, "", hcl.Pos{Byte: 0, Line: 1, Column: 1})
	toks := make([]formatToken, len(lexed))
	end := 0
	for i, t := range lexed {
		toks[i] = formatToken{typ: t.Type, bytes: t.Bytes, spaces: t.Range.Start.Byte - end}
		end = t.Range.End.Byte
	}
	return toks
}

// writeTokens renders toks with their spaces.
func writeTokens(toks []formatToken) []byte {
	var out bytes.Buffer
	for _, t := range toks {
		for range t.spaces {
			out.WriteByte(' ')
		}
		out.Write(t.bytes)
	}
	return out.Bytes()
}

// formatLines splits toks, up to EOF, into lines after each newline (a
// single-line comment carries its own newline) and then into cells. A
// heredoc's body is not split: its lines are string literals, not
// newline tokens, so the heredoc stays on the line that opens it.
func formatLines(toks []formatToken) []formatLine {
	var lines []formatLine
	start := 0
	for i, t := range toks {
		if t.typ == hclsyntax.TokenEOF {
			toks = toks[:i]
			break
		}
		if endsLine(t) {
			lines = append(lines, splitCells(toks[start:i+1]))
			start = i + 1
		}
	}
	return append(lines, splitCells(toks[start:]))
}

// endsLine reports whether t ends a line: a newline, or a `#` or `//`
// comment, which the lexer ends with the newline it consumed.
func endsLine(t formatToken) bool {
	switch t.typ {
	case hclsyntax.TokenNewline:
		return true
	case hclsyntax.TokenComment:
		return bytes.HasSuffix(t.bytes, []byte{'\n'})
	}
	return false
}

// splitCells divides one line's tokens into cells. The line's first `=`
// past its first token starts an assign cell only if the brackets from
// there to the line's end balance: an `=` followed by `{` or `[` opens a
// multi-line value, whose lines are not part of the alignment.
func splitCells(toks []formatToken) formatLine {
	line := formatLine{lead: toks}
	if n := len(toks); n > 1 && toks[n-1].typ == hclsyntax.TokenComment {
		line.lead, line.comment = toks[:n-1], toks[n-1:]
	}
	for i := 1; i < len(line.lead); i++ {
		if line.lead[i].typ != hclsyntax.TokenEqual {
			continue
		}
		if bracketDepth(line.lead[i:]) == 0 {
			line.lead, line.assign = line.lead[:i], line.lead[i:]
		}
		break
	}
	return line
}

// bracketDepth is the net number of brackets toks opens; negative when it
// closes more than it opens.
func bracketDepth(toks []formatToken) int {
	depth := 0
	for _, t := range toks {
		depth += bracketChange(t.typ)
	}
	return depth
}

// bracketChange is +1 for a token that opens a nesting level (a bracket,
// `${` or `%{`), -1 for one that closes it, 0 otherwise.
func bracketChange(typ hclsyntax.TokenType) int {
	switch typ {
	case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
		hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
		return 1
	case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
		hclsyntax.TokenTemplateSeqEnd:
		return -1
	}
	return 0
}

// indentLines indents each line two spaces per nesting level. A line that
// opens more brackets than it closes indents the lines after it by one
// level, however many it opened; the line that closes them returns to the
// level before. A stack of each level's open count keeps unbalanced input
// (`}]` closing two levels at once, `]` closing part of `[[`) from drifting
// the rest of the file. Blank lines get no indent and change nothing.
func indentLines(lines []formatLine) {
	var levels []int // open brackets per level, innermost last
	for _, line := range lines {
		if len(line.lead) == 0 {
			continue
		}
		if line.lead[0].typ == hclsyntax.TokenNewline {
			line.lead[0].spaces = 0
			continue
		}
		depth := lineDepth(line)
		if depth < 0 {
			levels = closeLevels(levels, -depth)
		}
		line.lead[0].spaces = 2 * len(levels)
		if depth > 0 {
			levels = append(levels, depth)
		}
	}
}

// lineDepth is the net number of brackets a line opens. The lead cell is
// counted only up to a heredoc's opening marker, so that interpolations in
// the heredoc's body do not count, as hclwrite does; the assign cell is
// counted whole.
func lineDepth(line formatLine) int {
	depth := 0
	for _, t := range line.lead {
		depth += bracketChange(t.typ)
		if t.typ == hclsyntax.TokenOHeredoc {
			break
		}
	}
	return depth + bracketDepth(line.assign)
}

// closeLevels pops the levels that closed brackets close: whole levels
// while closed covers them, then part of the innermost one left.
func closeLevels(levels []int, closed int) []int {
	for closed > 0 && len(levels) > 0 {
		top := len(levels) - 1
		if closed < levels[top] {
			levels[top] -= closed
			return levels
		}
		closed -= levels[top]
		levels = levels[:top]
	}
	return levels
}

// spaceLines sets the spaces between neighbouring tokens in each cell, by
// spaceAfter. The spaces before a cell's first token are another pass's:
// the lead's are its indent, the assign's and the comment's alignment's.
func spaceLines(lines []formatLine) {
	for _, line := range lines {
		spaceCell(line.lead)
		spaceCell(line.assign)
	}
}

// spaceCell sets the spaces before each token of cell but the first.
func spaceCell(cell []formatToken) {
	before := hclsyntax.TokenNil
	for i := 0; i+1 < len(cell); i++ {
		cell[i+1].spaces = 0
		if spaceAfter(before, cell[i], cell[i+1]) {
			cell[i+1].spaces = 1
		}
		before = cell[i].typ
	}
}

// spaceAfter reports whether one space separates subject from the token
// after it on the same line; before is the type of the token preceding
// subject in its cell, TokenNil at the cell's start. The cases are tried in
// order and the first that applies decides; most tokens are separated.
func spaceAfter(before hclsyntax.TokenType, subject, after formatToken) bool {
	s, a := subject.typ, after.typ
	switch {
	case a == hclsyntax.TokenNewline || a == hclsyntax.TokenNil:
		return false
	case s == hclsyntax.TokenIdent && (a == hclsyntax.TokenOParen || a == hclsyntax.TokenDoubleColon),
		s == hclsyntax.TokenDoubleColon && a == hclsyntax.TokenIdent:
		return false // f(x), provider::ns::f
	case s == hclsyntax.TokenDot || a == hclsyntax.TokenDot:
		return false // a.b, a[*].b
	case a == hclsyntax.TokenComma || a == hclsyntax.TokenEllipsis:
		return false // f(a, b...)
	case s == hclsyntax.TokenComma:
		return true
	case inTemplateText(s, a):
		return false // a template's literal text is kept as written
	case s == hclsyntax.TokenIdent && string(subject.bytes) == "in" && before == hclsyntax.TokenIdent:
		return true // [for x in [1]: x], not in[1]
	case a == hclsyntax.TokenOBrack && (s == hclsyntax.TokenIdent || s == hclsyntax.TokenNumberLit || bracketChange(s) < 0):
		return false // a[0], f(x)[0]
	case s == hclsyntax.TokenBang:
		return false // !a
	case s == hclsyntax.TokenMinus:
		return !startsOperand(before) // a - b, but -b
	case s == hclsyntax.TokenOBrace && a == hclsyntax.TokenCBrace:
		return false // block {}
	case s == hclsyntax.TokenOBrace || a == hclsyntax.TokenCBrace:
		return true // block { a = 1 }, { a = 1 }
	case (s == hclsyntax.TokenTemplateInterp || s == hclsyntax.TokenTemplateControl) && a == hclsyntax.TokenOBrace,
		s == hclsyntax.TokenCBrace && a == hclsyntax.TokenTemplateSeqEnd:
		return true // "${ {a = 1} }"
	case s == hclsyntax.TokenTemplateSeqEnd && (a == hclsyntax.TokenTemplateInterp || a == hclsyntax.TokenTemplateControl):
		return false // "${a}${b}"
	case bracketChange(s) > 0 || bracketChange(a) < 0:
		return false // [a], f(a), "${a}"
	}
	return true
}

// inTemplateText reports whether subject or after is part of a string or
// heredoc template's literal text or its quotes and markers.
func inTemplateText(subject, after hclsyntax.TokenType) bool {
	switch subject {
	case hclsyntax.TokenQuotedLit, hclsyntax.TokenStringLit, hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
		return true
	}
	switch after {
	case hclsyntax.TokenQuotedLit, hclsyntax.TokenStringLit, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
		return true
	}
	return false
}

// startsOperand reports whether a `-` after a token of type before is a
// negation rather than a subtraction: before cannot end an expression
// (the start of a cell, an opening bracket, a separator or an operator).
func startsOperand(before hclsyntax.TokenType) bool {
	switch before {
	case hclsyntax.TokenNil,
		hclsyntax.TokenOParen, hclsyntax.TokenOBrace, hclsyntax.TokenOBrack,
		hclsyntax.TokenEqual, hclsyntax.TokenColon, hclsyntax.TokenComma, hclsyntax.TokenQuestion,
		hclsyntax.TokenPlus, hclsyntax.TokenMinus, hclsyntax.TokenStar, hclsyntax.TokenSlash, hclsyntax.TokenPercent,
		hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual,
		hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq, hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq,
		hclsyntax.TokenAnd, hclsyntax.TokenOr, hclsyntax.TokenBang:
		return true
	}
	return false
}

// alignCells aligns the first token of one cell, picked by cell, across
// each run of consecutive lines that have that cell: it goes one space
// past the widest of the run's widths, each line's width being what
// precedes the cell. Any line without the cell ends a run, so a blank line,
// a comment line or a block splits an alignment group.
func alignCells(lines []formatLine, cell func(*formatLine) []formatToken, width func(*formatLine) int) {
	for start := 0; start < len(lines); {
		if len(cell(&lines[start])) == 0 {
			start++
			continue
		}
		end, widest := start, 0
		for ; end < len(lines) && len(cell(&lines[end])) > 0; end++ {
			widest = max(widest, width(&lines[end]))
		}
		for i := start; i < end; i++ {
			cell(&lines[i])[0].spaces = widest - width(&lines[i]) + 1
		}
		start = end
	}
}

// columns is the width of cell on screen: its spaces plus one column per
// grapheme cluster, which is how hclwrite measures it (wide characters
// count one).
func columns(cell []formatToken) int {
	n := 0
	for _, t := range cell {
		n += t.spaces + graphemeCount(t.bytes)
	}
	return n
}

// graphemeCount is the number of grapheme clusters in b, counted through a
// bufio.Scanner as hclwrite counts them, so that a cluster too long for
// the scanner ends the count where it ends hclwrite's.
func graphemeCount(b []byte) int {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Split(scanGraphemes)
	n := 0
	for sc.Scan() {
		n++
	}
	return n
}
