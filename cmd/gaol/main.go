// Command gaol runs untrusted Python under a seccomp supervisor that
// answers every file, network, time and process request from a policy.
//
// Usage:
//
//	gaol run [flags] [--] COMMAND [ARGS...]
//	gaol check POLICY...
//	gaol explain POLICY -- OPERATION ARGS...
//	gaol fmt [-check] FILE...
//	gaol profiles [show NAME]
//	gaol version
//
// See docs/cli.md for the flags and exit statuses.
package main

import (
	"fmt"
	"os"

	"github.com/gaol-sandbox/gaol/guest"
	"github.com/gaol-sandbox/gaol/supervisor"
)

func main() {
	// The guest stub is this binary re-executed with a hidden first
	// argument; it must decide before anything else runs.
	if len(os.Args) > 1 {
		if os.Args[1] == guest.ModeInit {
			guest.RunInit()
		}
	}
	os.Exit(dispatch(os.Args[1:]))
}

const usage = `usage: gaol COMMAND [ARGS...]

Commands:
  run [flags] [--] PROGRAM [ARGS...]   run PROGRAM (a Python interpreter) in the sandbox
  check POLICY...                      check policy files and report problems
  explain POLICY -- OP ARGS...         what the policy decides for one operation, and which rule
  fmt [-check] FILE...                 rewrite policy files in canonical layout
  profiles [show NAME]                 list the built-in profiles, or print one
  version                              print gaol's version

Run 'gaol COMMAND -h' for a command's flags; docs/cli.md has them all.
`

func dispatch(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:])
	case "check":
		return cmdCheck(args[1:])
	case "explain":
		return cmdExplain(args[1:])
	case "fmt":
		return cmdFmt(args[1:])
	case "profiles":
		return cmdProfiles(args[1:])
	case "version", "--version":
		fmt.Println("gaol", supervisor.Version)
		return 0
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "gaol: unknown command %q\n\n%s", args[0], usage)
	return 2
}
