package seccomp

import "golang.org/x/sys/unix"

// Ioctl requests the filter lets through in the kernel: terminal and
// fd-flag requests that act only on the caller's own fd (a guest's
// terminal is gaol's relayed pty, never the host's) and whatever the
// buffer holds. TIOCSTI, TIOCLINUX, TIOCCONS and every other request go
// to the supervisor, which refuses them (ENOTTY). CPython alone makes ten
// of these at start-up (isatty on each standard stream, FIOCLEX).
var harmlessIoctls = []struct {
	req  uint64
	name string
}{
	{unix.TCGETS, "TCGETS"}, {unix.TCSETS, "TCSETS"}, {unix.TCSETSW, "TCSETSW"}, {unix.TCSETSF, "TCSETSF"},
	{unix.TIOCGWINSZ, "TIOCGWINSZ"}, {unix.TIOCSWINSZ, "TIOCSWINSZ"}, {unix.TIOCGPGRP, "TIOCGPGRP"},
	{fionread, "FIONREAD"}, {fionbio, "FIONBIO"}, {fioclex, "FIOCLEX"}, {fionclex, "FIONCLEX"},
	{unix.TCFLSH, "TCFLSH"}, {unix.TCXONC, "TCXONC"}, {unix.TIOCOUTQ, "TIOCOUTQ"}, {fioasync, "FIOASYNC"},
	{unix.TIOCGSID, "TIOCGSID"}, {unix.TIOCSCTTY, "TIOCSCTTY"}, {unix.TIOCSPGRP, "TIOCSPGRP"}, {unix.TIOCGPTN, "TIOCGPTN"},
}

// Generic ioctl numbers (asm-generic/ioctls.h) that x/sys/unix does not name.
const (
	fionread = 0x541b // FIONREAD, also TIOCINQ
	fionbio  = 0x5421
	fionclex = 0x5450
	fioclex  = 0x5451
	fioasync = 0x5452
)

// HarmlessIoctl reports whether ioctl request req (the kernel reads its
// low 32 bits) is one the filter allows, and its name. A guest that
// passes such a request with garbage in the upper bits reaches the
// supervisor, which asks this.
func HarmlessIoctl(req uint64) (string, bool) {
	for _, h := range harmlessIoctls {
		if uint64(uint32(req)) == h.req {
			return h.name, true
		}
	}
	return "", false
}

// harmlessIoctlConds are the ioctl row's conditions: argument 1 is one
// of the harmless requests, on all 64 bits as glibc passes it.
func harmlessIoctlConds() []ArgCond {
	out := make([]ArgCond, len(harmlessIoctls))
	for i, h := range harmlessIoctls {
		out[i] = ArgCond{Arg: 1, Op: OpEqual, Value: h.req}
	}
	return out
}
