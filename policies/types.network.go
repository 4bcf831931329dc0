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
	prefixes []netip.Prefix
	port     uint16 // 0: any port
	network  string // "tcp", or "udp" for an entry written "udp:ADDR:PORT"
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

// parseDestination parses "ADDR:PORT", "CIDR:PORT", "[V6]:PORT",
// "[V6CIDR]:PORT" or "localhost:PORT"; PORT may be "*". Such an entry
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
	p, err := parsePrefix(host)
	if err != nil {
		return d, err
	}
	d.prefixes = []netip.Prefix{p}
	return d, nil
}

// parsePrefix parses an address or a CIDR prefix, unmapping IPv4-mapped
// IPv6 so that ::ffff:10.0.0.1 and 10.0.0.1 are the same destination.
func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR prefix (host names are not resolved: the guest has no DNS)", s)
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
