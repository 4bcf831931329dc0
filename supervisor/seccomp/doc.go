// Package seccomp is gaol's seccomp layer: the x86_64 syscall table that
// sorts every system call into one of four classes, the BPF filter built from
// that table, its installation with a user-notification listener, and the
// kernel's notification structs and ioctls (seccomp_unotify(2)).
//
// The table is the single source of truth (style item 1): Build generates the
// filter from it and the supervisor's dispatcher looks syscalls up in it, so
// the two cannot drift apart. Building is pure and testable in
// golang.org/x/net/bpf's VM; Install is a separate small function that must
// only ever run in the guest stub, never in the supervisor.
//
// Only linux/amd64 is supported. Elsewhere Table returns nil, Lookup finds
// nothing, and Build and Install return an error that wraps
// errors.ErrUnsupported (as do the notification calls where there is no
// seccomp at all): gaol fails closed rather than run a guest without its
// filter.
package seccomp
