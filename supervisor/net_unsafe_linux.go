package supervisor

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The socket calls below take a sockaddr exactly as the guest wrote it
// (read once, checked, never read again), which x/sys/unix's typed
// wrappers cannot pass through.

func rawConnect(fd int, sa []byte) error {
	return sockErr(unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa[0])), uintptr(len(sa))))
}

func rawBind(fd int, sa []byte) error {
	return sockErr(unix.Syscall(unix.SYS_BIND, uintptr(fd), uintptr(unsafe.Pointer(&sa[0])), uintptr(len(sa))))
}

func rawSendmsg(fd int, data, oob, to []byte, flags int) (int, error) {
	var msg unix.Msghdr
	var iov unix.Iovec
	if len(data) > 0 {
		iov.Base = &data[0]
		iov.SetLen(len(data))
		msg.Iov, msg.Iovlen = &iov, 1
	}
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	if len(to) > 0 {
		msg.Name = &to[0]
		msg.Namelen = uint32(len(to))
	}
	n, _, errno := unix.Syscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func sockErr(_, _ uintptr, errno unix.Errno) error {
	if errno != 0 {
		return errno
	}
	return nil
}
