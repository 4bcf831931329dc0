package supervisor

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// Removing the vDSO: glibc reads clocks through the vDSO, which seccomp
// never sees. For every time mode but real, the supervisor ptraces the
// interpreter only around its exec and turns the AT_SYSINFO_EHDR entry of
// the new image's auxiliary vector into AT_IGNORE, so the C library finds
// no vDSO and makes real clock syscalls (docs/security.md, "Clocks"). ptrace is
// per tracer thread: seize, wait and detach all run on the handler's
// locked thread.

const (
	atNull        = 0
	atIgnore      = 1
	atSysinfoEhdr = 33
)

// seizeForExec attaches to pid, asking to stop once its exec is done.
func seizeForExec(pid int) error {
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(pid), 0, unix.PTRACE_O_TRACEEXEC, 0, 0)
	if errno != 0 {
		return fmt.Errorf("ptrace seize: %w", errno)
	}
	return nil
}

// hideVDSOAfterExec waits for pid's exec stop, hides the vDSO from the new
// image and detaches.
func hideVDSOAfterExec(pid int) error {
	for {
		var ws unix.WaitStatus
		if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); err != nil {
			if err == unix.EINTR {
				continue
			}
			return fmt.Errorf("wait for the exec: %w", err)
		}
		if ws.Exited() || ws.Signaled() {
			return fmt.Errorf("the interpreter ended before its exec completed")
		}
		if !ws.Stopped() {
			continue
		}
		if ws.TrapCause() == unix.PTRACE_EVENT_EXEC {
			break
		}
		// Any other stop: let it go on, with its signal.
		sig := 0
		if ws.StopSignal() != unix.SIGTRAP {
			sig = int(ws.StopSignal())
		}
		if err := unix.PtraceCont(pid, sig); err != nil {
			return fmt.Errorf("ptrace cont: %w", err)
		}
	}
	err := hideVDSO(pid)
	if derr := unix.PtraceDetach(pid); derr != nil && err == nil {
		err = fmt.Errorf("ptrace detach: %w", derr)
	}
	return err
}

// hideVDSO rewrites the auxiliary vector on the stack of a process
// stopped right after its exec: argc, argv…, NULL, envp…, NULL, auxv.
func hideVDSO(pid int) error {
	var regs unix.PtraceRegs
	if err := unix.PtraceGetRegs(pid, &regs); err != nil {
		return fmt.Errorf("ptrace getregs: %w", err)
	}
	word := func(addr uint64) (uint64, error) {
		var b [8]byte
		if err := readMem(pid, addr, b[:]); err != nil {
			return 0, err
		}
		return binary.LittleEndian.Uint64(b[:]), nil
	}
	sp := regs.Rsp
	argc, err := word(sp)
	if err != nil {
		return err
	}
	p := sp + 8 + 8*(argc+1) // past argv and its NULL
	for i := 0; ; i++ {
		if i > 1<<16 {
			return fmt.Errorf("environment without end")
		}
		v, err := word(p)
		if err != nil {
			return err
		}
		p += 8
		if v == 0 {
			break
		}
	}
	for i := 0; i < 256; i++ {
		typ, err := word(p)
		if err != nil {
			return err
		}
		if typ == atNull {
			return nil // no vDSO to hide
		}
		if typ == atSysinfoEhdr {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], atIgnore)
			return writeMem(pid, p, b[:])
		}
		p += 16
	}
	return fmt.Errorf("auxiliary vector without end")
}
