package guest

import (
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// RunInit is the guest stub: process 1 of the guest's PID namespace. It
// never returns. It creates the tmpfs mounts, confines one of its threads
// and forks the interpreter from it, hands the seccomp listener to the
// supervisor, reaps every process that ends in the namespace and, when the
// interpreter ends, reports its status and exits, which makes the kernel
// kill whatever else is left in the namespace.
func RunInit() {
	// If the supervisor dies, so does the guest (docs/security.md, "8. Lifetime").
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)
	// No signal a guest can send reaches the stub (signals_linux.go).
	ignore()
	// Nothing but stdin, stdout and stderr may reach the interpreter: not
	// the control socket, and not an fd that whoever started gaol left
	// open without close-on-exec (gaol inherits those, and so would the
	// guest).
	if err := unix.CloseRange(ControlFD, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		for fd := ControlFD; fd < 1024; fd++ {
			unix.CloseOnExec(fd)
		}
	}
	kind, payload, _, err := recvMessage(ControlFD)
	if err != nil || kind != MsgConfig {
		fail(fmt.Sprintf("init: no configuration: %v", err))
	}
	var cfg Config
	if err := json.Unmarshal(payload, &cfg); err != nil {
		fail(fmt.Sprintf("init: bad configuration: %v", err))
	}
	if err := loopbackUp(); err != nil {
		fail("init: " + err.Error())
	}
	if err := provision(cfg.Tmpfs); err != nil {
		fail("init: " + err.Error())
	}
	c := startConfined(&cfg)
	var pid int
	select {
	case fd := <-c.listener:
		if err := sendMessage(ControlFD, MsgListener, nil, fd); err != nil {
			os.Exit(125)
		}
		unix.Close(fd)
	case err := <-c.err:
		fail("init: " + err.Error())
	}
	select {
	case pid = <-c.pid:
	case err := <-c.err:
		// The exec failed: the supervisor saw it (or refused it).
		report(Status{ExecError: err.Error(), ExecStatus: exitCodeFor(err)})
		os.Exit(0)
	}
	report(reap(pid))
	os.Exit(0)
}

// reap waits for every child until the interpreter itself has ended.
func reap(pid int) Status {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return Status{Pid: pid, Error: fmt.Sprintf("init: wait: %v", err)}
		}
		if got != pid {
			continue
		}
		var self unix.Rusage
		_ = unix.Getrusage(unix.RUSAGE_CHILDREN, &self)
		return Status{
			Pid:        pid,
			WaitStatus: uint32(ws),
			UserUsec:   self.Utime.Sec*1e6 + self.Utime.Usec,
			SysUsec:    self.Stime.Sec*1e6 + self.Stime.Usec,
			MaxRSSKiB:  self.Maxrss,
		}
	}
}

func report(st Status) {
	b, _ := json.Marshal(st)
	_ = sendMessage(ControlFD, MsgStatus, b, -1)
}

func isTTY(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// fail reports a stub failure to the supervisor and exits.
func fail(msg string) {
	_ = sendMessage(ControlFD, MsgError, []byte(msg), -1)
	os.Exit(125)
}

// provision creates the detached tmpfs mounts and a detached procfs of the
// guest's PID namespace, and sends their fds to the supervisor (the procfs
// last). The last one, the shadow, becomes init's working directory,
// and so the interpreter's: an empty, private directory.
func provision(specs []Tmpfs) error {
	fds := make([]int, 0, len(specs))
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	for _, spec := range specs {
		fd, err := newTmpfs(spec)
		if err != nil {
			return err
		}
		fds = append(fds, fd)
	}
	if len(fds) > 0 {
		if err := unix.Fchdir(fds[len(fds)-1]); err != nil {
			return fmt.Errorf("chdir to the shadow directory: %w", err)
		}
	}
	// Last, a procfs of the guest's PID namespace: the supervisor lists
	// every process of the namespace in it for the budgets, however it
	// was created or re-parented.
	proc, err := newProc()
	if err != nil {
		return err
	}
	fds = append(fds, proc)
	rights := []byte{}
	if len(fds) > 0 {
		rights = unix.UnixRights(fds...)
	}
	return unix.Sendmsg(ControlFD, []byte{MsgMounts}, rights, nil, 0)
}

func newTmpfs(spec Tmpfs) (int, error) {
	ctx, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("tmpfs: fsopen: %w", err)
	}
	defer unix.Close(ctx)
	size, inodes := spec.Bytes, spec.Inodes
	if size <= 0 {
		size = 1 << 20
	}
	if inodes <= 0 {
		inodes = 1024
	}
	for _, kv := range [][2]string{{"size", fmt.Sprint(size)}, {"nr_inodes", fmt.Sprint(inodes)}, {"mode", "0755"}} {
		if err := unix.FsconfigSetString(ctx, kv[0], kv[1]); err != nil {
			return -1, fmt.Errorf("tmpfs: %s=%s: %w", kv[0], kv[1], err)
		}
	}
	if err := unix.FsconfigCreate(ctx); err != nil {
		return -1, fmt.Errorf("tmpfs: create: %w", err)
	}
	fd, err := unix.Fsmount(ctx, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV)
	if err != nil {
		return -1, fmt.Errorf("tmpfs: fsmount: %w", err)
	}
	return fd, nil
}

// newProc mounts a procfs of the stub's PID namespace, attached nowhere:
// only the supervisor holds it. The stub may: it has CAP_SYS_ADMIN in the
// user namespace that owns its PID namespace.
func newProc() (int, error) {
	ctx, err := unix.Fsopen("proc", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("proc: fsopen: %w", err)
	}
	defer unix.Close(ctx)
	if err := unix.FsconfigCreate(ctx); err != nil {
		return -1, fmt.Errorf("proc: create: %w", err)
	}
	fd, err := unix.Fsmount(ctx, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return -1, fmt.Errorf("proc: fsmount: %w", err)
	}
	return fd, nil
}
