package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPyenvShimTakesOnlyVersionNames: a .python-version may have been
// written by an earlier guest through a writable mount, so the version it
// names is a name under $PYENV_ROOT/versions and nothing else.
func TestPyenvShimTakesOnlyVersionNames(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	for _, d := range []string{filepath.Join(root, "shims"), filepath.Join(root, "versions", "3.12.1", "bin"), filepath.Join(outside, "v", "bin")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(root, "shims", "python3"), "#!/bin/sh\n", 0o755)
	writeFile(t, filepath.Join(root, "versions", "3.12.1", "bin", "python3"), "elf", 0o755)
	writeFile(t, filepath.Join(outside, "v", "bin", "python3"), "elf", 0o755)
	if err := os.Symlink(filepath.Join(outside, "v"), filepath.Join(root, "versions", "linked")); err != nil {
		t.Fatal(err)
	}
	shim := filepath.Join(root, "shims", "python3")
	rel, err := filepath.Rel(filepath.Join(root, "versions"), filepath.Join(outside, "v"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		env     string // $PYENV_VERSION
		file    string // the project's .python-version
		want    string // the interpreter chosen; "" for none
		wantErr string
	}{
		{name: "a version name", file: "3.12.1\n", want: filepath.Join(root, "versions", "3.12.1", "bin", "python3")},
		{name: "$PYENV_VERSION comes first", env: "3.12.1", file: "nonesuch", want: filepath.Join(root, "versions", "3.12.1", "bin", "python3")},
		{name: "system is not a pyenv interpreter", file: "system"},
		{name: "a version that is not installed", file: "3.99"},
		{name: "a name climbing out of versions", file: rel + "\n", wantErr: "which is not a version name"},
		{name: "dot dot", file: "..", wantErr: "which is not a version name"},
		{name: "dot", file: ".", wantErr: "which is not a version name"},
		{name: "a name with a slash", file: "3.12.1/../3.12.1", wantErr: "which is not a version name"},
		{name: "an invalid name after a valid one is never read", file: "3.12.1 ../x", want: filepath.Join(root, "versions", "3.12.1", "bin", "python3")},
		{name: "an invalid name before a valid one", file: "../x 3.12.1", wantErr: `"../x"`},
		{name: "a version linked outside versions", file: "linked", wantErr: "lies outside " + filepath.Join(root, "versions")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			proj := t.TempDir()
			writeFile(t, filepath.Join(proj, ".python-version"), tt.file, 0o644)
			t.Chdir(proj)
			t.Setenv("PYENV_VERSION", tt.env)
			got, ok, err := pyenvShim(shim)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("pyenvShim = %q, %v, %v; want an error with %q", got, ok, err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("pyenvShim: %v", err)
			case tt.want == "" && ok:
				t.Errorf("pyenvShim chose %s, want none", got)
			case tt.want != "" && (!ok || got != tt.want):
				t.Errorf("pyenvShim = %q, %v; want %s", got, ok, tt.want)
			}
		})
	}
	t.Run("not a shim", func(t *testing.T) {
		if got, ok, err := pyenvShim("/usr/bin/python3"); ok || err != nil {
			t.Errorf("pyenvShim(/usr/bin/python3) = %q, %v, %v", got, ok, err)
		}
	})
}
