// Package guest is the in-sandbox side of gaol: the small stub the
// supervisor starts by re-executing its own binary. The stub runs in two
// stages. Stage "init" is process 1 of the guest's new PID namespace: it
// starts stage "exec", reaps every process of the namespace and reports the
// guest's wait status to the supervisor. Stage "exec" sets the resource
// limits, installs the seccomp filter on its locked thread, hands the
// listener fd to the supervisor and, once told to go, execs the interpreter.
//
// Nothing in this package trusts the guest: it runs before the interpreter
// starts and only ever execs it.
package guest

import (
	"encoding/json"
	"fmt"
)

// Hidden argv[1] values that select a stub stage in the gaol binary.
const (
	ModeInit = "__gaol_guest_init"
	ModeExec = "__gaol_guest_exec"
)

// ControlFD is the fd number at which both stages find their end of the
// control socket (a SOCK_SEQPACKET socketpair with the supervisor).
const ControlFD = 3

// Config is what the supervisor tells the stub. It crosses the control
// socket as one JSON message. The zero value execs nothing.
type Config struct {
	Path    string   // host path of the interpreter to exec
	Argv    []string // its argv, argv[0] included
	Env     []string // its complete environment
	Rlimits []Rlimit // set in stage exec before the filter is installed
	// NoVDSO asks for the exec without the vDSO (time policies other than
	// real); the supervisor does the work, the stub only stops for it.
	NoVDSO bool
	// Landlock asks the exec stage to restrict itself with Landlock before
	// the exec, allowing only LandlockExec paths to be executed and read.
	Landlock     bool
	LandlockExec []string
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

// Rlimit is one resource limit (unix.RLIMIT_*), applied with setrlimit.
type Rlimit struct {
	Resource int
	Cur, Max uint64
}

// Status is what stage init reports when the exec stage has ended.
type Status struct {
	Pid        int    // the exec stage's pid in the guest's namespace
	WaitStatus uint32 // raw wait(2) status of the interpreter
	UserUsec   int64  // CPU user time of the guest tree, microseconds
	SysUsec    int64  // CPU system time of the guest tree, microseconds
	MaxRSSKiB  int64  // peak resident set size of the largest guest process
	Error      string // a stub failure, in one line; empty on success
}

// Message kinds on the control socket, the first byte of each packet.
const (
	MsgConfig   = 'C' // supervisor → init → exec: JSON Config
	MsgMounts   = 'M' // init → supervisor: the Tmpfs fds in SCM_RIGHTS, in Config order
	MsgListener = 'L' // exec → supervisor: one byte, the listener fd in SCM_RIGHTS
	MsgGo       = 'G' // supervisor → exec: exec now
	MsgStatus   = 'S' // init → supervisor: JSON Status
	MsgError    = 'E' // any stage → supervisor: a one-line failure
)

func encode(kind byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode control message: %w", err)
	}
	return append([]byte{kind}, b...), nil
}
