//go:build !go1.27

package policies

import "github.com/apparentlymart/go-textseg/v15/textseg"

// scanGraphemes splits text into grapheme clusters with the textseg
// version hcl uses for this Go release (v15 before Go 1.27; see
// format_graphemes_go127.go), so that alignment measures widths as
// hclwrite does.
var scanGraphemes = textseg.ScanGraphemeClusters
