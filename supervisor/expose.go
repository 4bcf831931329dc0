package supervisor

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gaol-sandbox/gaol/vfs"
)

// exposer collects the mounts that show host paths to the guest at the
// same paths, read-only. Symlinks met on the way (/lib → usr/lib,
// python3 → python3.11) are recreated as VFS symlinks, so the guest sees
// the host's layout for exactly these paths and nothing beside them.
type exposer struct {
	mounts map[string]vfs.Mount
}

func newExposer() *exposer { return &exposer{mounts: map[string]vfs.Mount{}} }

// expose adds host path p (a file or a directory).
func (e *exposer) expose(p string) error {
	return e.exposeDepth(filepath.Clean(p), 0)
}

// exposeHiding adds host directory p with the names in hide (at any depth
// below it) hidden from the guest.
func (e *exposer) exposeHiding(p string, hide []string) error {
	if err := e.expose(p); err != nil || len(hide) == 0 {
		return err
	}
	real, err := filepath.EvalSymlinks(p) // where the mount expose made lies
	if err != nil {
		return err
	}
	if m, ok := e.mounts[real]; ok && m.Kind == vfs.KindHost {
		m.Exclude = append(append([]string(nil), m.Exclude...), hide...)
		e.mounts[real] = m
	}
	return nil
}

func (e *exposer) exposeDepth(p string, depth int) error {
	if depth > 40 {
		return fmt.Errorf("expose %s: too many levels of symbolic links", p)
	}
	comps := strings.Split(strings.TrimPrefix(p, "/"), "/")
	cur := "/"
	for i, c := range comps {
		cur = filepath.Join(cur, c)
		if m, ok := e.mounts[cur]; ok {
			if m.Kind == vfs.KindSymlink {
				target := m.Target
				if !filepath.IsAbs(target) {
					target = filepath.Join(filepath.Dir(cur), target)
				}
				return e.exposeDepth(filepath.Join(append([]string{target}, comps[i+1:]...)...), depth+1)
			}
			return nil // already exposed whole
		}
		fi, err := os.Lstat(cur)
		if err != nil {
			return fmt.Errorf("expose %s: %w", p, err)
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(cur)
			if err != nil {
				return err
			}
			e.mounts[cur] = vfs.Mount{Guest: cur, Kind: vfs.KindSymlink, Target: target}
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(cur), target)
			}
			return e.exposeDepth(filepath.Join(append([]string{target}, comps[i+1:]...)...), depth+1)
		}
	}
	e.mounts[p] = vfs.Mount{Guest: p, Kind: vfs.KindHost, Host: p}
	return nil
}

// list returns the mounts, dropping those nested inside an exposed
// directory (the directory already shows them).
func (e *exposer) list() []vfs.Mount {
	paths := make([]string, 0, len(e.mounts))
	for p := range e.mounts {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var out []vfs.Mount
	var dirs []string
	for _, p := range paths {
		inside := false
		for _, d := range dirs {
			if strings.HasPrefix(p, d+"/") {
				inside = true
				break
			}
		}
		if inside {
			continue
		}
		m := e.mounts[p]
		if m.Kind == vfs.KindHost {
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				dirs = append(dirs, p)
			}
		}
		out = append(out, m)
	}
	return out
}
