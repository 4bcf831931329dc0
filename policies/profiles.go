package policies

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

// profileFS holds the built-in profiles, one NAME.hcl file each. They are
// ordinary policies, commented for readers: `gaol profiles show NAME`
// prints them.
//
//go:embed profiles/*.hcl
var profileFS embed.FS

// DefaultProfile is the profile a run uses when it names no policy.
const DefaultProfile = "python"

// Profiles returns the names of the built-in profiles, sorted.
func Profiles() []string {
	entries, _ := fs.ReadDir(profileFS, "profiles")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".hcl"))
	}
	sort.Strings(names)
	return names
}

// ProfileSource returns the HCL source of the built-in profile name.
func ProfileSource(name string) ([]byte, bool) {
	if !isProfileName(name) || name == "" {
		return nil, false
	}
	b, err := profileFS.ReadFile("profiles/" + name + ".hcl")
	return b, err == nil
}
