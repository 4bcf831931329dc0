package seccomp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// helperEnv selects a helper in a re-executed test binary. The filter is
// only ever installed there, never in the test process (style item 5).
const helperEnv = "GAOL_SECCOMP_TEST_HELPER"

// Paths the notify helper asks for. The parent answers by syscall number;
// the paths only make a trace readable.
const (
	helperOpenPath  = "/gaol-seccomp-test/open"
	helperMkdirPath = "/gaol-seccomp-test/mkdir"
)

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "notify":
		os.Exit(helperNotify())
	case "x32":
		os.Exit(helperX32())
	case "roundtrip":
		os.Exit(helperRoundTrip())
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", helperEnv, os.Getenv(helperEnv))
		os.Exit(2)
	}
}

// installHere builds the table's filter and installs it on the calling,
// locked thread. It prints "unsupported <reason>" and reports false when
// the kernel refuses, so the parent can skip with that reason.
func installHere() (int, bool) {
	runtime.LockOSThread()
	prog, err := Build(Table())
	if err != nil {
		fmt.Printf("error Build: %v\n", err)
		return -1, false
	}
	listener, err := Install(prog)
	if err != nil {
		fmt.Printf("unsupported %v\n", err)
		return -1, false
	}
	return listener, true
}

// helperNotify installs the filter, announces its listener, then makes one
// syscall of each kind and prints the outcomes, one "key value" per line.
// Only write and exit_group are needed to report: both are Allow.
func helperNotify() int {
	listener, ok := installHere()
	if !ok {
		return 0
	}
	fmt.Printf("listener %d\n", listener)
	_, _, e := unix.RawSyscall(unix.SYS_PTRACE, unix.PTRACE_TRACEME, 0, 0)
	fmt.Printf("ptrace %d\n", e)
	_, _, e = unix.RawSyscall(unix.SYS_CLONE3, 0, 0, 0)
	fmt.Printf("clone3 %d\n", e)
	fd, err := unix.Openat(unix.AT_FDCWD, helperOpenPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	fmt.Printf("openat %d %d\n", fd, errnoOf(err))
	err = unix.Mkdirat(unix.AT_FDCWD, helperMkdirPath, 0o755)
	fmt.Printf("mkdirat %d\n", errnoOf(err))
	fmt.Printf("getpid %d\n", unix.Getpid())
	var lim unix.Rlimit
	fmt.Printf("prlimit64-self %d\n", errnoOf(unix.Prlimit(0, unix.RLIMIT_NOFILE, nil, &lim)))
	fmt.Printf("prlimit64-pid %d\n", errnoOf(unix.Prlimit(unix.Getpid(), unix.RLIMIT_NOFILE, nil, &lim)))
	_, _, e = unix.RawSyscall(unix.SYS_PRCTL, unix.PR_GET_DUMPABLE, 0, 0)
	fmt.Printf("prctl-get-dumpable %d\n", e)
	return 0
}

// helperX32 installs the filter and makes an x32 syscall (getpid with the
// x32 bit), which must kill it.
func helperX32() int {
	// A SIGSYS death would dump core; this is an expected death.
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	if _, ok := installHere(); !ok {
		return 0
	}
	fmt.Println("installed")
	unix.RawSyscall(0x40000000|unix.SYS_GETPID, 0, 0, 0)
	fmt.Println("survived")
	return 0
}

func errnoOf(err error) int {
	var e unix.Errno
	if errors.As(err, &e) {
		return int(e)
	}
	return 0
}

// startHelper starts the test binary as helper mode and returns its first
// line of output, skipping the test if the helper could not install.
func startHelper(t *testing.T, mode string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, bufio.NewReader(stdout)
}

func firstLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("helper said nothing: %v", err)
	}
	line = strings.TrimSpace(line)
	if reason, ok := strings.CutPrefix(line, "unsupported "); ok {
		t.Skipf("seccomp filter with a user-notification listener is unavailable here: %s", reason)
	}
	return line
}

func TestInstallKillsX32Syscalls(t *testing.T) {
	cmd, out := startHelper(t, "x32")
	if line := firstLine(t, out); line != "installed" {
		t.Fatalf("helper: %q", line)
	}
	rest, _ := io.ReadAll(out)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("helper exited with %v after %q, want death by SIGSYS", err, rest)
	}
	ws := exit.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != unix.SIGSYS {
		t.Errorf("helper ended with %v, want death by SIGSYS", ws)
	}
}

// served is what the test's supervisor saw.
type served struct {
	mu         sync.Mutex
	openAt     int   // the guest fd AddFD injected for openat, or -1
	validPend  error // IDValid while the mkdirat was pending
	validAfter error // IDValid after it was answered
	other      []string
}

// serve answers listener until the helper's filter has no more users:
// openat with an injected /dev/null, mkdirat with EACCES, and whatever the
// helper's Go runtime issues with FlagContinue.
func serve(t *testing.T, listener int, s *served) {
	devnull, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Errorf("open /dev/null: %v", err)
		return
	}
	defer unix.Close(devnull)
	for {
		fds := []unix.PollFd{{Fd: int32(listener), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, 100); err != nil && !errors.Is(err, unix.EINTR) {
			t.Errorf("poll listener: %v", err)
			return
		}
		if fds[0].Revents&unix.POLLHUP != 0 {
			return // every filtered thread has exited
		}
		if fds[0].Revents&unix.POLLIN == 0 {
			continue
		}
		var n Notif
		if err := Recv(listener, &n); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue
			}
			t.Errorf("Recv: %v", err)
			return
		}
		if err := answer(listener, devnull, &n, s); err != nil {
			t.Errorf("answer %d: %v", n.Data.Nr, err)
		}
	}
}

func answer(listener, devnull int, n *Notif, s *served) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n.Data.Arch != unix.AUDIT_ARCH_X86_64 {
		return fmt.Errorf("notification for arch %#x", n.Data.Arch)
	}
	switch n.Data.Nr {
	case unix.SYS_OPENAT:
		// ADDFD_FLAG_SEND: inject and answer atomically, see seccomp_unotify(2).
		fd, err := AddFD(listener, &NotifAddFD{ID: n.ID, Flags: unix.SECCOMP_ADDFD_FLAG_SEND, SrcFD: uint32(devnull), NewFDFlags: unix.O_CLOEXEC})
		s.openAt = fd
		return err
	case unix.SYS_MKDIRAT:
		s.validPend = IDValid(listener, n.ID)
		err := Send(listener, &Resp{ID: n.ID, Error: -int32(unix.EACCES)})
		s.validAfter = IDValid(listener, n.ID)
		return err
	}
	row, _ := Lookup(uint32(n.Data.Nr))
	s.other = append(s.other, row.Name)
	return Send(listener, &Resp{ID: n.ID, Flags: FlagContinue})
}

func TestInstallServesNotifications(t *testing.T) {
	cmd, out := startHelper(t, "notify")
	line := firstLine(t, out)
	childFD, err := strconv.Atoi(strings.TrimPrefix(line, "listener "))
	if err != nil {
		t.Fatalf("helper: %q", line)
	}
	if childFD < 0 {
		t.Fatalf("Install returned listener %d", childFD)
	}
	pidfd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	if err != nil {
		t.Skipf("pidfd_open is unavailable, cannot take the helper's listener: %v", err)
	}
	defer unix.Close(pidfd)
	listener, err := unix.PidfdGetfd(pidfd, childFD, 0)
	if err != nil {
		t.Skipf("pidfd_getfd is unavailable, cannot take the helper's listener: %v", err)
	}
	defer unix.Close(listener)

	t.Run("the listener accepts the sync wake-up flag", func(t *testing.T) {
		if err := SetSyncWakeUp(listener); errors.Is(err, unix.EINVAL) {
			t.Skipf("SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP needs Linux 6.6: %v", err)
		} else if err != nil {
			t.Error(err)
		}
	})

	s := &served{openAt: -1}
	done := make(chan struct{})
	go func() { defer close(done); serve(t, listener, s) }()
	report := map[string]string{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		report[k] = v
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v (reported %v)", err, report)
	}
	<-done
	t.Logf("answered with FlagContinue: %v", s.other)

	tests := []struct {
		name string
		key  string
		want string
	}{
		{name: "ptrace is refused in the kernel with EPERM", key: "ptrace", want: strconv.Itoa(int(unix.EPERM))},
		{name: "clone3 is refused in the kernel with ENOSYS", key: "clone3", want: strconv.Itoa(int(unix.ENOSYS))},
		{name: "openat returns the fd the supervisor injected", key: "openat", want: fmt.Sprintf("%d 0", s.openAt)},
		{name: "mkdirat fails with the supervisor's EACCES", key: "mkdirat", want: strconv.Itoa(int(unix.EACCES))},
		{name: "getpid runs in the kernel", key: "getpid", want: strconv.Itoa(cmd.Process.Pid)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := report[tt.key]; got != tt.want {
				t.Errorf("%s: helper reported %q, want %q", tt.key, got, tt.want)
			}
		})
	}
	t.Run("conditional rows are decided by their arguments in the kernel", func(t *testing.T) {
		for _, key := range []string{"prlimit64-self", "prlimit64-pid", "prctl-get-dumpable"} {
			if report[key] != "0" {
				t.Errorf("%s: helper reported errno %q, want 0", key, report[key])
			}
		}
		var prlimits, prctls int
		for _, name := range s.other {
			switch name {
			case "prlimit64":
				prlimits++
			case "prctl":
				prctls++
			}
		}
		if prlimits != 1 || prctls != 0 {
			t.Errorf("supervisor saw %d prlimit64 and %d prctl, want 1 (on its own pid) and 0", prlimits, prctls)
		}
	})
	t.Run("openat was injected a real fd", func(t *testing.T) {
		if s.openAt < 0 {
			t.Errorf("AddFD returned %d", s.openAt)
		}
	})
	t.Run("a notification is valid until answered", func(t *testing.T) {
		if s.validPend != nil {
			t.Errorf("IDValid while pending: %v", s.validPend)
		}
		if !errors.Is(s.validAfter, unix.ENOENT) {
			t.Errorf("IDValid after Send: %v, want ENOENT", s.validAfter)
		}
	})
}

// startBenchHelper starts the round-trip helper for n calls; a byte on
// the returned writer tells it to start.
func startBenchHelper(b *testing.B, n int) (*exec.Cmd, io.WriteCloser, *bufio.Reader) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=roundtrip", "GAOL_SECCOMP_ROUNDTRIPS="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, stdin, bufio.NewReader(stdout)
}
