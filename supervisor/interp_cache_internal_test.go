package supervisor

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestInterpCacheName: one file per key, named by the key's 128-bit hash.
func TestInterpCacheName(t *testing.T) {
	a, b := interpCacheName("/usr/bin/python3|1|2|false|6"), interpCacheName("/usr/bin/python3|1|3|false|6")
	name := regexp.MustCompile(`^interp-[0-9a-f]{32}\.json$`)
	for _, f := range []string{a, b} {
		if !name.MatchString(f) {
			t.Errorf("cache file %q does not match %q", f, name)
		}
	}
	if a == b {
		t.Errorf("two keys share the cache file %s", a)
	}
}

// TestInterpCache: a layout is read back only for the key it was written
// for, and only from a directory and a file that are gaol's alone. A
// guest whose writable mount reaches the cache writes as gaol's uid, so
// each refusal here is one way it could have tried to plant a layout.
func TestInterpCache(t *testing.T) {
	l := &layout{Dirs: []string{"/usr/lib/python3.12"}, Files: []string{"/lib64/ld-linux-x86-64.so.2"}, Version: "3.12.3"}
	const key = "/usr/bin/python3.12|100|200|false|6"
	file := func(root string) string { return filepath.Join(root, "gaol", interpCacheName(key)) }
	tests := []struct {
		name    string
		prepare func(t *testing.T, root string) // the cache's state before the read
		key     string
		want    *layout
	}{
		{name: "the layout written for a key is read back", prepare: written(key, l), key: key, want: l},
		{name: "another key is a miss", prepare: written(key, l), key: "/usr/bin/python3.12|100|200|true|6"},
		{name: "no file is a miss", prepare: func(*testing.T, string) {}, key: key},
		{name: "a file that does not decode is a miss", prepare: func(t *testing.T, root string) { writeRaw(t, file(root), "{not json", 0o600) }, key: key},
		{name: "an entry of an older cache version is a miss", prepare: func(t *testing.T, root string) {
			writeRaw(t, file(root), `{"key":"`+key+`","interpreter":{"dirs":["/"]}}`, 0o600)
		}, key: key},
		{name: "a file others may write is a miss", prepare: func(t *testing.T, root string) {
			written(key, l)(t, root)
			chmod(t, file(root), 0o622)
		}, key: key},
		{name: "a file that is a link is a miss", prepare: func(t *testing.T, root string) {
			other := filepath.Join(t.TempDir(), "elsewhere.json")
			written(key, l)(t, root)
			must(t, os.Rename(file(root), other))
			must(t, os.Symlink(other, file(root)))
		}, key: key},
		{name: "a file with another name (a hard link) is a miss", prepare: func(t *testing.T, root string) {
			written(key, l)(t, root)
			must(t, os.Link(file(root), file(root)+".other"))
		}, key: key},
		{name: "a cache directory others may write is not used", prepare: func(t *testing.T, root string) {
			written(key, l)(t, root)
			chmod(t, filepath.Join(root, "gaol"), 0o755)
		}, key: key},
		{name: "a cache directory that is a link is not used", prepare: func(t *testing.T, root string) {
			elsewhere := t.TempDir()
			written(key, l)(t, elsewhere)
			must(t, os.Symlink(filepath.Join(elsewhere, "gaol"), filepath.Join(root, "gaol")))
		}, key: key},
		{name: "a file larger than any entry is a miss", prepare: func(t *testing.T, root string) {
			writeRaw(t, file(root), `{"key":"`+key+`","layout":{"dirs":["/usr/lib/python3.12"],"version":"3.12.3"}}`+strings.Repeat(" ", maxInterpCacheFile), 0o600)
		}, key: key},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			tt.prepare(t, root)
			c := openInterpCacheAt(filepath.Join(root, "gaol"))
			defer c.close()
			if got := c.read(tt.key); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("read = %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("the directory is made 0700 and each file 0600", func(t *testing.T) {
		root := t.TempDir()
		t.Setenv("XDG_CACHE_HOME", root) // where gaol finds it
		c := openInterpCache()
		c.write(key, l)
		c.close()
		for p, want := range map[string]os.FileMode{filepath.Join(root, "gaol"): 0o700, file(root): 0o600} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: %v, mode %v, want %v", p, err, fi.Mode().Perm(), want)
			}
		}
		if names, _ := filepath.Glob(filepath.Join(root, "gaol", ".tmp-*")); len(names) != 0 {
			t.Errorf("temporary files left: %v", names)
		}
	})
	t.Run("no cache directory disables the cache", func(t *testing.T) {
		t.Setenv("XDG_CACHE_HOME", "")
		t.Setenv("HOME", "")
		c := openInterpCache()
		c.write(key, l) // a nil cache writes nothing and does not panic
		if c != nil || c.read(key) != nil {
			t.Errorf("a cache without a directory: %+v", c)
		}
	})
}

// TestLayoutCheck: what an interpreter says about itself, or what a cache
// file says it said, is used only when every directory lies inside the
// interpreter's prefix.
func TestLayoutCheck(t *testing.T) {
	for _, tt := range []struct {
		name   string
		l      layout
		prefix string
		want   string // "" for accepted
	}{
		{"Debian's python3", layout{Dirs: []string{"/usr/lib/python3.11"}, Version: "3.11.2"}, "/usr", ""},
		{"a pyenv CPython", layout{Dirs: []string{"/p/versions/3.12.1/lib/python3.12"}, Version: "3.12.1"}, "/p/versions/3.12.1", ""},
		{"a host directory outside the prefix", layout{Dirs: []string{"/usr/lib/python3.11", "/root/secrets"}, Version: "3.11.2"}, "/usr", `"/root/secrets" does not lie inside its prefix /usr`},
		{"a sibling whose name extends the prefix", layout{Dirs: []string{"/usr2/lib"}, Version: "3"}, "/usr", "does not lie inside"},
		{"the prefix itself", layout{Dirs: []string{"/usr"}, Version: "3"}, "/usr", "does not lie inside"},
		{"a path climbing out", layout{Dirs: []string{"/usr/lib/../../etc"}, Version: "3"}, "/usr", "does not lie inside"},
		{"a relative path", layout{Dirs: []string{"lib"}, Version: "3"}, "/usr", "does not lie inside"},
		{"no directory", layout{Version: "3"}, "/usr", "names no library directory"},
		{"a version that is a path", layout{Dirs: []string{"/usr/lib/python3.11"}, Version: "../x"}, "/usr", "is not a version"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.l.check(tt.prefix)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("check = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestLayoutCheckFiles: the shared libraries a cache entry lists are used
// only while each lies in the prefix or a system library directory and is
// an ELF file there; anything else sends gaol back to the ELF headers.
func TestLayoutCheckFiles(t *testing.T) {
	libc := findLib("libc.so.6", nil)
	if libc == "" {
		t.Skip("no libc.so.6 in the system library directories")
	}
	prefix := t.TempDir()
	own := filepath.Join(prefix, "lib", "libpython.so")
	must(t, os.MkdirAll(filepath.Dir(own), 0o755))
	b, err := os.ReadFile(libc)
	must(t, err)
	must(t, os.WriteFile(own, b[:4096], 0o644))
	notELF := filepath.Join(prefix, "lib", "secret.so")
	must(t, os.WriteFile(notELF, []byte("secret"), 0o644))
	link := filepath.Join(prefix, "lib", "link.so")
	must(t, os.Symlink(own, link))
	must(t, os.Symlink("/etc/passwd", filepath.Join(prefix, "lib", "out.so")))
	for _, tt := range []struct {
		name  string
		files []string
		want  string
	}{
		{"system libraries and the prefix's own", []string{libc, own}, ""},
		{"a host file outside both", []string{libc, "/etc/passwd"}, "lies outside"},
		{"a path climbing out of a library directory", []string{filepath.Dir(libc) + "/../../etc/passwd"}, "lies outside"},
		{"a file in the prefix that is not ELF", []string{own, notELF}, "is not an ELF file"},
		{"a link to a library", []string{link}, ""},
		{"a link out of the library directories", []string{filepath.Join(prefix, "lib", "out.so")}, `"/etc/passwd" lies outside`},
		{"a library that is gone", []string{filepath.Join(prefix, "lib", "gone.so")}, "is gone"},
		{"none", nil, "no shared library"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := (&layout{Files: tt.files}).checkFiles(prefix)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("checkFiles = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestInterpPrefix: the prefix comes from the binary's real path alone.
func TestInterpPrefix(t *testing.T) {
	for real, want := range map[string]string{
		"/usr/bin/python3.11":                  "/usr",
		"/root/.pyenv/versions/3.12.1/bin/py3": "/root/.pyenv/versions/3.12.1",
		"/opt/python/python3":                  "/opt/python",
		"/usr/lib/pypy3.9/bin/pypy3.9":         "/usr/lib/pypy3.9",
	} {
		if got := interpPrefix(real); got != want {
			t.Errorf("interpPrefix(%s) = %s, want %s", real, got, want)
		}
	}
}

// TestELFClosureListsOnlyELFFiles: a name in an ELF header is the binary's
// claim; one naming a file that is not ELF (a host secret) is not shown.
func TestELFClosureListsOnlyELFFiles(t *testing.T) {
	files, err := elfClosure([]string{"/proc/self/exe"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := elfDeps(f); err != nil {
			t.Errorf("%s is listed but is not ELF: %v", f, err)
		}
	}
	if _, err := elfDeps("/etc/passwd"); err == nil {
		t.Error("elfDeps accepted /etc/passwd")
	}
	if got := findLib("../../etc/passwd", nil); got != "" {
		t.Errorf("findLib accepted a relative path with a slash: %q", got)
	}
}

func written(key string, l *layout) func(t *testing.T, root string) {
	return func(t *testing.T, root string) {
		c := openInterpCacheAt(filepath.Join(root, "gaol"))
		if c == nil {
			t.Fatal("no cache")
		}
		defer c.close()
		c.write(key, l)
	}
}

func writeRaw(t *testing.T, file, content string, mode os.FileMode) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(file), 0o700))
	must(t, os.WriteFile(file, []byte(content), mode))
}

func chmod(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	must(t, os.Chmod(p, mode))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
