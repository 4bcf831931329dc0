// Command mutation applies each weakening listed in mutations.txt to a copy
// of the tree, one at a time, and runs the test that must notice it. A
// mutant whose test fails is KILLED; one whose test passes SURVIVED (the
// suite does not see that layer); one that does not build or vet is
// INVALID and does not count. It prints one line per mutant and the score
// killed/valid, and exits non-zero if any mutant survived or was invalid.
//
// Usage (from the repository root, or via `make mutation [M=name]`):
//
//	go run ./tests/mutation [-list tests/mutation/mutations.txt] [-timeout 10m] [name...]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// mutant is one entry of the list file.
type mutant struct {
	name, layer, file, old, new, test string
	line                              int // where the entry starts, for errors
}

func main() {
	list := flag.String("list", "tests/mutation/mutations.txt", "the list of mutations")
	timeout := flag.Duration("timeout", 10*time.Minute, "how long each mutant's test may run")
	keep := flag.Bool("keep", false, "keep each mutant's copy of the tree (for debugging) and print where")
	verbose := flag.Bool("v", false, "print each mutant's test output")
	flag.Parse()
	ms, err := parse(*list)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutation:", err)
		os.Exit(2)
	}
	if want := flag.Args(); len(want) > 0 {
		ms, err = pick(ms, want)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mutation:", err)
			os.Exit(2)
		}
	}
	root, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutation:", err)
		os.Exit(2)
	}
	killed, valid := 0, 0
	for _, m := range ms {
		verdict, detail := run(root, m, *timeout, *keep, *verbose)
		fmt.Printf("%-9s %-40s %s\n", verdict, m.name, detail)
		switch verdict {
		case "KILLED":
			killed++
			valid++
		case "SURVIVED":
			valid++
		}
	}
	fmt.Printf("score: %d/%d killed (%d mutants, %d invalid)\n", killed, valid, len(ms), len(ms)-valid)
	if killed != len(ms) {
		os.Exit(1)
	}
}

// parse reads the list file: entries separated by blank lines, each a set
// of "key: value" lines (name, layer, file, old, new, test); '#' starts a
// comment line. A value in double quotes is a Go string literal, so that a
// leading tab or trailing space can be written.
func parse(path string) ([]mutant, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []mutant
	var cur *mutant
	seen := map[string]bool{}
	finish := func() error {
		if cur == nil {
			return nil
		}
		m := *cur
		cur = nil
		for k, v := range map[string]string{"name": m.name, "layer": m.layer, "file": m.file, "old": m.old, "test": m.test} {
			if v == "" {
				return fmt.Errorf("%s:%d: entry %q has no %s", path, m.line, m.name, k)
			}
		}
		if m.old == m.new {
			return fmt.Errorf("%s:%d: entry %q: old and new are the same", path, m.line, m.name)
		}
		if seen[m.name] {
			return fmt.Errorf("%s:%d: entry %q listed twice", path, m.line, m.name)
		}
		seen[m.name] = true
		ms = append(ms, m)
		return nil
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			if err := finish(); err != nil {
				return nil, err
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want \"key: value\", got %q", path, n, line)
		}
		v = strings.TrimPrefix(v, " ")
		if strings.HasPrefix(v, `"`) {
			u, err := strconv.Unquote(v)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: bad quoted value: %v", path, n, err)
			}
			v = u
		}
		if cur == nil {
			cur = &mutant{line: n}
		}
		switch strings.TrimSpace(k) {
		case "name":
			cur.name = v
		case "layer":
			cur.layer = v
		case "file":
			cur.file = v
		case "old":
			cur.old = v
		case "new":
			cur.new = v
		case "test":
			cur.test = v
		default:
			return nil, fmt.Errorf("%s:%d: unknown key %q", path, n, k)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("%s: no mutations", path)
	}
	return ms, nil
}

func pick(ms []mutant, names []string) ([]mutant, error) {
	by := map[string]mutant{}
	for _, m := range ms {
		by[m.name] = m
	}
	var out []mutant
	for _, n := range names {
		for _, n := range strings.Fields(strings.ReplaceAll(n, ",", " ")) {
			m, ok := by[n]
			if !ok {
				return nil, fmt.Errorf("no mutation named %q", n)
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// run copies the tree, applies m and runs its test; it returns the verdict
// and a short detail.
func run(root string, m mutant, timeout time.Duration, keep, verbose bool) (string, string) {
	dir, err := os.MkdirTemp("", "gaol-mutant-"+m.name+"-")
	if err != nil {
		return "INVALID", err.Error()
	}
	if keep {
		fmt.Fprintln(os.Stderr, "mutation: keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if err := copyTree(root, dir); err != nil {
		return "INVALID", "copy: " + err.Error()
	}
	target := filepath.Join(dir, filepath.FromSlash(m.file))
	src, err := os.ReadFile(target)
	if err != nil {
		return "INVALID", err.Error()
	}
	if c := strings.Count(string(src), m.old); c != 1 {
		return "INVALID", fmt.Sprintf("%s: old text matches %d times, want exactly once", m.file, c)
	}
	if err := os.WriteFile(target, []byte(strings.Replace(string(src), m.old, m.new, 1)), 0o644); err != nil {
		return "INVALID", err.Error()
	}
	pkg := "./" + filepath.ToSlash(filepath.Dir(m.file))
	for _, args := range [][]string{{"build", "./..."}, {"vet", pkg}} {
		if out, err := command(dir, 5*time.Minute, "go", args...); err != nil {
			return "INVALID", fmt.Sprintf("go %s: %v\n%s", strings.Join(args, " "), err, indent(out))
		}
	}
	start := time.Now()
	out, err := command(dir, timeout, "sh", "-c", m.test)
	took := time.Since(start).Round(time.Second)
	if verbose {
		fmt.Print(indent(out))
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return "SURVIVED", fmt.Sprintf("(%s) %s — %s still passes", took, m.layer, m.test)
	case errors.Is(err, context.DeadlineExceeded):
		// A test that hangs on the mutant has noticed it, but a hang is a
		// poor signal: say so.
		return "KILLED", fmt.Sprintf("(%s, timed out) %s", took, m.layer)
	case errors.As(err, &exit):
		return "KILLED", fmt.Sprintf("(%s) %s", took, m.layer)
	default:
		return "INVALID", fmt.Sprintf("cannot run %q: %v", m.test, err)
	}
}

// command runs name args in dir with a deadline, its process group killed
// at the deadline; GAOL_BIN is removed from the environment so that the
// escape suite builds its gaol from the mutated copy.
func command(dir string, timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GAOL_BIN=") {
			env = append(env, e)
		}
	}
	cmd.Env = env
	setpgid(cmd)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), ctx.Err()
	}
	return string(out), err
}

// copyTree copies root to dst, leaving out .git and bin at the top.
func copyTree(root, dst string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		if top := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]; top == ".git" || top == "bin" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Mkdir(to, info.Mode().Perm()|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, to)
		case info.Mode().IsRegular():
			return copyFile(p, to, info.Mode().Perm())
		}
		return nil // sockets, fifos: not part of the tree
	})
}

func copyFile(from, to string, perm fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > 40 {
		lines = append([]string{"\t..."}, lines[len(lines)-40:]...)
	}
	return "\t" + strings.Join(lines, "\n\t") + "\n"
}
