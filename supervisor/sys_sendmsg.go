package supervisor

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/policies"
)

// Limits on what one emulated sendmsg copies out of the guest: a stream
// socket gets a short write beyond them, as a kernel may give; a datagram
// beyond them would not fit in one anyway.
const (
	maxMsgIov     = 1024 // UIO_MAXIOV
	maxMsgBytes   = 1 << 20
	maxMsgControl = 4096
)

// sendmsgCopy performs the guest's sendmsg on the supervisor's copy of its
// socket with copies of everything the message points to: destination,
// data and the fds of SCM_RIGHTS (each the guest's own, taken with
// pidfd_getfd).
func (c *call) sendmsgCopy() reply {
	var hdr [56]byte // struct msghdr on x86_64
	if err := readMem(c.tid, c.arg(1), hdr[:]); err != nil {
		return fail(err)
	}
	le := binary.LittleEndian
	namePtr, nameLen := le.Uint64(hdr[0:]), int(le.Uint32(hdr[8:]))
	iovPtr, iovLen := le.Uint64(hdr[16:]), le.Uint64(hdr[24:])
	ctlPtr, ctlLen := le.Uint64(hdr[32:]), le.Uint64(hdr[40:])
	if iovLen > maxMsgIov || ctlLen > maxMsgControl {
		return fail(unix.EMSGSIZE)
	}
	var sa *sockaddr
	if namePtr != 0 && nameLen > 0 {
		var err error
		if sa, err = c.readSockaddr(namePtr, nameLen); err != nil {
			return fail(err)
		}
	}
	data, err := c.readIovecs(iovPtr, int(iovLen))
	if err != nil {
		return fail(err)
	}
	control := make([]byte, ctlLen)
	if err := readMem(c.tid, ctlPtr, control); err != nil && ctlLen > 0 {
		return fail(err)
	}
	if err := c.valid(); err != nil {
		return fail(err)
	}
	our, err := c.p.guestFD(c.argInt(0))
	if err != nil {
		return fail(err)
	}
	if sa != nil {
		if r, ok := c.checkAddr(policies.KindSend, sa, socketNetwork(our)); !ok {
			unix.Close(our)
			return r
		}
	} else {
		c.ev.Rule = "send on a connected socket"
	}
	oob, passed, err := c.translateRights(control)
	if err != nil {
		unix.Close(our)
		sa.release()
		return fail(err)
	}
	flags := int(c.arg(2))
	return c.async(func() reply {
		defer unix.Close(our)
		defer sa.release()
		defer closeAll(passed)
		var to []byte
		if sa != nil {
			to = sa.raw
		}
		n, err := rawSendmsg(our, data, oob, to, flags)
		if err != nil {
			return fail(err)
		}
		return ok(int64(n))
	}, nil)
}

// readIovecs gathers the bytes an iovec array points to, up to maxMsgBytes.
func (c *call) readIovecs(ptr uint64, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	raw := make([]byte, 16*n)
	if err := readMem(c.tid, ptr, raw); err != nil {
		return nil, err
	}
	var out []byte
	for i := 0; i < n && len(out) < maxMsgBytes; i++ {
		base := binary.LittleEndian.Uint64(raw[16*i:])
		length := binary.LittleEndian.Uint64(raw[16*i+8:])
		if room := uint64(maxMsgBytes - len(out)); length > room {
			length = room
		}
		if length == 0 {
			continue
		}
		chunk := make([]byte, length)
		if err := readMem(c.tid, base, chunk); err != nil {
			return nil, err
		}
		out = append(out, chunk...)
	}
	return out, nil
}

// translateRights rewrites the guest's control messages for the
// supervisor's sendmsg: the fds of SCM_RIGHTS become the supervisor's
// copies of the same files. Other control messages are refused.
func (c *call) translateRights(control []byte) (oob []byte, passed []int, err error) {
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
			fd, err := c.p.guestFD(int(int32(binary.LittleEndian.Uint32(m.Data[i:]))))
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
