package guest

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
)

// RunExec is stage exec. It never returns: it either execs the interpreter
// or reports a failure and exits with 125.
func RunExec(configJSON string) {
	// The filter covers only the thread that installs it, so this thread
	// installs it and execs from it (design.md, "Facts measured").
	runtime.LockOSThread()
	var cfg Config
	if err := json.Unmarshal([]byte(configJSON), &cfg); err != nil {
		fail(fmt.Sprintf("exec: bad configuration: %v", err))
	}
	if err := prepare(&cfg); err != nil {
		fail("exec: " + err.Error())
	}
	prog, err := seccomp.Build(seccomp.Table())
	if err != nil {
		fail(fmt.Sprintf("exec: cannot build the seccomp filter: %v", err))
	}
	argv, err := syscall.SlicePtrFromStrings(cfg.Argv)
	if err != nil {
		fail(fmt.Sprintf("exec: argv: %v", err))
	}
	envv, err := syscall.SlicePtrFromStrings(cfg.Env)
	if err != nil {
		fail(fmt.Sprintf("exec: environment: %v", err))
	}
	path, err := syscall.BytePtrFromString(cfg.Path)
	if err != nil {
		fail(fmt.Sprintf("exec: path: %v", err))
	}
	// Once the filter is on, every path, process and clock syscall of this
	// thread (and of any thread the runtime starts from it) waits for the
	// supervisor, which has not got the listener yet. So the handover
	// (sendmsg is such a syscall) runs on a thread that exists, locked,
	// before the filter does.
	h := startHandover()
	listener, err := seccomp.Install(prog)
	if err != nil {
		fail(fmt.Sprintf("exec: cannot install the seccomp filter: %v", err))
	}
	h.listener <- listener
	if err := <-h.done; err != nil {
		os.Exit(125)
	}
	// The budgets go on last: RLIMIT_AS would starve the Go runtime.
	// prlimit64 on pid 0 is allowed in the kernel.
	for _, rl := range cfg.Rlimits {
		lim := unix.Rlimit{Cur: rl.Cur, Max: rl.Max}
		if err := unix.Prlimit(0, rl.Resource, &lim, nil); err != nil {
			os.Exit(125)
		}
	}
	// The control socket must not reach the interpreter: it is the one fd
	// that talks to the supervisor. FD_CLOEXEC is set with fcntl, a
	// fast-path syscall.
	unix.CloseOnExec(ControlFD)
	_, _, errno := unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(path)),
		uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&envv[0])))
	// The supervisor refused or the kernel failed the exec; the supervisor
	// saw the attempt and reports it. Exit codes follow env(1).
	if errno == unix.ENOENT {
		os.Exit(127)
	}
	os.Exit(126)
}

type handover struct {
	listener chan int
	done     chan error
}

// startHandover starts the goroutine that passes the listener to the
// supervisor and waits for its go, and returns once that goroutine holds a
// thread of its own.
func startHandover() *handover {
	h := &handover{listener: make(chan int), done: make(chan error, 1)}
	ready := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		close(ready)
		h.done <- handOver(<-h.listener)
	}()
	<-ready
	return h
}

// prepare applies what must be set before the filter: no capabilities,
// no_new_privs, parent-death signal, and optionally Landlock.
func prepare(cfg *Config) error {
	if err := dropCapabilities(); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return fmt.Errorf("parent-death signal: %w", err)
	}
	// Landlock and seccomp both require no_new_privs without privilege.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if cfg.Landlock {
		if err := restrictLandlock(cfg.LandlockExec); err != nil {
			return fmt.Errorf("landlock: %w", err)
		}
	}
	return nil
}

// handOver passes the listener to the supervisor and waits for its go.
// It must not run on the filtered thread.
func handOver(listener int) error {
	if err := sendMessage(ControlFD, MsgListener, nil, listener); err != nil {
		return err
	}
	unix.Close(listener)
	kind, _, _, err := recvMessage(ControlFD)
	if err != nil {
		return err
	}
	if kind != MsgGo {
		return fmt.Errorf("control socket: unexpected message %q", kind)
	}
	return nil
}

// dropCapabilities empties the ambient, effective, permitted and
// inheritable sets, so that neither this stage nor the interpreter holds a
// capability, not even in the guest's own user namespace.
func dropCapabilities() error {
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("drop capabilities: %w", err)
	}
	return nil
}
