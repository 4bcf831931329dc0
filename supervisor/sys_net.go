package supervisor

import (
	"encoding/binary"
	"net/netip"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/policies"
)

// Network handlers. Every call that names an address or depends on what
// an fd is, is performed by the supervisor on its own copy of the calling
// thread's fd (net_sock.go), with the address it read once and checked;
// none continues to the kernel, which would read the address again and
// look the fd up again (docs/security.md, invariants 1 and 7). The guest lives
// in a network namespace of its own (only lo, up); an allowed connection
// to the host is a socket of the supervisor's installed in the guest.
// The three calls that do continue (socket, send without an address,
// accept) each say below why nothing a concurrent thread changes alters
// what the kernel acts on; docs/security.md repeats the arguments.

// maxSockaddr is sizeof(struct sockaddr_storage).
const maxSockaddr = 128

// sysSocket lets the guest create sockets of the families a policy can
// speak about.
//
// CONTINUE: the decision reads only the family register. The kernel
// creates the socket in the calling thread's network namespace, which is
// always the guest's own: setns and unshare are EPERM in the filter, and
// the guest holds no capability to make another. Whatever another thread
// does meanwhile, the new socket can reach nothing outside the sandbox.
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

// readSockaddr reads the sockaddr of a connect, bind or sendto: length is
// the raw register, an int to the kernel; negative or beyond
// sockaddr_storage is EINVAL, as move_addr_to_kernel answers.
func (c *call) readSockaddr(ptr uint64, length uint64) (*sockaddr, error) {
	n, err := sockaddrLen(length)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, n)
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

// sockaddrLen bounds a socklen_t register: the kernel reads it as an int.
func sockaddrLen(length uint64) (int, error) {
	n := int64(int32(uint32(length)))
	if n < 2 || n > maxSockaddr {
		return 0, unix.EINVAL
	}
	return int(n), nil
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
	case unix.AF_UNSPEC:
		// connect(AF_UNSPEC) dissolves an association; it names nothing.
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
	switch sa.family {
	case unix.AF_UNIX:
		return "unix:" + sa.path
	case unix.AF_UNSPEC:
		return "unspec"
	}
	return sa.addr.String()
}

// route is where an allowed address operation goes.
type route uint8

const (
	toGuest route = iota + 1 // the guest's own namespace: the guest's socket acts
	toHost                   // gaol's namespace: a host socket of the supervisor's
)

// Rule names of the allow rules a network block's destinations and
// --allow-connect imply (policies: finalize, AllowConnect): the only
// rules that name a loopback address of the host.
var destinationRules = map[string]bool{"network.connect": true, "--allow-connect": true}

// hostDestinations are a policy's destination rules alone, made once per
// run: whether one of them matches tells a loopback address of the host
// from the guest's own.
type hostDestinations struct {
	once sync.Once
	p    *policies.Policy
}

func (h *hostDestinations) of(p *policies.Policy) *policies.Policy {
	h.once.Do(func() {
		h.p = &policies.Policy{}
		for _, r := range p.Rules {
			if destinationRules[r.Name] {
				h.p.Rules = append(h.p.Rules, r)
			}
		}
	})
	return h.p
}

// routeInet asks the policy about an AF_INET/AF_INET6 operation and says
// where it goes when allowed. A policy without network destinations
// reaches only the guest's own namespace, as it always did. With
// destinations, an allowed connect or send reaches the host, except one
// to a loopback (or unspecified) address that no destination entry
// names: that is the guest's own lo, where the guest's own servers
// listen. A bind is always the guest's own.
func (c *call) routeInet(kind string, sa *sockaddr, network string) (route, reply) {
	op := policies.Op{Kind: kind, Syscall: c.ev.Syscall, Addr: sa.addr, Network: network}
	d := c.s.policy.Decide(op)
	c.decided(d)
	if !d.Allow {
		return 0, reply{action: actDeny, errno: d.Errno, rule: d.Rule, rulePos: c.ev.RulePos}
	}
	a := sa.addr.Addr()
	switch {
	case kind == policies.KindBind, len(c.s.policy.Network.Connect) == 0:
		return toGuest, reply{}
	case (a.IsLoopback() || a.IsUnspecified()) && !c.s.dests.of(c.s.policy).Decide(op).Allow:
		return toGuest, reply{}
	}
	return toHost, reply{}
}

// addressedSocket is the start of connect and bind (fd, address, length):
// the address read once from guest memory, and the calling thread's copy
// of the socket it names.
func (c *call) addressedSocket() (*sockaddr, *sock, error) {
	num := c.argInt(0)
	c.setFd(num)
	sa, err := c.readSockaddr(c.arg(1), c.arg(2))
	if err != nil {
		return nil, nil, err
	}
	s, err := c.threadSocket(num)
	if err != nil {
		return nil, nil, err
	}
	return sa, s, nil
}

func sysConnect(c *call) reply {
	sa, s, err := c.addressedSocket()
	if err != nil {
		return fail(err)
	}
	switch {
	case sa.family == unix.AF_UNSPEC:
		// Dissolving an association needs no check: a host socket comes
		// out unconnected and unbound (listen and bind refuse it still),
		// a guest socket stays in the guest's namespace.
		defer s.close()
		c.ev.Rule = "network: disconnect"
		if err := rawConnect(s.fd, sa.raw); err != nil {
			return fail(err)
		}
		return ok0()
	case int(sa.family) != s.domain:
		s.close()
		return fail(unix.EAFNOSUPPORT)
	case sa.family == unix.AF_UNIX:
		if r, ok := c.checkUnix(policies.KindConnect, sa); !ok {
			s.close()
			return r
		}
		if s.host {
			return c.connectCopy(s, sa)
		}
		return c.connectFresh(s, sa)
	}
	rt, r := c.routeInet(policies.KindConnect, sa, s.network())
	switch {
	case rt == 0:
		s.close()
		return r
	case s.host && rt == toHost:
		// A re-connect of a socket the supervisor made: the kernel
		// answers on it (EISCONN, EALREADY, a UDP peer changed).
		return c.connectCopy(s, sa)
	case s.host:
		s.close()
		return deny(unix.EACCES, "network: a host socket cannot reach the guest's own network")
	case rt == toGuest:
		return c.connectCopy(s, sa)
	case s.network() == "":
		s.close()
		return deny(unix.EACCES, "network: only TCP and UDP sockets reach the host")
	}
	return c.connectFresh(s, sa)
}

// connectCopy connects the supervisor's copy of the guest's socket
// itself: a socket of the guest's namespace to an address there, or a
// host socket again. It owns s and sa. A blocking one waits in a
// goroutine, ended by shutdown when the run ends.
func (c *call) connectCopy(s *sock, sa *sockaddr) reply {
	connect := func(stop <-chan struct{}) reply {
		defer s.close()
		defer sa.release()
		err := blockingOnCopy(s.fd, stop, func() error { return rawConnect(s.fd, sa.raw) })
		if err != nil {
			return fail(err)
		}
		return ok0()
	}
	if s.nonblocking() {
		return connect(nil)
	}
	return c.async(connect, nil)
}

// connectFresh is a connection the guest's socket s cannot make from its
// own namespace: to the host, or to a unix socket by path. The supervisor
// makes a socket of the same kind in its own namespace, connects it to
// the checked address, and installs it at the guest's fd number, then
// answers with the connect's own result (0, or EINPROGRESS for a
// non-blocking socket; a failure installs nothing and leaves the guest
// its socket). It owns s and sa.
func (c *call) connectFresh(s *sock, sa *sockaddr) reply {
	if s.typ != unix.SOCK_DGRAM && s.connected() {
		s.close()
		sa.release()
		return fail(unix.EISCONN)
	}
	h, err := newHostSocket(s)
	block, num, cloexec := !s.nonblocking(), s.num, c.guestCloexec(s.num)
	s.close()
	if err != nil {
		sa.release()
		return fail(err)
	}
	connect := func(stop <-chan struct{}) reply {
		defer unix.Close(h)
		defer sa.release()
		err := c.awaitConnect(h, sa.raw, block, stop)
		if err != nil && err != unix.EINPROGRESS {
			return fail(err)
		}
		if block {
			unix.SetNonblock(h, false)
		}
		if ierr := c.install(h, num, cloexec); ierr != nil {
			return fail(ierr)
		}
		if err != nil {
			return fail(err)
		}
		return ok0()
	}
	if !block {
		return connect(nil)
	}
	return c.async(connect, nil)
}

func sysBind(c *call) reply {
	sa, s, err := c.addressedSocket()
	if err != nil {
		return fail(err)
	}
	defer s.close()
	switch {
	case s.host:
		return deny(unix.EINVAL, "network: a host socket is never bound")
	case sa.family == unix.AF_UNIX:
		r, _ := c.checkUnix(policies.KindBind, sa)
		return r
	case int(sa.family) != s.domain:
		return fail(unix.EAFNOSUPPORT)
	}
	if rt, r := c.routeInet(policies.KindBind, sa, s.network()); rt == 0 {
		return r
	}
	if err := rawBind(s.fd, sa.raw); err != nil {
		return fail(err)
	}
	return ok0()
}

// maxDatagram bounds what sendto copies out of the guest: a stream
// socket gets a short write beyond it, and no datagram is larger.
const maxDatagram = 64 << 10

// sendLen bounds a size_t length register.
func sendLen(n uint64) int {
	if n > maxDatagram {
		return maxDatagram
	}
	return int(n)
}

// sysSendto with an address: the supervisor sends its own copy of the
// data to the checked address (sendWithAddress).
//
// CONTINUE without an address (the pointer register is NULL, so the
// kernel reads no address): the kernel sends on whatever socket the
// calling thread's fd holds when it runs, which another thread may have
// changed. Every socket the guest can hold is either of its own
// namespace (reaching only its lo, or a unix peer the supervisor
// connected), or a host socket the supervisor connected to a checked
// destination: sent without an address, a datagram goes to that
// destination only, and an unconnected one fails (EDESTADDRREQ, EPIPE).
// MSG_FASTOPEN without an address connects nothing (EINVAL).
func sysSendto(c *call) reply {
	num := c.argInt(0)
	c.setFd(num)
	if c.arg(4) == 0 {
		return allow("send on a connected socket")
	}
	sa, err := c.readSockaddr(c.arg(4), c.arg(5))
	if err != nil {
		return fail(err)
	}
	data := make([]byte, sendLen(c.arg(2)))
	if err := readMem(c.tid, c.arg(1), data); err != nil {
		return fail(err)
	}
	if err := c.valid(); err != nil {
		return fail(err)
	}
	s, err := c.threadSocket(num)
	if err != nil {
		return fail(err)
	}
	return c.sendWithAddress(s, sa, data, nil, nil, int(int32(uint32(c.arg(3)))))
}

// sendWithAddress sends data (and oob, whose fds passed it closes) to sa
// from the guest's socket s, or from a host socket connected to sa for a
// datagram to the host. It owns s, sa and passed.
func (c *call) sendWithAddress(s *sock, sa *sockaddr, data, oob []byte, passed []int, flags int) reply {
	refuse := func(r reply) reply {
		s.close()
		sa.release()
		closeAll(passed)
		return r
	}
	switch {
	case sa.family == unix.AF_UNIX:
		if r, ok := c.checkUnix(policies.KindSend, sa); !ok {
			return refuse(r)
		}
		return c.sendOnCopy(s, sa, data, oob, passed, flags)
	case sa.family == unix.AF_UNSPEC, int(sa.family) != s.domain:
		return refuse(fail(unix.EAFNOSUPPORT))
	}
	rt, r := c.routeInet(policies.KindSend, sa, s.network())
	switch {
	case rt == 0:
		return refuse(r)
	case s.host && rt == toHost && (s.typ != unix.SOCK_DGRAM || s.connected()):
		return c.sendOnCopy(s, sa, data, oob, passed, flags)
	case s.host && rt != toHost:
		return refuse(deny(unix.EACCES, "network: a host socket cannot reach the guest's own network"))
	case rt == toGuest:
		return c.sendOnCopy(s, sa, data, oob, passed, flags)
	case s.network() != "udp":
		// TCP Fast Open (sendto with MSG_FASTOPEN) would connect the
		// guest's own socket; to the host, connect first.
		return refuse(deny(unix.EOPNOTSUPP, "network: only datagrams go to the host without a connect"))
	}
	closeAll(passed)
	return c.sendFresh(s, sa, data, oob, flags)
}

// sendOnCopy sends on the supervisor's copy of the guest's socket. A send
// the guest would block in waits in a goroutine, a tick at a time, until
// the run ends or the call is withdrawn. SIGPIPE would hit gaol, not the
// guest: a broken connection answers EPIPE only. It owns s, sa, passed.
func (c *call) sendOnCopy(s *sock, sa *sockaddr, data, oob []byte, passed []int, flags int) reply {
	var to []byte
	if sa != nil {
		to = sa.raw
	}
	block := flags&unix.MSG_DONTWAIT == 0 && !s.nonblocking()
	send := func(stop <-chan struct{}) reply {
		defer s.close()
		defer sa.release()
		defer closeAll(passed)
		for spins := 0; ; spins++ {
			n, err := rawSendmsg(s.fd, data, oob, to, flags|unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
			if err != unix.EAGAIN || !block {
				if err != nil {
					return fail(err)
				}
				return ok(int64(n))
			}
			ready, err := c.waitWritable(s.fd, stop)
			if err != nil {
				return fail(err)
			}
			// A unix datagram socket polls writable while its peer's
			// queue is full: do not spin on it.
			if ready && spins > 2 {
				if err := c.pause(stop); err != nil {
					return fail(err)
				}
			}
		}
	}
	if !block {
		return send(nil)
	}
	return c.async(send, nil)
}

// sendFresh sends a datagram to the host: from a new host socket
// connected to sa (so that only sa's answers come back to it), which is
// installed at the guest's fd number once the datagram is sent. It owns
// s and sa.
func (c *call) sendFresh(s *sock, sa *sockaddr, data, oob []byte, flags int) reply {
	defer sa.release()
	h, err := newHostSocket(s)
	nonblock, num, cloexec := s.nonblocking(), s.num, c.guestCloexec(s.num)
	s.close()
	if err != nil {
		return fail(err)
	}
	defer unix.Close(h)
	if err := rawConnect(h, sa.raw); err != nil {
		return fail(err)
	}
	n, err := rawSendmsg(h, data, oob, nil, flags|unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
	if err != nil {
		return fail(err)
	}
	if !nonblock {
		unix.SetNonblock(h, false)
	}
	if err := c.install(h, num, cloexec); err != nil {
		return fail(err)
	}
	return ok(int64(n))
}

// sysListen listens on the supervisor's copy of the calling thread's
// socket, which must be the guest's own: a host socket never listens
// (unbound, the kernel would bind it to a port of the host by itself).
// The backlog is a register; the kernel bounds it.
func sysListen(c *call) reply {
	num := c.argInt(0)
	c.setFd(num)
	s, err := c.threadSocket(num)
	if err != nil {
		return fail(err)
	}
	defer s.close()
	if s.host {
		return deny(unix.EINVAL, "network: a host socket never listens")
	}
	if err := unix.Listen(s.fd, int(int32(uint32(c.arg(1))))); err != nil {
		return fail(err)
	}
	return reply{action: actEmulate, rule: "network: listen in the guest's own namespace"}
}

// sysAccept takes a connection from a listening socket.
//
// CONTINUE: the decision reads no guest memory (the address the kernel
// writes back is output). Whatever socket the calling thread's fd holds
// when the kernel runs it, only a socket of the guest's own namespace can
// be listening: listen is the supervisor's (sysListen) and refuses host
// sockets, and no other call puts a socket in that state. So a connection
// accepted was made inside the sandbox.
func sysAccept(c *call) reply {
	c.setFd(c.argInt(0))
	return allow("accept on a listening socket")
}

// sysSendmsg copies the message and sends it itself (sendmsgCopy): the
// msghdr and what it points to live in guest memory.
func sysSendmsg(c *call) reply {
	c.setFd(c.argInt(0))
	return c.sendmsgCopy()
}

func ok0() reply { return ok(0) }
