package policies

import (
	"fmt"
	"strconv"

	"github.com/hashicorp/hcl/v2"
)

// Warnings reports every setting of p that loosens the sandbox, as
// warning diagnostics pointing at the setting: network access, writable
// host mounts, budgets lifted with "unlimited" (or never set), scratch
// mounts without a quota, subprocesses and exec, allow-everything rules,
// rules that can never match because an earlier rule matches everything
// they would, and, in a policy with deterministic = true, clocks and hash
// seeds that make runs differ. Load reports mistakes; Warnings reports
// choices, so `gaol check` can print them loudly.
func Warnings(p *Policy) hcl.Diagnostics {
	if p == nil {
		return nil
	}
	l := p.layer
	if l == nil {
		l = &layer{}
	}
	var diags hcl.Diagnostics
	diags = append(diags, budgetWarnings(p, l)...)
	diags = append(diags, mountWarnings(p)...)
	diags = append(diags, networkWarnings(l)...)
	diags = append(diags, processWarnings(p, l)...)
	diags = append(diags, determinismWarnings(p, l)...)
	diags = append(diags, ruleWarnings(p.Rules)...)
	return sortDiags(diags)
}

func warning(rng hcl.Range, summary, detail string) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: detail}
	if rng.Filename != "" {
		d.Subject = rng.Ptr()
	}
	return d
}

// at is where a setting was written, or the sandbox's name if nowhere.
func at(o opt[budget], l *layer) hcl.Range {
	if o.Set {
		return o.Range
	}
	return l.nameRange
}

func budgetWarnings(p *Policy, l *layer) hcl.Diagnostics {
	var diags hcl.Diagnostics
	lim := p.Limits
	check := func(zero bool, o opt[budget], summary, detail string) {
		if zero {
			diags = append(diags, warning(at(o, l), summary, detail))
		}
	}
	check(lim.CPU == 0, l.limits.cpu, "No CPU limit", "The guest may use the CPU for as long as the wall limit allows, or forever if there is none.")
	check(lim.Wall == 0, l.limits.wall, "No wall-clock limit", "A guest that blocks or sleeps is never stopped.")
	check(lim.Memory == 0, l.limits.memory, "No memory limit", "The guest may allocate until the host runs out of memory.")
	check(lim.Output == 0, l.limits.output, "No output limit", "The guest may write any amount to stdout and stderr.")
	check(lim.OpenFiles == 0, l.limits.openFiles, "No open-files limit", "The guest's descriptor table is limited only by the host's defaults.")
	check(lim.Tasks == 0, l.limits.tasks, "No task limit", "The guest may create threads until the host runs out of process ids.")
	check(lim.FileSize == 0, l.limits.fileSize, "No file-size limit", "The guest may write files as large as its writable mounts' quotas allow.")
	check(lim.Processes == UnlimitedProcesses, l.limits.processes, "No process limit", "The guest may fork without limit (a fork bomb is stopped only by the host's limits).")
	return diags
}

func mountWarnings(p *Policy) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, m := range p.Mounts {
		switch {
		case m.Kind == MountHost && m.Writable:
			diags = append(diags, warning(m.DeclRange, "Writable host mount",
				fmt.Sprintf("The guest may change, create and delete files in the host's %s, visible to it as %s.", m.Host, m.Guest)))
		case m.Kind == MountScratch && (m.QuotaBytes == 0 || m.QuotaFiles == 0):
			diags = append(diags, warning(m.DeclRange, "Scratch mount without quota",
				fmt.Sprintf("The scratch mount at %s has %s, so the guest may fill the host's disk. Set %s.", m.Guest, missingQuota(m), missingQuotaAttrs(m))))
		}
	}
	return diags
}

func networkWarnings(l *layer) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, d := range l.connect.V {
		port := fmt.Sprintf("port %d", d.port)
		if d.port == 0 {
			port = "any port"
		}
		diags = append(diags, warning(d.Range, "Network access",
			fmt.Sprintf("The guest may open TCP and UDP sockets and reach %s on %s.", prefixList(d), port)))
	}
	return diags
}

func prefixList(d destination) string {
	if d.host != "" {
		return fmt.Sprintf("the addresses %s resolves to when the run starts", d.host)
	}
	s := ""
	for i, p := range d.prefixes {
		if i > 0 {
			s += " and "
		}
		s += p.String()
	}
	return s
}

func processWarnings(p *Policy, l *layer) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if n := p.Limits.Processes; n > 0 {
		diags = append(diags, warning(l.limits.processes.Range, "Subprocesses allowed",
			fmt.Sprintf("The guest may start up to %d more processes.", n)))
	}
	if l.exec.Set && len(l.exec.V) > 0 {
		diags = append(diags, warning(l.exec.Range, "Exec allowed",
			"The guest may execute the programs these patterns match, each with the whole policy's rights."))
	}
	return diags
}

func determinismWarnings(p *Policy, l *layer) hcl.Diagnostics {
	if !p.Deterministic {
		return nil
	}
	var diags hcl.Diagnostics
	if p.Time.Mode != TimeFrozen && p.Time.Mode != TimeVirtual {
		rng := l.time.mode.Range
		if !l.time.mode.Set {
			rng = l.deterministic.Range
		}
		diags = append(diags, warning(rng, "Clock not deterministic",
			fmt.Sprintf("The policy says deterministic = true, but its clock is %q, which reads the host's time. Use mode \"virtual\" or \"frozen\".", p.Time.Mode)))
	}
	if _, err := strconv.ParseUint(p.Env["PYTHONHASHSEED"], 10, 32); err != nil {
		diags = append(diags, warning(l.deterministic.Range, "Hash seed not fixed",
			"The policy says deterministic = true, but PYTHONHASHSEED is not set to a number, so the order of sets and dicts keyed by strings varies between runs. Set it in env, for example PYTHONHASHSEED = \"0\"."))
	}
	return diags
}

func ruleWarnings(rules []Rule) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for j := range rules {
		b := &rules[j]
		if b.Allow && b.unconstrained() {
			diags = append(diags, warning(b.DeclRange, "Rule allows everything",
				fmt.Sprintf("The rule %q has no criteria, so it allows every operation no earlier rule denies.", b.Name)))
		}
		for i := 0; i < j; i++ {
			a := &rules[i]
			if a.covers(b) {
				diags = append(diags, warning(b.DeclRange, "Rule never matches",
					fmt.Sprintf("The rule %q can never decide anything: the earlier rule %q at %s matches every operation it would. Rules are checked in order and the first match wins; move this rule before that one, or remove it.", b.Name, a.Name, a.DeclRange)))
				break
			}
		}
	}
	return diags
}

// missingQuota says which of a scratch mount's quotas are unset.
func missingQuota(m Mount) string {
	switch {
	case m.QuotaBytes == 0 && m.QuotaFiles == 0:
		return "no quota of bytes or of files"
	case m.QuotaBytes == 0:
		return "no quota of bytes"
	}
	return "no quota of files"
}

// missingQuotaAttrs names the attributes that would set them.
func missingQuotaAttrs(m Mount) string {
	switch {
	case m.QuotaBytes == 0 && m.QuotaFiles == 0:
		return "quota and files"
	case m.QuotaBytes == 0:
		return "quota"
	}
	return "files"
}
