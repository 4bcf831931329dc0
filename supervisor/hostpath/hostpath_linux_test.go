package hostpath_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/supervisor/hostpath"
)

// tree is a directory as a guest with a writable mount could leave it:
// links to a host file and a host directory (at the top and below a
// real directory), a hard link, a FIFO; beside it, the host canaries.
type tree struct {
	root, dir, canary, hostDir string
}

func newTree(t *testing.T) tree {
	t.Helper()
	base := t.TempDir()
	tr := tree{root: base, dir: filepath.Join(base, "proj"), canary: filepath.Join(base, "canary"), hostDir: filepath.Join(base, "host")}
	for _, d := range []string{tr.dir, tr.hostDir, filepath.Join(tr.dir, "real")} {
		must(t, os.Mkdir(d, 0o755))
	}
	must(t, os.WriteFile(tr.canary, []byte("canary\n"), 0o644))
	must(t, os.Symlink(tr.canary, filepath.Join(tr.dir, "file-link")))
	must(t, os.Symlink(tr.hostDir, filepath.Join(tr.dir, "dir-link")))
	must(t, os.Symlink(tr.hostDir, filepath.Join(tr.dir, "real", "dir-link")))
	must(t, os.Symlink("/proc/self/cwd", filepath.Join(tr.dir, "magic")))
	must(t, os.WriteFile(filepath.Join(tr.dir, "shared"), []byte("shared\n"), 0o644))
	must(t, os.Link(filepath.Join(tr.dir, "shared"), filepath.Join(tr.dir, "hard")))
	must(t, unix.Mkfifo(filepath.Join(tr.dir, "fifo"), 0o644))
	must(t, os.WriteFile(filepath.Join(tr.dir, "old"), []byte("old\n"), 0o644))
	return tr
}

// unchanged fails the test if a host canary was written or the host
// directory gained an entry.
func (tr tree) unchanged(t *testing.T) {
	t.Helper()
	if b, _ := os.ReadFile(tr.canary); string(b) != "canary\n" {
		t.Errorf("the host canary was written: %q", b)
	}
	if names, _ := os.ReadDir(tr.hostDir); len(names) != 0 {
		t.Errorf("the host directory gained %s", names[0].Name())
	}
	if b, _ := os.ReadFile(filepath.Join(tr.dir, "shared")); string(b) != "shared\n" {
		t.Errorf("the file a hard link shares was written: %q", b)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// cases are the paths every way of opening is tried on, relative to the
// tree's directory (or absolute with abs), and what must happen.
var cases = []struct {
	name    string
	path    string
	abs     bool
	wantErr string // "" means it opens
	offer   bool   // the error offers the resolved path
}{
	{name: "a new file in the directory opens", path: "new"},
	{name: "a new file below a real directory opens", path: "real/new"},
	{name: "a new file found through .. opens", path: "real/../new2"},
	{name: "an existing file with one name opens", path: "old"},
	{name: "a link as the last component is refused", path: "file-link", wantErr: "file-link is a symbolic link (to "},
	{name: "a link as a directory is refused, offering the resolved path", path: "dir-link/new", wantErr: "dir-link is a symbolic link", offer: true},
	{name: "a link below a real directory is refused", path: "real/dir-link/new", wantErr: "real/dir-link is a symbolic link", offer: true},
	{name: "an absolute path through a link is refused", path: "dir-link/new", abs: true, wantErr: "/proj/dir-link is a symbolic link", offer: true},
	{name: "a link to a magic link is refused", path: "magic/new", wantErr: "magic is a symbolic link", offer: true},
	{name: "a magic link is refused", path: "/proc/PID/cwd/new", wantErr: "/cwd is a symbolic link", offer: true},
	{name: "a path ending in / names no file", path: "real/", wantErr: "names a directory"},
	{name: "a directory is not written", path: "real", wantErr: ""},
	{name: "a FIFO is not written", path: "fifo", wantErr: "not a regular file"},
}

// chdir makes dir the working directory for one test.
func chdir(t *testing.T, dir string) {
	t.Helper()
	old, err := os.Getwd()
	must(t, err)
	must(t, os.Chdir(dir))
	t.Cleanup(func() { os.Chdir(old) })
}

func checkErr(t *testing.T, err error, wantErr string, offer bool) {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Fatalf("error %v, want none", err)
	case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
		t.Fatalf("error %v, want one containing %q", err, wantErr)
	}
	var le *hostpath.LinkError
	if errors.As(err, &le) && (le.Resolved != "") != offer {
		t.Errorf("the error offers the resolved path %q; want an offer: %v", le.Resolved, offer)
	}
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("the error is more than one line: %q", err)
	}
}

func TestCreateFollowsNoLink(t *testing.T) {
	for _, c := range cases {
		if c.path == "real" {
			c.wantErr = "is a directory"
		}
		t.Run(c.name, func(t *testing.T) {
			tr := newTree(t)
			chdir(t, tr.dir)
			p := c.path
			if c.abs {
				p = filepath.Join(tr.dir, p)
			}
			p = strings.Replace(p, "PID", strconv.Itoa(os.Getpid()), 1)
			f, err := hostpath.Create(p, 0o644)
			checkErr(t, err, c.wantErr, c.offer)
			if err == nil {
				if _, err := f.WriteString("gaol\n"); err != nil {
					t.Error(err)
				}
				f.Close()
				if b, _ := os.ReadFile(filepath.Join(tr.dir, p)); string(b) != "gaol\n" {
					t.Errorf("%s holds %q after the write, want it truncated and written", p, b)
				}
			}
			tr.unchanged(t)
		})
	}
	t.Run("a file with other names (hard links) is not truncated", func(t *testing.T) {
		tr := newTree(t)
		_, err := hostpath.Create(filepath.Join(tr.dir, "hard"), 0o644)
		checkErr(t, err, "hard links", false)
		tr.unchanged(t)
	})
	t.Run("a character device is written as it is", func(t *testing.T) {
		f, err := hostpath.Create(os.DevNull, 0o644)
		checkErr(t, err, "", false)
		f.Close()
	})
}

func TestReplaceFollowsNoLink(t *testing.T) {
	for _, c := range cases {
		if c.path == "real" {
			c.wantErr = "not a regular file"
		}
		t.Run(c.name, func(t *testing.T) {
			tr := newTree(t)
			chdir(t, tr.dir)
			p := c.path
			if c.abs {
				p = filepath.Join(tr.dir, p)
			}
			p = strings.Replace(p, "PID", strconv.Itoa(os.Getpid()), 1)
			r, err := hostpath.PrepareReplace(p, 0o644)
			checkErr(t, err, c.wantErr, c.offer)
			if err == nil {
				defer r.Close()
				must(t, r.Write([]byte("result\n")))
				if b, _ := os.ReadFile(filepath.Join(tr.dir, p)); string(b) != "result\n" {
					t.Errorf("%s holds %q, want the result", p, b)
				}
			}
			tr.unchanged(t)
		})
	}
	t.Run("a link made after the check is replaced, not written through", func(t *testing.T) {
		tr := newTree(t)
		p := filepath.Join(tr.dir, "result.json")
		r, err := hostpath.PrepareReplace(p, 0o644)
		must(t, err)
		defer r.Close()
		must(t, os.Symlink(tr.canary, p))
		must(t, r.Write([]byte("result\n")))
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s is %v, %v after the write; want a regular file", p, fi, err)
		}
		tr.unchanged(t)
	})
	t.Run("a hard link is replaced, not written through", func(t *testing.T) {
		tr := newTree(t)
		r, err := hostpath.PrepareReplace(filepath.Join(tr.dir, "hard"), 0o644)
		must(t, err)
		defer r.Close()
		must(t, r.Write([]byte("result\n")))
		tr.unchanged(t)
	})
	t.Run("the directory renamed during the run still gets the file, nothing outside it", func(t *testing.T) {
		tr := newTree(t)
		r, err := hostpath.PrepareReplace(filepath.Join(tr.dir, "real", "result.json"), 0o644)
		must(t, err)
		defer r.Close()
		must(t, os.Rename(filepath.Join(tr.dir, "real"), filepath.Join(tr.dir, "moved")))
		must(t, os.Symlink(tr.hostDir, filepath.Join(tr.dir, "real")))
		must(t, r.Write([]byte("result\n")))
		if b, _ := os.ReadFile(filepath.Join(tr.dir, "moved", "result.json")); string(b) != "result\n" {
			t.Errorf("the moved directory holds %q", b)
		}
		tr.unchanged(t)
	})
	t.Run("no temporary file is left", func(t *testing.T) {
		tr := newTree(t)
		r, err := hostpath.PrepareReplace(filepath.Join(tr.dir, "real", "r.json"), 0o644)
		must(t, err)
		must(t, r.Write([]byte("{}\n")))
		r.Close()
		if names, _ := os.ReadDir(filepath.Join(tr.dir, "real")); len(names) != 2 {
			t.Errorf("real holds %d entries after the write, want dir-link and r.json", len(names))
		}
	})
}

func TestMkdirOpenFollowsNoLink(t *testing.T) {
	for _, tt := range []struct {
		name, path, wantErr string
	}{
		{name: "a missing directory is created", path: "keep"},
		{name: "an existing directory is opened", path: "real"},
		{name: "a link to a directory is refused", path: "dir-link", wantErr: "dir-link is a symbolic link"},
		{name: "a directory below a link is refused", path: "dir-link/keep", wantErr: "dir-link is a symbolic link"},
		{name: "a file is not a directory", path: "old", wantErr: "not a directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTree(t)
			fd, err := hostpath.MkdirOpen(filepath.Join(tr.dir, tt.path), 0o755)
			checkErr(t, err, tt.wantErr, strings.Contains(tt.path, "/"))
			if err == nil {
				var st, want unix.Stat_t
				must(t, unix.Fstat(fd, &st))
				must(t, unix.Lstat(filepath.Join(tr.dir, tt.path), &want))
				if st.Ino != want.Ino {
					t.Errorf("the fd is not the directory at the path")
				}
				unix.Close(fd)
			}
			tr.unchanged(t)
		})
	}
}
