package supervisor

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/vfs"
)

// resolveNames looks up the host names of the policy's connect entries,
// once, before the guest starts: the run enforces the policy with the
// addresses they had then. A name that does not resolve fails the run.
func (r *runner) resolveNames(ctx context.Context) error {
	lookup := r.o.Lookup
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	pol, names, err := r.o.Policy.Resolve(ctx, lookup)
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	r.o.Policy, r.names = pol, names
	return nil
}

// etcView is the guest's name service when the policy allows connections:
// an /etc/hosts with localhost and the names the policy resolved, and
// the files that make glibc read only it. The guest has no DNS of its own
// (a name that is not in the file fails at once), so the addresses it
// connects to are the ones the policy was checked against.
func etcView(names []policies.ResolvedName) []vfs.Mount {
	return []vfs.Mount{
		{Guest: "/etc/hosts", Kind: vfs.KindFile, Content: hostsFile(names)},
		{Guest: "/etc/nsswitch.conf", Kind: vfs.KindFile, Content: []byte(nsswitchConf)},
		{Guest: "/etc/resolv.conf", Kind: vfs.KindFile, Content: []byte(resolvConf)},
	}
}

func hostsFile(names []policies.ResolvedName) []byte {
	var b strings.Builder
	b.WriteString("# gaol: localhost and the host names of the policy's network block,\n# resolved by gaol when the run started.\n")
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost\n")
	for _, n := range names {
		for _, a := range n.Addrs {
			fmt.Fprintf(&b, "%s\t%s\n", a, n.Name)
		}
	}
	return []byte(b.String())
}

// nsswitchConf sends host lookups to /etc/hosts only: glibc never tries
// DNS, so an unknown name fails at once with EAI_NONAME.
const nsswitchConf = "# gaol: names come from /etc/hosts only.\nhosts: files\n"

// resolvConf names no nameserver. glibc then defaults to 127.0.0.1:53,
// which the policy refuses unless it allows it; with one attempt and a
// one-second timeout a resolver that reads this file directly gives up
// quickly, and dnspython refuses a file without a nameserver outright.
const resolvConf = "# gaol: the guest has no DNS; the names the policy allows are in /etc/hosts.\noptions attempts:1 timeout:1\n"

// coveredBy reports whether guest path p is already provided by one of
// mounts: a mount at p itself, or one above it that has content of its
// own (anything but a virtual directory). The policy's mounts win over
// the files gaol would add.
func coveredBy(p string, mounts []vfs.Mount) bool {
	for _, m := range mounts {
		if m.Guest == p || (m.Kind != vfs.KindDir && strings.HasPrefix(p, strings.TrimSuffix(m.Guest, "/")+"/")) {
			return true
		}
	}
	return false
}

// addEtcView adds the files of etcView that no mount provides.
func addEtcView(mounts []vfs.Mount, names []policies.ResolvedName) []vfs.Mount {
	out := mounts
	for _, m := range etcView(names) {
		if !coveredBy(m.Guest, mounts) {
			out = append(out, m)
		}
	}
	return out
}
