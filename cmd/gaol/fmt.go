package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// cmdFmt rewrites policy files in canonical HCL layout, as `terraform fmt`
// does. With -check it changes nothing, lists the files that would change
// and exits 1 if there are any.
func cmdFmt(args []string) int {
	fs := flag.NewFlagSet("gaol fmt", flag.ContinueOnError)
	check := fs.Bool("check", false, "list files that are not formatted and exit 1 if any, change nothing")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: gaol fmt [-check] FILE...")
		return 2
	}
	status := 0
	for _, file := range fs.Args() {
		src, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gaol fmt: %v\n", err)
			status = 1
			continue
		}
		// Refuse to reformat what does not parse: formatting garbage
		// would hide the error.
		if _, diags := hclsyntax.ParseConfig(src, file, hcl.InitialPos); diags.HasErrors() {
			writeDiags(os.Stderr, map[string]*hcl.File{file: {Bytes: src}}, diags)
			status = 1
			continue
		}
		out := policies.Format(src)
		if bytes.Equal(out, src) {
			continue
		}
		if *check {
			fmt.Println(file)
			status = 1
			continue
		}
		if err := os.WriteFile(file, out, 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "gaol fmt: %v\n", err)
			status = 1
		}
	}
	return status
}
