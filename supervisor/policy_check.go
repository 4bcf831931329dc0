package supervisor

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/policies"
)

// check asks the policy whether the syscall being answered may act on the
// resolved guest path p, records p and the deciding rule in the trace, and
// returns the denial to send when it may not.
func (c *call) check(p string) (reply, bool) {
	c.ev.Args.Guest = p
	if c.s.policy == nil {
		return reply{}, true
	}
	d := c.s.policy.Decide(policies.Op{Syscall: c.ev.Syscall, Path: p, Access: c.accessFor()})
	c.decided(d)
	if d.Allow {
		return reply{}, true
	}
	return reply{action: actDeny, errno: d.Errno, rule: d.Rule, rulePos: c.ev.RulePos}, false
}

// decided records the policy's decision for the call: the rule and its
// position in the trace, and whether the rule asked to be logged (the
// session logs such calls, and a trace with events = "logged" keeps them).
func (c *call) decided(d policies.Decision) {
	c.ev.Rule, c.ev.RulePos = d.Rule, rulePos(d)
	if d.Rule == "" {
		c.ev.Rule = ruleDefault
	}
	c.logged = d.Log
}

// The trace's rule for a decision no rule of the policy made.
const (
	ruleDefault = "default" // the policy's default denial: no rule matched
	ruleGaol    = "gaol"    // answered from gaol's own state; no rule is asked
)

// rulePos is a decision's rule position as file:line, "" for the default.
func rulePos(d policies.Decision) string {
	if d.Range.Filename == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", d.Range.Filename, d.Range.Start.Line)
}

// accessFor is what the operation being answered needs of its path.
func (c *call) accessFor() policies.Access {
	kind, _ := policies.SyscallKind(c.ev.Syscall)
	if kind != policies.KindOpen {
		return policies.DefaultAccess(kind)
	}
	a := policies.AccessRead
	if c.openFlags&(unix.O_WRONLY|unix.O_RDWR|unix.O_TRUNC|unix.O_APPEND) != 0 {
		a = policies.AccessWrite
		if c.openFlags&unix.O_RDWR != 0 {
			a |= policies.AccessRead
		}
	}
	if c.openFlags&unix.O_CREAT != 0 {
		a |= policies.AccessCreate
	}
	return a
}
