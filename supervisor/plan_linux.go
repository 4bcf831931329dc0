package supervisor

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gaol-sandbox/gaol/guest"
	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/vfs"
)

// plan is everything decided before the guest starts.
type plan struct {
	guest     guest.Config
	mounts    []vfs.Mount
	scratch   []int // indexes in mounts of scratch mounts, in Tmpfs order
	cwd       string
	rlimits   []rlimit
	execPaths map[string]bool
	newNet    bool
	layers    []string
}

func (r *runner) plan(ctx context.Context, newNet bool) (*plan, error) {
	pol := r.o.Policy
	p := &plan{newNet: newNet}
	exp := newExposer()
	var loader []string
	if pol.Interpreter.Discover || r.o.view != nil {
		in := r.o.view
		if in == nil {
			var err error
			if in, err = DiscoverInterpreter(ctx, r.o.Path, pol.Interpreter.SitePackages); err != nil {
				return nil, err
			}
		}
		for _, path := range append([]string{r.o.Path, in.Executable}, in.Files...) {
			if err := exp.expose(path); err != nil {
				return nil, err
			}
		}
		for _, dir := range in.Dirs {
			if err := exp.exposeHiding(dir, in.Hidden); err != nil {
				return nil, err
			}
		}
		loader = in.Files
	} else if err := exp.expose(r.o.Path); err != nil {
		return nil, err
	}
	declared := map[string]policies.Mount{}
	for _, m := range append(append([]policies.Mount(nil), pol.Mounts...), r.o.Mounts...) {
		declared[m.Guest] = m
	}
	for _, m := range append(exp.list(), procView(r.o.Path, pol.Limits)...) {
		if _, ok := declared[m.Guest]; ok {
			continue
		}
		if d, ok := coveringMount(declared, m.Guest); ok {
			// A declared host mount that already shows this file at
			// this path (the policy mounts an interpreter directory
			// itself) makes the interpreter's own mount redundant;
			// anything else there would hide what the interpreter needs.
			if d.Kind == policies.MountHost && showsSame(d, m) {
				continue
			}
			return nil, fmt.Errorf("the interpreter needs %s, which the %s mount at %s hides: mount %s elsewhere", m.Guest, d.Kind, d.Guest, d.Guest)
		}
		p.mounts = append(p.mounts, m)
	}
	guests := make([]string, 0, len(declared))
	for g := range declared {
		guests = append(guests, g)
	}
	sort.Strings(guests)
	hasTmp := false
	for _, g := range guests {
		m := declared[g]
		vm, err := toVFSMount(m)
		if err != nil {
			return nil, err
		}
		if m.Kind == policies.MountScratch {
			p.scratch = append(p.scratch, len(p.mounts))
			p.guest.Tmpfs = append(p.guest.Tmpfs, guest.Tmpfs{Bytes: orInt(m.QuotaBytes, 64<<20), Inodes: orInt(m.QuotaFiles, 4096) + 1})
			if g == "/tmp" {
				hasTmp = true
			}
		}
		p.mounts = append(p.mounts, vm)
	}
	if len(pol.Network.Connect) > 0 {
		p.mounts = addEtcView(p.mounts, r.names)
	}
	// The shadow tmpfs holds one empty directory per virtual directory the
	// guest opens; it is also the guest's kernel working directory.
	p.guest.Tmpfs = append(p.guest.Tmpfs, guest.Tmpfs{Bytes: 64 << 10, Inodes: 4096})

	p.cwd = r.o.Cwd
	if p.cwd == "" {
		p.cwd = "/"
		if hasTmp {
			p.cwd = "/tmp"
		}
	}
	p.guest.Path = r.o.Path
	p.guest.Argv = r.o.Argv
	p.guest.Env = envList(pol.Env)
	// Only a virtual clock fast-forwards waits (as it does sleeps); every
	// other mode keeps the poll family on the kernel's fast path.
	p.guest.VirtualTime = pol.Time.Mode == policies.TimeVirtual
	p.rlimits = rlimits(pol.Limits)
	p.layers = []string{"seccomp-user-notify", "user-namespace", "pid-namespace", "ipc-namespace", "uts-namespace", "mount-namespace"}
	if p.newNet {
		p.layers = append(p.layers, "network-namespace")
	}
	p.execPaths = execPaths(pol, r.o.Path)
	if abi, err := guest.LandlockABI(); err == nil && abi >= 1 {
		p.guest.Landlock = true
		p.guest.LandlockExec = landlockExec(r.o.Path, loader, p.execPaths)
		p.layers = append(p.layers, fmt.Sprintf("landlock-abi-%d", abi))
	}
	p.layers = append(p.layers, "rlimits")
	return p, nil
}

// landlockExec lists what the guest may execute: the interpreter, its ELF
// loader (the kernel opens both for the exec) and the programs the
// policy's exec globs matched.
func landlockExec(path string, files []string, programs map[string]bool) []string {
	out := []string{path}
	for p := range programs {
		out = append(out, p)
	}
	for _, f := range files {
		if len(f) > 0 && (strings.Contains(f, "/ld-linux") || strings.Contains(f, "/ld64")) {
			out = append(out, f)
		}
	}
	return out
}

func orInt(v, d int64) int64 {
	if v <= 0 {
		return d
	}
	return v
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func toVFSMount(m policies.Mount) (vfs.Mount, error) {
	vm := vfs.Mount{Guest: m.Guest, Mode: m.Mode, Exclude: m.Exclude, HideDotfiles: m.HideDotfiles}
	if len(m.Exclude) > 0 {
		vm.Excluded = m.Excluded
	}
	switch m.Kind {
	case policies.MountHost:
		vm.Kind, vm.Host, vm.Writable, vm.FollowSymlinks = vfs.KindHost, m.Host, m.Writable, m.FollowSymlinks
	case policies.MountFile:
		vm.Kind, vm.Content = vfs.KindFile, []byte(m.Content)
	case policies.MountDir:
		vm.Kind = vfs.KindDir
	case policies.MountScratch:
		vm.Kind, vm.Keep = vfs.KindScratch, m.Keep
	case policies.MountDevice:
		vm.Kind, vm.Device = vfs.KindDevice, m.Device
	default:
		return vm, fmt.Errorf("mount %s: unknown kind %q", m.Guest, m.Kind)
	}
	return vm, nil
}

// execPaths are the absolute paths the guest may exec after its first
// exec: those the policy's process.exec globs match among the interpreter
// (as invoked and its real path) and the host files the globs name.
func execPaths(pol *policies.Policy, interpreter string) map[string]bool {
	out := map[string]bool{}
	if len(pol.Process.Exec) == 0 {
		return out
	}
	candidates := []string{interpreter}
	if real, err := filepath.EvalSymlinks(interpreter); err == nil {
		candidates = append(candidates, real)
	}
	for _, g := range pol.Process.Exec {
		if matches, err := filepath.Glob(g); err == nil {
			candidates = append(candidates, matches...)
		}
	}
	for _, c := range candidates {
		for _, g := range pol.Process.Exec {
			if glob, err := policies.CompileGlob(g); err == nil && glob.Match(c) {
				if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
					out[c] = true
				}
			}
		}
	}
	return out
}

// coveringMount is the declared host or scratch mount that guest lies
// inside, if any: the guest's tree mounts nothing inside one of those.
func coveringMount(declared map[string]policies.Mount, guest string) (policies.Mount, bool) {
	for p := path.Dir(guest); p != "/" && p != "."; p = path.Dir(p) {
		if d, ok := declared[p]; ok && (d.Kind == policies.MountHost || d.Kind == policies.MountScratch) {
			return d, true
		}
	}
	return policies.Mount{}, false
}

// showsSame reports whether the host mount d already shows m, a mount of
// the interpreter's inside it: the same host file at the same guest path,
// or a symlink with the same target.
func showsSame(d policies.Mount, m vfs.Mount) bool {
	host := path.Join(d.Host, strings.TrimPrefix(m.Guest, d.Guest+"/"))
	switch m.Kind {
	case vfs.KindHost:
		return m.Host == host
	case vfs.KindSymlink:
		target, err := os.Readlink(host)
		return err == nil && target == m.Target
	}
	return false
}
