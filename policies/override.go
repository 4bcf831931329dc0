package policies

import "fmt"

// AllowConnect adds an outbound destination to an evaluated policy, as an
// entry of its network block would ("ADDR:PORT", "CIDR:PORT",
// "NAME:PORT", "udp:ADDR:PORT"; a name is resolved by Resolve): the allow rule goes after the policy's own rules, so a
// deny rule of the policy still wins. It is how `gaol run --allow-connect`
// widens a policy from the command line.
func AllowConnect(p *Policy, dest string) error {
	d, err := parseDestination(dest)
	if err != nil {
		return fmt.Errorf("%s: %v", dest, err)
	}
	if len(p.Network.Connect) == 0 {
		p.Rules = append(p.Rules, Rule{Name: "--allow-connect", Operations: []string{KindSocket}, Allow: true})
	}
	p.Rules = append(p.Rules, d.rule("--allow-connect"))
	p.Network.Connect = append(p.Network.Connect, dest)
	return nil
}
