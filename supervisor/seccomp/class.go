package seccomp

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Class is what the filter does with one system call. The zero value is
// Allow, so a table row must always be validated (Build does: its name must
// match its number) before it can reach a filter.
type Class uint8

const (
	// Allow runs the syscall in the kernel without asking the supervisor:
	// the fast path for compute and for I/O on fds the guest already holds.
	Allow Class = iota
	// Notify stops the calling thread and hands the syscall to the
	// supervisor through the listener (SECCOMP_RET_USER_NOTIF); the
	// supervisor emulates it, injects a result or denies it.
	Notify
	// Errno refuses the syscall in the kernel with the row's Errno
	// (SECCOMP_RET_ERRNO): for calls that are never useful to a guest.
	Errno
	// Kill kills the whole process (SECCOMP_RET_KILL_PROCESS).
	Kill
)

var classNames = [...]string{
	Allow:  "allow",
	Notify: "notify",
	Errno:  "errno",
	Kill:   "kill",
}

// String returns the class name as policies and traces spell it
// ("allow", "notify", "errno", "kill"), or "Class(N)" for an invalid class.
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// Syscall is one row of the per-architecture table. The zero value is not a
// valid row: Build rejects a row whose Name is not the kernel's name for Nr.
type Syscall struct {
	Nr    uint32 // syscall number, without the x32 bit
	Name  string // the kernel's name for Nr, as in elastic's arch tables
	Class Class
	// Errno is the error the kernel returns for Class Errno: EPERM for calls
	// a guest may not make, ENOSYS where libc must believe the call does not
	// exist (clone3, so glibc falls back to clone). Zero for other classes.
	Errno unix.Errno
	// ArgAllow, when non-nil, lists argument conditions under which a Notify
	// syscall is instead allowed in the kernel. The conditions are
	// alternatives: the call is allowed when any one of them holds, and goes
	// to the supervisor otherwise. Only Notify rows may have them.
	ArgAllow []ArgCond
	// Timeout, when non-nil, marks a syscall that can wait with a timeout
	// in the kernel (the poll family) and says where the timeout is. Such a
	// row is Allow in the table; WithVirtualTime turns it into Notify for
	// runs whose clock is virtual, since the kernel would wait in real time.
	Timeout *Timeout
}

// Timeout is where a waiting syscall takes its timeout. The zero value is
// an int of milliseconds in argument 0.
type Timeout struct {
	Arg uint32 // the timeout's argument index, 0 to 5
	// Pointer: the argument points to a struct timespec or timeval in the
	// caller's memory, NULL meaning no timeout (select, pselect6, ppoll,
	// epoll_pwait2). Otherwise it is an int of milliseconds, negative
	// meaning no timeout (poll, epoll_wait, epoll_pwait).
	Pointer bool
}

// ArgCond is one condition on one 64-bit syscall argument. The zero value is
// invalid (it has no Op).
type ArgCond struct {
	Arg   uint32 // argument index, 0 to 5
	Op    string // one of the Op* constants
	Value uint64
	// Mask is OpMaskedEqual's mask; zero for every other operator.
	Mask uint64
}

// Operators of an ArgCond. Comparisons are unsigned and on all 64 bits, as
// the kernel passes the registers: a guest that sets garbage in the upper
// half of a 32-bit argument fails an OpEqual test and reaches the supervisor,
// which is the safe direction.
const (
	OpEqual        = "eq"         // arg == Value
	OpNotEqual     = "ne"         // arg != Value
	OpGreater      = "gt"         // arg > Value
	OpGreaterEqual = "ge"         // arg >= Value
	OpLess         = "lt"         // arg < Value
	OpLessEqual    = "le"         // arg <= Value
	OpBitsSet      = "bits_set"   // arg & Value != 0: at least one of the bits is set
	OpBitsClear    = "bits_clear" // arg & Value == 0: none of the bits is set
	// OpMaskedEqual: arg & Mask == Value. The bits under Mask are exactly
	// Value: those of Value set, the others clear (Value must lie within
	// Mask), whatever the bits outside Mask are.
	OpMaskedEqual = "masked_eq"
)
