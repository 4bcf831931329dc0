package supervisor

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// Limits on what one emulated sendmsg copies out of the guest: a stream
// socket gets a short write beyond them, as a kernel may give; a datagram
// beyond them would not fit in one anyway.
const (
	maxMsgIov     = 1024 // UIO_MAXIOV
	maxMsgBytes   = 1 << 20
	maxMsgControl = 4096
	maxMsgRights  = 253 // SCM_MAX_FD
	sizeofMsghdr  = 56  // struct msghdr on x86_64
	sizeofIovec   = 16  // struct iovec on x86_64
)

// msghdr is a struct msghdr the guest wrote, its lengths bounded.
type msghdr struct {
	namePtr uint64
	nameLen int // 0 for no destination; at most maxSockaddr
	iovPtr  uint64
	iovLen  int // at most maxMsgIov
	ctlPtr  uint64
	ctlLen  int // at most maxMsgControl
}

// parseMsghdr decodes and bounds a msghdr as ___sys_sendmsg does: a
// negative msg_namelen is EINVAL and a longer one than sockaddr_storage
// is cut to it, a NULL msg_name names nothing; more than UIO_MAXIOV
// iovecs is EMSGSIZE; a control buffer beyond what the supervisor copies
// is ENOBUFS (the kernel's optmem bound is about as large), beyond
// INT_MAX EINVAL.
func parseMsghdr(raw []byte) (msghdr, error) {
	if len(raw) < sizeofMsghdr {
		return msghdr{}, unix.EFAULT
	}
	le := binary.LittleEndian
	m := msghdr{namePtr: le.Uint64(raw[0:]), iovPtr: le.Uint64(raw[16:]), ctlPtr: le.Uint64(raw[32:])}
	nameLen := int64(int32(le.Uint32(raw[8:])))
	iovLen, ctlLen := le.Uint64(raw[24:]), le.Uint64(raw[40:])
	switch {
	case nameLen < 0:
		return msghdr{}, unix.EINVAL
	case iovLen > maxMsgIov:
		return msghdr{}, unix.EMSGSIZE
	case ctlLen > 1<<31-1:
		return msghdr{}, unix.EINVAL
	case ctlLen > maxMsgControl:
		return msghdr{}, unix.ENOBUFS
	}
	if m.namePtr != 0 {
		m.nameLen = int(min(nameLen, maxSockaddr))
	}
	m.iovLen, m.ctlLen = int(iovLen), int(ctlLen)
	return m, nil
}

// iovec is one struct iovec the guest wrote.
type iovec struct {
	base   uint64
	length int
}

// parseIovecs decodes an iovec array, as the kernel reads it: a length
// that is negative as an ssize_t is EINVAL; the total is cut to
// maxMsgBytes (the kernel cuts at MAX_RW_COUNT), so that a stream socket
// gets a short write and the supervisor never holds more.
func parseIovecs(raw []byte) ([]iovec, error) {
	n := len(raw) / sizeofIovec
	out := make([]iovec, 0, n)
	total := 0
	for i := range n {
		base := binary.LittleEndian.Uint64(raw[sizeofIovec*i:])
		length := int64(binary.LittleEndian.Uint64(raw[sizeofIovec*i+8:]))
		if length < 0 {
			return nil, unix.EINVAL
		}
		room := int64(maxMsgBytes - total)
		length = min(length, room)
		if length == 0 {
			continue
		}
		out = append(out, iovec{base: base, length: int(length)})
		total += int(length)
	}
	return out, nil
}

// sendmsgCopy performs the guest's sendmsg on the supervisor's copy of
// the calling thread's socket with copies of everything the message
// points to: destination, data and the fds of SCM_RIGHTS (each the
// calling thread's own, taken with pidfd_getfd). Everything is read and
// bounded before any fd is taken, and every path after closes what it
// took.
func (c *call) sendmsgCopy() reply {
	var hdr [sizeofMsghdr]byte
	if err := readMem(c.tid, c.arg(1), hdr[:]); err != nil {
		return fail(err)
	}
	m, err := parseMsghdr(hdr[:])
	if err != nil {
		return fail(err)
	}
	var sa *sockaddr
	if m.nameLen > 0 {
		if sa, err = c.readSockaddr(m.namePtr, uint64(m.nameLen)); err != nil {
			return fail(err)
		}
	}
	data, err := c.readIovecs(m.iovPtr, m.iovLen)
	if err != nil {
		return fail(err)
	}
	control := make([]byte, m.ctlLen)
	if err := readMem(c.tid, m.ctlPtr, control); err != nil {
		return fail(err)
	}
	if err := c.valid(); err != nil {
		return fail(err)
	}
	t, err := c.threadFDs()
	if err != nil {
		return fail(err)
	}
	defer t.close()
	oob, passed, err := translateRights(t, control)
	if err != nil {
		return fail(err)
	}
	s, err := c.threadSocket(c.argInt(0))
	if err != nil {
		closeAll(passed)
		return fail(err)
	}
	flags := int(int32(uint32(c.arg(2))))
	if sa == nil {
		c.ev.Rule = "send on a connected socket"
		return c.sendOnCopy(s, nil, data, oob, passed, flags)
	}
	return c.sendWithAddress(s, sa, data, oob, passed, flags)
}

// readIovecs gathers the bytes an iovec array points to, up to maxMsgBytes.
func (c *call) readIovecs(ptr uint64, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	raw := make([]byte, sizeofIovec*n)
	if err := readMem(c.tid, ptr, raw); err != nil {
		return nil, err
	}
	iovs, err := parseIovecs(raw)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, v := range iovs {
		chunk := make([]byte, v.length)
		if err := readMem(c.tid, v.base, chunk); err != nil {
			return nil, err
		}
		out = append(out, chunk...)
	}
	return out, nil
}

// translateRights rewrites the guest's control messages for the
// supervisor's sendmsg: the fds of SCM_RIGHTS become the supervisor's
// copies of the same files, from the calling thread's table. Other
// control messages are refused, and so are more than SCM_MAX_FD fds.
func translateRights(t *threadFDs, control []byte) (oob []byte, passed []int, err error) {
	if len(control) == 0 {
		return nil, nil, nil
	}
	msgs, err := unix.ParseSocketControlMessage(control)
	if err != nil {
		return nil, nil, unix.EINVAL
	}
	for _, m := range msgs {
		if m.Header.Level != unix.SOL_SOCKET || m.Header.Type != unix.SCM_RIGHTS {
			closeAll(passed)
			return nil, nil, unix.EINVAL
		}
		for i := 0; i+4 <= len(m.Data); i += 4 {
			if len(passed) == maxMsgRights {
				closeAll(passed)
				return nil, nil, unix.EINVAL
			}
			fd, err := t.get(int(int32(binary.LittleEndian.Uint32(m.Data[i:]))))
			if err != nil {
				closeAll(passed)
				return nil, nil, unix.EBADF
			}
			passed = append(passed, fd)
		}
	}
	if len(passed) > 0 {
		oob = unix.UnixRights(passed...)
	}
	return oob, passed, nil
}
