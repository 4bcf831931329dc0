package seccomp

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	elastic "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// maxInsns is BPF_MAXINSNS: the kernel refuses a longer classic BPF program.
const maxInsns = 4096

// maxErrno is the largest errno a SECCOMP_RET_ERRNO can carry: the kernel
// clamps its 16-bit data to MAX_ERRNO, and beyond it the guest would see a
// success.
const maxErrno = 4095

// Offsets into struct seccomp_data (see Data).
const (
	offNr   = 0
	offArch = 4
)

// placeholder stands in for SECCOMP_RET_USER_NOTIF as elastic's default
// action, because elastic's Policy.Validate accepts only its own named
// actions there and user notification is not one of them. No table row can
// produce it (Class has no trap), so rewriting every RetConstant of this
// value afterwards is exact.
const placeholder = elastic.ActionTrap

// ops are the operators an ArgCond may use (see argcond.go).
var ops = map[string]bool{
	OpEqual: true, OpNotEqual: true, OpGreater: true, OpGreaterEqual: true,
	OpLess: true, OpLessEqual: true, OpBitsSet: true, OpBitsClear: true, OpMaskedEqual: true,
}

// Build assembles the seccomp filter for table. It is pure: the program is
// returned as a value and nothing is installed. It returns an error for an
// invalid table (see validate) and, on any platform but linux/amd64, an error
// wrapping errors.ErrUnsupported.
//
// The program runs in four parts:
//
//  1. A prologue kills the process (SECCOMP_RET_KILL_PROCESS) for any
//     architecture but AUDIT_ARCH_X86_64 (int 0x80 enters with the i386
//     numbering) and for numbers with the x32 bit 0x40000000 or above,
//     negative ones included. Those number other syscalls than the table
//     does, and an x86_64 interpreter never issues them: their appearance is
//     an attack, not a call to answer. The kernel runs seccomp after a
//     tracer's syscall-entry stop, so a tracer that cancels a syscall by
//     setting its number to -1 gets the guest killed: gaol's tracer must not.
//  2. One block per row with ArgAllow decides that syscall completely:
//     allow if a condition holds, notify if not (argcond.go). Clone comes
//     first, so threads are created on the fast path.
//  3. elastic assembles the unconditional rows, one group per action: allow,
//     one group per errno, kill, and the explicit notifies.
//  4. Every other number (holes in the numbering, syscalls newer than the
//     table) reaches the default, user notification: the supervisor logs and
//     denies it. An unknown syscall is never allowed.
//
// The position of a row in the allow group costs nothing: since Linux 5.11
// the kernel caches, per number, a verdict of ALLOW reached without looking
// at arguments, and skips the filter for that number.
func Build(table []Syscall) ([]bpf.Instruction, error) {
	if err := supported(); err != nil {
		return nil, err
	}
	if err := validate(table); err != nil {
		return nil, err
	}
	blocks, err := argBlocks(table)
	if err != nil {
		return nil, err
	}
	p := policy(table)
	body, err := p.Assemble()
	if err != nil {
		return nil, fmt.Errorf("seccomp: assemble filter: %w", err)
	}
	rewriteReturns(body, uint32(placeholder), uint32(elastic.ActionUserNotify))
	prog := slices.Concat(prologue(), blocks, body)
	if len(prog) > maxInsns {
		return nil, fmt.Errorf("seccomp: filter has %d instructions, the kernel takes at most %d", len(prog), maxInsns)
	}
	return prog, nil
}

// prologue kills the process on a foreign ABI and leaves the syscall number
// in the accumulator. elastic's own checks would send a foreign arch to the
// default action and x32 numbers to ENOSYS; these run first, so elastic's
// are never reached.
func prologue() []bpf.Instruction {
	kill := bpf.RetConstant{Val: uint32(elastic.ActionKillProcess)}
	return []bpf.Instruction{
		bpf.LoadAbsolute{Off: offArch, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(arch.X86_64.ID), SkipTrue: 1},
		kill,
		bpf.LoadAbsolute{Off: offNr, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: uint32(arch.X32.SeccompMask), SkipFalse: 1},
		kill,
	}
}

// rewriteReturns replaces every RetConstant of value from with to. elastic
// copies a return instruction next to a jump that cannot reach it (BPF jump
// offsets are 8 bits), so the default may appear more than once.
func rewriteReturns(prog []bpf.Instruction, from, to uint32) {
	for i, ins := range prog {
		if r, ok := ins.(bpf.RetConstant); ok && r.Val == from {
			prog[i] = bpf.RetConstant{Val: to}
		}
	}
}

// policy groups the unconditional rows by action for elastic. Names within a
// group keep the table's order, and errno groups are sorted by errno, so the
// same table always yields the same program. The default action is the
// placeholder for user notification.
func policy(table []Syscall) elastic.Policy {
	allow := elastic.SyscallGroup{Action: elastic.ActionAllow}
	kill := elastic.SyscallGroup{Action: elastic.ActionKillProcess}
	notify := elastic.SyscallGroup{Action: elastic.ActionUserNotify}
	errnos := make(map[unix.Errno][]string)
	for _, s := range table {
		switch s.Class {
		case Allow:
			allow.Names = append(allow.Names, s.Name)
		case Notify:
			if len(s.ArgAllow) == 0 { // else decided by its argBlock
				notify.Names = append(notify.Names, s.Name)
			}
		case Errno:
			errnos[s.Errno] = append(errnos[s.Errno], s.Name)
		case Kill:
			kill.Names = append(kill.Names, s.Name)
		}
	}
	groups := []elastic.SyscallGroup{allow}
	for _, e := range slices.Sorted(maps.Keys(errnos)) {
		groups = append(groups, elastic.SyscallGroup{
			Names:  errnos[e],
			Action: elastic.ActionErrno | elastic.Action(e),
		})
	}
	groups = append(groups, kill, notify)
	return elastic.Policy{DefaultAction: placeholder, Syscalls: groups}
}

// validate checks what the filter's correctness rests on: each row names
// the syscall its number is (elastic assembles by name, the dispatcher looks
// up by number), no number appears twice, and every class and condition is
// one the filter can express.
func validate(table []Syscall) error {
	if len(table) == 0 {
		return errors.New("seccomp: empty syscall table")
	}
	seen := make(map[uint32]bool, len(table))
	var errs []error
	for _, s := range table {
		if seen[s.Nr] {
			errs = append(errs, fmt.Errorf("seccomp: syscall %d (%s) appears twice", s.Nr, s.Name))
		}
		seen[s.Nr] = true
		if err := validateRow(s); err != nil {
			errs = append(errs, fmt.Errorf("seccomp: syscall %d (%s): %w", s.Nr, s.Name, err))
		}
	}
	return errors.Join(errs...)
}

func validateRow(s Syscall) error {
	name, known := arch.X86_64.SyscallNumbers[int(s.Nr)]
	switch {
	case !known:
		return errors.New("not an x86_64 syscall number")
	case name != s.Name:
		return fmt.Errorf("x86_64 calls this number %q", name)
	case s.Class > Kill:
		return fmt.Errorf("invalid class %v", s.Class)
	case s.Class == Errno && (s.Errno == 0 || s.Errno > maxErrno):
		return fmt.Errorf("class errno needs an errno between 1 and %d, not %d", maxErrno, int(s.Errno))
	case s.Class != Errno && s.Errno != 0:
		return fmt.Errorf("class %v cannot carry errno %v", s.Class, s.Errno)
	case len(s.ArgAllow) > 0 && s.Class != Notify:
		return fmt.Errorf("class %v cannot have argument conditions, only notify", s.Class)
	case s.Timeout != nil && s.Class != Allow && s.Class != Notify:
		return fmt.Errorf("class %v never waits, it cannot have a timeout", s.Class)
	case s.Timeout != nil && s.Timeout.Arg > 5:
		return fmt.Errorf("timeout in argument %d: syscalls have arguments 0 to 5", s.Timeout.Arg)
	}
	for _, c := range s.ArgAllow {
		if err := validateCond(c); err != nil {
			return err
		}
	}
	return nil
}

func validateCond(c ArgCond) error {
	if c.Arg > 5 {
		return fmt.Errorf("argument %d: syscalls have arguments 0 to 5", c.Arg)
	}
	if !ops[c.Op] {
		return fmt.Errorf("argument %d: unknown operator %q", c.Arg, c.Op)
	}
	if c.Op == OpMaskedEqual && c.Value&^c.Mask != 0 {
		return fmt.Errorf("argument %d: %s value %#x has bits outside its mask %#x: it could never match", c.Arg, c.Op, c.Value, c.Mask)
	}
	if c.Op != OpMaskedEqual && c.Mask != 0 {
		return fmt.Errorf("argument %d: only %s takes a mask", c.Arg, OpMaskedEqual)
	}
	return nil
}
