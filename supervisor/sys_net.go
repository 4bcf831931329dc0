package supervisor

import (
	"encoding/binary"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/policies"
)

// Network handlers. Every call that names an address is performed by the
// supervisor on its own copy of the guest's socket (pidfd_getfd), with the
// address it read once and checked — never by letting the guest's call
// continue, since the kernel would read the address again (design.md,
// invariant 1). With no network in the policy the guest also has its own
// network namespace and Landlock denies it TCP, so nothing it does reaches
// the host's network even if a check were wrong.

// maxSockaddr is sizeof(struct sockaddr_storage).
const maxSockaddr = 128

// sysSocket lets the guest create sockets of the families a policy can
// speak about; creating one reads no guest memory.
func sysSocket(c *call) reply {
	c.ev.Args.Raw = rawArgs(c.n)[:3]
	switch c.arg(0) {
	case unix.AF_UNIX, unix.AF_INET, unix.AF_INET6:
		return allow("socket creation")
	}
	return deny(unix.EAFNOSUPPORT, "socket family not allowed")
}

// sockaddr is a destination read from guest memory.
type sockaddr struct {
	raw    []byte
	family uint16
	addr   netip.AddrPort // AF_INET, AF_INET6
	path   string         // AF_UNIX; "@name" for the abstract namespace
	held   int            // AF_UNIX after checkUnix: O_PATH fd of the socket raw names; 0 for none
}

func (c *call) readSockaddr(ptr uint64, length int) (*sockaddr, error) {
	if length < 2 || length > maxSockaddr {
		return nil, unix.EINVAL
	}
	raw := make([]byte, length)
	if err := readMem(c.tid, ptr, raw); err != nil {
		return nil, err
	}
	if err := c.valid(); err != nil {
		return nil, err
	}
	sa, err := parseSockaddr(raw)
	if err != nil {
		return nil, err
	}
	c.ev.Args.Path = sa.String()
	return sa, nil
}

// parseSockaddr decodes a sockaddr the guest wrote; raw is kept for the
// supervisor's own call.
func parseSockaddr(raw []byte) (*sockaddr, error) {
	if len(raw) < 2 || len(raw) > maxSockaddr {
		return nil, unix.EINVAL
	}
	sa := &sockaddr{raw: raw, family: binary.LittleEndian.Uint16(raw)}
	port := func() uint16 { return binary.BigEndian.Uint16(raw[2:4]) }
	switch sa.family {
	case unix.AF_INET:
		if len(raw) < 16 {
			return nil, unix.EINVAL
		}
		sa.addr = netip.AddrPortFrom(netip.AddrFrom4([4]byte(raw[4:8])), port())
	case unix.AF_INET6:
		if len(raw) < 24 {
			return nil, unix.EINVAL
		}
		sa.addr = netip.AddrPortFrom(netip.AddrFrom16([16]byte(raw[8:24])).Unmap(), port())
	case unix.AF_UNIX:
		name := raw[2:]
		if len(name) > 0 && name[0] == 0 {
			sa.path = "@" + string(name[1:])
		} else {
			sa.path = cstring(name)
		}
	default:
		return nil, unix.EAFNOSUPPORT
	}
	return sa, nil
}

func (sa *sockaddr) String() string {
	if sa.family == unix.AF_UNIX {
		return "unix:" + sa.path
	}
	return sa.addr.String()
}

// socketNetwork names the protocol of the supervisor's copy of a socket.
func socketNetwork(fd int) string {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return ""
	}
	switch typ {
	case unix.SOCK_STREAM:
		return "tcp"
	case unix.SOCK_DGRAM:
		return "udp"
	}
	return ""
}

// checkAddr asks the policy about an address; unix sockets are allowed
// only where the policy mounts them (checkUnix). The caller releases sa.
func (c *call) checkAddr(kind string, sa *sockaddr, network string) (reply, bool) {
	if sa.family == unix.AF_UNIX {
		return c.checkUnix(kind, sa)
	}
	d := c.s.policy.Decide(policies.Op{Kind: kind, Syscall: c.ev.Syscall, Addr: sa.addr, Network: network})
	c.ev.Rule, c.ev.RulePos = d.Rule, rulePos(d)
	if d.Allow {
		return reply{}, true
	}
	return reply{action: actDeny, errno: d.Errno, rule: d.Rule, rulePos: c.ev.RulePos}, false
}

// socketCall is the common start of connect, bind and sendto: the
// supervisor's copy of the socket and the checked address.
func (c *call) socketCall(kind string, fdArg, addrArg, lenArg int) (our int, sa *sockaddr, r reply, ok bool) {
	fd := c.argInt(fdArg)
	c.setFd(fd)
	sa, err := c.readSockaddr(c.arg(addrArg), int(uint32(c.arg(lenArg))))
	if err != nil {
		return -1, nil, fail(err), false
	}
	our, err = c.p.guestFD(fd)
	if err != nil {
		return -1, nil, fail(err), false
	}
	network := socketNetwork(our)
	if network == "" && sa.family != unix.AF_UNIX {
		unix.Close(our)
		return -1, nil, fail(unix.ENOTSOCK), false
	}
	if r, ok := c.checkAddr(kind, sa, network); !ok {
		unix.Close(our)
		return -1, nil, r, false
	}
	return our, sa, reply{}, true
}

func sysConnect(c *call) reply {
	our, sa, r, ok := c.socketCall(policies.KindConnect, 0, 1, 2)
	if !ok {
		return r
	}
	// A blocking connect may take seconds: answer from a goroutine, so
	// the notify loop goes on.
	return c.async(func() reply {
		defer unix.Close(our)
		defer sa.release()
		if err := rawConnect(our, sa.raw); err != nil {
			return fail(err)
		}
		return ok0()
	}, nil)
}

func sysBind(c *call) reply {
	our, sa, r, ok := c.socketCall(policies.KindBind, 0, 1, 2)
	if !ok {
		return r
	}
	defer unix.Close(our)
	defer sa.release()
	if err := rawBind(our, sa.raw); err != nil {
		return fail(err)
	}
	return ok0()
}

// maxDatagram bounds what sendto copies out of the guest.
const maxDatagram = 64 << 10

// sysSendto without an address sends on a connected socket: the address
// argument is a register, so a continue reads nothing the guest can
// change. With one, the supervisor sends its own copy of the data to the
// checked address.
func sysSendto(c *call) reply {
	if c.arg(4) == 0 {
		c.setFd(c.argInt(0))
		return allow("send on a connected socket")
	}
	our, sa, r, allowed := c.socketCall(policies.KindSend, 0, 4, 5)
	if !allowed {
		return r
	}
	n := int(c.arg(2))
	if n > maxDatagram {
		n = maxDatagram
	}
	data := make([]byte, n)
	if err := readMem(c.tid, c.arg(1), data); err != nil {
		unix.Close(our)
		sa.release()
		return fail(err)
	}
	flags := int(c.arg(3))
	return c.async(func() reply {
		defer unix.Close(our)
		defer sa.release()
		sent, err := rawSendto(our, data, flags, sa.raw)
		if err != nil {
			return fail(err)
		}
		return ok(int64(sent))
	}, nil)
}

// sysListen allows listening only on a socket bound to an address the
// policy allowed (bind is the supervisor's): listen on an unbound socket
// would make the kernel pick an address and port itself. It reads no
// guest memory.
func sysListen(c *call) reply {
	fd := c.argInt(0)
	c.setFd(fd)
	our, err := c.p.guestFD(fd)
	if err != nil {
		return fail(err)
	}
	defer unix.Close(our)
	sa, err := unix.Getsockname(our)
	if err != nil {
		return fail(err)
	}
	bound := false
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		bound = a.Port != 0
	case *unix.SockaddrInet6:
		bound = a.Port != 0
	case *unix.SockaddrUnix:
		bound = a.Name != ""
	}
	if !bound {
		return deny(unix.EACCES, "network: listen needs a bind the policy allowed")
	}
	return allow("listen on a bound socket")
}

// sysAccept takes a connection from a socket that is listening, hence
// bound where the policy allowed; it reads no guest memory.
func sysAccept(c *call) reply {
	c.setFd(c.argInt(0))
	return allow("accept on a listening socket")
}

// sysSendmsg: without a destination (msg_name NULL) on a connected socket
// the message goes where the policy already allowed; the supervisor still
// cannot let the call continue, since msg_name lives in guest memory that
// could change after the check. So a message with a destination is
// refused unless the policy allows network, and then sent by the
// supervisor (sendmsgCopy).
func sysSendmsg(c *call) reply {
	c.setFd(c.argInt(0))
	return c.sendmsgCopy()
}

func ok0() reply { return ok(0) }

// async answers the notification from a goroutine running f. done, if
// not nil, runs once the answer is sent and traced.
func (c *call) async(f func() reply, done func()) reply {
	t0 := time.Now()
	// The worker receives the next notification into the same Notif as
	// soon as this returns: the goroutine must answer from its own copy,
	// or it would answer (or inject an fd into) whichever call came next.
	n := *c.n
	c.n = &n
	go func() {
		if done != nil {
			defer done()
		}
		c.s.complete(c, f(), t0)
	}()
	return reply{action: actAsync}
}
