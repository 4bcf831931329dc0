package policies

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// processBlock is `process { max = 4  exec = ["/usr/bin/*"] }`. max is the
// same budget as limits.processes; a file may set only one of them.
type processBlock struct {
	Max  hcl.Expression `hcl:"max,optional"`
	Exec hcl.Expression `hcl:"exec,optional"`
}

type processLayer struct {
	max  opt[budget]
	exec opt[[]located]
}

func (b *processBlock) decode(e *evaluator) processLayer {
	if b == nil {
		return processLayer{}
	}
	l := processLayer{
		max:  e.budget("max", b.Max, "count", parseCount, true),
		exec: e.strings("exec", b.Exec),
	}
	if l.exec.Set {
		for _, x := range l.exec.V {
			checkPathGlob(e, x, "exec")
		}
	}
	return l
}

// processBudget merges process.max into limits.processes for one file.
func processBudget(e *evaluator, limits opt[budget], max opt[budget]) opt[budget] {
	if limits.Set && max.Set {
		e.add(diagError(max.Range, "Process limit set twice",
			fmt.Sprintf("process.max and limits.processes are the same budget, and limits.processes is already set at %s. Set only one of them.", limits.Range)))
		return limits
	}
	return limits.or(max)
}

// checkPathGlob validates an absolute guest path pattern.
func checkPathGlob(e *evaluator, x located, what string) *Glob {
	if len(x.Value) == 0 || x.Value[0] != '/' {
		e.add(diagError(x.Range, "Relative path pattern",
			fmt.Sprintf("The %s pattern %q must be an absolute guest path pattern, such as \"/work/**\".", what, x.Value)))
		return nil
	}
	g, err := CompileGlob(x.Value)
	if err != nil {
		e.add(diagError(x.Range, "Invalid glob", fmt.Sprintf("The %s pattern %q is invalid: %s", what, x.Value, sentence(err.Error()))))
		return nil
	}
	return g
}
