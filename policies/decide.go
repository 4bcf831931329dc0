package policies

import (
	"net/netip"
	"path"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/sys/unix"
)

// Op describes one intercepted operation for Decide. The zero value is an
// operation of unknown kind that only rules without criteria match.
type Op struct {
	Kind    string         // operation kind (KindOpen ...); "" means SyscallKind(Syscall)
	Syscall string         // the syscall's name, such as "openat"
	Path    string         // absolute, clean guest path (path.Clean); "" if the operation names none
	Access  Access         // what the operation does to Path
	Addr    netip.AddrPort // destination of connect/send, address of bind; zero if none
	Network string         // "tcp" (also when empty), "udp" or "unix" for socket operations
}

// Decision is the answer to one Op. The zero value denies with errno 0 and
// is never returned by Decide.
type Decision struct {
	Allow bool
	Errno unix.Errno // the errno for a denial; 0 when allowed
	Rule  string     // the deciding rule's name; "" for the default denial, UncleanPath for a malformed Op.Path
	Range hcl.Range  // where that rule was declared; zero for the default denial
	Log   bool       // the rule asked for the operation to be logged
}

// UncleanPath is Decision.Rule for an operation whose Path is not
// absolute and clean. Globs match paths element by element, so
// "/work/../etc/passwd" would slip past a rule for "/etc/**": such paths
// are a bug in the caller, and are denied rather than matched.
const UncleanPath = "(unclean path)"

var (
	// defaultDecision is the answer when no rule matches: deny, and say so.
	defaultDecision = Decision{Errno: unix.EACCES, Log: true}
	uncleanDecision = Decision{Errno: unix.EACCES, Log: true, Rule: UncleanPath}
)

// Decide returns the decision of the first rule in p.Rules that matches
// op, or a logged EACCES denial if none does. It does not allocate and is
// safe for concurrent use. A nil policy denies everything.
func (p *Policy) Decide(op Op) Decision {
	if p == nil {
		return defaultDecision
	}
	if op.Path != "" && (op.Path[0] != '/' || path.Clean(op.Path) != op.Path) {
		return uncleanDecision
	}
	kind := op.Kind
	if kind == "" {
		kind = syscallKind[op.Syscall]
	}
	cls := kindClass[kind]
	for i := range p.Rules {
		if p.Rules[i].matches(&op, kind, cls) {
			return p.Rules[i].decision()
		}
	}
	return defaultDecision
}
