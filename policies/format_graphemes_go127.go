//go:build go1.27

package policies

import "github.com/apparentlymart/go-textseg/v17/textseg"

// scanGraphemes splits text into grapheme clusters with textseg v17, the
// version hcl uses from Go 1.27 on; see format_graphemes.go.
var scanGraphemes = textseg.ScanGraphemeClusters
