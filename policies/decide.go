package policies

import (
	"net/netip"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/sys/unix"
)

// Op describes one intercepted operation for Decide. The zero value is an
// operation of unknown kind that only rules without criteria match.
type Op struct {
	Kind    string         // operation kind (KindOpen ...); "" means SyscallKind(Syscall)
	Syscall string         // the syscall's name, such as "openat"
	Path    string         // absolute, clean guest path; "" if the operation names none
	Access  Access         // what the operation does to Path
	Addr    netip.AddrPort // destination of connect/send, address of bind; zero if none
	Network string         // "tcp", "udp" or "unix" for socket operations; informative
}

// Decision is the answer to one Op. The zero value denies with errno 0 and
// is never returned by Decide.
type Decision struct {
	Allow bool
	Errno unix.Errno // the errno for a denial; 0 when allowed
	Rule  string     // the deciding rule's name; "" for the default denial
	Range hcl.Range  // where that rule was declared; zero for the default denial
	Log   bool       // the rule asked for the operation to be logged
}

// defaultDecision is the answer when no rule matches: deny, and say so.
var defaultDecision = Decision{Errno: unix.EACCES, Log: true}

// Decide returns the decision of the first rule in p.Rules that matches
// op, or a logged EACCES denial if none does. It does not allocate and is
// safe for concurrent use. A nil policy denies everything.
func (p *Policy) Decide(op Op) Decision {
	if p == nil {
		return defaultDecision
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
