package supervisor

import (
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Removing the vDSO: glibc reads clocks through the vDSO, which seccomp
// never sees. For every time mode but real, the supervisor ptraces the
// interpreter only around its exec: it turns the AT_SYSINFO_EHDR entry of
// the new image's auxiliary vector into AT_IGNORE with no address, so the
// C library finds no vDSO and makes real clock syscalls, and it unmaps the
// vDSO and its data pages from the new image, so that no code the guest
// finds or brings can call into them (docs/security.md, "Clocks"). ptrace
// is per tracer thread: seize, wait and detach all run on the handler's
// locked thread.

const (
	atNull        = 0
	atIgnore      = 1
	atSysinfoEhdr = 33
)

// seizeForExec attaches to pid, asking to stop once its exec is done.
func seizeForExec(pid int) error {
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(pid), 0, unix.PTRACE_O_TRACEEXEC|unix.PTRACE_O_TRACESYSGOOD, 0, 0)
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
	if err == nil {
		err = unmapVDSO(pid)
	}
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
			var b [16]byte // the type, and no address to find it by
			binary.LittleEndian.PutUint64(b[:], atIgnore)
			return writeMem(pid, p, b[:])
		}
		p += 16
	}
	return fmt.Errorf("auxiliary vector without end")
}

// vdsoMappings are the names /proc/PID/maps gives the vDSO's code and
// the kernel data it reads the clocks from.
var vdsoMappings = []string{"[vdso]", "[vvar]", "[vvar_vclock]"}

// unmapVDSO removes the vDSO's mappings from a process stopped at its
// exec event, by making it call munmap for each: it lets the exec return
// to the syscall-exit stop (where registers set are what user space
// gets), writes a syscall instruction over the entry point, single-steps
// it once per mapping, and restores the instruction and the registers.
// The process runs nothing of its own meanwhile.
func unmapVDSO(pid int) error {
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return err
	}
	var spans [][2]uint64
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !slices.Contains(vdsoMappings, f[5]) {
			continue
		}
		var start, end uint64
		if _, err := fmt.Sscanf(f[0], "%x-%x", &start, &end); err != nil {
			return fmt.Errorf("maps: %q: %w", f[0], err)
		}
		spans = append(spans, [2]uint64{start, end})
	}
	if len(spans) == 0 {
		return nil
	}
	if err := unix.PtraceSyscall(pid, 0); err != nil {
		return fmt.Errorf("ptrace syscall: %w", err)
	}
	if err := waitTrap(pid, unix.SIGTRAP|0x80); err != nil {
		return fmt.Errorf("the exec's syscall exit: %w", err)
	}
	var saved unix.PtraceRegs
	if err := unix.PtraceGetRegs(pid, &saved); err != nil {
		return fmt.Errorf("ptrace getregs: %w", err)
	}
	var orig [8]byte
	if _, err := unix.PtracePeekText(pid, uintptr(saved.Rip), orig[:]); err != nil {
		return fmt.Errorf("ptrace peektext: %w", err)
	}
	code := orig
	code[0], code[1] = 0x0f, 0x05 // syscall
	if _, err := unix.PtracePokeText(pid, uintptr(saved.Rip), code[:]); err != nil {
		return fmt.Errorf("ptrace poketext: %w", err)
	}
	var firstErr error
	for _, sp := range spans {
		regs := saved
		regs.Rax, regs.Orig_rax = unix.SYS_MUNMAP, ^uint64(0)
		regs.Rdi, regs.Rsi = sp[0], sp[1]-sp[0]
		if err := unix.PtraceSetRegs(pid, &regs); err != nil {
			firstErr = fmt.Errorf("ptrace setregs: %w", err)
			break
		}
		if err := unix.PtraceSingleStep(pid); err != nil {
			firstErr = fmt.Errorf("ptrace singlestep: %w", err)
			break
		}
		if err := waitTrap(pid, unix.SIGTRAP); err != nil {
			firstErr = fmt.Errorf("munmap step: %w", err)
			break
		}
		if err := unix.PtraceGetRegs(pid, &regs); err != nil {
			firstErr = fmt.Errorf("ptrace getregs: %w", err)
			break
		}
		if regs.Rax != 0 {
			firstErr = fmt.Errorf("munmap of %#x-%#x: %w", sp[0], sp[1], unix.Errno(-int64(regs.Rax)))
			break
		}
	}
	if _, err := unix.PtracePokeText(pid, uintptr(saved.Rip), orig[:]); err != nil && firstErr == nil {
		firstErr = fmt.Errorf("ptrace poketext: %w", err)
	}
	if err := unix.PtraceSetRegs(pid, &saved); err != nil && firstErr == nil {
		firstErr = fmt.Errorf("ptrace setregs: %w", err)
	}
	return firstErr
}

// waitTrap waits for pid's next stop and checks it is a trap with the
// given signal (SIGTRAP, or SIGTRAP|0x80 for a syscall stop).
func waitTrap(pid int, sig unix.Signal) error {
	for {
		var ws unix.WaitStatus
		if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); err != nil {
			if err == unix.EINTR {
				continue
			}
			return err
		}
		switch {
		case ws.Exited() || ws.Signaled():
			return fmt.Errorf("the interpreter ended")
		case !ws.Stopped():
			continue
		case ws.StopSignal() != sig:
			return fmt.Errorf("stopped by %v, not %v", ws.StopSignal(), sig)
		}
		return nil
	}
}
