package guest

import (
	"fmt"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
)

// confined is the result of startConfined: the listener, then the
// interpreter's pid or the reason it could not be started.
type confined struct {
	listener chan int
	pid      chan int
	err      chan error
}

// startConfined confines one thread of init — no capabilities,
// no_new_privs, Landlock, the seccomp filter — and forks the interpreter
// from it, so that the child inherits exactly that confinement and init's
// other threads keep none of it. The thread then ends (its goroutine
// returns while locked to it, which ends the OS thread): the stub keeps no
// thread that shares the guest's Landlock domain, so Landlock's signal
// scope and the stub's own signal handling (signals_linux.go) hold for
// every thread it has. The supervisor lets the guest run no further than
// its exec until that thread is gone.
//
// Every syscall the filtered thread makes from the filter on waits for the
// supervisor: the clone and the child's exec are answered once the
// supervisor holds the listener, which another thread sends.
func startConfined(cfg *Config) *confined {
	c := &confined{listener: make(chan int, 1), pid: make(chan int, 1), err: make(chan error, 1)}
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		pid, err := confineAndFork(cfg, c.listener)
		if err != nil {
			c.err <- err
			return
		}
		c.pid <- pid
	}()
	return c
}

func confineAndFork(cfg *Config, listener chan<- int) (int, error) {
	if err := confine(cfg); err != nil {
		return 0, err
	}
	table := seccomp.Table()
	if cfg.VirtualTime {
		table = seccomp.WithVirtualTime(table)
	}
	prog, err := seccomp.Build(table)
	if err != nil {
		return 0, fmt.Errorf("cannot build the seccomp filter: %w", err)
	}
	fd, err := seccomp.Install(prog)
	if err != nil {
		return 0, fmt.Errorf("cannot install the seccomp filter: %w", err)
	}
	listener <- fd
	attr := &syscall.ProcAttr{
		Env:   cfg.Env,
		Files: []uintptr{0, 1, 2},
		// No parent-death signal: it would follow this thread, which ends
		// right after the fork. The interpreter dies with the stub anyway,
		// as every process of a PID namespace does with its init.
		Sys: &syscall.SysProcAttr{
			Setsid:  true,
			Setctty: isTTY(0),
			Ctty:    0,
		},
	}
	pid, err := syscall.ForkExec(cfg.Path, cfg.Argv, attr)
	if err != nil {
		return 0, err
	}
	return pid, nil
}

// confine applies to the calling thread what must hold before the filter:
// no capabilities, no_new_privs and, when asked, Landlock.
func confine(cfg *Config) error {
	if err := dropCapabilities(); err != nil {
		return err
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

// dropCapabilities empties the ambient, effective, permitted and
// inheritable sets of the calling thread, so that neither it nor the
// interpreter holds a capability, not even in the guest's own user
// namespace.
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

// exitCodeFor maps an exec failure to env(1)'s exit codes.
func exitCodeFor(err error) int {
	if err == syscall.ENOENT {
		return 127
	}
	if err == syscall.EACCES || err == syscall.ENOEXEC || err == syscall.EPERM {
		return 126
	}
	return 125
}
