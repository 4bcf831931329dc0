package seccomp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Filter results, as the kernel reads a filter's return value.
const (
	retAllow       = unix.SECCOMP_RET_ALLOW
	retNotify      = unix.SECCOMP_RET_USER_NOTIF
	retKillProcess = unix.SECCOMP_RET_KILL_PROCESS
)

func retErrno(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

// verdict names a filter result for failure messages.
func verdict(v uint32) string {
	switch v &^ unix.SECCOMP_RET_DATA {
	case retAllow:
		return "ALLOW"
	case retNotify:
		return "USER_NOTIF"
	case retKillProcess:
		return "KILL_PROCESS"
	case unix.SECCOMP_RET_ERRNO:
		return fmt.Sprintf("ERRNO(%v)", unix.Errno(v&unix.SECCOMP_RET_DATA))
	}
	return fmt.Sprintf("%#x", v)
}

// vmInput encodes d as struct seccomp_data is laid out on x86_64 (64 bytes,
// little-endian), then byte-swaps every 32-bit word. The kernel loads
// seccomp_data words in native byte order; x/net/bpf's VM loads them in
// network order, as for packets. After the swap the VM reads the same values
// the kernel would, provided every load is an aligned 32-bit word, which
// TestFilterLoadsOnlyAlignedWords checks.
func vmInput(t *testing.T, d Data) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, d); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if len(b) != sizeofData {
		t.Fatalf("seccomp_data encodes to %d bytes, want %d", len(b), sizeofData)
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return b
}

// x86 is seccomp_data for an x86_64 syscall.
func x86(nr int32, args ...uint64) Data {
	d := Data{Nr: nr, Arch: unix.AUDIT_ARCH_X86_64, IP: 0x7f0000001000}
	copy(d.Args[:], args)
	return d
}

// filterVM builds the filter from table and loads it into a VM.
func filterVM(t *testing.T, table []Syscall) (*bpf.VM, []bpf.Instruction) {
	t.Helper()
	prog, err := Build(table)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	// Run what the kernel will run: the program as encoded for it, decoded
	// back, so an encoding mistake (a swapped jump) cannot hide.
	raw, err := bpf.Assemble(prog)
	if err != nil {
		t.Fatalf("bpf.Assemble: %v", err)
	}
	decoded, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("bpf.Disassemble: the encoded filter has instructions it cannot decode")
	}
	vm, err := bpf.NewVM(decoded)
	if err != nil {
		t.Fatalf("bpf.NewVM: %v", err)
	}
	return vm, prog
}

func run(t *testing.T, vm *bpf.VM, d Data) uint32 {
	t.Helper()
	got, err := vm.Run(vmInput(t, d))
	if err != nil {
		t.Fatalf("vm.Run(%+v): %v", d, err)
	}
	return uint32(got)
}

func TestFilterVerdicts(t *testing.T) {
	vm, _ := filterVM(t, Table())
	tests := []struct {
		name string
		data Data
		want uint32
	}{
		{name: "read is allowed in the kernel", data: x86(unix.SYS_READ), want: retAllow},
		{name: "exit_group is allowed in the kernel", data: x86(unix.SYS_EXIT_GROUP), want: retAllow},
		{name: "openat goes to the supervisor", data: x86(unix.SYS_OPENAT, uint64(0xffffff9c), 0x7ffc0000, unix.O_RDONLY), want: retNotify},
		{name: "newfstatat goes to the supervisor", data: x86(unix.SYS_NEWFSTATAT), want: retNotify},
		{name: "clock_gettime goes to the supervisor", data: x86(unix.SYS_CLOCK_GETTIME), want: retNotify},
		{name: "ptrace is refused with EPERM", data: x86(unix.SYS_PTRACE, unix.PTRACE_TRACEME), want: retErrno(unix.EPERM)},
		{name: "io_uring_setup is refused with EPERM", data: x86(unix.SYS_IO_URING_SETUP), want: retErrno(unix.EPERM)},
		{name: "clone3 is refused with ENOSYS so libc falls back to clone", data: x86(unix.SYS_CLONE3), want: retErrno(unix.ENOSYS)},
		{name: "getdents is refused with ENOSYS", data: x86(unix.SYS_GETDENTS), want: retErrno(unix.ENOSYS)},
		{name: "clone of a thread is allowed in the kernel", data: x86(unix.SYS_CLONE, unix.CLONE_VM|unix.CLONE_FS|unix.CLONE_FILES|unix.CLONE_SIGHAND|unix.CLONE_THREAD|unix.CLONE_SYSVSEM|unix.CLONE_SETTLS|unix.CLONE_PARENT_SETTID|unix.CLONE_CHILD_CLEARTID), want: retAllow},
		{name: "clone of a process goes to the supervisor", data: x86(unix.SYS_CLONE, unix.CLONE_CHILD_SETTID|unix.CLONE_CHILD_CLEARTID|uint64(unix.SIGCHLD)), want: retNotify},
		{name: "clone whose flags equal read's number goes to the supervisor", data: x86(unix.SYS_CLONE, unix.SYS_READ), want: retNotify},
		{name: "prctl whose option equals pipe's number goes to the supervisor", data: x86(unix.SYS_PRCTL, unix.SYS_PIPE), want: retNotify},
		{name: "clone with CLONE_THREAD only in the upper half goes to the supervisor", data: x86(unix.SYS_CLONE, unix.CLONE_THREAD<<32), want: retNotify},
		{name: "fcntl F_GETFL is allowed in the kernel", data: x86(unix.SYS_FCNTL, 3, unix.F_GETFL), want: retAllow},
		{name: "fcntl F_SETFL (O_ASYNC included) is allowed in the kernel", data: x86(unix.SYS_FCNTL, 3, unix.F_SETFL, unix.O_ASYNC), want: retAllow},
		{name: "fcntl F_DUPFD_CLOEXEC is allowed in the kernel", data: x86(unix.SYS_FCNTL, 3, unix.F_DUPFD_CLOEXEC), want: retAllow},
		{name: "fcntl F_SETSIG is allowed in the kernel (it names no recipient)", data: x86(unix.SYS_FCNTL, 3, unix.F_SETSIG, uint64(unix.SIGQUIT)), want: retAllow},
		{name: "fcntl F_SETOWN goes to the supervisor (it names a signal's recipient)", data: x86(unix.SYS_FCNTL, 3, unix.F_SETOWN, 1), want: retNotify},
		{name: "fcntl F_SETOWN_EX goes to the supervisor", data: x86(unix.SYS_FCNTL, 3, unix.F_SETOWN_EX), want: retNotify},
		{name: "fcntl F_GETFL with garbage in the upper half goes to the supervisor", data: x86(unix.SYS_FCNTL, 3, unix.F_GETFL|1<<40), want: retNotify},
		{name: "fcntl F_SETOWN with garbage in the upper half goes to the supervisor", data: x86(unix.SYS_FCNTL, 3, unix.F_SETOWN|1<<40, 1), want: retNotify},
		{name: "fcntl F_DUPFD_CLOEXEC with garbage in the upper half goes to the supervisor", data: x86(unix.SYS_FCNTL, 3, unix.F_DUPFD_CLOEXEC|1<<32), want: retNotify},
		{name: "fcntl F_OFD_SETLK is allowed in the kernel", data: x86(unix.SYS_FCNTL, 3, unix.F_OFD_SETLK), want: retAllow},
		{name: "fcntl F_ADD_SEALS is allowed in the kernel", data: x86(unix.SYS_FCNTL, 3, unix.F_ADD_SEALS), want: retAllow},
		{name: "fcntl F_GETOWN_EX is allowed in the kernel", data: x86(unix.SYS_FCNTL, 3, unix.F_GETOWN_EX), want: retAllow},
		{name: "clone of a Go runtime thread is allowed in the kernel", data: x86(unix.SYS_CLONE, unix.CLONE_VM|unix.CLONE_FS|unix.CLONE_FILES|unix.CLONE_SIGHAND|unix.CLONE_SYSVSEM|unix.CLONE_THREAD), want: retAllow},
		{name: "clone of a thread with garbage in the upper half is allowed (the kernel ignores it)", data: x86(unix.SYS_CLONE, unix.CLONE_VM|unix.CLONE_FS|unix.CLONE_FILES|unix.CLONE_SIGHAND|unix.CLONE_SYSVSEM|unix.CLONE_THREAD|0xdead<<32), want: retAllow},
		{name: "clone of a thread without CLONE_FILES (its own fd table) goes to the supervisor", data: x86(unix.SYS_CLONE, unix.CLONE_VM|unix.CLONE_FS|unix.CLONE_SIGHAND|unix.CLONE_THREAD), want: retNotify},
		{name: "clone of a thread without CLONE_FS goes to the supervisor", data: x86(unix.SYS_CLONE, unix.CLONE_VM|unix.CLONE_FILES|unix.CLONE_SIGHAND|unix.CLONE_THREAD), want: retNotify},
		{name: "clone of a thread in a new user and PID namespace goes to the supervisor", data: x86(unix.SYS_CLONE, unix.CLONE_VM|unix.CLONE_FS|unix.CLONE_FILES|unix.CLONE_SIGHAND|unix.CLONE_SYSVSEM|unix.CLONE_THREAD|unix.CLONE_NEWUSER|unix.CLONE_NEWPID), want: retNotify},
		{name: "clone of a thread with CLONE_NEWNET goes to the supervisor", data: x86(unix.SYS_CLONE, unix.CLONE_VM|unix.CLONE_FS|unix.CLONE_FILES|unix.CLONE_SIGHAND|unix.CLONE_SYSVSEM|unix.CLONE_THREAD|unix.CLONE_NEWNET), want: retNotify},
		{name: "clone of a thread with CLONE_PARENT goes to the supervisor", data: x86(unix.SYS_CLONE, unix.CLONE_VM|unix.CLONE_FS|unix.CLONE_FILES|unix.CLONE_SIGHAND|unix.CLONE_SYSVSEM|unix.CLONE_THREAD|unix.CLONE_PARENT), want: retNotify},
		{name: "clone of a thread with CLONE_UNTRACED goes to the supervisor", data: x86(unix.SYS_CLONE, unix.CLONE_VM|unix.CLONE_FS|unix.CLONE_FILES|unix.CLONE_SIGHAND|unix.CLONE_SYSVSEM|unix.CLONE_THREAD|unix.CLONE_UNTRACED), want: retNotify},
		{name: "clone of a process in new namespaces goes to the supervisor", data: x86(unix.SYS_CLONE, unix.CLONE_NEWUSER|unix.CLONE_NEWPID|uint64(unix.SIGCHLD)), want: retNotify},
		{name: "a small mmap is allowed in the kernel", data: x86(unix.SYS_MMAP, 0, 1<<20), want: retAllow},
		{name: "a mmap of 16 MiB goes to the supervisor (memory budget)", data: x86(unix.SYS_MMAP, 0, MmapNotifyThreshold), want: retNotify},
		{name: "a mmap of 10 GiB goes to the supervisor (memory budget)", data: x86(unix.SYS_MMAP, 0, 10<<30), want: retNotify},
		{name: "a mremap growing to 1 GiB goes to the supervisor", data: x86(unix.SYS_MREMAP, 0, 1<<20, 1<<30), want: retNotify},
		{name: "prctl PR_SET_PDEATHSIG is allowed in the kernel", data: x86(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, 9), want: retAllow},
		{name: "prlimit64 on itself is allowed in the kernel", data: x86(unix.SYS_PRLIMIT64, 0, unix.RLIMIT_NOFILE), want: retAllow},
		{name: "prlimit64 on pid 5 goes to the supervisor", data: x86(unix.SYS_PRLIMIT64, 5, unix.RLIMIT_NOFILE), want: retNotify},
		{name: "prlimit64 on pid 0 with garbage in the upper half goes to the supervisor", data: x86(unix.SYS_PRLIMIT64, 1<<32), want: retNotify},
		{name: "prctl PR_SET_NAME is allowed in the kernel", data: x86(unix.SYS_PRCTL, unix.PR_SET_NAME), want: retAllow},
		{name: "prctl PR_SET_VMA is allowed in the kernel", data: x86(unix.SYS_PRCTL, unix.PR_SET_VMA), want: retAllow},
		{name: "prctl PR_GET_SECCOMP is allowed in the kernel", data: x86(unix.SYS_PRCTL, unix.PR_GET_SECCOMP), want: retAllow},
		{name: "prctl PR_SET_SECCOMP goes to the supervisor", data: x86(unix.SYS_PRCTL, unix.PR_SET_SECCOMP), want: retNotify},
		{name: "prctl PR_SET_DUMPABLE goes to the supervisor", data: x86(unix.SYS_PRCTL, unix.PR_SET_DUMPABLE), want: retNotify},
		{name: "ioctl TCGETS (isatty) is allowed in the kernel", data: x86(unix.SYS_IOCTL, 1, unix.TCGETS), want: retAllow},
		{name: "ioctl FIOCLEX is allowed in the kernel", data: x86(unix.SYS_IOCTL, 3, fioclex), want: retAllow},
		{name: "ioctl TIOCSTI goes to the supervisor", data: x86(unix.SYS_IOCTL, 0, unix.TIOCSTI), want: retNotify},
		{name: "ioctl TIOCLINUX goes to the supervisor", data: x86(unix.SYS_IOCTL, 0, unix.TIOCLINUX), want: retNotify},
		{name: "ioctl TCGETS with garbage in the upper half goes to the supervisor", data: x86(unix.SYS_IOCTL, 0, 1<<32|unix.TCGETS), want: retNotify},
		{name: "ioctl whose request is in the first argument goes to the supervisor", data: x86(unix.SYS_IOCTL, unix.TCGETS, unix.TIOCSTI), want: retNotify},
		{name: "an unassigned number goes to the supervisor", data: x86(999), want: retNotify},
		{name: "a number in the x86_64 hole goes to the supervisor", data: x86(400), want: retNotify},
		{name: "a syscall newer than the table goes to the supervisor", data: x86(468), want: retNotify},
		{name: "a negative number is killed, as it has the x32 bit", data: x86(-1), want: retKillProcess},
		{name: "a foreign arch is killed", data: Data{Nr: unix.SYS_OPENAT, Arch: unix.AUDIT_ARCH_I386}, want: retKillProcess},
		{name: "a foreign arch is killed even for a number that is read on x86_64", data: Data{Nr: unix.SYS_READ, Arch: unix.AUDIT_ARCH_I386}, want: retKillProcess},
		{name: "an x32 number is killed", data: x86(0x40000000 | unix.SYS_OPEN), want: retKillProcess},
		{name: "an x32 read is killed", data: x86(0x40000000 | unix.SYS_READ), want: retKillProcess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, vm, tt.data); got != tt.want {
				t.Errorf("filter(%+v) = %s, want %s", tt.data, verdict(got), verdict(tt.want))
			}
		})
	}
}

// want is what the filter must answer for s with args, derived from the
// table alone: the filter is generated from the table, and this checks the
// generation.
func want(s Syscall, args [6]uint64) uint32 {
	switch s.Class {
	case Allow:
		return retAllow
	case Errno:
		return retErrno(s.Errno)
	case Kill:
		return retKillProcess
	}
	for _, c := range s.ArgAllow {
		if holds(c, args[c.Arg]) {
			return retAllow
		}
	}
	return retNotify
}

func holds(c ArgCond, arg uint64) bool {
	switch c.Op {
	case OpEqual:
		return arg == c.Value
	case OpNotEqual:
		return arg != c.Value
	case OpGreater:
		return arg > c.Value
	case OpGreaterEqual:
		return arg >= c.Value
	case OpLess:
		return arg < c.Value
	case OpLessEqual:
		return arg <= c.Value
	case OpBitsSet:
		return arg&c.Value != 0
	case OpBitsClear:
		return arg&c.Value == 0
	case OpMaskedEqual:
		return arg&c.Mask == c.Value
	}
	panic("holds: unknown op " + c.Op)
}

// argVectors returns argument values that sit on and around every condition
// of s, plus zero and all ones.
func argVectors(s Syscall) [][6]uint64 {
	vals := []uint64{0, ^uint64(0)}
	for _, c := range s.ArgAllow {
		vals = append(vals, c.Value, c.Value+1, c.Value-1, c.Value|1<<32, ^c.Value)
		// A masked condition is also probed one bit at a time: each bit of
		// the mask flipped, and a bit outside it set.
		for b := 0; c.Mask != 0 && b < 64; b++ {
			vals = append(vals, c.Value^1<<b)
		}
	}
	var out [][6]uint64
	for _, v := range vals {
		var a [6]uint64
		for i := range a {
			a[i] = v
		}
		out = append(out, a)
	}
	return out
}

func TestFilterMatchesTable(t *testing.T) {
	for _, tab := range []struct {
		name  string
		table []Syscall
	}{
		{name: "default", table: Table()},
		{name: "virtual time", table: WithVirtualTime(Table())},
	} {
		t.Run(tab.name, func(t *testing.T) { checkFilterMatches(t, tab.table) })
	}
}

func checkFilterMatches(t *testing.T, table []Syscall) {
	vm, _ := filterVM(t, table)
	for _, s := range table {
		t.Run(fmt.Sprintf("%s is %v", s.Name, s.Class), func(t *testing.T) {
			for _, args := range argVectors(s) {
				d := x86(int32(s.Nr), args[:]...)
				if got, w := run(t, vm, d), want(s, args); got != w {
					t.Errorf("filter(%s, args %#x) = %s, want %s", s.Name, args, verdict(got), verdict(w))
				}
			}
		})
	}
	t.Run("every number the table does not name goes to the supervisor", func(t *testing.T) {
		for nr := range int32(2048) {
			if _, ok := Lookup(uint32(nr)); ok {
				continue
			}
			if got := run(t, vm, x86(nr)); got != retNotify {
				t.Errorf("filter(nr %d) = %s, want USER_NOTIF", nr, verdict(got))
			}
		}
		if got := run(t, vm, x86(0x3fffffff)); got != retNotify {
			t.Errorf("filter(nr 0x3fffffff) = %s, want USER_NOTIF", verdict(got))
		}
	})
	t.Run("every number with the x32 bit or above is killed", func(t *testing.T) {
		for _, nr := range []uint32{0x40000000, 0x40000000 | unix.SYS_READ, 0x40000000 | 512, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff} {
			if got := run(t, vm, x86(int32(nr))); got != retKillProcess {
				t.Errorf("filter(nr %#x) = %s, want KILL_PROCESS", nr, verdict(got))
			}
		}
	})
}

// TestVirtualTimeFilter shows the two variants of the filter side by side:
// the poll family's timed waits are on the fast path unless the run's
// clock is virtual, and even then a wait the registers show to be untimed
// (zero or no timeout) stays in the kernel.
func TestVirtualTimeFilter(t *testing.T) {
	real, _ := filterVM(t, Table())
	virtual, _ := filterVM(t, WithVirtualTime(Table()))
	const (
		ptr      = 0x7ffc0000
		minusOne = 0xffff_ffff // int -1, zero-extended as a 32-bit mov leaves it
	)
	tests := []struct {
		name          string
		data          Data
		real, virtual uint32
	}{
		{name: "poll with a 5 s timeout", data: x86(unix.SYS_POLL, ptr, 1, 5000), real: retAllow, virtual: retNotify},
		{name: "poll with a zero timeout (busy poll)", data: x86(unix.SYS_POLL, ptr, 1, 0), real: retAllow, virtual: retAllow},
		{name: "poll with no timeout (-1)", data: x86(unix.SYS_POLL, ptr, 1, minusOne), real: retAllow, virtual: retAllow},
		{name: "poll with -1 sign-extended to 64 bits", data: x86(unix.SYS_POLL, ptr, 1, ^uint64(0)), real: retAllow, virtual: retAllow},
		{name: "poll with a zero int but garbage in the upper half", data: x86(unix.SYS_POLL, ptr, 1, 7<<32), real: retAllow, virtual: retAllow},
		{name: "poll with 1 ms and garbage in the upper half", data: x86(unix.SYS_POLL, ptr, 1, 7<<32|1), real: retAllow, virtual: retNotify},
		{name: "epoll_wait with a 10 ms timeout", data: x86(unix.SYS_EPOLL_WAIT, 5, ptr, 1, 10), real: retAllow, virtual: retNotify},
		{name: "epoll_wait with a zero timeout", data: x86(unix.SYS_EPOLL_WAIT, 5, ptr, 1, 0), real: retAllow, virtual: retAllow},
		{name: "epoll_wait with no timeout", data: x86(unix.SYS_EPOLL_WAIT, 5, ptr, 1, minusOne), real: retAllow, virtual: retAllow},
		{name: "epoll_pwait with a 10 ms timeout", data: x86(unix.SYS_EPOLL_PWAIT, 5, ptr, 1, 10, 0, 8), real: retAllow, virtual: retNotify},
		{name: "epoll_pwait with a zero timeout", data: x86(unix.SYS_EPOLL_PWAIT, 5, ptr, 1, 0, 0, 8), real: retAllow, virtual: retAllow},
		{name: "select with a timeval", data: x86(unix.SYS_SELECT, 4, ptr, 0, 0, ptr+128), real: retAllow, virtual: retNotify},
		{name: "select without a timeval", data: x86(unix.SYS_SELECT, 4, ptr, 0, 0, 0), real: retAllow, virtual: retAllow},
		{name: "pselect6 with a timespec", data: x86(unix.SYS_PSELECT6, 4, ptr, 0, 0, ptr+128, 0), real: retAllow, virtual: retNotify},
		{name: "pselect6 without a timespec", data: x86(unix.SYS_PSELECT6, 4, ptr, 0, 0, 0, 0), real: retAllow, virtual: retAllow},
		{name: "ppoll with a timespec", data: x86(unix.SYS_PPOLL, ptr, 1, ptr+128, 0, 8), real: retAllow, virtual: retNotify},
		{name: "ppoll without a timespec", data: x86(unix.SYS_PPOLL, ptr, 1, 0, 0, 8), real: retAllow, virtual: retAllow},
		{name: "epoll_pwait2 with a timespec", data: x86(unix.SYS_EPOLL_PWAIT2, 5, ptr, 1, ptr+128, 0, 8), real: retAllow, virtual: retNotify},
		{name: "epoll_pwait2 without a timespec", data: x86(unix.SYS_EPOLL_PWAIT2, 5, ptr, 1, 0, 0, 8), real: retAllow, virtual: retAllow},
		{name: "read is untouched", data: x86(unix.SYS_READ, 3, ptr, 1), real: retAllow, virtual: retAllow},
		{name: "futex is untouched", data: x86(unix.SYS_FUTEX, ptr, 0, 1, ptr), real: retAllow, virtual: retAllow},
		{name: "nanosleep goes to the supervisor in both", data: x86(unix.SYS_NANOSLEEP, ptr, 0), real: retNotify, virtual: retNotify},
		{name: "clone of a process still goes to the supervisor", data: x86(unix.SYS_CLONE, uint64(unix.SIGCHLD)), real: retNotify, virtual: retNotify},
		{name: "ptrace is still refused", data: x86(unix.SYS_PTRACE), real: retErrno(unix.EPERM), virtual: retErrno(unix.EPERM)},
		{name: "a foreign arch is still killed", data: Data{Nr: unix.SYS_POLL, Arch: unix.AUDIT_ARCH_I386}, real: retKillProcess, virtual: retKillProcess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, real, tt.data); got != tt.real {
				t.Errorf("default filter(%+v) = %s, want %s", tt.data, verdict(got), verdict(tt.real))
			}
			if got := run(t, virtual, tt.data); got != tt.virtual {
				t.Errorf("virtual-time filter(%+v) = %s, want %s", tt.data, verdict(got), verdict(tt.virtual))
			}
		})
	}
}

func TestFilterHonoursKillRows(t *testing.T) {
	table := Table()
	for i := range table {
		if table[i].Name == "ptrace" {
			table[i].Class, table[i].Errno = Kill, 0
		}
	}
	vm, _ := filterVM(t, table)
	if got := run(t, vm, x86(unix.SYS_PTRACE)); got != retKillProcess {
		t.Errorf("filter(ptrace) with a kill row = %s, want KILL_PROCESS", verdict(got))
	}
	if got := run(t, vm, x86(unix.SYS_READ)); got != retAllow {
		t.Errorf("filter(read) = %s, want ALLOW", verdict(got))
	}
}

func TestFilterShape(t *testing.T) {
	prog, err := Build(Table())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("fits the kernel's BPF_MAXINSNS", func(t *testing.T) {
		raw, err := bpf.Assemble(prog)
		if err != nil {
			t.Fatalf("bpf.Assemble: %v", err)
		}
		if len(raw) > 4096 {
			t.Errorf("filter has %d instructions, the kernel takes 4096", len(raw))
		}
		t.Logf("filter: %d instructions", len(raw))
	})
	t.Run("no placeholder return survives", func(t *testing.T) {
		for i, ins := range prog {
			if r, ok := ins.(bpf.RetConstant); ok && r.Val == unix.SECCOMP_RET_TRAP {
				t.Errorf("instruction %d returns SECCOMP_RET_TRAP", i)
			}
		}
	})
	t.Run("the last instruction is the default, user notification", func(t *testing.T) {
		if r, ok := prog[len(prog)-1].(bpf.RetConstant); !ok || r.Val != retNotify {
			t.Errorf("last instruction = %v, want ret #%#x", prog[len(prog)-1], retNotify)
		}
	})
	t.Run("returns only the four classes' actions", func(t *testing.T) {
		for i, ins := range prog {
			switch ins := ins.(type) {
			case bpf.RetConstant:
				switch ins.Val &^ unix.SECCOMP_RET_DATA {
				case retAllow, retNotify, retKillProcess, unix.SECCOMP_RET_ERRNO:
				default:
					t.Errorf("instruction %d returns %#x", i, ins.Val)
				}
			case bpf.RetA:
				t.Errorf("instruction %d returns A", i)
			}
		}
	})
	t.Run("the same table builds the same program", func(t *testing.T) {
		again, err := Build(Table())
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(prog) != fmt.Sprint(again) {
			t.Error("two builds of the same table differ")
		}
	})
}

// TestFilterLoadsOnlyAlignedWords justifies vmInput's byte swap: it is exact
// only for aligned 32-bit loads from seccomp_data.
func TestFilterLoadsOnlyAlignedWords(t *testing.T) {
	prog, err := Build(Table())
	if err != nil {
		t.Fatal(err)
	}
	for i, ins := range prog {
		switch ins := ins.(type) {
		case bpf.LoadAbsolute:
			if ins.Size != 4 || ins.Off%4 != 0 || ins.Off >= sizeofData {
				t.Errorf("instruction %d: %v is not an aligned word of seccomp_data", i, ins)
			}
		case bpf.LoadIndirect, bpf.LoadMemShift, bpf.LoadExtension:
			t.Errorf("instruction %d: %v is not allowed in a seccomp filter", i, ins)
		}
	}
}

func TestBuildRejectsInvalidTables(t *testing.T) {
	valid := func(edit func(t []Syscall) []Syscall) []Syscall { return edit(Table()) }
	row := func(tab []Syscall, name string) *Syscall {
		for i := range tab {
			if tab[i].Name == name {
				return &tab[i]
			}
		}
		panic("no row " + name)
	}
	tests := []struct {
		name  string
		table []Syscall
	}{
		{name: "an empty table is refused", table: nil},
		{name: "a name that is not its number's is refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "read").Name = "write"
			return t
		})},
		{name: "a number x86_64 does not have is refused", table: valid(func(t []Syscall) []Syscall {
			return append(t, Syscall{Nr: 400, Name: "nosuch", Class: Notify})
		})},
		{name: "a number listed twice is refused", table: valid(func(t []Syscall) []Syscall {
			return append(t, *row(t, "read"))
		})},
		{name: "the zero row is refused", table: valid(func(t []Syscall) []Syscall {
			return append(t[1:], Syscall{})
		})},
		{name: "an errno row without an errno is refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "ptrace").Errno = 0
			return t
		})},
		{name: "an errno beyond MAX_ERRNO is refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "ptrace").Errno = 4096
			return t
		})},
		{name: "an allow row with an errno is refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "read").Errno = unix.EPERM
			return t
		})},
		{name: "an invalid class is refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "read").Class = Kill + 1
			return t
		})},
		{name: "argument conditions on an allow row are refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "read").ArgAllow = []ArgCond{{Arg: 0, Op: OpEqual, Value: 0}}
			return t
		})},
		{name: "a condition on argument 6 is refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "openat").ArgAllow = []ArgCond{{Arg: 6, Op: OpEqual, Value: 0}}
			return t
		})},
		{name: "more argument conditions than one jump can skip are refused", table: valid(func(t []Syscall) []Syscall {
			r := row(t, "openat")
			for v := range uint64(60) {
				r.ArgAllow = append(r.ArgAllow, ArgCond{Arg: 0, Op: OpEqual, Value: v})
			}
			return t
		})},
		{name: "a timeout on an errno row is refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "ptrace").Timeout = &Timeout{Arg: 2}
			return t
		})},
		{name: "a timeout in argument 6 is refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "poll").Timeout = &Timeout{Arg: 6}
			return t
		})},
		{name: "a masked condition whose value has bits outside its mask is refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "openat").ArgAllow = []ArgCond{{Arg: 0, Op: OpMaskedEqual, Mask: 0xf0, Value: 0x101}}
			return t
		})},
		{name: "a mask on another operator is refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "openat").ArgAllow = []ArgCond{{Arg: 0, Op: OpEqual, Mask: 0xf0, Value: 0x10}}
			return t
		})},
		{name: "a condition without an operator is refused", table: valid(func(t []Syscall) []Syscall {
			row(t, "openat").ArgAllow = []ArgCond{{}}
			return t
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if prog, err := Build(tt.table); err == nil {
				t.Errorf("Build succeeded with %d instructions, want an error", len(prog))
			} else {
				t.Log(err)
			}
		})
	}
}
