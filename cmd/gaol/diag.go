package main

import (
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
)

// writeDiags renders policy diagnostics for a person: each starts with a
// FILE:LINE:COLUMN line that editors and terminals can jump to, followed
// by HCL's own rendering with the source line and the detail.
func writeDiags(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics) {
	wr := hcl.NewDiagnosticTextWriter(w, files, 0, false)
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		if d.Subject != nil {
			fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, sev, d.Summary)
		} else {
			fmt.Fprintf(w, "%s: %s\n", sev, d.Summary)
		}
		wr.WriteDiagnostic(d)
	}
}
