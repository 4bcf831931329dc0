package seccomp

import (
	"fmt"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Install sets PR_SET_NO_NEW_PRIVS and installs prog as a seccomp filter with
// SECCOMP_FILTER_FLAG_NEW_LISTENER, and returns the listener fd.
//
// Both act on the calling thread only: the caller must hold
// runtime.LockOSThread, install from the thread that will execve the
// interpreter, and never install in the supervisor itself. Other Go threads
// of the process are not filtered, but threads the filtered one creates
// later are. Once Install returns, every Notify-class syscall of that
// thread blocks until someone serves the listener.
//
// The listener is close-on-exec (the kernel creates it with O_CLOEXEC), so
// the interpreter cannot inherit a way to answer its own syscalls; the
// caller hands it to the supervisor before the exec. There is one listener
// per filter: a second Install would stack a second filter, and seccomp
// refuses a second listener (EBUSY).
func Install(prog []bpf.Instruction) (listener int, err error) {
	if err := supported(); err != nil {
		return -1, err
	}
	filter, err := sockFilter(prog)
	if err != nil {
		return -1, err
	}
	// Without CAP_SYS_ADMIN the kernel accepts a filter only from a thread
	// that can gain no privileges through execve (seccomp(2)); the bit is
	// per thread and survives execve.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return -1, fmt.Errorf("seccomp: prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	fd, err := seccompSetFilter(unix.SECCOMP_FILTER_FLAG_NEW_LISTENER, filter)
	if err != nil {
		return -1, fmt.Errorf("seccomp: seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER): %w", err)
	}
	return fd, nil
}

// sockFilter encodes prog as the kernel's struct sock_filter array.
func sockFilter(prog []bpf.Instruction) ([]unix.SockFilter, error) {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("seccomp: encode filter: %w", err)
	}
	if len(raw) == 0 || len(raw) > maxInsns {
		return nil, fmt.Errorf("seccomp: filter has %d instructions, the kernel takes 1 to %d", len(raw), maxInsns)
	}
	out := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		out[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return out, nil
}
