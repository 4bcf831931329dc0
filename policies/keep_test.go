package policies

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestScratchKeep(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, keep string
		want       string // the resolved path, or the diagnostic summary
		ok         bool
	}{
		{name: "a relative path is relative to the policy file", keep: "results", want: filepath.Join(dir, "results"), ok: true},
		{name: "an absolute path is kept as is", keep: filepath.Join(dir, "out"), want: filepath.Join(dir, "out"), ok: true},
		{name: "a parent that does not exist is an error", keep: "no/such/dir", want: "No directory to keep into"},
		{name: "an empty path is an error", keep: "", want: "Empty keep path"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := `sandbox "k" {
  mount "/out" {
    type = "scratch"
    keep = "` + tt.keep + `"
  }
}`
			pol, diags := LoadSource(filepath.Join(dir, "k.hcl"), []byte(src), nil)
			if !tt.ok {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.want) {
					t.Fatalf("diagnostics %v, want %q", diags, tt.want)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := pol.Mounts[0].Keep; got != tt.want {
				t.Errorf("Keep = %q, want %q", got, tt.want)
			}
		})
	}
	_, diags := LoadSource(filepath.Join(dir, "h.hcl"), []byte(`sandbox "h" {
  mount "/h" {
    type = "host"
    host = "."
    keep = "x"
  }
}`), nil)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "not valid for this mount type") {
		t.Errorf("keep on a host mount: %v", diags)
	}
}
