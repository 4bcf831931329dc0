package supervisor

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
)

// Interpreter is what the guest needs of a host interpreter: the binary,
// the shared libraries it and its extension modules load, and its
// standard library directories. Nothing else of the host is exposed.
type Interpreter struct {
	Executable string   `json:"executable"` // the real path of the binary
	Dirs       []string `json:"dirs"`       // standard library directories, exposed whole
	Files      []string `json:"files"`      // single files: shared libraries and the ELF loader
	Version    string   `json:"version"`
	// Hidden are names hidden at any depth below Dirs: the site-packages
	// directories a standard library directory holds (pyenv's
	// lib/python3.X/site-packages) unless site_packages is set.
	Hidden []string `json:"hidden,omitempty"`
}

// discoverScript prints what the interpreter itself says about its
// layout. It runs without site (-S), user site (-s) or environment (-E),
// and works on Python 2.7, 3.x and PyPy. It runs inside gaol's discovery
// sandbox (askInterpreter), so os.path.isdir sees only the view that
// sandbox shows.
const discoverScript = `
import sys, json, os
try:
    import sysconfig
    paths = [sysconfig.get_path(k) for k in ("stdlib", "platstdlib")]
except Exception:
    paths = []
dirs = [p for p in paths + list(sys.path) if p and os.path.isdir(p)]
print(json.dumps({"dirs": dirs, "version": sys.version.split()[0]}))
`

// interpCacheVersion changes whenever the cached format or the discovery
// rules change.
const interpCacheVersion = "6"

// layout is what gaol learnt about an interpreter: its library
// directories and version, which the interpreter said about itself, and
// the shared libraries gaol found in ELF headers. The first come from a
// program gaol does not trust (the binary at a path may be anyone's) and
// all of it may come back from a cache file a guest rewrote, so nothing
// of a layout is used before check and checkFiles have passed it.
type layout struct {
	Dirs    []string `json:"dirs"`
	Files   []string `json:"files"`
	Version string   `json:"version"`
}

// check accepts a layout's directories only if each lies inside the
// interpreter's prefix, the one directory discovery showed it besides
// single library files: a layout naming anything else was not written by
// discovery (the cache file was edited) or came from an interpreter that
// saw what its sandbox does not show. Either way none of it is used.
func (l *layout) check(prefix string) error {
	if len(l.Dirs) == 0 {
		return errors.New("it names no library directory")
	}
	if len(l.Version) > 64 || strings.ContainsAny(l.Version, "/\x00\n") {
		return fmt.Errorf("its version %q is not a version", l.Version)
	}
	for _, d := range l.Dirs {
		if !filepath.IsAbs(d) || filepath.Clean(d) != d || !within(d, prefix) || d == prefix {
			return fmt.Errorf("its library directory %q does not lie inside its prefix %s", d, prefix)
		}
	}
	return nil
}

// checkFiles accepts a layout's shared libraries only if each, and the
// file its links lead to, lies inside the interpreter's prefix or a
// system library directory and is still an ELF file. An interpreter whose
// libraries lie elsewhere (RUNPATH into another tree) has them found
// again on every run instead.
func (l *layout) checkFiles(prefix string) error {
	if len(l.Files) == 0 {
		return errors.New("no shared library")
	}
	inside := func(p string) error {
		if !filepath.IsAbs(p) || filepath.Clean(p) != p || !(within(p, prefix) || inLibDir(p)) {
			return fmt.Errorf("the library %q lies outside the prefix and the system library directories", p)
		}
		return nil
	}
	for _, f := range l.Files {
		if err := inside(f); err != nil {
			return err
		}
		real, err := filepath.EvalSymlinks(f)
		if err != nil {
			return fmt.Errorf("the library %q is gone: %w", f, err)
		}
		if err := inside(real); err != nil {
			return err
		}
		if !isELF(real) {
			return fmt.Errorf("the library %q is not an ELF file", f)
		}
	}
	return nil
}

func inLibDir(f string) bool {
	for _, d := range libDirs {
		if within(f, d) {
			return true
		}
	}
	return false
}

// isELF: the file at p (a path with no link) is a regular file that
// starts with the ELF magic.
func isELF(p string) bool {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	var magic [4]byte
	_, err = io.ReadFull(f, magic[:])
	return err == nil && string(magic[:]) == elf.ELFMAG
}

// within reports whether path p is dir or lies below it.
func within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// interpPrefix is the directory an interpreter's own files lie in, found
// from its real path alone: the parent of its bin directory
// (/usr/bin/python3.11 → /usr, $PYENV_ROOT/versions/3.12.1/bin/python3.12
// → $PYENV_ROOT/versions/3.12.1), else the binary's directory.
func interpPrefix(real string) string {
	dir := filepath.Dir(real)
	if filepath.Base(dir) == "bin" {
		return filepath.Dir(dir)
	}
	return dir
}

// DiscoverInterpreter finds what the guest needs to run the interpreter at
// path. Asking the interpreter costs one sandboxed run of it and finding
// its shared libraries a walk of its library directories, so the layout
// is cached per binary (real path, size, mtime) in gaol's cache
// directory, and checked again on every read (docs/security.md, "The
// interpreter").
func DiscoverInterpreter(ctx context.Context, path string, sitePackages bool) (*Interpreter, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", real)
	}
	prefix := interpPrefix(real)
	key := fmt.Sprintf("%s|%d|%d|%v|%s", real, fi.Size(), fi.ModTime().UnixNano(), sitePackages, interpCacheVersion)
	cache := openInterpCache()
	defer cache.close()
	l, asked, found := cache.read(key), false, false
	if l == nil || l.check(prefix) != nil {
		if l, err = askInterpreter(ctx, real, prefix); err != nil {
			return nil, err
		}
		l.Dirs = withoutSitePackages(l.Dirs, sitePackages)
		l.Files, asked = nil, true
	}
	if l.checkFiles(prefix) != nil {
		if l.Files, err = sharedLibraries(real, l.Dirs); err != nil {
			return nil, err
		}
		// Libraries checkFiles refuses are found again on every run;
		// the layout itself is still worth keeping.
		found = l.checkFiles(prefix) == nil
	}
	if asked || found {
		cache.write(key, l)
	}
	in := &Interpreter{Executable: real, Version: l.Version, Files: l.Files}
	if !sitePackages {
		in.Hidden = sitePackageNames
	}
	// The profiles set LANG=C.UTF-8; without its locale data glibc falls
	// back to "C", and CPython to ASCII and UTF-8 mode.
	in.Dirs = append(append([]string(nil), l.Dirs...), existingDirs(localeDirs)...)
	return in, nil
}

// sitePackageNames are the directories third-party packages are
// installed in.
var sitePackageNames = []string{"site-packages", "dist-packages"}

// withoutSitePackages drops the site-packages directories (third-party
// packages) from dirs unless they are asked for.
func withoutSitePackages(dirs []string, sitePackages bool) []string {
	if sitePackages {
		return dirs
	}
	var out []string
	for _, d := range dirs {
		if !slices.ContainsFunc(sitePackageNames, func(n string) bool { return strings.Contains(d, n) }) {
			out = append(out, d)
		}
	}
	return out
}

// sharedLibraries is the ELF closure of the interpreter at real and of
// the extension modules in its library directories, with the libraries
// the C library opens itself.
func sharedLibraries(real string, dirs []string) ([]string, error) {
	files, err := elfClosure(append([]string{real}, sharedObjects(dirs)...))
	if err != nil {
		return nil, err
	}
	return append(files, dlopenedLibs()...), nil
}

// dlopenedLibs finds the libraries the C library loads with dlopen:
// glibc loads libgcc_s to unwind a thread that exits with pthread_exit or
// is cancelled, and no DT_NEEDED names it.
func dlopenedLibs() []string {
	var out []string
	for _, lib := range dlopened {
		if p := findLib(lib, nil); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func existingDirs(dirs []string) []string {
	var out []string
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

// dedupNested drops directories that lie inside another listed one.
func dedupNested(dirs []string) []string {
	sort.Strings(dirs)
	var out []string
	for _, d := range dirs {
		d = filepath.Clean(d)
		if len(out) > 0 && (d == out[len(out)-1] || strings.HasPrefix(d, out[len(out)-1]+"/")) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// sharedObjects lists extension modules under the library directories
// (lib-dynload and friends), whose own dependencies must be exposed too.
func sharedObjects(dirs []string) []string {
	var out []string
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if e.IsDir() && (e.Name() == "test" || e.Name() == "tests" || e.Name() == "__pycache__") && p != d {
				return filepath.SkipDir
			}
			if !e.IsDir() && strings.Contains(e.Name(), ".so") {
				out = append(out, p)
			}
			return nil
		})
	}
	return out
}

// localeDirs hold the C.UTF-8 locale glibc loads for LANG=C.UTF-8 (the
// Debian layout; glibc 2.35+ has it built in elsewhere).
var localeDirs = []string{"/usr/lib/locale/C.utf8"}

// dlopened are libraries the C library itself opens at run time.
var dlopened = []string{"libgcc_s.so.1"}

// libDirs is where the dynamic loader looks when neither RUNPATH nor its
// cache names a library (the Debian x86_64 multiarch layout first).
var libDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"}

// elfClosure returns the ELF loader and every shared library the given
// objects need, transitively, as the paths the loader will open. Only
// files that parse as ELF are listed: a name in an ELF header (PT_INTERP,
// DT_NEEDED, a RUNPATH) is the binary's claim, and a claim naming a file
// that is not a shared object exposes nothing.
func elfClosure(objs []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	type obj struct {
		path string
		dep  bool // a library or loader found through another object
	}
	queue := make([]obj, 0, len(objs))
	for _, o := range objs {
		queue = append(queue, obj{path: o})
	}
	for i := 0; i < len(queue); i++ {
		o := queue[i]
		deps, err := elfDeps(o.path)
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("%s: not an ELF executable: %w", o.path, err)
			}
			continue
		}
		if o.dep {
			out = append(out, o.path)
		}
		for _, p := range deps {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, obj{path: p, dep: true})
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// elfDeps reads the ELF object at path and returns its loader and the
// libraries it needs, found as the loader would find them. debug/elf may
// panic on a malformed file; that is an error like any other here.
func elfDeps(path string) (deps []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			deps, err = nil, fmt.Errorf("malformed ELF: %v", r)
		}
	}()
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP && p.Filesz > 0 && p.Filesz < 4096 {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err == nil {
				if interp := strings.TrimRight(string(b), "\x00"); filepath.IsAbs(interp) {
					deps = append(deps, filepath.Clean(interp))
				}
			}
		}
	}
	needed, _ := f.DynString(elf.DT_NEEDED)
	runpath, _ := f.DynString(elf.DT_RUNPATH)
	rpath, _ := f.DynString(elf.DT_RPATH)
	search := expandOrigin(append(rpath, runpath...), filepath.Dir(path))
	for _, lib := range needed {
		if p := findLib(lib, search); p != "" {
			deps = append(deps, p)
		}
	}
	return deps, nil
}

func expandOrigin(paths []string, origin string) []string {
	var out []string
	for _, p := range paths {
		for _, d := range strings.Split(p, ":") {
			d = strings.ReplaceAll(strings.ReplaceAll(d, "${ORIGIN}", origin), "$ORIGIN", origin)
			if d != "" {
				out = append(out, filepath.Clean(d))
			}
		}
	}
	return out
}

func findLib(name string, search []string) string {
	if strings.Contains(name, "/") {
		if filepath.IsAbs(name) {
			return filepath.Clean(name)
		}
		return ""
	}
	for _, d := range append(search, libDirs...) {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}
