package supervisor

import (
	"context"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Interpreter is what the guest needs of a host interpreter: the binary,
// the shared libraries it and its extension modules load, and its
// standard library directories. Nothing else of the host is exposed.
type Interpreter struct {
	Executable string   `json:"executable"` // the real path of the binary
	Dirs       []string `json:"dirs"`       // standard library directories, exposed whole
	Files      []string `json:"files"`      // single files: shared libraries and the ELF loader
	Version    string   `json:"version"`
}

// discoverScript prints what the interpreter itself says about its
// layout. It runs without site (-S), user site (-s) or environment (-E),
// and works on Python 2.7, 3.x and PyPy.
const discoverScript = `
import sys, json, os
try:
    import sysconfig
    paths = [sysconfig.get_path(k) for k in ("stdlib", "platstdlib")]
except Exception:
    paths = []
dirs = [p for p in paths + list(sys.path) if p and os.path.isdir(p)]
print(json.dumps({"prefix": sys.prefix, "exec_prefix": sys.exec_prefix, "dirs": dirs, "version": sys.version.split()[0]}))
`

// interpCacheVersion changes whenever the cached format or the discovery
// rules change.
const interpCacheVersion = "5"

// DiscoverInterpreter finds what the guest needs to run the interpreter at
// path. The answer is cached per binary (path, size, mtime) in the user's
// cache directory, since asking costs one run of the interpreter.
func DiscoverInterpreter(ctx context.Context, path string, sitePackages bool) (*Interpreter, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%d|%d|%v|%s", real, fi.Size(), fi.ModTime().UnixNano(), sitePackages, interpCacheVersion)
	cacheFile := interpCacheFile(key)
	if in := readInterpCache(cacheFile, key); in != nil {
		return in, nil
	}
	in, err := discover(ctx, real, sitePackages)
	if err != nil {
		return nil, err
	}
	writeInterpCache(cacheFile, key, in)
	return in, nil
}

// interpCacheEntry is one cache file: the answer and the whole key it
// answers. The file name is only a hash of the key; reading checks the
// key itself, so two keys whose hashes collide cost a rediscovery, never
// the wrong interpreter's layout. That is why the hash need not be
// cryptographic (and gaol links no crypto, whose initialisers every start
// would pay for): besides, only the user running gaol writes the cache.
type interpCacheEntry struct {
	Key         string       `json:"key"`
	Interpreter *Interpreter `json:"interpreter"`
}

// interpCacheFile is where the answer for key is cached: a file named by
// key's 128-bit FNV-1a hash in the user's cache directory, or "" when the
// user has none (no $XDG_CACHE_HOME nor $HOME), which disables the cache.
func interpCacheFile(key string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	h := fnv.New128a()
	h.Write([]byte(key))
	return filepath.Join(dir, "gaol", "interp-"+hex.EncodeToString(h.Sum(nil))+".json")
}

// readInterpCache returns the answer file holds for key, or nil when there
// is none: no file, a file that does not decode, or one for another key.
func readInterpCache(file, key string) *Interpreter {
	if file == "" {
		return nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var e interpCacheEntry
	if json.Unmarshal(b, &e) != nil || e.Key != key {
		return nil
	}
	return e.Interpreter
}

// writeInterpCache stores in as file's answer for key, best effort: a
// cache that cannot be written only costs the next run a rediscovery. It
// writes a temporary file and renames it, so that a concurrent reader sees
// the old answer or the new one, never half of one.
func writeInterpCache(file, key string, in *Interpreter) {
	if file == "" {
		return
	}
	b, err := json.Marshal(interpCacheEntry{Key: key, Interpreter: in})
	if err != nil || os.MkdirAll(filepath.Dir(file), 0o700) != nil {
		return
	}
	tmp := file + fmt.Sprintf(".%d", os.Getpid())
	if os.WriteFile(tmp, b, 0o600) == nil {
		os.Rename(tmp, file)
	}
}

func discover(ctx context.Context, real string, sitePackages bool) (*Interpreter, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, real, "-E", "-s", "-S", "-c", discoverScript)
	cmd.Env = []string{"LC_ALL=C"}
	cmd.Dir = "/"
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s does not run as a Python interpreter: %w", real, err)
	}
	var info struct {
		Prefix     string   `json:"prefix"`
		ExecPrefix string   `json:"exec_prefix"`
		Dirs       []string `json:"dirs"`
		Version    string   `json:"version"`
	}
	if err := json.Unmarshal(out, &info); err != nil {
		return nil, fmt.Errorf("%s: unexpected discovery output: %w", real, err)
	}
	in := &Interpreter{Executable: real, Version: info.Version}
	for _, d := range info.Dirs {
		if !sitePackages && (strings.Contains(d, "site-packages") || strings.Contains(d, "dist-packages")) {
			continue
		}
		if d == "/" || d == info.Prefix || strings.HasSuffix(d, ".zip") {
			continue
		}
		in.Dirs = append(in.Dirs, d)
	}
	in.Dirs = dedupNested(in.Dirs)
	objs := append([]string{real}, sharedObjects(in.Dirs)...)
	// glibc loads libgcc_s with dlopen to unwind a thread that exits with
	// pthread_exit or is cancelled; no DT_NEEDED names it.
	var extra []string
	for _, lib := range dlopened {
		if p := findLib(lib, nil); p != "" {
			objs = append(objs, p)
			extra = append(extra, p)
		}
	}
	// The profiles set LANG=C.UTF-8; without its locale data glibc falls
	// back to "C", and CPython to ASCII and UTF-8 mode.
	for _, d := range localeDirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			in.Dirs = append(in.Dirs, d)
		}
	}
	files, err := elfClosure(objs)
	if err != nil {
		return nil, err
	}
	in.Files = append(files, extra...)
	return in, nil
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
// objects need, transitively, as the paths the loader will open.
func elfClosure(objs []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	queue := append([]string(nil), objs...)
	first := true
	for len(queue) > 0 {
		obj := queue[0]
		queue = queue[1:]
		f, err := elf.Open(obj)
		if err != nil {
			if first {
				return nil, fmt.Errorf("%s: not an ELF executable: %w", obj, err)
			}
			continue
		}
		first = false
		var interp string
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				b := make([]byte, p.Filesz)
				if _, err := p.ReadAt(b, 0); err == nil {
					interp = strings.TrimRight(string(b), "\x00")
				}
			}
		}
		needed, _ := f.DynString(elf.DT_NEEDED)
		runpath, _ := f.DynString(elf.DT_RUNPATH)
		rpath, _ := f.DynString(elf.DT_RPATH)
		f.Close()
		if interp != "" && !seen[interp] {
			seen[interp] = true
			out = append(out, interp)
		}
		search := expandOrigin(append(rpath, runpath...), filepath.Dir(obj))
		for _, lib := range needed {
			p := findLib(lib, search)
			if p == "" || seen[p] {
				continue
			}
			seen[p] = true
			out = append(out, p)
			queue = append(queue, p)
		}
	}
	sort.Strings(out)
	return out, nil
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
		return name
	}
	for _, d := range append(search, libDirs...) {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}
