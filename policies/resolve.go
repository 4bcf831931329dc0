package policies

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// LookupFunc returns the addresses of a host name. The zero value (nil)
// is not a lookup; net.DefaultResolver's LookupNetIP with network "ip"
// is the usual one, and tests pass their own.
type LookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// ResolveTimeout bounds all the lookups of one Resolve together.
const ResolveTimeout = 5 * time.Second

// ResolvedName is one host name of a policy's connect entries with the
// addresses it resolved to, IPv4-mapped addresses unmapped.
type ResolvedName struct {
	Name  string
	Addrs []netip.Addr
}

// HostNames lists the host names the policy's connect rules name, in
// rule order, each once.
func (p *Policy) HostNames() []string {
	var names []string
	for _, r := range p.Rules {
		if r.Host != "" && !slices.Contains(names, r.Host) {
			names = append(names, r.Host)
		}
	}
	return names
}

// Resolve looks up every host name the policy's connect rules name, at
// most ResolveTimeout for all of them, and returns a copy of p whose
// rules for a name allow exactly the addresses it resolved to (each as a
// /32 or /128), and the names with their addresses. p itself is not
// changed. A name that does not resolve, or resolves to no address, is an
// error naming the rule's entry and where it was declared: a run never
// goes on with part of its allow-list missing. A policy without names is
// returned as it is, without a lookup.
func (p *Policy) Resolve(ctx context.Context, lookup LookupFunc) (*Policy, []ResolvedName, error) {
	names := p.HostNames()
	if len(names) == 0 {
		return p, nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, ResolveTimeout)
	defer cancel()
	addrs, errs := make([][]netip.Addr, len(names)), make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { addrs[i], errs[i] = lookupOne(ctx, lookup, name) })
	}
	wg.Wait()
	q := *p
	q.Rules = slices.Clone(p.Rules)
	for i := range q.Rules {
		r := &q.Rules[i]
		if r.Host == "" {
			continue
		}
		k := slices.Index(names, r.Host)
		if errs[k] != nil {
			return nil, nil, fmt.Errorf("%s: cannot resolve %s: %w", describeEntry(r), r.Host, errs[k])
		}
		r.Addresses = make([]netip.Prefix, 0, len(addrs[k]))
		for _, a := range addrs[k] {
			r.Addresses = append(r.Addresses, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	out := make([]ResolvedName, len(names))
	for i, name := range names {
		out[i] = ResolvedName{Name: name, Addrs: addrs[i]}
	}
	return &q, out, nil
}

// lookupOne resolves one name to its distinct addresses, unmapped and
// without zones.
func lookupOne(ctx context.Context, lookup LookupFunc, name string) ([]netip.Addr, error) {
	found, err := lookup(ctx, name)
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, a := range found {
		a = a.Unmap().WithZone("")
		if a.IsValid() && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("it resolves to no address")
	}
	return out, nil
}

// describeEntry names the connect entry a rule came from as its author
// wrote it, with the file and line, such as
// `connect entry "udp:ntp.example:123" (policy.hcl:7)`.
func describeEntry(r *Rule) string {
	entry := r.Host + ":*"
	if len(r.Ports) == 1 {
		entry = fmt.Sprintf("%s:%d", r.Host, r.Ports[0])
	}
	if slices.Contains(r.Networks, "udp") {
		entry = "udp:" + entry
	}
	where := r.Name
	if r.DeclRange.Filename != "" {
		where = fmt.Sprintf("%s:%d", r.DeclRange.Filename, r.DeclRange.Start.Line)
	}
	return fmt.Sprintf("connect entry %q (%s)", entry, where)
}
