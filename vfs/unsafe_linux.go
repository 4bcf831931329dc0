package vfs

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// fchmodat2 is fchmodat2(2) (Linux 6.6), which x/sys/unix does not wrap:
// the one chmod that honours AT_SYMLINK_NOFOLLOW.
func fchmodat2(dir int, name string, mode uint32, flags int) error {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return err
	}
	_, _, errno := unix.Syscall6(unix.SYS_FCHMODAT2, uintptr(dir), uintptr(unsafe.Pointer(p)), uintptr(mode), uintptr(flags), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
