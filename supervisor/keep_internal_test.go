package supervisor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/supervisor/hostpath"
)

// keepFixture is a source directory standing for a scratch mount (three
// files of 4 KiB) and an open keep directory.
func keepFixture(t *testing.T) (src int, d keepDir) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, 4096), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(src) })
	path := filepath.Join(t.TempDir(), "kept")
	fd, err := hostpath.MkdirOpen(path, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return src, keepDir{mount: "/out", path: path, fd: fd}
}

func TestKeepIsCutShortAtItsBounds(t *testing.T) {
	for _, tt := range []struct {
		name      string
		bounds    keepBounds
		wantCut   string
		wantFiles int
	}{
		{name: "within its bounds the copy is whole", bounds: keepBounds{bytes: 3 * 4096, entries: 3}, wantFiles: 3},
		{name: "past the deadline nothing more is copied", bounds: keepBounds{bytes: 1 << 20, entries: 64, deadline: time.Now().Add(-time.Second)}, wantCut: "wall"},
		{name: "a file past the byte bound is not kept, not even in part", bounds: keepBounds{bytes: 2*4096 + 100, entries: 64}, wantCut: "quota", wantFiles: 2},
		{name: "more entries than the scratch can hold stop the copy", bounds: keepBounds{bytes: 1 << 20, entries: 1}, wantCut: "files", wantFiles: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, d := keepFixture(t)
			rep, err := keepOne(src, d, tt.bounds)
			if err != nil {
				t.Fatal(err)
			}
			if rep.CutShort != tt.wantCut || rep.Files != tt.wantFiles {
				t.Errorf("report %+v; want cut short %q after %d files", rep, tt.wantCut, tt.wantFiles)
			}
			names, _ := os.ReadDir(d.path)
			if len(names) != tt.wantFiles {
				t.Errorf("the keep directory holds %d names, want %d (whole files only)", len(names), tt.wantFiles)
			}
			for _, n := range names {
				if fi, _ := n.Info(); fi == nil || fi.Size() != 4096 {
					t.Errorf("%s is kept in part: %v", n.Name(), fi)
				}
			}
			if rep.Bytes > tt.bounds.bytes {
				t.Errorf("%d bytes written past a bound of %d", rep.Bytes, tt.bounds.bytes)
			}
		})
	}
}

func TestKeepIntoARemovedDirectorySaysSo(t *testing.T) {
	src, d := keepFixture(t)
	if err := os.Remove(d.path); err != nil {
		t.Fatal(err)
	}
	_, err := keepOne(src, d, keepBounds{bytes: 1 << 20, entries: 64})
	if err == nil || !strings.Contains(err.Error(), "removed while the run lasted") {
		t.Errorf("keep into a removed directory: %v", err)
	}
}
