package seccomp

// This is the package's only file that uses unsafe: the raw seccomp(2) and
// ioctl(2) calls that pass the kernel a pointer to one of gaol's structs.

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel reads and writes these structs by size, so a layout change must
// fail to compile rather than corrupt memory.
var (
	_ [sizeofData - unsafe.Sizeof(Data{})]struct{}
	_ [unsafe.Sizeof(Data{}) - sizeofData]struct{}
	_ [sizeofNotif - unsafe.Sizeof(Notif{})]struct{}
	_ [unsafe.Sizeof(Notif{}) - sizeofNotif]struct{}
	_ [sizeofResp - unsafe.Sizeof(Resp{})]struct{}
	_ [unsafe.Sizeof(Resp{}) - sizeofResp]struct{}
	_ [sizeofNotifAddFD - unsafe.Sizeof(NotifAddFD{})]struct{}
	_ [unsafe.Sizeof(NotifAddFD{}) - sizeofNotifAddFD]struct{}
)

// notifSizes is struct seccomp_notif_sizes.
type notifSizes struct {
	Notif uint16
	Resp  uint16
	Data  uint16
}

// seccompSetFilter calls seccomp(SECCOMP_SET_MODE_FILTER, flags, prog) and
// returns the syscall's result (the listener fd with
// SECCOMP_FILTER_FLAG_NEW_LISTENER).
func seccompSetFilter(flags uintptr, filter []unix.SockFilter) (int, error) {
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(filter)
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

func seccompNotifSizes() (notifSizes, error) {
	var s notifSizes
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_NOTIF_SIZES, 0, uintptr(unsafe.Pointer(&s)))
	if errno != 0 {
		return s, errno
	}
	return s, nil
}

func ioctlRecv(fd int, n *Notif) error {
	return ioctlPtr(fd, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(n))
}

func ioctlSend(fd int, r *Resp) error {
	return ioctlPtr(fd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(r))
}

func ioctlIDValid(fd int, id *uint64) error {
	return ioctlPtr(fd, unix.SECCOMP_IOCTL_NOTIF_ID_VALID, unsafe.Pointer(id))
}

// ioctlAddFD returns the ioctl's result: the fd number in the guest.
func ioctlAddFD(fd int, a *NotifAddFD) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_ADDFD, uintptr(unsafe.Pointer(a)))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

func ioctlPtr(fd int, req uintptr, p unsafe.Pointer) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(p))
	if errno != 0 {
		return errno
	}
	return nil
}
