package policies

import (
	"net/netip"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/sys/unix"
)

// Rule is one entry of a policy's rule list. A rule matches an operation
// when every criterion it sets matches; an unset (empty) criterion matches
// anything. The zero value matches every operation and denies it with
// EACCES.
type Rule struct {
	Name       string         // the rule block's label; "network.connect" etc. for rules a block implies
	Class      Class          // "" or the operation's class
	Operations []string       // operation kinds (Op.Kind), any of
	Syscalls   []string       // syscall names (Op.Syscall), any of
	Paths      []*Glob        // the operation's guest path matches any of
	Addresses  []netip.Prefix // the operation's address is in any of (IPv4-mapped addresses are unmapped)
	Host       string         // a connect entry's host name: Addresses are what it resolved to (Policy.Resolve); unresolved, the rule matches nothing
	Ports      []uint16       // the operation's port is any of
	Networks   []string       // the operation's Network ("tcp", "udp") is any of
	Access     Access         // allow: the operation needs nothing outside it; deny: it needs any of it
	Allow      bool           // the action: allow, or deny with Errno
	Errno      unix.Errno     // deny: the errno returned; 0 means EACCES
	Log        bool           // record matching operations in the supervisor's log
	DeclRange  hcl.Range      // where the rule was declared
}

// matches reports whether r matches op, whose class is cls.
func (r *Rule) matches(op *Op, kind string, cls Class) bool {
	if r.Class != "" && r.Class != cls {
		return false
	}
	if len(r.Operations) > 0 && !slices.Contains(r.Operations, kind) {
		return false
	}
	if len(r.Syscalls) > 0 && !slices.Contains(r.Syscalls, op.Syscall) {
		return false
	}
	if len(r.Networks) > 0 && !slices.Contains(r.Networks, opNetwork(op)) {
		return false
	}
	if r.Access != 0 && !r.accessMatches(op.Access) {
		return false
	}
	if len(r.Paths) > 0 && !r.pathMatches(op.Path) {
		return false
	}
	if len(r.Addresses) > 0 || len(r.Ports) > 0 || r.Host != "" {
		return r.addrMatches(op.Addr)
	}
	return true
}

// accessMatches: an allow rule must grant everything the operation needs;
// a deny rule refuses an operation that needs any of what it lists.
func (r *Rule) accessMatches(a Access) bool {
	if a == 0 {
		return false
	}
	if r.Allow {
		return a&^r.Access == 0
	}
	return a&r.Access != 0
}

func (r *Rule) pathMatches(path string) bool {
	if path == "" {
		return false
	}
	for _, g := range r.Paths {
		if g.Match(path) {
			return true
		}
	}
	return false
}

func (r *Rule) addrMatches(ap netip.AddrPort) bool {
	if !ap.IsValid() {
		return false
	}
	if len(r.Ports) > 0 && !slices.Contains(r.Ports, ap.Port()) {
		return false
	}
	if len(r.Addresses) == 0 {
		return r.Host == "" // a name that has not been resolved allows nothing
	}
	addr := ap.Addr().Unmap()
	for _, p := range r.Addresses {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// decision is what r answers when it matches.
func (r *Rule) decision() Decision {
	d := Decision{Allow: r.Allow, Rule: r.Name, Range: r.DeclRange, Log: r.Log}
	if !r.Allow {
		d.Errno = r.Errno
		if d.Errno == 0 {
			d.Errno = unix.EACCES // fail closed: errno 0 would tell the guest it succeeded
		}
	}
	return d
}

// opNetwork is the operation's protocol; an address operation that does
// not say is TCP.
func opNetwork(op *Op) string {
	if op.Network == "" {
		return "tcp"
	}
	return op.Network
}
