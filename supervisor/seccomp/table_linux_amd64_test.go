package seccomp

import (
	"slices"
	"testing"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/sys/unix"
)

func TestTableIsComplete(t *testing.T) {
	table := Table()
	t.Run("rows are sorted by number, each number once", func(t *testing.T) {
		for i := 1; i < len(table); i++ {
			if table[i-1].Nr >= table[i].Nr {
				t.Errorf("row %d (%s, %d) follows row %d (%s, %d)", i, table[i].Name, table[i].Nr, i-1, table[i-1].Name, table[i-1].Nr)
			}
		}
	})
	t.Run("every name is the kernel's name for its number", func(t *testing.T) {
		for _, s := range table {
			if name := arch.X86_64.SyscallNumbers[int(s.Nr)]; name != s.Name {
				t.Errorf("row %d is named %q, x86_64 calls it %q", s.Nr, s.Name, name)
			}
		}
	})
	t.Run("every number elastic knows has a row", func(t *testing.T) {
		for nr, name := range arch.X86_64.SyscallNumbers {
			if _, ok := Lookup(uint32(nr)); !ok {
				t.Errorf("syscall %d (%s) has no row", nr, name)
			}
		}
		if len(table) != len(arch.X86_64.SyscallNumbers) {
			t.Errorf("table has %d rows, elastic knows %d syscalls", len(table), len(arch.X86_64.SyscallNumbers))
		}
	})
	t.Run("errno rows carry an errno and no other row does", func(t *testing.T) {
		for _, s := range table {
			if (s.Class == Errno) != (s.Errno != 0) {
				t.Errorf("%s: class %v with errno %d", s.Name, s.Class, int(s.Errno))
			}
		}
	})
	t.Run("only notify rows have argument conditions", func(t *testing.T) {
		for _, s := range table {
			if len(s.ArgAllow) > 0 && s.Class != Notify {
				t.Errorf("%s: class %v has argument conditions", s.Name, s.Class)
			}
		}
	})
	t.Run("only allow rows carry a timeout: the fast path is what virtual time takes away", func(t *testing.T) {
		for _, s := range table {
			if s.Timeout != nil && s.Class != Allow {
				t.Errorf("%s: class %v has a timeout", s.Name, s.Class)
			}
		}
	})
	t.Run("the table builds", func(t *testing.T) {
		if _, err := Build(table); err != nil {
			t.Error(err)
		}
	})
}

// TestTableClasses states the design's four classes for the syscalls it
// names (docs/security.md, "1. The seccomp filter").
func TestTableClasses(t *testing.T) {
	tests := []struct {
		name  string
		class Class
		errno unix.Errno
		calls []string
	}{
		{
			name:  "compute and I/O on held fds run in the kernel",
			class: Allow,
			calls: []string{"read", "write", "pread64", "lseek", "mprotect", "brk", "futex", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "close", "dup", "dup2", "dup3", "pipe2", "poll", "epoll_wait", "epoll_ctl", "exit_group", "getrandom", "rseq", "set_robust_list", "sched_getaffinity", "getpid", "gettid", "recvmsg", "fstatfs", "uname"},
		},
		{
			name:  "paths, addresses, clocks and processes go to the supervisor",
			class: Notify,
			calls: []string{"open", "openat", "openat2", "creat", "stat", "lstat", "fstat", "newfstatat", "statx", "statfs", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents64", "chdir", "fchdir", "getcwd", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "truncate", "utimensat", "setxattr", "getxattr", "inotify_add_watch", "socket", "connect", "bind", "listen", "accept", "accept4", "sendto", "sendmsg", "sendmmsg", "clock_gettime", "clock_getres", "clock_nanosleep", "gettimeofday", "time", "nanosleep", "execve", "execveat", "clone", "fork", "vfork", "kill", "tkill", "tgkill", "pidfd_open", "pidfd_getfd", "prctl", "ioctl", "prlimit64", "setrlimit", "umask", "setuid", "setsid", "syslog"},
		},
		{
			name:  "calls never useful to a guest are refused with EPERM",
			class: Errno,
			errno: unix.EPERM,
			calls: []string{"ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_by_handle_at", "name_to_handle_at", "userfaultfd", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "fsopen", "fsmount", "fsconfig", "fspick", "move_mount", "open_tree", "mount_setattr", "quotactl", "swapon", "swapoff", "reboot", "sethostname", "setdomainname", "iopl", "ioperm", "lookup_dcookie", "vhangup", "acct", "clock_adjtime", "adjtimex", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "seccomp", "kcmp", "personality", "modify_ldt", "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl", "create_module", "mq_open", "shmget", "shmat", "semget", "msgget", "memfd_create"},
		},
		{
			name:  "clone3 and legacy getdents do not exist, so libc uses clone and getdents64",
			class: Errno,
			errno: unix.ENOSYS,
			calls: []string{"clone3", "getdents"},
		},
	}
	byName := make(map[string]Syscall)
	for _, s := range Table() {
		byName[s.Name] = s
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range tt.calls {
				s, ok := byName[name]
				if !ok {
					t.Errorf("%s: no row", name)
					continue
				}
				if s.Class != tt.class || s.Errno != tt.errno {
					t.Errorf("%s: class %v errno %d, want %v errno %d", name, s.Class, int(s.Errno), tt.class, int(tt.errno))
				}
			}
		})
	}
	t.Run("no row is killed: wrong ABIs are, by the prologue", func(t *testing.T) {
		for _, s := range Table() {
			if s.Class == Kill {
				t.Errorf("%s: class kill", s.Name)
			}
		}
	})
}

// TestTimedWaits states where each waiting syscall takes its timeout
// (poll(2), select(2), epoll_wait(2)); the supervisor's handlers decode the
// same arguments.
func TestTimedWaits(t *testing.T) {
	want := map[string]Timeout{
		"poll":         {Arg: 2},
		"ppoll":        {Arg: 2, Pointer: true},
		"select":       {Arg: 4, Pointer: true},
		"pselect6":     {Arg: 4, Pointer: true},
		"epoll_wait":   {Arg: 3},
		"epoll_pwait":  {Arg: 3},
		"epoll_pwait2": {Arg: 3, Pointer: true},
	}
	for _, s := range Table() {
		w, timed := want[s.Name]
		switch {
		case timed && s.Timeout == nil:
			t.Errorf("%s: no timeout, want %+v", s.Name, w)
		case timed && *s.Timeout != w:
			t.Errorf("%s: timeout %+v, want %+v", s.Name, *s.Timeout, w)
		case !timed && s.Timeout != nil:
			t.Errorf("%s: timeout %+v, but it is not one of the poll family", s.Name, *s.Timeout)
		}
	}
}

func TestWithVirtualTime(t *testing.T) {
	table := Table()
	virtual := WithVirtualTime(table)
	if len(virtual) != len(table) {
		t.Fatalf("WithVirtualTime has %d rows, the table %d", len(virtual), len(table))
	}
	for i, s := range table {
		v := virtual[i]
		if s.Timeout == nil {
			if v.Class != s.Class || v.Errno != s.Errno || !slices.Equal(v.ArgAllow, s.ArgAllow) {
				t.Errorf("%s changed without a timeout: %+v, was %+v", s.Name, v, s)
			}
			continue
		}
		if v.Class != Notify || !slices.Equal(v.ArgAllow, s.Timeout.Untimed()) {
			t.Errorf("%s: %v with conditions %+v, want notify with %+v", s.Name, v.Class, v.ArgAllow, s.Timeout.Untimed())
		}
	}
	if s, _ := Lookup(unix.SYS_POLL); s.Class != Allow {
		t.Errorf("WithVirtualTime changed the table: poll is now %v", s.Class)
	}
	if _, err := Build(virtual); err != nil {
		t.Errorf("the virtual-time table does not build: %v", err)
	}
}

func TestLookup(t *testing.T) {
	table := Table()
	t.Run("finds every row by its number", func(t *testing.T) {
		for _, s := range table {
			got, ok := Lookup(s.Nr)
			if !ok || got.Name != s.Name || got.Class != s.Class || got.Errno != s.Errno || !slices.Equal(got.ArgAllow, s.ArgAllow) {
				t.Errorf("Lookup(%d) = %+v, %v; want %+v", s.Nr, got, ok, s)
			}
		}
	})
	t.Run("finds nothing in the x86_64 hole, past the end or at the x32 bit", func(t *testing.T) {
		for _, nr := range []uint32{336, 400, 423, 468, 999, 0x40000000, 0xffffffff} {
			if got, ok := Lookup(nr); ok {
				t.Errorf("Lookup(%d) = %+v, want nothing", nr, got)
			}
		}
	})
	t.Run("returns a copy the caller may change", func(t *testing.T) {
		s, _ := Lookup(unix.SYS_CLONE)
		s.ArgAllow[0].Value = 0
		again, _ := Lookup(unix.SYS_CLONE)
		if again.ArgAllow[0].Value != ThreadClone {
			t.Errorf("changing a looked-up row changed the table: clone's condition is now %+v", again.ArgAllow[0])
		}
		p, _ := Lookup(unix.SYS_POLL)
		p.Timeout.Arg = 5
		if again, _ := Lookup(unix.SYS_POLL); again.Timeout.Arg != 2 {
			t.Errorf("changing a looked-up row changed the table: poll's timeout is now argument %d", again.Timeout.Arg)
		}
		tab := Table()
		tab[0].Class = Notify
		if s, _ := Lookup(0); s.Class != Allow {
			t.Errorf("changing Table's result changed the table: read is now %v", s.Class)
		}
	})
}

func TestHarmlessIoctl(t *testing.T) {
	tests := []struct {
		name string
		req  uint64
		want string
		ok   bool
	}{
		{name: "TCGETS is harmless", req: unix.TCGETS, want: "TCGETS", ok: true},
		{name: "the kernel ignores the upper half", req: 0xdead_0000_0000 | unix.TIOCGWINSZ, want: "TIOCGWINSZ", ok: true},
		{name: "TIOCSTI is not", req: unix.TIOCSTI},
		{name: "TIOCCONS is not", req: unix.TIOCCONS},
		{name: "TIOCSTI with TCGETS's bits above is not", req: unix.TCGETS<<32 | unix.TIOCSTI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := HarmlessIoctl(tt.req)
			if got != tt.want || ok != tt.ok {
				t.Errorf("HarmlessIoctl(%#x) = %q, %v; want %q, %v", tt.req, got, ok, tt.want, tt.ok)
			}
		})
	}
}
