package policies

import (
	"fmt"
	"math/big"
	"net/netip"
	"regexp"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/sys/unix"
)

// ruleBlock is `rule "NAME" { class = "file" paths = [...] action = "deny" }`.
type ruleBlock struct {
	Name       string         `hcl:"name,label"`
	NameRange  hcl.Range      `hcl:"name,label_range"`
	DefRange   hcl.Range      `hcl:",def_range"`
	Class      hcl.Expression `hcl:"class,optional"`
	Operations hcl.Expression `hcl:"operations,optional"`
	Syscalls   hcl.Expression `hcl:"syscalls,optional"`
	Paths      hcl.Expression `hcl:"paths,optional"`
	Addresses  hcl.Expression `hcl:"addresses,optional"`
	Ports      hcl.Expression `hcl:"ports,optional"`
	Access     hcl.Expression `hcl:"access,optional"`
	Action     hcl.Expression `hcl:"action"`
	Errno      hcl.Expression `hcl:"errno,optional"`
	Log        hcl.Expression `hcl:"log,optional"`
}

var ruleNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

var actions = []string{"allow", "deny"}

// decodeRules converts one file's rule blocks, refusing duplicate names.
func decodeRules(e *evaluator, blocks []*ruleBlock) []Rule {
	var out []Rule
	seen := map[string]hcl.Range{}
	for _, b := range blocks {
		if prev, dup := seen[b.Name]; dup {
			e.add(diagError(b.NameRange, "Duplicate rule",
				fmt.Sprintf("A rule named %q is already declared at %s. Rule names identify decisions in logs and traces, so each must be unique.", b.Name, prev)))
			continue
		}
		seen[b.Name] = b.DefRange
		if r, ok := b.decode(e); ok {
			out = append(out, r)
		}
	}
	return out
}

func (b *ruleBlock) decode(e *evaluator) (Rule, bool) {
	n := len(e.diags)
	if !ruleNameRE.MatchString(b.Name) {
		e.add(diagError(b.NameRange, "Invalid rule name",
			fmt.Sprintf("The rule name %q must start with a letter or underscore and contain only letters, digits, underscores and dashes.", b.Name)))
	}
	r := Rule{Name: b.Name, DeclRange: b.DefRange}
	r.Class = Class(e.enum("class", "class", b.Class, classes).V)
	r.Operations = b.decodeOperations(e, r.Class)
	r.Syscalls = b.decodeSyscalls(e, r.Class)
	r.Paths = b.decodePaths(e)
	r.Addresses = b.decodeAddresses(e)
	r.Ports = b.decodePorts(e)
	r.Access = b.decodeAccess(e)
	action := e.enum("action", "action", b.Action, actions)
	e.required("action", b.Action, b.DefRange, `action = "deny"`)
	r.Allow = action.V == "allow"
	r.Errno = b.decodeErrno(e, action)
	r.Log = !r.Allow // deny rules are logged unless they say otherwise
	if l := e.boolean("log", b.Log); l.Set {
		r.Log = l.V
	}
	return r, !hasErrorsSince(e.diags, n)
}

// ioctlDetail says why no rule can name ioctl.
const ioctlDetail = "gaol decides ioctl requests itself, whatever the rules say: terminal and fd-flag requests (TCGETS, FIONREAD, ...) are allowed in the kernel and every other request is refused (docs/security.md), so no rule can match it."

func (b *ruleBlock) decodeOperations(e *evaluator, cls Class) []string {
	ops := e.strings("operations", b.Operations)
	var out []string
	for _, x := range ops.V {
		c, ok := kindClass[x.Value]
		switch {
		case !ok:
			e.add(diagError(x.Range, "Unknown operation",
				fmt.Sprintf("%q is not an operation gaol knows.%s The operations are listed in docs/policy.md.", x.Value, didYouMean(x.Value, kindNames))))
		case x.Value == KindIoctl:
			e.add(diagError(x.Range, "Operation never reaches the policy", ioctlDetail))
		case cls != "" && c != cls:
			e.add(diagError(x.Range, "Operation outside class",
				fmt.Sprintf("The operation %q is in class %q, but the rule matches only class %q, so it could never match.", x.Value, c, cls)))
		default:
			out = append(out, x.Value)
		}
	}
	return out
}

func (b *ruleBlock) decodeSyscalls(e *evaluator, cls Class) []string {
	names := e.strings("syscalls", b.Syscalls)
	var out []string
	for _, x := range names.V {
		kind, ok := syscallKind[x.Value]
		switch {
		case kernelDenied[x.Value]:
			e.add(diagError(x.Range, "Syscall never reaches the policy",
				fmt.Sprintf("The kernel refuses %s before gaol sees it, so no rule can match it.", x.Value)))
		case x.Value == "ioctl":
			e.add(diagError(x.Range, "Syscall never reaches the policy", ioctlDetail))
		case kernelAllowed[x.Value]:
			e.add(diagError(x.Range, "Syscall never reaches the policy",
				fmt.Sprintf("The kernel allows %s without asking gaol (it only uses descriptors or memory the guest already has), so no rule can match it.", x.Value)))
		case !ok:
			e.add(diagError(x.Range, "Unknown syscall",
				fmt.Sprintf("%q is not a syscall a rule can name.%s The syscalls are listed by operation in docs/policy.md.", x.Value, didYouMean(x.Value, syscallNames))))
		case cls != "" && kindClass[kind] != cls:
			e.add(diagError(x.Range, "Syscall outside class",
				fmt.Sprintf("The syscall %s is in class %q, but the rule matches only class %q, so it could never match.", x.Value, kindClass[kind], cls)))
		default:
			out = append(out, x.Value)
		}
	}
	return out
}

func (b *ruleBlock) decodePaths(e *evaluator) []*Glob {
	paths := e.strings("paths", b.Paths)
	var out []*Glob
	for _, x := range paths.V {
		if g := checkPathGlob(e, x, "path"); g != nil {
			out = append(out, g)
		}
	}
	return out
}

func (b *ruleBlock) decodeAddresses(e *evaluator) []netip.Prefix {
	addrs := e.strings("addresses", b.Addresses)
	var out []netip.Prefix
	for _, x := range addrs.V {
		if x.Value == "localhost" {
			d, _ := parseDestination("localhost:*")
			out = append(out, d.prefixes...)
			continue
		}
		if looksLikeName(x.Value) {
			e.add(diagError(x.Range, "Invalid address", fmt.Sprintf("The address %q is a host name. Rules match the addresses of operations; a host name may appear only in network.connect, which resolves it when the run starts.", x.Value)))
			continue
		}
		p, err := parsePrefix(x.Value)
		if err != nil {
			e.add(diagError(x.Range, "Invalid address", fmt.Sprintf("The address %q is invalid: %s", x.Value, sentence(err.Error()))))
			continue
		}
		out = append(out, p)
	}
	return out
}

func (b *ruleBlock) decodePorts(e *evaluator) []uint16 {
	vals, ranges, ok := e.list("ports", b.Ports, cty.Number, "a list of port numbers")
	if !ok {
		return nil
	}
	out := make([]uint16, 0, len(vals))
	for i, v := range vals {
		bf := v.AsBigFloat()
		n, acc := bf.Int64()
		if acc != big.Exact || n < 1 || n > 65535 {
			e.add(diagError(ranges[i], "Invalid port", fmt.Sprintf("The port %s is not a whole number from 1 to 65535.", bf.Text('g', 10))))
			continue
		}
		out = append(out, uint16(n))
	}
	return out
}

func (b *ruleBlock) decodeAccess(e *evaluator) Access {
	names := e.strings("access", b.Access)
	var a Access
	for _, x := range names.V {
		bit, ok := ParseAccess(x.Value)
		if !ok {
			e.add(diagError(x.Range, "Unknown access",
				fmt.Sprintf("%q is not a kind of access; it must be %s.%s", x.Value, oneOf(accessNames), didYouMean(x.Value, accessNames))))
			continue
		}
		a |= bit
	}
	if names.Set && len(names.V) == 0 {
		e.add(diagError(names.Range, "Empty access list", "An empty access list would match nothing; remove the attribute to match any access."))
	}
	return a
}

func (b *ruleBlock) decodeErrno(e *evaluator, action opt[string]) unix.Errno {
	name := e.str("errno", b.Errno)
	if !name.Set {
		return 0
	}
	if action.Set && action.V == "allow" {
		e.add(diagError(name.Range, "Errno on an allow rule", "errno is the error a denial returns; an allow rule returns none. Remove errno, or make the rule deny."))
		return 0
	}
	errno, ok := errnoByName[name.V]
	if !ok {
		e.add(diagError(name.Range, "Unknown errno",
			fmt.Sprintf("%q is not an errno name such as \"EACCES\" or \"ENOENT\".%s", name.V, didYouMean(name.V, errnoNames))))
		return 0
	}
	return errno
}

// mergeRules puts the child's rules before the parent's. A child rule with
// the name of a parent rule replaces it, at the child's position.
func mergeRules(parent, child []Rule) []Rule {
	names := make(map[string]bool, len(child))
	out := make([]Rule, 0, len(parent)+len(child))
	for _, r := range child {
		names[r.Name] = true
		out = append(out, r)
	}
	for _, r := range parent {
		if !names[r.Name] {
			out = append(out, r)
		}
	}
	return out
}
