package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/gaol-sandbox/gaol/policies"
)

// policyVars are the flags that give var.NAME values: --var NAME=VALUE
// and --var-file FILE (a .gaolvars file), shared by run and check.
type policyVars struct {
	vars, files listFlag
}

func (v *policyVars) register(fs *flag.FlagSet) {
	fs.Var(&v.vars, "var", "set a policy variable, `NAME=VALUE` (repeatable; wins over --var-file)")
	fs.Var(&v.files, "var-file", "read policy variables from a .gaolvars `FILE` (repeatable)")
}

// values are the variables, the files' first and the --var flags over
// them. Diagnostics of a .gaolvars file are rendered into the error.
func (v *policyVars) values() (map[string]string, error) {
	values := map[string]string{}
	for _, file := range v.files {
		p := policies.NewParser()
		fv, diags := p.LoadVarsFile(file)
		if diags.HasErrors() {
			var b strings.Builder
			writeDiags(&b, p.Files(), diags)
			return nil, fmt.Errorf("--var-file %s:\n%s", file, strings.TrimRight(b.String(), "\n"))
		}
		for k, val := range fv {
			values[k] = val
		}
	}
	for _, s := range v.vars {
		k, val, err := policies.ParseVarFlag(s)
		if err != nil {
			return nil, fmt.Errorf("--var %s: %v", s, err)
		}
		values[k] = val
	}
	return values, nil
}

// checkPolicy loads one POLICY argument, a file or builtin:NAME, as
// `gaol check` does: its errors and every warning, also while errors
// remain.
func checkPolicy(p *policies.Parser, arg string, vars map[string]string) (*policies.Policy, hcl.Diagnostics) {
	if name, ok := strings.CutPrefix(arg, "builtin:"); ok {
		return p.CheckBuiltin(name)
	}
	return p.Check(arg, vars)
}

const checkUsage = `usage: gaol check [--var NAME=VALUE]... [--var-file FILE]... POLICY...

Loads each policy (a file, or builtin:NAME) and prints its errors and its
warnings with file, line and column. Exit status 1 if any has errors.`

// cmdCheck checks policy files: errors and loosening warnings, rendered
// with their source lines. Exit status 1 if any file has errors, 2 for bad
// usage.
func cmdCheck(args []string) int {
	var v policyVars
	fs := flag.NewFlagSet("gaol check", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), checkUsage)
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	v.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	values, err := v.values()
	if err != nil {
		fmt.Fprintf(os.Stderr, "gaol check: %v\n", err)
		return 2
	}
	status := 0
	for _, arg := range fs.Args() {
		p := policies.NewParser()
		pol, diags := checkPolicy(p, arg, values)
		writeDiags(os.Stderr, p.Files(), diags)
		if diags.HasErrors() || pol == nil {
			status = 1
			fmt.Printf("%s: %s\n", arg, count(diags))
			continue
		}
		fmt.Printf("%s: ok (sandbox %q", arg, pol.Name)
		if n := len(diags); n > 0 {
			fmt.Printf(", %s", count(diags))
		}
		fmt.Println(")")
	}
	return status
}

// count says how many errors and warnings diags has.
func count(diags hcl.Diagnostics) string {
	errs, warns := 0, 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs++
		} else {
			warns++
		}
	}
	plural := func(n int, what string) string {
		if n == 1 {
			return "1 " + what
		}
		return fmt.Sprintf("%d %ss", n, what)
	}
	if errs == 0 {
		return plural(warns, "warning")
	}
	return plural(errs, "error") + ", " + plural(warns, "warning")
}

// cmdProfiles lists the built-in profiles with their descriptions, or
// prints one.
func cmdProfiles(args []string) int {
	if len(args) == 0 {
		for _, name := range policies.Profiles() {
			pol, diags := policies.Builtin(name)
			desc := ""
			if !diags.HasErrors() && pol != nil {
				desc = pol.Description
			}
			fmt.Printf("%-14s %s\n", name, desc)
		}
		return 0
	}
	if args[0] == "show" && len(args) == 2 {
		src, ok := policies.ProfileSource(args[1])
		if !ok {
			fmt.Fprintf(os.Stderr, "gaol: no built-in profile %q (have: %s)\n", args[1], strings.Join(policies.Profiles(), ", "))
			return 1
		}
		os.Stdout.Write(src)
		return 0
	}
	fmt.Fprintln(os.Stderr, "usage: gaol profiles [show NAME]")
	return 2
}
