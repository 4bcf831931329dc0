package policies

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// mountBlock is `mount "/guest/path" { type = "host" ... }`.
type mountBlock struct {
	Guest        string         `hcl:"guest,label"`
	GuestRange   hcl.Range      `hcl:"guest,label_range"`
	DefRange     hcl.Range      `hcl:",def_range"`
	Type         hcl.Expression `hcl:"type"`
	Host         hcl.Expression `hcl:"host,optional"`
	Writable     hcl.Expression `hcl:"writable,optional"`
	Content      hcl.Expression `hcl:"content,optional"`
	Mode         hcl.Expression `hcl:"mode,optional"`
	Quota        hcl.Expression `hcl:"quota,optional"`
	Files        hcl.Expression `hcl:"files,optional"`
	Keep         hcl.Expression `hcl:"keep,optional"`
	Device       hcl.Expression `hcl:"device,optional"`
	Exclude      hcl.Expression `hcl:"exclude,optional"`
	HideDotfiles hcl.Expression `hcl:"hide_dotfiles,optional"`
	Follow       hcl.Expression `hcl:"follow_symlinks,optional"`
}

var mountKinds = []string{string(MountHost), string(MountFile), string(MountDir), string(MountScratch), string(MountDevice)}

// Devices a device mount may provide.
var deviceNames = []string{"null", "zero", "urandom"}

// mountAttrKinds says which mount types each optional attribute applies to.
var mountAttrKinds = []struct {
	name  string
	expr  func(*mountBlock) hcl.Expression
	kinds []MountKind
}{
	{"host", func(b *mountBlock) hcl.Expression { return b.Host }, []MountKind{MountHost}},
	{"writable", func(b *mountBlock) hcl.Expression { return b.Writable }, []MountKind{MountHost}},
	{"content", func(b *mountBlock) hcl.Expression { return b.Content }, []MountKind{MountFile}},
	{"mode", func(b *mountBlock) hcl.Expression { return b.Mode }, []MountKind{MountFile, MountDir}},
	{"quota", func(b *mountBlock) hcl.Expression { return b.Quota }, []MountKind{MountScratch}},
	{"files", func(b *mountBlock) hcl.Expression { return b.Files }, []MountKind{MountScratch}},
	{"keep", func(b *mountBlock) hcl.Expression { return b.Keep }, []MountKind{MountScratch}},
	{"device", func(b *mountBlock) hcl.Expression { return b.Device }, []MountKind{MountDevice}},
	{"exclude", func(b *mountBlock) hcl.Expression { return b.Exclude }, []MountKind{MountHost}},
	{"hide_dotfiles", func(b *mountBlock) hcl.Expression { return b.HideDotfiles }, []MountKind{MountHost}},
	{"follow_symlinks", func(b *mountBlock) hcl.Expression { return b.Follow }, []MountKind{MountHost}},
}

// decodeMounts converts one file's mount blocks, refusing duplicates.
func decodeMounts(e *evaluator, blocks []*mountBlock, dir string) []Mount {
	var out []Mount
	seen := map[string]hcl.Range{}
	for _, b := range blocks {
		m, ok := b.decode(e, dir)
		if !ok {
			continue
		}
		if prev, dup := seen[m.Guest]; dup {
			e.add(diagError(b.GuestRange, "Duplicate mount",
				fmt.Sprintf("%s is already mounted at %s. Each guest path can be mounted once per file.", m.Guest, prev)))
			continue
		}
		seen[m.Guest] = b.DefRange
		out = append(out, m)
	}
	return out
}

func (b *mountBlock) decode(e *evaluator, dir string) (Mount, bool) {
	guest, ok := checkGuestPath(e, b.Guest, b.GuestRange, "mount")
	kindOpt := e.enum("type", "mount type", b.Type, mountKinds)
	e.required("type", b.Type, b.DefRange, `type = "host"`)
	if !ok || !kindOpt.Set {
		return Mount{}, false
	}
	kind := MountKind(kindOpt.V)
	m := Mount{Guest: guest, Kind: kind, DeclRange: b.DefRange}
	if !b.checkAttrs(e, kind) {
		return Mount{}, false
	}
	n := len(e.diags)
	switch kind {
	case MountHost:
		b.decodeHost(e, &m, dir)
	case MountFile:
		m.Content = e.str("content", b.Content).V
		m.Mode = e.mode(b.Mode)
	case MountDir:
		m.Mode = e.mode(b.Mode)
	case MountScratch:
		m.Writable = true
		m.QuotaBytes = e.budget("quota", b.Quota, "size", parseSize, false).V.N
		m.QuotaFiles = e.budget("files", b.Files, "count", parseCount, false).V.N
		if keep := e.str("keep", b.Keep); keep.Set {
			m.Keep = resolveKeepPath(e, keep, dir)
		}
	case MountDevice:
		m.Device = b.decodeDevice(e, guest)
	}
	return m, !hasErrorsSince(e.diags, n)
}

// checkAttrs refuses attributes that do not apply to the mount's type.
func (b *mountBlock) checkAttrs(e *evaluator, kind MountKind) bool {
	ok := true
	for _, a := range mountAttrKinds {
		expr := a.expr(b)
		if !present(expr) || containsKind(a.kinds, kind) {
			continue
		}
		names := make([]string, len(a.kinds))
		for i, k := range a.kinds {
			names[i] = string(k)
		}
		e.add(diagError(expr.Range(), "Attribute not valid for this mount type",
			fmt.Sprintf("%s applies only to mounts of type %s; this mount has type %q.", a.name, oneOf(names), kind)))
		ok = false
	}
	return ok
}

func containsKind(kinds []MountKind, k MountKind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

func (b *mountBlock) decodeHost(e *evaluator, m *Mount, dir string) {
	host := e.str("host", b.Host)
	if !present(b.Host) {
		e.add(diagError(b.DefRange, "Missing host path",
			"A mount of type \"host\" needs a host attribute naming the host file or directory to expose, such as host = path.policy."))
		return
	}
	if host.Set {
		m.Host = resolveHostPath(e, host, dir)
	}
	m.Writable = e.boolean("writable", b.Writable).V
	m.HideDotfiles = e.boolean("hide_dotfiles", b.HideDotfiles).V
	m.FollowSymlinks = e.boolean("follow_symlinks", b.Follow).V
	if ex := e.strings("exclude", b.Exclude); ex.Set {
		for _, x := range ex.V {
			g, err := compileExclude(x.Value)
			if err != nil {
				e.add(diagError(x.Range, "Invalid glob", fmt.Sprintf("The exclude pattern %q is invalid: %s", x.Value, sentence(err.Error()))))
				continue
			}
			m.Exclude = append(m.Exclude, x.Value)
			m.excludes = append(m.excludes, g)
		}
	}
}

// absPolicyPath makes a host path of a policy absolute (relative to the
// policy file's directory) and clean, or records a diagnostic and returns
// "": empty names the path in the empty-value diagnostic.
func absPolicyPath(e *evaluator, v opt[string], dir string, empty, emptyDetail, relative string) string {
	p := v.V
	if p == "" {
		e.add(diagError(v.Range, empty, emptyDetail))
		return ""
	}
	if !filepath.IsAbs(p) {
		if dir == "" {
			e.add(diagError(v.Range, relative, "Built-in profiles must use absolute host paths."))
			return ""
		}
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p)
}

// resolveHostPath makes a host path absolute (relative to the policy
// file's directory) and checks that it exists.
func resolveHostPath(e *evaluator, host opt[string], dir string) string {
	p := absPolicyPath(e, host, dir, "Empty host path", "The host path is empty; name a host file or directory.", "Relative host path")
	if p == "" {
		return ""
	}
	if _, err := os.Stat(p); err != nil {
		detail := fmt.Sprintf("The host path %s cannot be used: %s.", p, err)
		if os.IsNotExist(err) {
			detail = fmt.Sprintf("The host path %s does not exist. Relative host paths are relative to the policy file's directory.", p)
		}
		e.add(diagError(host.Range, "Host path does not exist", detail))
		return ""
	}
	return p
}

// resolveKeepPath makes a scratch mount's keep directory absolute
// (relative to the policy file). The directory itself may not exist yet;
// its parent must.
func resolveKeepPath(e *evaluator, keep opt[string], dir string) string {
	p := absPolicyPath(e, keep, dir, "Empty keep path",
		"keep names the host directory the scratch contents are copied to after the run; it is empty.", "Relative keep path")
	if p == "" {
		return ""
	}
	if fi, err := os.Stat(filepath.Dir(p)); err != nil || !fi.IsDir() {
		e.add(diagError(keep.Range, "No directory to keep into",
			fmt.Sprintf("The parent of %s is not an existing directory. keep names a host directory (created if missing) inside an existing one.", p)))
		return ""
	}
	return p
}

func (b *mountBlock) decodeDevice(e *evaluator, guest string) string {
	d := e.enum("device", "device", b.Device, deviceNames)
	if d.Set {
		return d.V
	}
	if present(b.Device) {
		return "" // invalid, already reported
	}
	base := path.Base(guest)
	for _, n := range deviceNames {
		if n == base {
			return n
		}
	}
	e.add(diagError(b.DefRange, "Missing device",
		fmt.Sprintf("Say which device to provide at %s with device = %s.", guest, oneOf(deviceNames))))
	return ""
}

func (e *evaluator) mode(expr hcl.Expression) uint32 {
	s := e.str("mode", expr)
	if !s.Set {
		return 0
	}
	m, err := parseMode(s.V)
	if err != nil {
		e.add(diagError(s.Range, "Invalid mode", "The value of mode is invalid: "+sentence(err.Error())))
	}
	return m
}

// checkGuestPath refuses relative and unclean guest paths; what names the
// kind of thing the path is for ("mount", "unmount").
func checkGuestPath(e *evaluator, p string, rng hcl.Range, what string) (string, bool) {
	switch {
	case p == "":
		e.add(diagError(rng, "Empty guest path", fmt.Sprintf("A %s needs an absolute guest path, such as \"/work\".", what)))
		return "", false
	case !strings.HasPrefix(p, "/"):
		e.add(diagError(rng, "Relative guest path",
			fmt.Sprintf("The guest path %q is relative; guest paths are absolute. Did you mean %q?", p, path.Clean("/"+p))))
		return "", false
	case path.Clean(p) != p:
		e.add(diagError(rng, "Guest path not clean",
			fmt.Sprintf("The guest path %q is not in its clean form. Did you mean %q?", p, path.Clean(p))))
		return "", false
	}
	return p, true
}

// compileExclude compiles an exclude pattern: one without "/" matches a
// name at any depth, one with "/" matches the path relative to the mount.
func compileExclude(pattern string) (*Glob, error) {
	if strings.HasPrefix(pattern, "/") {
		return nil, fmt.Errorf("exclude patterns are relative to the mount, so they must not start with \"/\"")
	}
	if !strings.Contains(pattern, "/") {
		pattern = "**/" + pattern
	}
	return CompileGlob(pattern)
}

// Excluded reports whether rel, a clean path relative to the mount's root
// (no leading "/"), is hidden by the mount's exclude patterns or
// hide_dotfiles. A name under an excluded directory is excluded too.
func (m *Mount) Excluded(rel string) bool {
	if rel == "" || rel == "." {
		return false
	}
	if m.HideDotfiles && hasDotElem(rel) {
		return true
	}
	globs := m.excludes
	if len(globs) != len(m.Exclude) { // built by hand: compile now
		globs = nil
		for _, x := range m.Exclude {
			if g, err := compileExclude(x); err == nil {
				globs = append(globs, g)
			}
		}
	}
	for p := rel; p != "." && p != "/" && p != ""; p = path.Dir(p) {
		for _, g := range globs {
			if g.Match(p) {
				return true
			}
		}
	}
	return false
}

func hasDotElem(rel string) bool {
	for _, el := range strings.Split(rel, "/") {
		if strings.HasPrefix(el, ".") && el != "." && el != ".." {
			return true
		}
	}
	return false
}

// mergeMounts applies one file's unmount list and mounts over the mounts
// it inherits: a mount at a guest path the parent also mounts replaces the
// parent's in place; new mounts follow in declaration order.
func mergeMounts(parent []Mount, unmount []located, child []Mount, e *evaluator) []Mount {
	out := make([]Mount, 0, len(parent)+len(child))
	removed := map[string]bool{}
	for _, u := range unmount {
		removed[u.Value] = true
		if !hasMount(parent, u.Value) {
			e.add(diagError(u.Range, "Nothing to unmount",
				fmt.Sprintf("The profile this policy extends has no mount at %s.%s", u.Value, didYouMean(u.Value, guestPaths(parent)))))
		}
	}
	byGuest := map[string]int{}
	for _, m := range parent {
		if !removed[m.Guest] {
			byGuest[m.Guest] = len(out)
			out = append(out, m)
		}
	}
	for _, m := range child {
		if i, ok := byGuest[m.Guest]; ok {
			out[i] = m
			continue
		}
		out = append(out, m)
	}
	return out
}

func hasMount(ms []Mount, guest string) bool {
	for _, m := range ms {
		if m.Guest == guest {
			return true
		}
	}
	return false
}

func guestPaths(ms []Mount) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Guest
	}
	return out
}

// checkMountTree refuses a mount below a file or device mount: there is
// no directory there to mount into.
func checkMountTree(mounts []Mount) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, m := range mounts {
		for _, p := range mounts {
			if !strings.HasPrefix(m.Guest, p.Guest+"/") {
				continue
			}
			switch p.Kind {
			case MountFile, MountDevice:
				diags = append(diags, diagError(m.DeclRange, "Mount below a file",
					fmt.Sprintf("%s is below %s, which is a %s mount declared at %s, not a directory.", m.Guest, p.Guest, p.Kind, p.DeclRange)))
			case MountHost, MountScratch:
				// The guest's tree mounts only over virtual directories:
				// what lies inside a host or scratch mount is that
				// mount's own content (docs/policy.md, "mount").
				diags = append(diags, diagError(m.DeclRange, "Mount inside a mount",
					fmt.Sprintf("%s is inside %s, a %s mount declared at %s; gaol mounts only at virtual directories, never inside a host or scratch mount. Choose a guest path outside %s (for example /%s), or unmount %s first.",
						m.Guest, p.Guest, p.Kind, p.DeclRange, p.Guest, path.Base(m.Guest), p.Guest)))
			}
		}
	}
	return diags
}

func hasErrorsSince(diags hcl.Diagnostics, n int) bool {
	return diags[n:].HasErrors()
}
