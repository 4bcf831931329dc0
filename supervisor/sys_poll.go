package supervisor

import (
	"encoding/binary"
	"time"

	"github.com/gaol-sandbox/gaol/policies"
)

// Waits with a timeout: poll, ppoll, select, pselect6, epoll_wait,
// epoll_pwait, epoll_pwait2. They reach the supervisor only when the run's
// clock is virtual (seccomp.WithVirtualTime), and only with a timeout the
// filter could not see to be zero or absent. A virtual clock fast-forwards
// them as it does sleeps: a wait that would not return at once returns 0
// (timed out) at once and advances the clock by its timeout. A wait that
// would return at once, and every wait the supervisor has nothing to decide
// about, is left to the kernel (leftToKernel).

// maxWaitFDs bounds the fds one readiness check examines (one pidfd_getfd
// each). A wait on more (or select's nfds above FD_SETSIZE) is left to the
// kernel: its timeout passes in real time.
const maxWaitFDs = 1024

// epMaxEvents is the kernel's EP_MAX_EVENTS: INT_MAX over the size of a
// packed struct epoll_event (12 bytes on x86_64).
const epMaxEvents = (1<<31 - 1) / 12

// maxTimeoutSec is where a timeout stops fitting a time.Duration (about
// 292 years); a longer one is treated as none.
const maxTimeoutSec = int64(time.Duration(1<<63-1) / time.Second)

// Sizes of struct timespec and struct timeval on x86_64.
const (
	sizeofTimespec = 16
	sizeofTimeval  = 16
)

// wait is one timed wait of the poll family, decoded up to its fds.
type wait struct {
	d       time.Duration // the timeout, positive
	sigmask uint64        // the temporary signal mask's address, 0 for none
	sigsize uint64        // its size argument
	// ready reports why the wait would return at once (an fd ready, an
	// argument the kernel refuses), or "" if it would wait.
	ready func() string
	// timedOut writes into the guest what the kernel writes when the wait
	// times out.
	timedOut func() error
}

func sysPoll(c *call) reply {
	d, why := c.millisTimeout(2)
	if why != "" {
		return leftToKernel(why)
	}
	return c.timedWait(c.pollWait(d, c.arg(0), c.arg(1), 0, 0))
}

func sysPpoll(c *call) reply {
	d, why := c.timespecTimeout(2)
	if why != "" {
		return leftToKernel(why)
	}
	w := c.pollWait(d, c.arg(0), c.arg(1), c.arg(2), sizeofTimespec)
	w.sigmask, w.sigsize = c.arg(3), c.arg(4)
	return c.timedWait(w)
}

func sysSelect(c *call) reply {
	d, why := c.timevalTimeout(4)
	if why != "" {
		return leftToKernel(why)
	}
	return c.timedWait(c.selectWait(d, sizeofTimeval))
}

func sysPselect6(c *call) reply {
	d, why := c.timespecTimeout(4)
	if why != "" {
		return leftToKernel(why)
	}
	w := c.selectWait(d, sizeofTimespec)
	if c.arg(5) != 0 {
		// The sixth argument points to { const sigset_t *ss; size_t ss_len; }.
		var pack [2]uint64
		if err := readMem(c.tid, c.arg(5), asBytes(&pack)); err != nil {
			return leftToKernel("unreadable signal mask")
		}
		w.sigmask, w.sigsize = pack[0], pack[1]
	}
	return c.timedWait(w)
}

func sysEpollWait(c *call) reply {
	d, why := c.millisTimeout(3)
	if why != "" {
		return leftToKernel(why)
	}
	return c.timedWait(c.epollWait(d))
}

func sysEpollPwait(c *call) reply {
	d, why := c.millisTimeout(3)
	if why != "" {
		return leftToKernel(why)
	}
	w := c.epollWait(d)
	w.sigmask, w.sigsize = c.arg(4), c.arg(5)
	return c.timedWait(w)
}

func sysEpollPwait2(c *call) reply {
	d, why := c.timespecTimeout(3)
	if why != "" {
		return leftToKernel(why)
	}
	w := c.epollWait(d)
	w.sigmask, w.sigsize = c.arg(4), c.arg(5)
	return c.timedWait(w)
}

// leftToKernel lets the kernel run a wait as the guest made it: it waits
// in real time, or answers at once.
//
// SECCOMP_USER_NOTIF_FLAG_CONTINUE is sound here, and only here among calls
// whose decision read guest memory, although the kernel then reads that
// memory again (the timeout, the pollfd array, the fd sets, the signal
// mask): the supervisor checks nothing in it for security, and no pointer
// it read grants or refuses anything. What it read decides only whether
// the guest's own wait passes in virtual or in real time; a guest thread
// that changes that memory in between can only make its own wait real (or
// fail it), which a wait without a timeout already is, bounded by the
// wall-time limit. The fds are the guest's own, polled in the guest's own
// namespaces by the kernel either way.
func leftToKernel(why string) reply { return allow("time: " + why + ", left to the kernel") }

// timedWait is the decision shared by the poll family once the timeout is
// known to be positive: the kernel answers a wait that would return at
// once; any other times out in virtual time.
func (c *call) timedWait(w wait) reply {
	if c.s.clock.mode != policies.TimeVirtual {
		return leftToKernel("clock " + string(c.s.clock.mode))
	}
	if why := c.signalLetIn(w.sigmask, w.sigsize); why != "" {
		return leftToKernel(why)
	}
	if why := w.ready(); why != "" {
		return leftToKernel(why)
	}
	// What was read belongs to this call of this (living) thread, so the
	// writes below go to the right process.
	if err := c.valid(); err != nil {
		return fail(err)
	}
	c.s.clock.sleep(w.d)
	c.ev.Rule = "time: virtual wait timed out"
	if err := w.timedOut(); err != nil {
		return fail(err)
	}
	return ok(0)
}

// millisTimeout decodes an int timeout of milliseconds in argument i. It
// returns the timeout, or why the kernel should answer the wait itself.
func (c *call) millisTimeout(i int) (time.Duration, string) {
	ms := int32(c.arg(i)) // a C int: the kernel reads the low 32 bits
	switch {
	case ms < 0:
		c.ev.Args.Timeout = "none"
		return 0, "no timeout"
	case ms == 0:
		c.ev.Args.Timeout = "0s"
		return 0, "zero timeout"
	}
	d := time.Duration(ms) * time.Millisecond
	c.ev.Args.Timeout = d.String()
	return d, ""
}

// timespecTimeout decodes a struct timespec timeout pointed to by
// argument i (NULL: no timeout).
func (c *call) timespecTimeout(i int) (time.Duration, string) {
	sec, nsec, why := c.timeoutFields(i)
	if why != "" {
		return 0, why
	}
	return c.timeout(sec, nsec)
}

// timevalTimeout decodes select's struct timeval timeout. Like the kernel
// it carries whole seconds of tv_usec over into tv_sec.
func (c *call) timevalTimeout(i int) (time.Duration, string) {
	sec, usec, why := c.timeoutFields(i)
	if why != "" {
		return 0, why
	}
	return c.timeout(sec+usec/1e6, usec%1e6*1e3)
}

// timeoutFields reads the struct timespec or timeval argument i points
// to: on x86_64 both are two 64-bit fields, seconds and a fraction. It
// says why there is nothing to read (NULL: no timeout).
func (c *call) timeoutFields(i int) (sec, frac int64, why string) {
	if c.arg(i) == 0 {
		c.ev.Args.Timeout = "none"
		return 0, 0, "no timeout"
	}
	var f [2]int64
	if err := readMem(c.tid, c.arg(i), asBytes(&f)); err != nil {
		c.ev.Args.Timeout = "unreadable"
		return 0, 0, "unreadable timeout"
	}
	return f[0], f[1], ""
}

// timeout classifies a timeout as poll_select_set_timeout does: negative
// parts are invalid (EINVAL, from the kernel), zero returns at once.
func (c *call) timeout(sec, nsec int64) (time.Duration, string) {
	switch {
	case sec < 0 || nsec < 0 || nsec >= 1e9:
		c.ev.Args.Timeout = "invalid"
		return 0, "invalid timeout"
	case sec == 0 && nsec == 0:
		c.ev.Args.Timeout = "0s"
		return 0, "zero timeout"
	case sec >= maxTimeoutSec:
		c.ev.Args.Timeout = "none"
		return 0, "timeout beyond 292 years"
	}
	d := time.Duration(sec)*time.Second + time.Duration(nsec)
	c.ev.Args.Timeout = d.String()
	return d, ""
}

// signalLetIn reports why the kernel should run a wait with a temporary
// signal mask (ppoll, pselect6, epoll_pwait*): the mask is malformed (the
// kernel fails the call), or it unblocks a signal already pending, which
// the kernel would deliver at once (EINTR). A wait that timed out in
// virtual time would leave that signal pending, and a loop waiting for it
// would spin forever.
func (c *call) signalLetIn(mask, size uint64) string {
	if mask == 0 {
		return ""
	}
	var set uint64
	if size != 8 { // sizeof(sigset_t) on x86_64
		return "signal mask size not 8"
	}
	if err := readMem(c.tid, mask, asBytes(&set)); err != nil {
		return "unreadable signal mask"
	}
	st, err := readStatus(c.tid)
	if err != nil {
		return "no signal state"
	}
	if st.pending&^set != 0 {
		return "signal mask unblocks a pending signal"
	}
	return ""
}

// le32 and le16 read the fields of kernel structs copied from the guest.
func le32(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) }
func le16(b []byte) int16 { return int16(binary.LittleEndian.Uint16(b)) }
