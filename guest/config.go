// Package guest is the in-sandbox side of gaol: the small stub the
// supervisor starts by re-executing its own binary. The stub is process 1
// of the guest's new namespaces: it creates the scratch tmpfs mounts,
// confines one of its threads (no capabilities, no_new_privs, Landlock, the
// seccomp filter), forks and execs the interpreter from that thread, hands
// the listener fd to the supervisor, reaps every process of the namespace
// and reports the interpreter's wait status.
//
// Nothing in this package trusts the guest: it runs before the interpreter
// starts and only ever execs it.
package guest

import (
	"encoding/json"
	"fmt"
)

// ModeInit is the hidden argv[1] that makes the gaol binary the stub.
const ModeInit = "__gaol_guest_init"

// ControlFD is the fd number at which the stub finds its end of the
// control socket (a SOCK_SEQPACKET socketpair with the supervisor).
const ControlFD = 3

// Config is what the supervisor tells the stub. It crosses the control
// socket as one JSON message. The zero value execs nothing.
type Config struct {
	Path string   // host path of the interpreter to exec
	Argv []string // its argv, argv[0] included
	Env  []string // its complete environment
	// Landlock asks the stub to restrict itself with Landlock before
	// the exec, allowing only LandlockExec paths to be executed and read.
	Landlock     bool
	LandlockExec []string
	// VirtualTime installs the filter variant for a virtual clock
	// (seccomp.WithVirtualTime): waits with a timeout go to the
	// supervisor instead of the kernel's fast path.
	VirtualTime bool
	// Tmpfs lists the in-memory filesystems stage init creates (scratch
	// mounts and the shadow of virtual directories), in order. Their fds
	// go to the supervisor in one MsgMounts packet.
	Tmpfs []Tmpfs
}

// Tmpfs is one tmpfs created in the guest's mount namespace and never
// attached anywhere: only the supervisor holds it, by fd. The kernel
// enforces its quotas exactly, also for writes through fds the guest
// already holds, and frees it when the last fd closes.
type Tmpfs struct {
	Bytes  int64 // size= (rounded up to pages by the kernel); 0: a small default
	Inodes int64 // nr_inodes=, the root directory included; 0: a small default
}

// Status is what stage init reports when the exec stage has ended.
type Status struct {
	Pid        int    // the interpreter's pid in the guest's namespace
	WaitStatus uint32 // raw wait(2) status of the interpreter
	UserUsec   int64  // CPU user time of the guest tree, microseconds
	SysUsec    int64  // CPU system time of the guest tree, microseconds
	MaxRSSKiB  int64  // peak resident set size of the largest guest process
	Error      string // a stub failure, in one line; empty on success
	ExecError  string // the exec of the interpreter failed: why
	ExecStatus int    // and the exit status that stands for it (126, 127)
}

// Message kinds on the control socket, the first byte of each packet.
const (
	MsgConfig   = 'C' // supervisor → stub: JSON Config
	MsgMounts   = 'M' // stub → supervisor: the Tmpfs fds in SCM_RIGHTS, in Config order
	MsgListener = 'L' // stub → supervisor: the listener fd in SCM_RIGHTS
	MsgStatus   = 'S' // stub → supervisor: JSON Status
	MsgError    = 'E' // stub → supervisor: a one-line failure
)

func encode(kind byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode control message: %w", err)
	}
	return append([]byte{kind}, b...), nil
}
