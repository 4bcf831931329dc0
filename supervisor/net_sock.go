package supervisor

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
)

// The guest's sockets, as the supervisor holds them.
//
// The guest always has its own network namespace, empty but for its lo.
// Every socket it creates lives there, and can reach nothing outside but
// the unix sockets the filesystem shows (which the supervisor connects
// itself, see sys_unix.go). A connection to the host is always a socket
// of the supervisor's, made in gaol's own network namespace, connected
// to the checked destination, and installed in the guest at the fd
// number the guest named (SECCOMP_ADDFD_FLAG_SETFD, as dup2 would): a
// host socket. A host socket is never bound or put to listen by anyone
// (listen and bind are the supervisor's, and refuse it), so no host port
// ever accepts a connection the guest opened.
//
// Every fd-based decision is made on the supervisor's copy of the fd as
// the *calling thread's* table holds it (a thread created without
// CLONE_FILES has a table of its own), and the operation is performed on
// that same copy: another thread that dup2s over the number after the
// check changes only what the guest's table holds, not what the
// supervisor acts on.

// pidfdThread is PIDFD_THREAD (Linux 6.9, the value of O_EXCL): a pidfd
// of one thread rather than of its thread group, through which
// pidfd_getfd reads that thread's own fd table.
const pidfdThread = unix.O_EXCL

// threadFDs copies fds out of the calling thread's fd table.
type threadFDs struct{ pidfd int }

// threadFDs opens a pidfd of the calling thread. That the notification
// is still pending after the open proves the thread id named the calling
// thread, blocked in this very call, when the pidfd was made: no reused
// id can slip in.
func (c *call) threadFDs() (*threadFDs, error) {
	pidfd, err := unix.PidfdOpen(c.tid, pidfdThread)
	if err != nil {
		return nil, unix.ESRCH
	}
	if err := c.valid(); err != nil {
		unix.Close(pidfd)
		return nil, err
	}
	return &threadFDs{pidfd: pidfd}, nil
}

// get is the supervisor's copy of the thread's fd num: the same open file.
func (t *threadFDs) get(num int) (int, error) {
	if num < 0 {
		return -1, unix.EBADF
	}
	fd, err := unix.PidfdGetfd(t.pidfd, num, 0)
	if err != nil {
		return -1, err
	}
	return fd, nil
}

func (t *threadFDs) close() { unix.Close(t.pidfd) }

// sock is the supervisor's copy of the socket the calling thread holds
// at num.
type sock struct {
	fd                 int // the supervisor's copy
	num                int // the guest's fd number
	domain, typ, proto int
	host               bool // it lives in gaol's network namespace: a host socket
}

// threadSocket copies the calling thread's fd num and describes it;
// ENOTSOCK if it is no socket.
func (c *call) threadSocket(num int) (*sock, error) {
	t, err := c.threadFDs()
	if err != nil {
		return nil, err
	}
	defer t.close()
	fd, err := t.get(num)
	if err != nil {
		return nil, err
	}
	s := &sock{fd: fd, num: num}
	var e1, e2, e3 error
	s.domain, e1 = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	s.typ, e2 = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	s.proto, e3 = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	if e1 != nil || e2 != nil || e3 != nil {
		unix.Close(fd)
		return nil, unix.ENOTSOCK
	}
	s.host = isHostSocket(fd)
	return s, nil
}

func (s *sock) close() {
	if s != nil && s.fd >= 0 {
		unix.Close(s.fd)
		s.fd = -1
	}
}

// network names the socket's protocol for the policy: "tcp", "udp",
// "unix", or "" for anything else (which never reaches the host).
func (s *sock) network() string {
	switch {
	case s.domain == unix.AF_UNIX:
		return "unix"
	case s.domain != unix.AF_INET && s.domain != unix.AF_INET6:
		return ""
	case s.typ == unix.SOCK_STREAM && (s.proto == 0 || s.proto == unix.IPPROTO_TCP):
		return "tcp"
	case s.typ == unix.SOCK_DGRAM && (s.proto == 0 || s.proto == unix.IPPROTO_UDP):
		return "udp"
	}
	return ""
}

// nonblocking reports the O_NONBLOCK of the guest's open file.
func (s *sock) nonblocking() bool {
	fl, err := unix.FcntlInt(uintptr(s.fd), unix.F_GETFL, 0)
	return err == nil && fl&unix.O_NONBLOCK != 0
}

// connected reports whether the socket has a peer.
func (s *sock) connected() bool {
	_, err := unix.Getpeername(s.fd)
	return err == nil
}

// hostNetns is the cookie of gaol's own network namespace.
var hostNetns struct {
	once   sync.Once
	cookie uint64
	err    error
}

func hostCookie() (uint64, error) {
	hostNetns.once.Do(func() {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			hostNetns.err = err
			return
		}
		defer unix.Close(fd)
		hostNetns.cookie, hostNetns.err = unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_NETNS_COOKIE)
	})
	return hostNetns.cookie, hostNetns.err
}

// isHostSocket reports whether fd is a socket of gaol's own network
// namespace (by SO_NETNS_COOKIE, Linux 5.14). It fails closed: a socket
// whose namespace cannot be told is taken for a host socket, which may
// neither bind nor listen nor reach the guest's loopback.
func isHostSocket(fd int) bool {
	host, err := hostCookie()
	if err != nil {
		return true
	}
	c, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_NETNS_COOKIE)
	return err != nil || c == host
}

// newHostSocket is the supervisor's socket standing in for the guest's
// socket s: the same family, type and protocol, in gaol's own network
// namespace, non-blocking (a connect waits by poll, see awaitConnect),
// close-on-exec, with the options that shape a connection copied from
// the guest's socket before the connect.
func newHostSocket(s *sock) (int, error) {
	h, err := unix.Socket(s.domain, s.typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, s.proto)
	if err != nil {
		return -1, err
	}
	copyOptions(s, h)
	return h, nil
}

// copyOptions carries over the options a guest sets before connecting
// and expects to hold afterwards: keep-alives, broadcast, credentials
// passing, the send and receive timeouts (SO_SNDTIMEO also bounds a
// blocking connect), TCP_NODELAY and IPV6_V6ONLY. Buffer sizes are not
// copied (the kernel doubles what it is given) and nothing that needs a
// capability is.
func copyOptions(s *sock, h int) {
	opts := [][2]int{{unix.SOL_SOCKET, unix.SO_KEEPALIVE}}
	switch s.domain {
	case unix.AF_UNIX:
		opts = append(opts, [2]int{unix.SOL_SOCKET, unix.SO_PASSCRED})
	case unix.AF_INET6:
		opts = append(opts, [2]int{unix.IPPROTO_IPV6, unix.IPV6_V6ONLY})
	}
	switch s.network() {
	case "tcp":
		opts = append(opts, [2]int{unix.IPPROTO_TCP, unix.TCP_NODELAY})
	case "udp":
		opts = append(opts, [2]int{unix.SOL_SOCKET, unix.SO_BROADCAST})
	}
	for _, o := range opts {
		if v, err := unix.GetsockoptInt(s.fd, o[0], o[1]); err == nil {
			_ = unix.SetsockoptInt(h, o[0], o[1], v)
		}
	}
	for _, o := range []int{unix.SO_RCVTIMEO, unix.SO_SNDTIMEO} {
		if tv, err := unix.GetsockoptTimeval(s.fd, unix.SOL_SOCKET, o); err == nil && (tv.Sec != 0 || tv.Usec != 0) {
			_ = unix.SetsockoptTimeval(h, unix.SOL_SOCKET, o, tv)
		}
	}
}

// sendTimeout is the socket's SO_SNDTIMEO, 0 for none.
func sendTimeout(fd int) time.Duration {
	tv, err := unix.GetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO)
	if err != nil {
		return 0
	}
	return time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond
}

// guestCloexec reports whether the calling thread's fd num is
// close-on-exec (fdinfo's flags show the fd table's bit). It decides
// nothing but the flag of the fd installed in its place; unknown, it is
// close-on-exec.
func (c *call) guestCloexec(num int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(c.tid) + "/fdinfo/" + strconv.Itoa(num))
	if err != nil {
		return true
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("flags:")); ok {
			fl, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 64)
			return err != nil || fl&unix.O_CLOEXEC != 0
		}
	}
	return true
}

// install puts the supervisor's socket h in the calling thread's fd table
// at num, replacing whatever the number holds then
// (SECCOMP_ADDFD_FLAG_SETFD: the target thread does it itself, into its
// own table, as dup2 would). The syscall is answered separately, with the
// connect's own result. The guest's socket, if still at num, is closed
// by the replacement; h stays the supervisor's to close.
func (c *call) install(h, num int, cloexec bool) error {
	flags := uint32(0)
	if cloexec {
		flags = unix.O_CLOEXEC
	}
	add := seccomp.NotifAddFD{ID: c.n.ID, Flags: unix.SECCOMP_ADDFD_FLAG_SETFD, SrcFD: uint32(h), NewFD: uint32(num), NewFDFlags: flags}
	for {
		_, err := seccomp.AddFD(c.s.listener, &add)
		if err == unix.EINTR {
			continue
		}
		return err
	}
}

// waitTick is how often a waiting answer looks at the run's end and at
// whether the guest's call is still pending.
const waitTick = 20 * time.Millisecond

// waitWritable waits up to one tick for fd to become writable. It fails
// with EINTR once the run ends and with ESRCH once the guest's call is
// withdrawn (a signal, the thread killed): a waiting answer never
// outlives the call it answers.
func (c *call) waitWritable(fd int, stop <-chan struct{}) (bool, error) {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	n, err := unix.Poll(pfd, int(waitTick/time.Millisecond))
	select {
	case <-stop:
		return false, unix.EINTR
	default:
	}
	if err := c.valid(); err != nil {
		return false, err
	}
	if err != nil && err != unix.EINTR {
		return false, err
	}
	return n > 0, nil
}

// pause waits one tick, with the same ends as waitWritable.
func (c *call) pause(stop <-chan struct{}) error {
	select {
	case <-stop:
		return unix.EINTR
	case <-time.After(waitTick):
	}
	return c.valid()
}

// awaitConnect connects the supervisor's non-blocking socket h to raw.
// For a guest whose socket blocks it waits for the outcome, at most the
// socket's SO_SNDTIMEO (then EINPROGRESS, as the kernel answers), and
// returns at once when the run ends or the guest's call is withdrawn. A
// unix stream socket whose listener's backlog is full answers EAGAIN to
// a non-blocking connect: a blocking one tries again each tick.
func (c *call) awaitConnect(h int, raw []byte, block bool, stop <-chan struct{}) error {
	var deadline time.Time
	if d := sendTimeout(h); d > 0 {
		deadline = time.Now().Add(d)
	}
	for {
		err := rawConnect(h, raw)
		if err == unix.EINPROGRESS && block {
			break
		}
		if err != unix.EAGAIN || !block {
			return err
		}
		if err := c.pause(stop); err != nil {
			return err
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return unix.EAGAIN
		}
	}
	for {
		ready, err := c.waitWritable(h, stop)
		if err != nil {
			return err
		}
		if ready {
			soerr, err := unix.GetsockoptInt(h, unix.SOL_SOCKET, unix.SO_ERROR)
			if err != nil {
				return err
			}
			if soerr != 0 {
				return unix.Errno(soerr)
			}
			return nil
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return unix.EINPROGRESS
		}
	}
}

// blockingOnCopy runs op, a call that may block on the supervisor's copy
// fd of a socket, and shuts the socket down if the run ends meanwhile:
// shutdown ends a connect or send that waits (the guest is going away
// with its socket anyway).
func blockingOnCopy(fd int, stop <-chan struct{}, op func() error) error {
	finished := make(chan struct{})
	go func() {
		select {
		case <-stop:
			unix.Shutdown(fd, unix.SHUT_RDWR)
		case <-finished:
		}
	}()
	err := op()
	close(finished)
	return err
}
