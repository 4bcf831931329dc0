package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// writeDiags renders policy diagnostics for a person, each once: a
// FILE:LINE:COLUMN: SEVERITY: SUMMARY line that editors and terminals can
// jump to, the source line with the subject underlined, and the detail.
func writeDiags(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics) {
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		if d.Subject != nil {
			fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, sev, d.Summary)
			if f := files[d.Subject.Filename]; f != nil {
				writeSnippet(w, f.Bytes, *d.Subject)
			}
		} else {
			fmt.Fprintf(w, "%s: %s\n", sev, d.Summary)
		}
		if d.Detail != "" {
			fmt.Fprintf(w, "  %s\n", d.Detail)
		}
		fmt.Fprintln(w)
	}
}

// writeSnippet prints the source line where rng starts, numbered, and
// underlines rng on it (up to the line's end if rng goes on).
func writeSnippet(w io.Writer, src []byte, rng hcl.Range) {
	lineStart := 0
	for n := 1; n < rng.Start.Line; n++ {
		i := bytes.IndexByte(src[lineStart:], '\n')
		if i < 0 {
			return
		}
		lineStart += i + 1
	}
	line := src[lineStart:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, "\r")
	fmt.Fprintf(w, "%4d | %s\n", rng.Start.Line, line)
	start, end := rng.Start.Byte-lineStart, len(line)
	if rng.End.Line == rng.Start.Line {
		end = rng.End.Byte - lineStart
	}
	if start < 0 || start > len(line) || end < start {
		return
	}
	if end > len(line) {
		end = len(line)
	}
	// Tabs before the subject stay tabs, so the marks line up.
	var pad strings.Builder
	for _, r := range string(line[:start]) {
		if r == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	width := utf8.RuneCount(line[start:end])
	if width < 1 {
		width = 1
	}
	fmt.Fprintf(w, "     | %s%s\n", pad.String(), strings.Repeat("^", width))
}
