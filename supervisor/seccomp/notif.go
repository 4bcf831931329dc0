package seccomp

// The notification structs below are laid out exactly as the kernel's
// (linux/seccomp.h, seccomp_unotify(2)) on every 64-bit little-endian
// platform: fields in the kernel's order, no padding. The sizes are asserted
// at compile time where unsafe is used, and CheckSizes compares them with
// the running kernel's.
const (
	sizeofData       = 64 // struct seccomp_data
	sizeofNotif      = 80 // struct seccomp_notif
	sizeofResp       = 24 // struct seccomp_notif_resp
	sizeofNotifAddFD = 24 // struct seccomp_notif_addfd
)

// Data is struct seccomp_data: the syscall as the filter saw it. Args are
// raw register values; pointers among them point into the guest's memory,
// which the guest may change at any time.
type Data struct {
	Nr   int32  // syscall number (x86_64 numbering; the filter kills x32)
	Arch uint32 // AUDIT_ARCH_*; always AUDIT_ARCH_X86_64 past the filter
	IP   uint64 // instruction pointer at the syscall
	Args [6]uint64
}

// Notif is struct seccomp_notif, filled by Recv. The zero value is what Recv
// must hand the kernel.
type Notif struct {
	// ID identifies this notification to Send, IDValid and AddFD. It is
	// unique for the listener's lifetime.
	ID uint64
	// Pid is the thread ID of the calling thread as seen from the PID
	// namespace of the caller of Recv (0 if the thread is not visible there).
	Pid   uint32
	Flags uint32 // none are defined yet; zero
	Data  Data
}

// Resp is struct seccomp_notif_resp, the answer Send delivers. The zero
// value with an ID makes the syscall return 0.
type Resp struct {
	ID  uint64 // the Notif.ID being answered
	Val int64  // the syscall's return value when Error is 0
	// Error is the negative errno to fail the syscall with (-EACCES), or 0.
	Error int32
	// Flags may be FlagContinue: let the kernel run the syscall itself (Val
	// and Error must then be 0). Never use it for a syscall that carries a
	// guest pointer: the kernel reads the pointer again after the
	// supervisor's check, and the guest may have changed what it points to
	// (seccomp_unotify(2), "Design goals; use of SECCOMP_USER_NOTIF_FLAG_CONTINUE").
	Flags uint32
}

// NotifAddFD is struct seccomp_notif_addfd: a supervisor fd to install in
// the guest (AddFD).
type NotifAddFD struct {
	ID uint64 // the Notif.ID being served
	// Flags: SECCOMP_ADDFD_FLAG_SETFD (install at NewFD, like dup2) and
	// SECCOMP_ADDFD_FLAG_SEND (install and answer the syscall with the new
	// fd number in one step, Linux 5.14+).
	Flags      uint32
	SrcFD      uint32 // the supervisor's fd to copy
	NewFD      uint32 // the guest's fd number, with SECCOMP_ADDFD_FLAG_SETFD
	NewFDFlags uint32 // O_CLOEXEC or 0: the flags of the guest's new fd
}
