package supervisor

import (
	"time"

	"golang.org/x/sys/unix"
)

// Would a wait return at once? The supervisor polls its own copies of the
// guest's fds (pidfd_getfd: the same open file descriptions) with a zero
// timeout, which changes nothing the guest will see. Anything the kernel
// would answer at once without waiting (an fd not open, an invalid
// argument) counts as "at once" too, and the kernel answers it.

// Poll events x/sys/unix does not name (asm-generic/poll.h, as on x86_64).
const (
	pollRdNorm = 0x40
	pollRdBand = 0x80
	pollWrNorm = 0x100
	pollWrBand = 0x200
)

// select's fd-set masks (fs/select.c): the poll events that make an fd
// ready for reading, for writing, or with an exceptional condition.
const (
	pollinSet  = unix.POLLIN | pollRdNorm | pollRdBand | unix.POLLHUP | unix.POLLERR
	polloutSet = unix.POLLOUT | pollWrNorm | pollWrBand | unix.POLLERR
	pollexSet  = unix.POLLPRI
)

// probe is one guest fd to poll: the events to ask for and those that make
// it ready.
type probe struct {
	fd           int
	events, want int16
}

// pollWait is poll and ppoll: fds points to nfds struct pollfd; ts, for
// ppoll, to the timespec the kernel zeroes when the wait times out.
func (c *call) pollWait(d time.Duration, fds uint64, nfds uint64, ts uint64, tsSize int) wait {
	n := uint32(nfds) // unsigned int nfds
	return wait{
		d:     d,
		ready: func() string { return c.pollReady(fds, n) },
		timedOut: func() error {
			// The kernel writes every entry's revents (all zero now).
			addrs := make([]uint64, n)
			for i := range addrs {
				addrs[i] = fds + 8*uint64(i) + 6
			}
			if err := zeroMemEach(c.tid, addrs, 2); err != nil {
				return err
			}
			c.zeroTimeout(ts, tsSize)
			return nil
		},
	}
}

func (c *call) pollReady(fds uint64, nfds uint32) string {
	if nfds > maxWaitFDs {
		return "more than 1024 fds"
	}
	raw := make([]byte, 8*int(nfds))
	if err := readMem(c.tid, fds, raw); err != nil {
		return "unreadable pollfd array"
	}
	probes := make([]probe, 0, nfds)
	for i := 0; i < len(raw); i += 8 {
		// The kernel ignores a negative fd; POLLERR and POLLHUP are
		// reported whatever the events, so any revents makes it ready.
		if fd := le32(raw[i:]); fd >= 0 {
			probes = append(probes, probe{fd: int(fd), events: le16(raw[i+4:]), want: -1})
		}
	}
	return c.anyReady(probes)
}

// selectWait is select and pselect6: nfds and three fd sets (each may be
// NULL) in arguments 0 to 3, the timeout (timeval or timespec, tsSize
// bytes) in argument 4.
func (c *call) selectWait(d time.Duration, tsSize int) wait {
	sets := [3]uint64{c.arg(1), c.arg(2), c.arg(3)}
	nfds := int(int32(c.arg(0)))
	return wait{
		d: d,
		ready: func() string {
			var why string
			nfds, why = c.selectFDs(nfds)
			if why != "" {
				return why
			}
			return c.selectReady(nfds, sets)
		},
		timedOut: func() error {
			// The kernel writes back every set it read, now empty.
			zeros := make([]byte, fdSetBytes(nfds))
			for _, set := range sets {
				if set == 0 {
					continue
				}
				if err := writeMem(c.tid, set, zeros); err != nil {
					return err
				}
			}
			c.zeroTimeout(c.arg(4), tsSize)
			return nil
		},
	}
}

// selectFDs checks select's nfds and caps it, as the kernel does, at the
// size of the guest's fd table: the kernel reads and writes only that
// many bits of each set.
func (c *call) selectFDs(nfds int) (int, string) {
	switch {
	case nfds < 0:
		return 0, "negative nfds"
	case nfds <= 64: // NR_OPEN_DEFAULT: every fd table has this room
		return nfds, ""
	}
	st, err := readStatus(c.tid)
	if err != nil {
		return 0, "no fd table size"
	}
	nfds = min(nfds, st.fdSize)
	if nfds > maxWaitFDs {
		return 0, "more than 1024 fds"
	}
	return nfds, ""
}

// fdSetBytes is the kernel's FDS_BYTES: an fd_set of n bits is read and
// written in whole unsigned longs.
func fdSetBytes(n int) int { return (n + 63) / 64 * 8 }

func (c *call) selectReady(nfds int, sets [3]uint64) string {
	masks := [3]int16{pollinSet, polloutSet, pollexSet}
	var bits [3][]byte
	for i, set := range sets {
		if set == 0 {
			continue
		}
		bits[i] = make([]byte, fdSetBytes(nfds))
		if err := readMem(c.tid, set, bits[i]); err != nil {
			return "unreadable fd set"
		}
	}
	var probes []probe
	for fd := range nfds {
		var want int16
		for i, b := range bits {
			if b != nil && b[fd/8]&(1<<(fd%8)) != 0 {
				want |= masks[i]
			}
		}
		if want != 0 {
			probes = append(probes, probe{fd: fd, events: want &^ (unix.POLLHUP | unix.POLLERR), want: want})
		}
	}
	return c.anyReady(probes)
}

// epollWait is the epoll_wait family: epfd, events, maxevents in
// arguments 0 to 2. A timed-out epoll_wait writes nothing.
func (c *call) epollWait(d time.Duration) wait {
	epfd, max := c.argInt(0), c.argInt(2)
	c.setFd(epfd)
	return wait{
		d:        d,
		ready:    func() string { return c.epollReady(epfd, max) },
		timedOut: func() error { return nil },
	}
}

// epollReady polls the epoll fd itself, which is readable when one of its
// events is ready. Never epoll_wait on the copy: it shares the guest's
// ready list, and would take edge-triggered and one-shot events from it.
func (c *call) epollReady(epfd, maxevents int) string {
	if maxevents <= 0 || maxevents > epMaxEvents {
		return "invalid maxevents"
	}
	our, err := c.p.guestFD(epfd)
	if err != nil {
		return "fd " + itoa(int64(epfd)) + " not open"
	}
	defer unix.Close(our)
	if link, err := readlinkFD(our); err != nil || link != "anon_inode:[eventpoll]" {
		return "fd " + itoa(int64(epfd)) + " not an epoll"
	}
	fds := []unix.PollFd{{Fd: int32(our), Events: unix.POLLIN}}
	if err := pollNow(fds); err != nil {
		return "cannot poll: " + err.Error()
	}
	if fds[0].Revents != 0 {
		return "an event ready"
	}
	return ""
}

// anyReady reports why the wait on probes would return at once: an fd not
// open (POLLNVAL or EBADF, from the kernel) or one ready; "" if none is.
func (c *call) anyReady(probes []probe) string {
	fds := make([]unix.PollFd, 0, len(probes))
	defer func() {
		for _, f := range fds {
			unix.Close(int(f.Fd))
		}
	}()
	for _, p := range probes {
		our, err := c.p.guestFD(p.fd)
		if err != nil {
			return "fd " + itoa(int64(p.fd)) + " not open"
		}
		fds = append(fds, unix.PollFd{Fd: int32(our), Events: p.events})
	}
	if err := pollNow(fds); err != nil {
		return "cannot poll: " + err.Error()
	}
	for i, f := range fds {
		if f.Revents&probes[i].want != 0 {
			return "fd " + itoa(int64(probes[i].fd)) + " ready"
		}
	}
	return ""
}

// pollNow polls fds without waiting.
func pollNow(fds []unix.PollFd) error {
	for {
		_, err := unix.Poll(fds, 0)
		if err != unix.EINTR {
			return err
		}
	}
}

// zeroTimeout writes a zero timeout (size bytes) at ts, as the kernel
// writes the time left when a select or ppoll times out. Like the kernel
// it ignores a failed write: the wait itself succeeded.
func (c *call) zeroTimeout(ts uint64, size int) {
	if ts != 0 && size > 0 {
		_ = writeMem(c.tid, ts, make([]byte, size))
	}
}

func readlinkFD(fd int) (string, error) {
	buf := make([]byte, 64)
	n, err := unix.Readlink("/proc/self/fd/"+itoa(int64(fd)), buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}
