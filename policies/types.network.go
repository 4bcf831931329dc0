package policies

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// networkBlock is `network { connect = ["127.0.0.1:8080", "10.0.0.0/8:443"] }`.
type networkBlock struct {
	Connect hcl.Expression `hcl:"connect,optional"`
}

// destination is one parsed connect entry.
type destination struct {
	located
	prefixes []netip.Prefix // empty for a host name until the run resolves it
	host     string         // a DNS host name, resolved when the run starts; "" for addresses
	port     uint16         // 0: any port
	network  string         // "tcp", or "udp" for an entry written "udp:ADDR:PORT"
}

func (b *networkBlock) decode(e *evaluator) opt[[]destination] {
	if b == nil {
		return opt[[]destination]{}
	}
	entries := e.strings("connect", b.Connect)
	if !entries.Set {
		return opt[[]destination]{}
	}
	out := make([]destination, 0, len(entries.V))
	for _, x := range entries.V {
		d, err := parseDestination(x.Value)
		if err != nil {
			e.add(diagError(x.Range, "Invalid destination", fmt.Sprintf("The destination %q is invalid: %s", x.Value, sentence(err.Error()))))
			continue
		}
		d.located = x
		out = append(out, d)
	}
	return some(out, entries.Range)
}

// rule is the allow rule a destination implies, named name.
func (d destination) rule(name string) Rule {
	r := Rule{Name: name, Operations: []string{KindConnect, KindSend}, Addresses: d.prefixes,
		Host: d.host, Networks: []string{d.network}, Allow: true, DeclRange: d.Range}
	if d.port != 0 {
		r.Ports = []uint16{d.port}
	}
	return r
}

// parseDestination parses "ADDR:PORT", "CIDR:PORT", "[V6]:PORT",
// "[V6CIDR]:PORT", "localhost:PORT" or "NAME:PORT"; PORT may be "*". A
// host name is only checked for form here: it is resolved when a run
// starts (Policy.Resolve), so loading a policy never needs the network. Such an entry
// allows TCP connections; "udp:" before it allows datagrams instead
// (connect and sendto of a UDP socket).
func parseDestination(s string) (destination, error) {
	network := "tcp"
	if rest, ok := strings.CutPrefix(s, "udp:"); ok {
		s, network = rest, "udp"
	} else if rest, ok := strings.CutPrefix(s, "tcp:"); ok {
		s = rest
	}
	d, err := parseHostPort(s)
	d.network = network
	return d, err
}

func parseHostPort(s string) (destination, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return destination{}, fmt.Errorf("it has no port; write ADDRESS:PORT, such as \"127.0.0.1:8080\", with \"*\" for any port")
	}
	host, portStr := s[:i], s[i+1:]
	var d destination
	if portStr != "*" {
		p, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil || p == 0 {
			return d, fmt.Errorf("the port %q is not a number from 1 to 65535 or \"*\"", portStr)
		}
		d.port = uint16(p)
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "localhost" {
		d.prefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
		return d, nil
	}
	if looksLikeName(host) {
		if err := checkHostName(host); err != nil {
			return d, err
		}
		d.host = strings.ToLower(strings.TrimSuffix(host, "."))
		return d, nil
	}
	p, err := parsePrefix(host)
	if err != nil {
		return d, err
	}
	d.prefixes = []netip.Prefix{p}
	return d, nil
}

// looksLikeName tells a host name from an address the author mistyped:
// an IP literal has a ':' or '/', or ends in a number ("10.0.0.300"),
// which no top-level domain does.
func looksLikeName(s string) bool {
	if s == "" || strings.ContainsAny(s, ":/") {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(s, "."), ".")
	last := labels[len(labels)-1]
	return strings.Trim(last, "0123456789") != ""
}

// checkHostName checks the form of a DNS host name (RFC 1123): dot-
// separated labels of letters, digits, '-' and '_', each 1 to 63
// characters and not starting or ending with '-', 253 in all.
func checkHostName(s string) error {
	name := strings.TrimSuffix(s, ".")
	if len(name) > 253 {
		return fmt.Errorf("the host name %q is longer than 253 characters", s)
	}
	for _, label := range strings.Split(name, ".") {
		switch {
		case label == "":
			return fmt.Errorf("the host name %q has an empty label (two dots in a row, or a leading dot)", s)
		case len(label) > 63:
			return fmt.Errorf("the host name %q has a label longer than 63 characters", s)
		case label[0] == '-' || label[len(label)-1] == '-':
			return fmt.Errorf("the host name %q has a label that starts or ends with '-'", s)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return fmt.Errorf("the host name %q contains %q; names are letters, digits, '-' and '_' between dots", s, r)
			}
		}
	}
	return nil
}

// parsePrefix parses an address or a CIDR prefix, unmapping IPv4-mapped
// IPv6 so that ::ffff:10.0.0.1 and 10.0.0.1 are the same destination.
func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR prefix", s)
		}
		a = a.Unmap().WithZone("")
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR prefix such as \"10.0.0.0/8\"", s)
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has bits set beyond its prefix length. Did you mean %q?", s, p.Masked().String())
	}
	return p, nil
}
