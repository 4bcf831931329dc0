package supervisor

import (
	"os"
	"strconv"

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
	if !c.s.clock.real() {
		// The new image would get a vDSO of its own, reading the host's
		// clocks without a syscall; the supervisor removes it only
		// around the interpreter's own exec (vdso_linux.go).
		return deny(unix.EACCES, "time: no exec under a guest clock (the new program would read the host's clock through its vDSO)")
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

// sysClone sees every clone but an ordinary thread's (seccomp.ThreadClone,
// allowed in the kernel): new processes, which the process budget counts,
// and clones asking for something a guest may not have. The flags are a
// register the kernel reads once (its lower half: the upper one is
// ignored), so a clone allowed here continues as checked.
func sysClone(c *call) reply {
	flags := c.arg(0)
	c.ev.Args.Flags = cloneFlagNames(flags)
	if r, bad := refuseClone(uint32(flags)); bad {
		return r
	}
	if flags&unix.CLONE_THREAD != 0 {
		return allow("thread")
	}
	return c.newProcess()
}

// refuseClone decides the clone flags no guest may use, whatever the
// policy: a new namespace would make a process that is pid 1 of its own
// PID namespace, or a network namespace of its own, and put it out of the
// sandbox's accounting; CLONE_PARENT makes a sibling the interpreter's
// tree does not hold; tracing flags have no use without ptrace; a thread
// with an fd table or filesystem context of its own would let a check on
// the process's fd or cwd be acted on in another; and a process sharing
// the filesystem context would change another's working directory behind
// the supervisor, which keeps one per process.
func refuseClone(flags uint32) (reply, bool) {
	const thread = unix.CLONE_THREAD
	switch {
	case flags&seccomp.CloneNamespaces != 0:
		return deny(unix.EPERM, "process: no new namespaces"), true
	case flags&unix.CLONE_PARENT != 0:
		return deny(unix.EPERM, "process: CLONE_PARENT"), true
	case flags&(unix.CLONE_UNTRACED|unix.CLONE_PTRACE) != 0:
		return deny(unix.EPERM, "process: tracing flags"), true
	case flags&thread != 0 && flags&seccomp.ThreadClone != seccomp.ThreadClone:
		return deny(unix.EINVAL, "process: a thread shares memory, signal handlers, fds and cwd"), true
	case flags&thread == 0 && flags&unix.CLONE_FS != 0:
		return deny(unix.EINVAL, "process: CLONE_FS only for threads"), true
	}
	return reply{}, false
}

func sysFork(c *call) reply { return c.newProcess() }

func (c *call) newProcess() reply {
	d := c.s.policy.Decide(policies.Op{Kind: policies.KindFork, Syscall: c.ev.Syscall})
	c.decided(d)
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
// namespace, so it can only ever reach its own processes and gaol's stub;
// the kernel and Landlock's signal scoping see to that. A signal aimed at
// any thread of the stub (process 1, or one of its thread ids) is refused.
// No guest memory is read, so an allowed signal continues. Should the
// stub start a thread under a number checked here a moment before, that
// thread is outside the guest's Landlock domain (whose signal scope then
// refuses the signal), and a signal sent by kill reaches the stub's
// handler as a user's signal, which it discards (docs/security.md, "The
// stub and the guest's processes"). A process group the guest can name
// never holds the stub: the stub's group lies outside the namespace.
func sysKill(c *call) reply   { return c.signal(c.argInt(0), c.argInt(1)) }
func sysTgkill(c *call) reply { return c.signal2(c.argInt(0), c.argInt(1), c.argInt(2)) }
func sysTkill(c *call) reply  { return c.signal(c.argInt(0), c.argInt(1)) }

// signal decides a signal to target, a pid, process group or thread id of
// the guest's namespace.
func (c *call) signal(target, sig int) reply {
	c.ev.Args.Target, c.ev.Args.Signal = target, signalName(sig)
	if target > 0 && c.s.isStubThread(target) {
		return deny(unix.EPERM, "signal to gaol's stub")
	}
	return allow("signal within the sandbox")
}

// sysFcntl sees the commands that set a file's owner, who gets SIGIO (or
// the F_SETSIG signal) and SIGURG when I/O is possible on it: the kernel
// sends those later without a syscall gaol could refuse. F_SETOWN names its
// owner in a register, checked like a kill's target, and continues (its
// pid or process group is read once, by the kernel, from that register).
// F_SETOWN_EX names it in guest memory, which the kernel would read again
// after a check: refused. Anything else that reaches here (a command with
// garbage in the register's upper half, or an unused number) reads no
// memory gaol decides on and continues.
func sysFcntl(c *call) reply {
	c.setFd(c.argInt(0))
	switch uint32(c.arg(1)) {
	case unix.F_SETOWN:
		return c.signal(c.argInt(2), int(unix.SIGIO))
	case unix.F_SETOWN_EX:
		return deny(unix.EINVAL, "fcntl: F_SETOWN_EX is not supported (F_SETOWN is)")
	}
	return allow("fcntl: no file owner set")
}

// signal2 decides tgkill(tgid, tid, sig).
func (c *call) signal2(tgid, tid, sig int) reply {
	if tgid > 0 && c.s.isStubThread(tgid) {
		c.ev.Args.Target, c.ev.Args.Signal = tgid, signalName(sig)
		return deny(unix.EPERM, "signal to gaol's stub")
	}
	return c.signal(tid, sig)
}

// isStubThread reports whether id, a pid or thread id in the guest's PID
// namespace, is one of the stub's threads (the stub is process 1 there).
// The stub's host threads are listed and their innermost ids compared; a
// list that cannot be read counts as a match, which refuses the signal.
func (s *session) isStubThread(id int) bool {
	if id == 1 {
		return true
	}
	dir := "/proc/" + itoa(int64(s.stubTgid)) + "/task"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return !os.IsNotExist(err) // a stub that is gone has no threads
	}
	for _, e := range entries {
		tid, _ := strconv.Atoi(e.Name())
		st, err := readStatus(tid)
		if os.IsNotExist(err) {
			continue // that thread has just ended
		}
		if err != nil || st.nstid == id {
			return true
		}
	}
	return false
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
