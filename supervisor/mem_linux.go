package supervisor

import (
	"bytes"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Guest memory is read once into the supervisor's own buffers and written
// with process_vm_writev (docs/security.md, invariants 1 and 3). Every function
// here returns the errno the guest should see: EFAULT for a bad pointer,
// ENAMETOOLONG for a path with no NUL in PATH_MAX bytes.

const pageSize = 4096

// readMem copies len(buf) bytes at addr of process pid.
func readMem(pid int, addr uint64, buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	if addr == 0 {
		return unix.EFAULT
	}
	local := []unix.Iovec{{Base: &buf[0], Len: uint64(len(buf))}}
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(buf)}}
	n, err := unix.ProcessVMReadv(pid, local, remote, 0)
	if err != nil || n != len(buf) {
		return unix.EFAULT
	}
	return nil
}

// writeMem copies buf to addr of process pid.
func writeMem(pid int, addr uint64, buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	if addr == 0 {
		return unix.EFAULT
	}
	local := []unix.Iovec{{Base: &buf[0], Len: uint64(len(buf))}}
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(buf)}}
	n, err := unix.ProcessVMWritev(pid, local, remote, 0)
	if err != nil || n != len(buf) {
		return unix.EFAULT
	}
	return nil
}

// zeroMemEach writes size zero bytes at each of addrs of process pid, in
// one process_vm_writev: scattered fields such as the revents of a pollfd
// array, leaving the bytes between them alone. len(addrs) must not exceed
// IOV_MAX (1024), the kernel's limit on one call's iovecs.
func zeroMemEach(pid int, addrs []uint64, size int) error {
	if len(addrs) == 0 || size == 0 {
		return nil
	}
	zeros := make([]byte, size*len(addrs))
	local := []unix.Iovec{{Base: &zeros[0], Len: uint64(len(zeros))}}
	remote := make([]unix.RemoteIovec, len(addrs))
	for i, a := range addrs {
		if a == 0 {
			return unix.EFAULT
		}
		remote[i] = unix.RemoteIovec{Base: uintptr(a), Len: size}
	}
	n, err := unix.ProcessVMWritev(pid, local, remote, 0)
	if err != nil || n != len(zeros) {
		return unix.EFAULT
	}
	return nil
}

// readString reads a NUL-terminated string of at most max bytes (NUL
// included) at addr, a page at a time so that a string ending just before
// an unmapped page is still read.
func readString(pid int, addr uint64, max int) (string, error) {
	if addr == 0 {
		return "", unix.EFAULT
	}
	var out []byte
	var page [pageSize]byte
	for len(out) < max {
		chunk := pageSize - int(addr%pageSize)
		if rest := max - len(out); chunk > rest {
			chunk = rest
		}
		if err := readMem(pid, addr, page[:chunk]); err != nil {
			return "", err
		}
		if i := bytes.IndexByte(page[:chunk], 0); i >= 0 {
			return string(append(out, page[:i]...)), nil
		}
		out = append(out, page[:chunk]...)
		addr += uint64(chunk)
	}
	return "", unix.ENAMETOOLONG
}

// asBytes views a fixed-size kernel struct as bytes for writeMem.
func asBytes[T any](v *T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v))
}

// fromBytes fills a fixed-size kernel struct from bytes read with readMem.
func fromBytes[T any](b []byte, v *T) {
	copy(asBytes(v), b)
}
