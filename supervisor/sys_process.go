package supervisor

import (
	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
	"github.com/gaol-sandbox/gaol/vfs"
)

// Process handlers: exec, process creation, signals and limits.

// sysExecve lets the stub's own exec of the interpreter through (the stub
// is gaol's code, single-threaded on the filtered thread, and no guest
// code has run yet). Every later exec needs the policy's process.exec
// globs.
func sysExecve(c *call) reply {
	p, err := c.readPath(0)
	if err != nil {
		return fail(err)
	}
	if c.s.firstExec.CompareAndSwap(false, true) {
		return c.firstExec(p)
	}
	return c.laterExec(p)
}

func (c *call) firstExec(p string) reply {
	// The budgets the kernel enforces go on now, while the exec waits:
	// set earlier, RLIMIT_AS would starve the Go stub.
	for _, rl := range c.s.rlimits {
		lim := unix.Rlimit{Cur: rl.cur, Max: rl.max}
		if err := unix.Prlimit(c.p.tgid, rl.res, &lim, nil); err != nil {
			c.s.log.Error("cannot set a resource limit", "resource", rl.res, "error", err)
			return deny(unix.EPERM, "gaol: resource limits could not be set")
		}
	}
	c.s.limits.setGuest(c.p.tgid)
	c.p.mu.Lock()
	c.p.execd = true
	c.p.mu.Unlock()
	c.ev.Args.Guest = p
	r := allow("gaol: exec of the interpreter")
	if !c.s.clock.real() {
		// The exec must run without the vDSO: attach now, and once the
		// exec is let through, wait for it and hide the vDSO.
		pid := c.p.tgid
		if err := seizeForExec(pid); err != nil {
			c.s.log.Error("cannot remove the vDSO", "error", err)
			return deny(unix.EPERM, "gaol: the time policy needs ptrace around the exec")
		}
		r.after = func() {
			if err := hideVDSOAfterExec(pid); err != nil {
				c.s.log.Error("cannot remove the vDSO; ending the run", "error", err)
				unix.Kill(pid, unix.SIGKILL)
			}
		}
	}
	return r
}

// laterExec decides an exec by the guest. Allowed, it continues: the
// kernel then reads the path again, so a second guest thread could swap
// it after the check. What it could swap in is still bounded by
// Landlock, which lets the guest execute only the interpreter, its loader
// and the host files the exec globs matched when the run started; and the
// path is looked up in the host's tree, so only programs exposed at their
// host path can run at all (docs/security.md).
func (c *call) laterExec(p string) reply {
	loc, r, found := c.resolveChecked(atFDCWD, p, vfs.Follow)
	if !found {
		return r
	}
	defer loc.Close()
	if !c.s.execPaths[p] {
		return deny(unix.EACCES, "process: exec only of programs the exec globs matched at the start, by absolute path")
	}
	return allow(c.ev.Rule)
}

func sysExecveat(c *call) reply {
	c.setFd(c.argInt(0))
	if _, err := c.readPath(1); err != nil {
		return fail(err)
	}
	return deny(unix.EACCES, "process: exec of an fd not allowed")
}

// sysClone sees only clones without CLONE_THREAD (threads are allowed in
// the kernel): new processes, allowed by the policy's process budget. The
// decision reads no guest memory, so an allowed clone continues.
func sysClone(c *call) reply {
	c.ev.Args.Flags = cloneFlagNames(c.arg(0))
	return c.newProcess()
}

func sysFork(c *call) reply { return c.newProcess() }

func (c *call) newProcess() reply {
	d := c.s.policy.Decide(policies.Op{Kind: policies.KindFork, Syscall: c.ev.Syscall})
	c.ev.Rule, c.ev.RulePos = d.Rule, rulePos(d)
	if !d.Allow {
		return reply{action: actDeny, errno: unix.EAGAIN, rule: "process: no subprocesses", rulePos: c.ev.RulePos}
	}
	if max := c.s.policy.Limits.Processes; max != policies.UnlimitedProcesses {
		// The count is the guest's whole PID namespace (the stub and the
		// interpreter not counted) plus the forks let through and not yet
		// seen done: a reservation taken here, before the fork continues,
		// so that concurrent forks cannot all pass one count.
		res, ok := c.s.limits.reserve(c.tid, max)
		if !ok {
			return deny(unix.EAGAIN, "limits.processes")
		}
		// The continue is safe: the decision read no guest memory, and the
		// reservation stands for whatever process the kernel creates.
		r := allow(d.Rule)
		r.after = func() { res.armed.Store(true) }
		return r
	}
	return allow(d.Rule)
}

// Signals: the guest names processes by the pids of its own PID
// namespace, so it can only ever reach its own processes; the kernel and
// Landlock's signal scoping see to that. Process 1 is gaol's stub, which
// the guest may not signal. No guest memory is read: a continue is safe.
func sysKill(c *call) reply   { return c.signal(c.argInt(0), c.argInt(1)) }
func sysTgkill(c *call) reply { return c.signal(c.argInt(0), c.argInt(2)) }
func sysTkill(c *call) reply  { return c.signal(c.argInt(0), c.argInt(1)) }

// signal decides a signal to target, a pid, thread group or thread id of
// the guest's namespace.
func (c *call) signal(target, sig int) reply {
	c.ev.Args.Target, c.ev.Args.Signal = target, signalName(sig)
	if target == 1 {
		return deny(unix.EPERM, "signal to gaol's stub")
	}
	return allow("signal within the sandbox")
}

func signalName(sig int) string {
	if n := unix.SignalName(unix.Signal(sig)); n != "" {
		return n
	}
	return itoa(int64(sig))
}

// sysPrlimit64 sees only prlimit64 on another pid (pid 0 is the kernel's).
func sysPrlimit64(c *call) reply {
	c.ev.Args.Target = c.argInt(0)
	if c.argInt(0) == c.p.nspid {
		return deny(unix.EPERM, "prlimit64: use pid 0")
	}
	return deny(unix.EPERM, "limits of another process")
}

// sysSetsid: a new session detaches the guest from its terminal (its own
// pty); no guest memory is read, so a continue is safe.
func sysSetsid(c *call) reply { return allow("setsid") }

func sysSetrlimit(c *call) reply { return deny(unix.EPERM, "setrlimit: use prlimit64") }

func sysPrctl(c *call) reply {
	c.ev.Args.Request = itoa(int64(c.arg(0)))
	return deny(unix.EINVAL, "prctl option not allowed")
}

// sysMmap sees only mappings at or above the filter's size threshold: it
// refuses one that would take the guest past its memory budget and ends
// the run there, instead of leaving a MemoryError behind.
func sysMmap(c *call) reply {
	// PROT_NONE reserves address space without memory (glibc reserves
	// 64 MiB per thread arena that way); RLIMIT_AS still bounds it.
	if c.arg(2) == unix.PROT_NONE {
		return allow("address space reservation")
	}
	return c.mapping(c.arg(1))
}

// maxAddressSpace is the largest user address space of x86-64 (5-level
// paging, TASK_SIZE_MAX = 2^56 - 4096): a longer mapping always fails.
const maxAddressSpace = 1 << 56

// sysMremap sees only remaps to 16 MiB and more; it counts the new size
// whole, which overestimates a growth by the old size: safe.
func sysMremap(c *call) reply {
	return c.mapping(c.arg(2))
}

func (c *call) mapping(length uint64) reply {
	c.ev.Args.Length = length
	if length > maxAddressSpace {
		// No kernel grants it, whatever the budget: it gets its ENOMEM
		// (Python's MemoryError) as natively, and the run goes on.
		return allow("larger than any address space")
	}
	if c.s.limits != nil && c.s.limits.wouldExceedMemory(c.p.tgid, length) {
		c.s.limits.exceed(limitMemory)
		return deny(unix.ENOMEM, "limits.memory")
	}
	return allow("limits.memory")
}

// ioctl: the filter lets harmless requests through in the kernel
// (seccomp.HarmlessIoctl); one reaches the supervisor only with garbage in
// the upper bits of its request, which the kernel ignores, and is allowed
// as well. Every other request is refused: TIOCSTI and its kind could
// act beyond the guest.
func sysIoctl(c *call) reply {
	fd, req := c.argInt(0), uint64(uint32(c.arg(1)))
	c.setFd(fd)
	if name, ok := seccomp.HarmlessIoctl(req); ok {
		c.ev.Args.Request = name
		return allow("ioctl: harmless request")
	}
	c.ev.Args.Request = "0x" + hexU(req)
	if req == unix.TIOCSTI {
		c.ev.Args.Request = "TIOCSTI"
	}
	return deny(unix.ENOTTY, "ioctl request not allowed")
}

func hexU(v uint64) string {
	const digits = "0123456789abcdef"
	if v == 0 {
		return "0"
	}
	var b []byte
	for ; v > 0; v >>= 4 {
		b = append([]byte{digits[v&15]}, b...)
	}
	return string(b)
}

// signalNumber is the number of a signal name such as "SIGKILL", 0 if unknown.
func signalNumber(name string) int {
	return int(unix.SignalNum(name))
}
