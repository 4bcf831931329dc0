package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/gaol-sandbox/gaol/policies"
)

// cmdCheck checks policy files: errors and loosening warnings, rendered
// with their source lines. Exit status 1 if any file has errors.
func cmdCheck(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: gaol check POLICY...")
		return 2
	}
	status := 0
	for _, file := range args {
		p := policies.NewParser()
		pol, diags := p.Load(file, nil)
		if pol != nil {
			diags = append(diags, policies.Warnings(pol)...)
		}
		writeDiags(os.Stderr, p.Files(), diags)
		if diags.HasErrors() {
			status = 1
			continue
		}
		fmt.Printf("%s: ok (sandbox %q)\n", file, pol.Name)
	}
	return status
}

// cmdProfiles lists the built-in profiles or prints one.
func cmdProfiles(args []string) int {
	if len(args) == 0 {
		for _, name := range policies.Profiles() {
			fmt.Println(name)
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
