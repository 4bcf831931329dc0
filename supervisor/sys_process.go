package supervisor

import (
	"golang.org/x/sys/unix"
)

// Process handlers: exec, process creation, signals and limits.

// sysExecve lets exactly one exec through: the stub's own exec of the
// interpreter, before any untrusted code has run (the stub is gaol's code
// and single-threaded on the filtered thread, so continuing reads nothing
// the guest controls). Every later exec is refused: the default policy
// allows no new programs.
func sysExecve(c *call) reply {
	p, err := c.readPath(0)
	if err != nil {
		return fail(err)
	}
	if c.s.firstExec.CompareAndSwap(false, true) {
		// The budgets the kernel enforces go on now, while the exec waits:
		// set earlier, RLIMIT_AS would starve the Go stub.
		for _, rl := range c.s.rlimits {
			lim := unix.Rlimit{Cur: rl.cur, Max: rl.max}
			if err := unix.Prlimit(c.p.tgid, rl.res, &lim, nil); err != nil {
				c.s.log.Error("cannot set a resource limit", "resource", rl.res, "error", err)
				return deny(unix.EPERM, "gaol: resource limits could not be set")
			}
		}
		c.s.guestPid.Store(int64(c.p.tgid))
		c.p.mu.Lock()
		c.p.execd = true
		c.p.mu.Unlock()
		c.ev.Args.Guest = p
		return allow("gaol: exec of the interpreter")
	}
	return deny(unix.EACCES, "process: exec not allowed")
}

func sysExecveat(c *call) reply {
	c.setFd(c.argInt(0))
	if _, err := c.readPath(1); err != nil {
		return fail(err)
	}
	return deny(unix.EACCES, "process: exec not allowed")
}

// sysClone sees only clones without CLONE_THREAD (threads are allowed in
// the kernel): new processes, which the default policy refuses.
func sysClone(c *call) reply {
	c.ev.Args.Flags = cloneFlagNames(c.arg(0))
	return deny(unix.EAGAIN, "process: no subprocesses")
}

func sysFork(c *call) reply { return deny(unix.EAGAIN, "process: no subprocesses") }

// Signals: a guest may signal itself (any of its threads), never another
// process. The arguments are registers, not memory, so a continue is safe.
func sysKill(c *call) reply {
	pid, sig := c.argInt(0), c.argInt(1)
	c.ev.Args.Target, c.ev.Args.Signal = pid, signalName(sig)
	if pid == c.p.nspid || pid == 0 {
		return allow("signal to itself")
	}
	return deny(unix.EPERM, "signal to another process")
}

func sysTgkill(c *call) reply {
	tgid, sig := c.argInt(0), c.argInt(2)
	c.ev.Args.Target, c.ev.Args.Signal = tgid, signalName(sig)
	if tgid == c.p.nspid {
		return allow("signal to itself")
	}
	return deny(unix.EPERM, "signal to another process")
}

func sysTkill(c *call) reply {
	c.ev.Args.Target, c.ev.Args.Signal = c.argInt(0), signalName(c.argInt(1))
	// tkill names a thread id without its group: allowed only for the
	// calling thread itself, whose id the guest sees in its namespace.
	return deny(unix.EPERM, "tkill: use tgkill")
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
	return c.mapping(c.arg(1))
}

// sysMremap sees only remaps to 16 MiB and more; it counts the new size
// whole, which overestimates a growth by the old size: safe.
func sysMremap(c *call) reply {
	return c.mapping(c.arg(2))
}

func (c *call) mapping(length uint64) reply {
	c.ev.Args.Length = length
	if c.s.limits != nil && c.s.limits.wouldExceedMemory(c.p.tgid, length) {
		c.s.limits.exceed(limitMemory)
		return deny(unix.ENOMEM, "limits.memory")
	}
	return allow("limits.memory")
}

// ioctl: terminal and fd-flag requests are harmless whatever the guest's
// buffer holds, and act only on the guest's own fds (its pty is gaol's, not
// the host terminal), so a continue is safe. TIOCSTI and the rest are not.
var allowedIoctls = map[uint64]string{
	unix.TCGETS: "TCGETS", unix.TCSETS: "TCSETS", unix.TCSETSW: "TCSETSW", unix.TCSETSF: "TCSETSF",
	unix.TIOCGWINSZ: "TIOCGWINSZ", unix.TIOCSWINSZ: "TIOCSWINSZ", unix.TIOCGPGRP: "TIOCGPGRP",
	fionread: "FIONREAD", fionbio: "FIONBIO", fioclex: "FIOCLEX", fionclex: "FIONCLEX",
	unix.TCFLSH: "TCFLSH", unix.TCXONC: "TCXONC", unix.TIOCOUTQ: "TIOCOUTQ", fioasync: "FIOASYNC",
	unix.TIOCGSID: "TIOCGSID", unix.TIOCSCTTY: "TIOCSCTTY", unix.TIOCSPGRP: "TIOCSPGRP", unix.TIOCGPTN: "TIOCGPTN",
}

func sysIoctl(c *call) reply {
	fd, req := c.argInt(0), uint64(uint32(c.arg(1)))
	c.setFd(fd)
	if name, ok := allowedIoctls[req]; ok {
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

// fionread is FIONREAD (= TIOCINQ), which x/sys/unix does not name.
const fionread = 0x541b

// signalNumber is the number of a signal name such as "SIGKILL", 0 if unknown.
func signalNumber(name string) int {
	return int(unix.SignalNum(name))
}

// Generic ioctl numbers (asm-generic/ioctls.h) that x/sys/unix does not name.
const (
	fionbio  = 0x5421
	fionclex = 0x5450
	fioclex  = 0x5451
	fioasync = 0x5452
)
