package supervisor

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
)

// TestInterpCacheFile: the cache lives in $XDG_CACHE_HOME/gaol, one file
// per key, named by the key's 128-bit hash.
func TestInterpCacheFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	a, b := interpCacheFile("/usr/bin/python3|1|2|false|5"), interpCacheFile("/usr/bin/python3|1|2|true|5")
	name := regexp.MustCompile(`^` + regexp.QuoteMeta(filepath.Join(dir, "gaol")) + `/interp-[0-9a-f]{32}\.json$`)
	for _, f := range []string{a, b} {
		if !name.MatchString(f) {
			t.Errorf("cache file %q does not match %q", f, name)
		}
	}
	if a == b {
		t.Errorf("two keys share the cache file %s", a)
	}
}

// TestInterpCache: an answer is read back only for the key it was written
// for, so that a hash collision costs a rediscovery, never another
// interpreter's layout.
func TestInterpCache(t *testing.T) {
	in := &Interpreter{Executable: "/usr/bin/python3.12", Dirs: []string{"/usr/lib/python3.12"}, Files: []string{"/lib64/ld-linux-x86-64.so.2"}, Version: "3.12.3"}
	const key = "/usr/bin/python3.12|100|200|false|5"
	tests := []struct {
		name    string
		prepare func(file string) // the cache file's state before the read
		key     string
		want    *Interpreter
	}{
		{name: "the answer written for a key is read back", prepare: func(f string) { writeInterpCache(f, key, in) }, key: key, want: in},
		{name: "another key in the same file is a miss", prepare: func(f string) { writeInterpCache(f, key, in) }, key: "/usr/bin/python3.12|100|200|true|5"},
		{name: "no file is a miss", prepare: func(string) {}, key: key},
		{name: "a file that does not decode is a miss", prepare: func(f string) { writeRaw(t, f, "{not json") }, key: key},
		{name: "an entry of an older cache version is a miss", prepare: func(f string) { writeRaw(t, f, `{"executable":"/usr/bin/python3.12"}`) }, key: key},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "gaol", "interp-x.json")
			tt.prepare(file)
			if got := readInterpCache(file, tt.key); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("readInterpCache = %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("no cache directory disables the cache", func(t *testing.T) {
		writeInterpCache("", key, in)
		if got := readInterpCache("", key); got != nil {
			t.Errorf("readInterpCache = %+v, want nil", got)
		}
	})
}

func writeRaw(t *testing.T, file, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
