package supervisor

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
)

// The stub is trusted because of the host thread group gaol started, and
// only until the interpreter's exec: being process 1 of some PID namespace
// is something a guest can make of its own children.
func TestOnlyTheStubsThreadGroupIsTrusted(t *testing.T) {
	const stub, nested = 4242, 5151
	tests := []struct {
		name      string
		tgid      int
		execd     bool
		wantAct   action
		wantErrno unix.Errno
	}{
		{name: "the stub before the interpreter's exec is let through", tgid: stub, wantAct: actAllow},
		{name: "the stub after the interpreter's exec gets nothing", tgid: stub, execd: true, wantAct: actDeny, wantErrno: unix.EPERM},
		{name: "pid 1 of a guest's own namespace is an ordinary guest process", tgid: nested, wantAct: actDeny, wantErrno: unix.ENOSYS},
		{name: "and stays one after the exec", tgid: nested, execd: true, wantAct: actDeny, wantErrno: unix.ENOSYS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &session{log: hclog.NewNullLogger(), procs: newProcs(workDir{path: "/"}), stubTgid: stub}
			// Both processes are pid 1 of their namespaces, as the stub
			// and a guest's clone(CLONE_NEWPID) child are.
			s.procs.byTid[stub] = &proc{tgid: stub, nspid: 1, pidfd: -1}
			s.procs.byTid[nested] = &proc{tgid: nested, nspid: 1, pidfd: -1}
			s.firstExec.Store(tt.execd)
			// pidfd_open has no handler: an untrusted caller gets ENOSYS.
			nr := uint32(unix.SYS_PIDFD_OPEN)
			sc, known := seccomp.Lookup(nr)
			c := &call{s: s, n: &seccomp.Notif{Pid: uint32(tt.tgid), Data: seccomp.Data{Nr: int32(nr)}}, tid: tt.tgid}
			r := s.dispatch(c, sc, known)
			if r.action != tt.wantAct || r.errno != tt.wantErrno {
				t.Errorf("dispatch = %s %v (%s), want %s %v", r.action, r.errno, r.rule, tt.wantAct, tt.wantErrno)
			}
		})
	}
}

// Clone flags that no guest may use are refused whatever the policy.
func TestCloneFlagsNoGuestMayUse(t *testing.T) {
	const thread = seccomp.ThreadClone
	tests := []struct {
		name  string
		flags uint32
		want  unix.Errno // 0: not refused here
	}{
		{name: "a process in a new user and PID namespace", flags: unix.CLONE_NEWUSER | unix.CLONE_NEWPID | uint32(unix.SIGCHLD), want: unix.EPERM},
		{name: "a process in a new network namespace", flags: unix.CLONE_NEWNET | uint32(unix.SIGCHLD), want: unix.EPERM},
		{name: "a thread in a new mount namespace", flags: thread | unix.CLONE_NEWNS, want: unix.EPERM},
		{name: "a sibling of the caller", flags: unix.CLONE_PARENT | uint32(unix.SIGCHLD), want: unix.EPERM},
		{name: "a traced child", flags: unix.CLONE_PTRACE | uint32(unix.SIGCHLD), want: unix.EPERM},
		{name: "an untraceable child", flags: unix.CLONE_UNTRACED | uint32(unix.SIGCHLD), want: unix.EPERM},
		{name: "a thread with an fd table of its own", flags: unix.CLONE_THREAD | unix.CLONE_VM | unix.CLONE_SIGHAND | unix.CLONE_FS, want: unix.EINVAL},
		{name: "a thread with a cwd of its own", flags: unix.CLONE_THREAD | unix.CLONE_VM | unix.CLONE_SIGHAND | unix.CLONE_FILES, want: unix.EINVAL},
		{name: "a process sharing the caller's cwd", flags: unix.CLONE_FS | uint32(unix.SIGCHLD), want: unix.EINVAL},
		{name: "an ordinary fork", flags: uint32(unix.SIGCHLD)},
		{name: "posix_spawn's vfork", flags: unix.CLONE_VM | unix.CLONE_VFORK | uint32(unix.SIGCHLD)},
		{name: "a process sharing the fd table", flags: unix.CLONE_FILES | uint32(unix.SIGCHLD)},
		{name: "an ordinary thread", flags: thread | unix.CLONE_SYSVSEM | unix.CLONE_SETTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, bad := refuseClone(tt.flags)
			if got := map[bool]unix.Errno{true: r.errno}[bad]; got != tt.want {
				t.Errorf("refuseClone(%#x) = %v (%s), want %v", tt.flags, got, r.rule, tt.want)
			}
		})
	}
}

// Signals and file owners aimed at any thread of the stub are refused, not
// only at its process 1; Landlock's signal scope refuses them too, which is
// why this is tested here, without it. The test process stands in for the
// stub: its threads' ids in its own namespace are their host ids.
func TestSignalsToAnyStubThreadAreRefused(t *testing.T) {
	runtime.LockOSThread() // this goroutine's thread stays one of ours
	defer runtime.UnlockOSThread()
	s := &session{stubTgid: os.Getpid()}
	var thread int
	entries, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if id, _ := strconv.Atoi(e.Name()); id != os.Getpid() {
			thread = id
		}
	}
	if thread == 0 {
		t.Fatal("the test process has no thread besides its leader")
	}
	other := exec.Command("sleep", "10")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { other.Process.Kill(); other.Wait() }()
	notif := func(nr int, args ...uint64) *call {
		n := &seccomp.Notif{Data: seccomp.Data{Nr: int32(nr)}}
		copy(n.Data.Args[:], args)
		return &call{s: s, n: n}
	}
	tests := []struct {
		name string
		c    *call
		h    handler
		want action
	}{
		{name: "kill of the stub's process 1", c: notif(unix.SYS_KILL, 1, uint64(unix.SIGQUIT)), h: sysKill, want: actDeny},
		{name: "tkill of another thread of the stub", c: notif(unix.SYS_TKILL, uint64(thread), uint64(unix.SIGQUIT)), h: sysTkill, want: actDeny},
		{name: "kill by that thread's id (its whole process)", c: notif(unix.SYS_KILL, uint64(thread), uint64(unix.SIGSEGV)), h: sysKill, want: actDeny},
		{name: "tgkill of a thread of the stub", c: notif(unix.SYS_TGKILL, uint64(os.Getpid()), uint64(thread), uint64(unix.SIGQUIT)), h: sysTgkill, want: actDeny},
		{name: "F_SETOWN to a thread of the stub", c: notif(unix.SYS_FCNTL, 3, unix.F_SETOWN, uint64(thread)), h: sysFcntl, want: actDeny},
		{name: "F_SETOWN_EX whatever it names", c: notif(unix.SYS_FCNTL, 3, unix.F_SETOWN_EX, 0), h: sysFcntl, want: actDeny},
		{name: "kill of another process", c: notif(unix.SYS_KILL, uint64(other.Process.Pid), 0), h: sysKill, want: actAllow},
		{name: "F_SETOWN to another process", c: notif(unix.SYS_FCNTL, 3, unix.F_SETOWN, uint64(other.Process.Pid)), h: sysFcntl, want: actAllow},
		{name: "F_SETOWN to a process group", c: notif(unix.SYS_FCNTL, 3, unix.F_SETOWN, uint64(0xffffffff&uint32(-other.Process.Pid))), h: sysFcntl, want: actAllow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := tt.h(tt.c); r.action != tt.want {
				t.Errorf("got %s (%s), want %s", r.action, r.rule, tt.want)
			}
		})
	}
}
