package policies

import (
	"net/netip"
	"slices"
)

// This file decides, conservatively, whether one rule covers another:
// whether every operation the later rule matches is matched by the
// earlier one. "No" may mean "cannot tell"; "yes" is always right.

// kindBit numbers the operation kinds; bit 63 stands for kinds this
// package does not know, which only rules without kind criteria match.
var kindBit = func() map[string]uint64 {
	m := make(map[string]uint64, len(kindNames))
	for i, k := range kindNames {
		m[k] = 1 << i
	}
	return m
}()

const otherKinds = uint64(1) << 63

// extraSyscallKinds lists the kinds a syscall may be asked as besides its
// default: clone creates threads as well as processes.
var extraSyscallKinds = map[string][]string{"clone": {KindThread}}

func (r *Rule) unconstrained() bool {
	return r.Class == "" && len(r.Operations) == 0 && len(r.Syscalls) == 0 && len(r.Paths) == 0 &&
		len(r.Addresses) == 0 && len(r.Ports) == 0 && r.Access == 0
}

// kinds is the set of operation kinds r may match: exact for class and
// operations, an over-approximation for syscalls.
func (r *Rule) kinds() uint64 {
	set := ^uint64(0)
	if r.Class != "" {
		var m uint64
		for k, c := range kindClass {
			if c == r.Class {
				m |= kindBit[k]
			}
		}
		set &= m
	}
	if len(r.Operations) > 0 {
		var m uint64
		for _, k := range r.Operations {
			m |= kindBit[k]
		}
		set &= m
	}
	if len(r.Syscalls) > 0 {
		var m uint64
		for _, s := range r.Syscalls {
			m |= kindBit[syscallKind[s]]
			for _, k := range extraSyscallKinds[s] {
				m |= kindBit[k]
			}
		}
		set &= m
	}
	return set
}

// covers reports whether every operation b matches is matched by a.
func (a *Rule) covers(b *Rule) bool {
	if bk := b.kinds(); bk&^a.kinds() != 0 {
		return false
	}
	if len(a.Syscalls) > 0 && (len(b.Syscalls) == 0 || !subset(b.Syscalls, a.Syscalls)) {
		return false
	}
	return a.coversPaths(b) && a.coversAddrs(b) && a.coversPorts(b) && a.coversAccess(b)
}

func subset[T comparable](xs, of []T) bool {
	for _, x := range xs {
		if !slices.Contains(of, x) {
			return false
		}
	}
	return true
}

func (a *Rule) coversPaths(b *Rule) bool {
	if len(a.Paths) == 0 {
		return true
	}
	if len(b.Paths) == 0 {
		return false
	}
	for _, gb := range b.Paths {
		if !slices.ContainsFunc(a.Paths, func(ga *Glob) bool { return ga.covers(gb) }) {
			return false
		}
	}
	return true
}

func (a *Rule) coversAddrs(b *Rule) bool {
	if a.Host != "" {
		return false // a name's addresses are known only when a run starts
	}
	if len(a.Addresses) == 0 {
		// An address criterion also needs an address; ports alone do too.
		return len(a.Ports) == 0 || len(b.Addresses) > 0 || len(b.Ports) > 0
	}
	if len(b.Addresses) == 0 {
		return false
	}
	for _, pb := range b.Addresses {
		if !slices.ContainsFunc(a.Addresses, func(pa netip.Prefix) bool {
			return pa.Bits() <= pb.Bits() && pa.Contains(pb.Addr())
		}) {
			return false
		}
	}
	return true
}

func (a *Rule) coversPorts(b *Rule) bool {
	if len(a.Ports) == 0 {
		return true
	}
	return len(b.Ports) > 0 && subset(b.Ports, a.Ports)
}

// coversAccess: a deny rule matches an operation needing any of its
// access; an allow rule one needing nothing outside it.
func (a *Rule) coversAccess(b *Rule) bool {
	if a.Access == 0 {
		return true
	}
	if b.Access == 0 || b.Access&^a.Access != 0 {
		return false
	}
	return !a.Allow || b.Allow
}
