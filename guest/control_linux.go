package guest

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// maxMessage bounds one control packet; a Config with a long argv fits.
const maxMessage = 256 << 10

// recvMessage reads one packet from a SOCK_SEQPACKET socket and returns its
// kind, its payload and, if one came, an fd passed with SCM_RIGHTS.
func recvMessage(fd int) (kind byte, payload []byte, passed int, err error) {
	kind, payload, fds, err := recvMessageFDs(fd)
	passed = -1
	for i, f := range fds {
		if i == 0 {
			passed = f
		} else {
			unix.Close(f)
		}
	}
	return kind, payload, passed, err
}

// maxFDs bounds the fds one packet may carry.
const maxFDs = 64

// recvMessageFDs is recvMessage for packets that carry several fds.
func recvMessageFDs(fd int) (kind byte, payload []byte, passed []int, err error) {
	// Size the buffer to the packet: a fresh page costs a fault, and page
	// faults are the dear part of start-up on virtual machines.
	size := 512
	for {
		n, _, perr := unix.Recvfrom(fd, nil, unix.MSG_PEEK|unix.MSG_TRUNC)
		if perr == unix.EINTR {
			continue
		}
		if perr == nil && n > size {
			size = n
		}
		break
	}
	if size > maxMessage {
		return 0, nil, nil, fmt.Errorf("control socket: message of %d bytes", size)
	}
	buf := make([]byte, size)
	oob := make([]byte, unix.CmsgSpace(4*maxFDs))
	for {
		var n, oobn int
		n, oobn, _, _, err = unix.Recvmsg(fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, nil, nil, fmt.Errorf("control socket: %w", err)
		}
		if oobn > 0 {
			passed, err = parseRights(oob[:oobn])
			if err != nil {
				return 0, nil, nil, err
			}
		}
		if n == 0 {
			return 0, nil, passed, errors.New("control socket closed")
		}
		return buf[0], buf[1:n], passed, nil
	}
}

func parseRights(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("control message: %w", err)
	}
	var out []int
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			return out, fmt.Errorf("control message rights: %w", err)
		}
		out = append(out, fds...)
	}
	return out, nil
}

// sendMessage writes one packet, with fd passed by SCM_RIGHTS when fd >= 0.
func sendMessage(sock int, kind byte, payload []byte, fd int) error {
	var oob []byte
	if fd >= 0 {
		oob = unix.UnixRights(fd)
	}
	msg := append([]byte{kind}, payload...)
	for {
		err := unix.Sendmsg(sock, msg, oob, nil, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("control socket: %w", err)
		}
		return nil
	}
}

// RecvMessage is recvMessageFDs for the supervisor's side of the socket.
func RecvMessage(fd int) (kind byte, payload []byte, passed []int, err error) {
	return recvMessageFDs(fd)
}

// SendMessage is sendMessage for the supervisor's side of the socket.
func SendMessage(sock int, kind byte, payload []byte) error {
	return sendMessage(sock, kind, payload, -1)
}

// SendMessageFD is SendMessage with an fd passed along (SCM_RIGHTS).
func SendMessageFD(sock int, kind byte, payload []byte, fd int) error {
	return sendMessage(sock, kind, payload, fd)
}
