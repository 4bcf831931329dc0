package seccomp

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// FlagContinue in Resp.Flags asks the kernel to run the syscall as if it had
// been allowed. See Resp.Flags for when it is unsafe.
const FlagContinue = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE

// CheckSizes compares the kernel's notification struct sizes
// (SECCOMP_GET_NOTIF_SIZES) with gaol's. Call it once at start-up. It fails
// if the kernel does not support user notification, or if any size differs:
// a larger kernel struct would make RECV write past gaol's buffer, a smaller
// one would leave fields unread that gaol relies on. Kernel errors are
// wrapped (errors.Is(err, unix.EINVAL) before Linux 5.0).
func CheckSizes() error {
	s, err := seccompNotifSizes()
	if err != nil {
		return fmt.Errorf("seccomp: SECCOMP_GET_NOTIF_SIZES: %w", err)
	}
	if s.Notif != sizeofNotif || s.Resp != sizeofResp || s.Data != sizeofData {
		return fmt.Errorf("seccomp: kernel notification structs are notif=%d resp=%d data=%d bytes, gaol's are %d/%d/%d",
			s.Notif, s.Resp, s.Data, sizeofNotif, sizeofResp, sizeofData)
	}
	return nil
}

// Recv waits for the next notification on listener and stores it in n
// (SECCOMP_IOCTL_NOTIF_RECV). It zeroes n first: the kernel rejects a
// non-zero buffer with EINVAL. It retries when interrupted by a signal.
//
// Recv blocks for as long as no notification is pending, even after every
// guest thread has exited: poll the listener for POLLHUP to learn that. An
// error wrapping unix.ENOENT means the notification vanished before it
// could be received (the guest thread was killed or its syscall interrupted);
// the caller should simply receive the next one.
func Recv(listener int, n *Notif) error {
	for {
		*n = Notif{}
		err := ioctlRecv(listener, n)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("seccomp: SECCOMP_IOCTL_NOTIF_RECV: %w", err)
		}
	}
}

// Send answers a notification (SECCOMP_IOCTL_NOTIF_SEND). It retries when
// interrupted by a signal, which the kernel reports before it acts. An error
// wrapping unix.ENOENT means the guest's syscall is gone (the thread was
// killed or a signal interrupted the call); the answer is then void.
func Send(listener int, r *Resp) error {
	for {
		err := ioctlSend(listener, r)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("seccomp: SECCOMP_IOCTL_NOTIF_SEND: %w", err)
		}
	}
}

// IDValid reports whether notification id is still pending
// (SECCOMP_IOCTL_NOTIF_ID_VALID): nil if it is, an error wrapping
// unix.ENOENT if not. Call it after reading guest memory and before acting
// on the copy: it proves the pid in the notification still belongs to the
// thread that made the call, so the memory read was the guest's and not a
// recycled pid's. It retries when interrupted by a signal.
func IDValid(listener int, id uint64) error {
	for {
		err := ioctlIDValid(listener, &id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("seccomp: SECCOMP_IOCTL_NOTIF_ID_VALID: %w", err)
		}
	}
}

// AddFD installs a copy of the supervisor's fd a.SrcFD in the guest
// (SECCOMP_IOCTL_NOTIF_ADDFD) and returns its fd number in the guest. With
// SECCOMP_ADDFD_FLAG_SEND it also answers the syscall with that number, in
// one step the guest cannot observe half-done.
//
// AddFD is not retried on EINTR: a signal may arrive after the kernel has
// acted, and with SECCOMP_ADDFD_FLAG_SEND the guest's call then returns 0.
// Keep signals off the threads that call it.
func AddFD(listener int, a *NotifAddFD) (int, error) {
	fd, err := ioctlAddFD(listener, a)
	if err != nil {
		return -1, fmt.Errorf("seccomp: SECCOMP_IOCTL_NOTIF_ADDFD: %w", err)
	}
	return fd, nil
}

// SetSyncWakeUp sets SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP on listener
// (SECCOMP_IOCTL_NOTIF_SET_FLAGS, Linux 6.6+): the kernel then wakes the
// supervisor's thread synchronously on the guest's CPU and switches straight
// back on the answer, instead of going through the scheduler. It pays off
// when exactly one supervisor thread serves the listener. An error wrapping
// unix.EINVAL means the kernel lacks the flag.
func SetSyncWakeUp(listener int) error {
	// The ioctl takes the flags by value, not through a pointer, although
	// its number is declared _IOW('!', 4, __u64) (kernel/seccomp.c).
	err := unix.IoctlSetInt(listener, unix.SECCOMP_IOCTL_NOTIF_SET_FLAGS, unix.SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)
	if err != nil {
		return fmt.Errorf("seccomp: SECCOMP_IOCTL_NOTIF_SET_FLAGS: %w", err)
	}
	return nil
}
