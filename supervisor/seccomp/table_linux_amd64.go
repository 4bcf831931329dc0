package seccomp

import "golang.org/x/sys/unix"

// Argument values the conditional rows test (linux/sched.h, linux/prctl.h).
const (
	// MmapNotifyThreshold is the mapping size from which mmap and mremap
	// reach the supervisor.
	MmapNotifyThreshold = 16 << 20

	cloneThread = 0x10000 // CLONE_THREAD

	// ThreadClone is what a thread shares with its creator: memory, signal
	// handlers, the fd table and the filesystem context (cwd, umask).
	// pthread_create and the Go runtime ask for exactly these, besides the
	// bits ThreadCloneMask leaves free (TLS, tid pointers, SysV undo).
	ThreadClone = cloneThread | unix.CLONE_VM | unix.CLONE_SIGHAND | unix.CLONE_FILES | unix.CLONE_FS
	// ThreadCloneMask are the clone flags the filter looks at for a thread:
	// ThreadClone's, which must all be set, and those that must all be
	// clear (new namespaces, another parent, tracing). A thread with its
	// own fd table would let a check on the process's table be acted on in
	// another one; the rest is the supervisor's to refuse.
	ThreadCloneMask = ThreadClone | CloneNamespaces | unix.CLONE_PARENT | unix.CLONE_UNTRACED | unix.CLONE_PTRACE | unix.CLONE_VFORK
	// CloneNamespaces are the CLONE_NEW* flags clone(2) takes (CLONE_NEWTIME
	// overlaps the exit signal there and exists only for clone3 and unshare).
	CloneNamespaces = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
		unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET

	prSetPdeathsig = 1  // PR_SET_PDEATHSIG: a process asks for its own parent-death signal
	fSetown        = 8  // F_SETOWN
	fGetown        = 9  // F_GETOWN
	fSetsig        = 10 // F_SETSIG
	fGetsig        = 11 // F_GETSIG
	fSetownEx      = 15 // F_SETOWN_EX

	prGetPdeathsig  = 2          // PR_GET_PDEATHSIG
	prGetDumpable   = 3          // PR_GET_DUMPABLE
	prSetName       = 15         // PR_SET_NAME
	prGetName       = 16         // PR_GET_NAME
	prGetSeccomp    = 21         // PR_GET_SECCOMP
	prCapbsetRead   = 23         // PR_CAPBSET_READ
	prGetNoNewPrivs = 39         // PR_GET_NO_NEW_PRIVS
	prSetVMA        = 0x53564d41 // PR_SET_VMA: glibc names its anonymous mappings
)

// rows is the x86_64 table: every number elastic's arch.X86_64 knows, in
// order, each with its class. The numbers 336–423 are not used on x86_64
// (387–423 are the 32-bit architectures' time64 calls); they and anything
// newer than the last row reach the filter's default action, user
// notification, and the supervisor logs and denies them.
//
// Classes follow the design's four-way split:
//   - Allow: compute and I/O on fds the guest already holds.
//   - Notify: anything that names a path, an address, a clock or another
//     process, and anything not argued to be harmless (deny by default).
//   - Errno: calls never useful to a guest, refused in the kernel.
//   - Kill: no row; wrong ABIs are killed by the filter's prologue.
//
// The poll family carries a Timeout: it is on the fast path, but a run
// with a virtual clock sends its timed waits to the supervisor
// (WithVirtualTime).
var rows = []Syscall{
	{Nr: 0, Name: "read", Class: Allow},
	{Nr: 1, Name: "write", Class: Allow},
	{Nr: 2, Name: "open", Class: Notify},
	{Nr: 3, Name: "close", Class: Allow},
	{Nr: 4, Name: "stat", Class: Notify},
	// fstat is not an fd fast path: the supervisor answers stat for the
	// files it injected (their host identity is not the guest's business),
	// and glibc issues newfstatat(fd, "", AT_EMPTY_PATH) for it anyway.
	{Nr: 5, Name: "fstat", Class: Notify},
	{Nr: 6, Name: "lstat", Class: Notify},
	{Nr: 7, Name: "poll", Class: Allow, Timeout: &Timeout{Arg: 2}},
	{Nr: 8, Name: "lseek", Class: Allow},
	// Mappings of 16 MiB and more go to the supervisor, which ends the run
	// at the memory budget instead of letting RLIMIT_AS turn it into a
	// MemoryError the guest may swallow. Smaller ones stay on the fast path.
	{Nr: 9, Name: "mmap", Class: Notify, ArgAllow: []ArgCond{
		{Arg: 1, Op: OpLess, Value: MmapNotifyThreshold},
	}},
	{Nr: 10, Name: "mprotect", Class: Allow},
	{Nr: 11, Name: "munmap", Class: Allow},
	{Nr: 12, Name: "brk", Class: Allow},
	{Nr: 13, Name: "rt_sigaction", Class: Allow},
	{Nr: 14, Name: "rt_sigprocmask", Class: Allow},
	{Nr: 15, Name: "rt_sigreturn", Class: Allow},
	// Harmless requests (ioctl.go) stay in the kernel; the rest reach the
	// supervisor, which refuses them.
	{Nr: 16, Name: "ioctl", Class: Notify, ArgAllow: harmlessIoctlConds()},
	{Nr: 17, Name: "pread64", Class: Allow},
	{Nr: 18, Name: "pwrite64", Class: Allow},
	{Nr: 19, Name: "readv", Class: Allow},
	{Nr: 20, Name: "writev", Class: Allow},
	{Nr: 21, Name: "access", Class: Notify},
	{Nr: 22, Name: "pipe", Class: Allow},
	{Nr: 23, Name: "select", Class: Allow, Timeout: &Timeout{Arg: 4, Pointer: true}},
	{Nr: 24, Name: "sched_yield", Class: Allow},
	{Nr: 25, Name: "mremap", Class: Notify, ArgAllow: []ArgCond{
		{Arg: 2, Op: OpLess, Value: MmapNotifyThreshold},
	}},
	{Nr: 26, Name: "msync", Class: Allow},
	{Nr: 27, Name: "mincore", Class: Allow},
	{Nr: 28, Name: "madvise", Class: Allow},
	// SysV IPC: the guest has its own IPC namespace, so these only ever
	// see the guest's own objects.
	// SysV IPC and memfds hold host memory that neither RLIMIT_AS nor the
	// supervisor's resident-size check sees: refused (POSIX shared memory
	// lives in the /dev/shm scratch, whose quota counts it).
	{Nr: 29, Name: "shmget", Class: Errno, Errno: unix.EPERM},
	{Nr: 30, Name: "shmat", Class: Errno, Errno: unix.EPERM},
	{Nr: 31, Name: "shmctl", Class: Errno, Errno: unix.EPERM},
	{Nr: 32, Name: "dup", Class: Allow},
	{Nr: 33, Name: "dup2", Class: Allow},
	{Nr: 34, Name: "pause", Class: Allow},
	{Nr: 35, Name: "nanosleep", Class: Notify}, // a clock: virtual time fast-forwards sleeps
	{Nr: 36, Name: "getitimer", Class: Allow},
	{Nr: 37, Name: "alarm", Class: Allow},
	{Nr: 38, Name: "setitimer", Class: Allow},
	{Nr: 39, Name: "getpid", Class: Allow},
	{Nr: 40, Name: "sendfile", Class: Allow},
	{Nr: 41, Name: "socket", Class: Notify},
	{Nr: 42, Name: "connect", Class: Notify},
	{Nr: 43, Name: "accept", Class: Notify},
	{Nr: 44, Name: "sendto", Class: Notify},
	{Nr: 45, Name: "recvfrom", Class: Allow},
	{Nr: 46, Name: "sendmsg", Class: Notify},
	{Nr: 47, Name: "recvmsg", Class: Allow},
	{Nr: 48, Name: "shutdown", Class: Allow},
	{Nr: 49, Name: "bind", Class: Notify},
	{Nr: 50, Name: "listen", Class: Notify},
	{Nr: 51, Name: "getsockname", Class: Allow},
	{Nr: 52, Name: "getpeername", Class: Allow},
	{Nr: 53, Name: "socketpair", Class: Allow},
	{Nr: 54, Name: "setsockopt", Class: Allow},
	{Nr: 55, Name: "getsockopt", Class: Allow},
	// clone: a thread that shares the guest's memory, fd table and
	// filesystem context, and asks for nothing else of note, is on the fast
	// path; anything else (a new process, a thread with a table of its own,
	// new namespaces, CLONE_PARENT) is the supervisor's to refuse or count.
	// The kernel reads clone's flags from the register only (the upper half
	// is ignored), so the decision cannot be raced.
	{Nr: 56, Name: "clone", Class: Notify, ArgAllow: []ArgCond{
		{Arg: 0, Op: OpMaskedEqual, Mask: ThreadCloneMask, Value: ThreadClone},
	}},
	{Nr: 57, Name: "fork", Class: Notify},
	{Nr: 58, Name: "vfork", Class: Notify},
	{Nr: 59, Name: "execve", Class: Notify},
	{Nr: 60, Name: "exit", Class: Allow},
	{Nr: 61, Name: "wait4", Class: Allow},
	{Nr: 62, Name: "kill", Class: Notify},
	{Nr: 63, Name: "uname", Class: Allow}, // the guest's own UTS namespace
	{Nr: 64, Name: "semget", Class: Errno, Errno: unix.EPERM},
	{Nr: 65, Name: "semop", Class: Errno, Errno: unix.EPERM},
	{Nr: 66, Name: "semctl", Class: Errno, Errno: unix.EPERM},
	{Nr: 67, Name: "shmdt", Class: Errno, Errno: unix.EPERM},
	{Nr: 68, Name: "msgget", Class: Errno, Errno: unix.EPERM},
	{Nr: 69, Name: "msgsnd", Class: Errno, Errno: unix.EPERM},
	{Nr: 70, Name: "msgrcv", Class: Errno, Errno: unix.EPERM},
	{Nr: 71, Name: "msgctl", Class: Errno, Errno: unix.EPERM},
	// fcntl: every command but those that name a signal's recipient (a
	// file's owner: F_SETOWN, F_SETOWN_EX, which the kernel then signals
	// on I/O without asking anyone) is on the fast path. The command is an
	// unsigned int (the upper half of the register is ignored); garbage
	// there only sends the call to the supervisor.
	{Nr: 72, Name: "fcntl", Class: Notify, ArgAllow: []ArgCond{
		{Arg: 1, Op: OpLess, Value: fSetown}, // F_DUPFD .. F_SETLKW
		{Arg: 1, Op: OpEqual, Value: fGetown},
		{Arg: 1, Op: OpEqual, Value: fSetsig},
		{Arg: 1, Op: OpEqual, Value: fGetsig},
		// The ranges are masked so that a command's upper half must be zero.
		{Arg: 1, Op: OpMaskedEqual, Mask: ^uint64(1), Value: 16},     // F_GETOWN_EX, F_GETOWNER_UIDS
		{Arg: 1, Op: OpMaskedEqual, Mask: ^uint64(3), Value: 36},     // F_OFD_GETLK .. F_OFD_SETLKW
		{Arg: 1, Op: OpMaskedEqual, Mask: ^uint64(0xf), Value: 1024}, // F_SETLEASE .. F_SET_FILE_RW_HINT, F_DUPFD_CLOEXEC, pipe sizes, seals
	}},
	{Nr: 73, Name: "flock", Class: Allow},
	{Nr: 74, Name: "fsync", Class: Allow},
	{Nr: 75, Name: "fdatasync", Class: Allow},
	{Nr: 76, Name: "truncate", Class: Notify},
	{Nr: 77, Name: "ftruncate", Class: Allow},
	// Legacy getdents: glibc uses getdents64 only, which the supervisor
	// answers; ENOSYS keeps directory listings on that one audited path.
	{Nr: 78, Name: "getdents", Class: Errno, Errno: unix.ENOSYS},
	{Nr: 79, Name: "getcwd", Class: Notify},
	{Nr: 80, Name: "chdir", Class: Notify},
	{Nr: 81, Name: "fchdir", Class: Notify},
	{Nr: 82, Name: "rename", Class: Notify},
	{Nr: 83, Name: "mkdir", Class: Notify},
	{Nr: 84, Name: "rmdir", Class: Notify},
	{Nr: 85, Name: "creat", Class: Notify},
	{Nr: 86, Name: "link", Class: Notify},
	{Nr: 87, Name: "unlink", Class: Notify},
	{Nr: 88, Name: "symlink", Class: Notify},
	{Nr: 89, Name: "readlink", Class: Notify},
	{Nr: 90, Name: "chmod", Class: Notify},
	{Nr: 91, Name: "fchmod", Class: Notify},
	{Nr: 92, Name: "chown", Class: Notify},
	{Nr: 93, Name: "fchown", Class: Notify},
	{Nr: 94, Name: "lchown", Class: Notify},
	{Nr: 95, Name: "umask", Class: Notify}, // the supervisor creates the guest's files
	{Nr: 96, Name: "gettimeofday", Class: Notify},
	{Nr: 97, Name: "getrlimit", Class: Allow},
	{Nr: 98, Name: "getrusage", Class: Allow},
	{Nr: 99, Name: "sysinfo", Class: Allow},
	{Nr: 100, Name: "times", Class: Allow},
	{Nr: 101, Name: "ptrace", Class: Errno, Errno: unix.EPERM},
	{Nr: 102, Name: "getuid", Class: Allow},
	{Nr: 103, Name: "syslog", Class: Notify},
	{Nr: 104, Name: "getgid", Class: Allow},
	{Nr: 105, Name: "setuid", Class: Notify},
	{Nr: 106, Name: "setgid", Class: Notify},
	{Nr: 107, Name: "geteuid", Class: Allow},
	{Nr: 108, Name: "getegid", Class: Allow},
	{Nr: 109, Name: "setpgid", Class: Notify},
	{Nr: 110, Name: "getppid", Class: Allow},
	{Nr: 111, Name: "getpgrp", Class: Allow},
	{Nr: 112, Name: "setsid", Class: Notify},
	{Nr: 113, Name: "setreuid", Class: Notify},
	{Nr: 114, Name: "setregid", Class: Notify},
	{Nr: 115, Name: "getgroups", Class: Allow},
	{Nr: 116, Name: "setgroups", Class: Notify},
	{Nr: 117, Name: "setresuid", Class: Notify},
	{Nr: 118, Name: "getresuid", Class: Allow},
	{Nr: 119, Name: "setresgid", Class: Notify},
	{Nr: 120, Name: "getresgid", Class: Allow},
	{Nr: 121, Name: "getpgid", Class: Allow},
	{Nr: 122, Name: "setfsuid", Class: Notify},
	{Nr: 123, Name: "setfsgid", Class: Notify},
	{Nr: 124, Name: "getsid", Class: Allow},
	{Nr: 125, Name: "capget", Class: Allow},
	{Nr: 126, Name: "capset", Class: Notify},
	{Nr: 127, Name: "rt_sigpending", Class: Allow},
	{Nr: 128, Name: "rt_sigtimedwait", Class: Allow},
	{Nr: 129, Name: "rt_sigqueueinfo", Class: Notify},
	{Nr: 130, Name: "rt_sigsuspend", Class: Allow},
	{Nr: 131, Name: "sigaltstack", Class: Allow},
	{Nr: 132, Name: "utime", Class: Notify},
	{Nr: 133, Name: "mknod", Class: Notify},
	{Nr: 134, Name: "uselib", Class: Errno, Errno: unix.EPERM},
	{Nr: 135, Name: "personality", Class: Errno, Errno: unix.EPERM}, // e.g. ADDR_NO_RANDOMIZE turns off ASLR
	{Nr: 136, Name: "ustat", Class: Errno, Errno: unix.EPERM},
	{Nr: 137, Name: "statfs", Class: Notify},
	{Nr: 138, Name: "fstatfs", Class: Allow},
	{Nr: 139, Name: "sysfs", Class: Errno, Errno: unix.EPERM},
	{Nr: 140, Name: "getpriority", Class: Allow},
	{Nr: 141, Name: "setpriority", Class: Notify},
	{Nr: 142, Name: "sched_setparam", Class: Notify},
	{Nr: 143, Name: "sched_getparam", Class: Allow},
	{Nr: 144, Name: "sched_setscheduler", Class: Notify},
	{Nr: 145, Name: "sched_getscheduler", Class: Allow},
	{Nr: 146, Name: "sched_get_priority_max", Class: Allow},
	{Nr: 147, Name: "sched_get_priority_min", Class: Allow},
	{Nr: 148, Name: "sched_rr_get_interval", Class: Notify},
	{Nr: 149, Name: "mlock", Class: Allow}, // bounded by RLIMIT_MEMLOCK
	{Nr: 150, Name: "munlock", Class: Allow},
	{Nr: 151, Name: "mlockall", Class: Allow},
	{Nr: 152, Name: "munlockall", Class: Allow},
	{Nr: 153, Name: "vhangup", Class: Errno, Errno: unix.EPERM},
	{Nr: 154, Name: "modify_ldt", Class: Errno, Errno: unix.EPERM},
	{Nr: 155, Name: "pivot_root", Class: Errno, Errno: unix.EPERM},
	{Nr: 156, Name: "_sysctl", Class: Errno, Errno: unix.EPERM},
	// prctl: a few harmless reads and names are fast; everything else
	// (PR_SET_SECCOMP, PR_SET_MM, PR_SET_PDEATHSIG, ...) is the
	// supervisor's to decide.
	{Nr: 157, Name: "prctl", Class: Notify, ArgAllow: []ArgCond{
		{Arg: 0, Op: OpEqual, Value: prSetName},
		{Arg: 0, Op: OpEqual, Value: prGetName},
		{Arg: 0, Op: OpEqual, Value: prGetDumpable},
		{Arg: 0, Op: OpEqual, Value: prSetVMA},
		{Arg: 0, Op: OpEqual, Value: prGetPdeathsig},
		{Arg: 0, Op: OpEqual, Value: prSetPdeathsig},
		{Arg: 0, Op: OpEqual, Value: prCapbsetRead},
		{Arg: 0, Op: OpEqual, Value: prGetNoNewPrivs},
		{Arg: 0, Op: OpEqual, Value: prGetSeccomp},
	}},
	{Nr: 158, Name: "arch_prctl", Class: Allow},
	{Nr: 159, Name: "adjtimex", Class: Errno, Errno: unix.EPERM},
	{Nr: 160, Name: "setrlimit", Class: Notify},
	{Nr: 161, Name: "chroot", Class: Errno, Errno: unix.EPERM},
	{Nr: 162, Name: "sync", Class: Notify}, // would flush every host filesystem
	{Nr: 163, Name: "acct", Class: Errno, Errno: unix.EPERM},
	{Nr: 164, Name: "settimeofday", Class: Notify},
	{Nr: 165, Name: "mount", Class: Errno, Errno: unix.EPERM},
	{Nr: 166, Name: "umount2", Class: Errno, Errno: unix.EPERM},
	{Nr: 167, Name: "swapon", Class: Errno, Errno: unix.EPERM},
	{Nr: 168, Name: "swapoff", Class: Errno, Errno: unix.EPERM},
	{Nr: 169, Name: "reboot", Class: Errno, Errno: unix.EPERM},
	{Nr: 170, Name: "sethostname", Class: Errno, Errno: unix.EPERM},
	{Nr: 171, Name: "setdomainname", Class: Errno, Errno: unix.EPERM},
	{Nr: 172, Name: "iopl", Class: Errno, Errno: unix.EPERM},
	{Nr: 173, Name: "ioperm", Class: Errno, Errno: unix.EPERM},
	{Nr: 174, Name: "create_module", Class: Errno, Errno: unix.EPERM},
	{Nr: 175, Name: "init_module", Class: Errno, Errno: unix.EPERM},
	{Nr: 176, Name: "delete_module", Class: Errno, Errno: unix.EPERM},
	{Nr: 177, Name: "get_kernel_syms", Class: Errno, Errno: unix.EPERM},
	{Nr: 178, Name: "query_module", Class: Errno, Errno: unix.EPERM},
	{Nr: 179, Name: "quotactl", Class: Errno, Errno: unix.EPERM},
	{Nr: 180, Name: "nfsservctl", Class: Errno, Errno: unix.EPERM},
	// 181–185 were never implemented on x86_64.
	{Nr: 181, Name: "getpmsg", Class: Errno, Errno: unix.EPERM},
	{Nr: 182, Name: "putpmsg", Class: Errno, Errno: unix.EPERM},
	{Nr: 183, Name: "afs_syscall", Class: Errno, Errno: unix.EPERM},
	{Nr: 184, Name: "tuxcall", Class: Errno, Errno: unix.EPERM},
	{Nr: 185, Name: "security", Class: Errno, Errno: unix.EPERM},
	{Nr: 186, Name: "gettid", Class: Allow},
	{Nr: 187, Name: "readahead", Class: Allow},
	{Nr: 188, Name: "setxattr", Class: Notify},
	{Nr: 189, Name: "lsetxattr", Class: Notify},
	{Nr: 190, Name: "fsetxattr", Class: Notify},
	{Nr: 191, Name: "getxattr", Class: Notify},
	{Nr: 192, Name: "lgetxattr", Class: Notify},
	{Nr: 193, Name: "fgetxattr", Class: Notify},
	{Nr: 194, Name: "listxattr", Class: Notify},
	{Nr: 195, Name: "llistxattr", Class: Notify},
	{Nr: 196, Name: "flistxattr", Class: Notify},
	{Nr: 197, Name: "removexattr", Class: Notify},
	{Nr: 198, Name: "lremovexattr", Class: Notify},
	{Nr: 199, Name: "fremovexattr", Class: Notify},
	{Nr: 200, Name: "tkill", Class: Notify},
	{Nr: 201, Name: "time", Class: Notify},
	{Nr: 202, Name: "futex", Class: Allow},
	{Nr: 203, Name: "sched_setaffinity", Class: Allow},
	{Nr: 204, Name: "sched_getaffinity", Class: Allow},
	{Nr: 205, Name: "set_thread_area", Class: Notify},
	// Legacy AIO: unused by CPython; io_uring, its successor, is EPERM.
	{Nr: 206, Name: "io_setup", Class: Notify},
	{Nr: 207, Name: "io_destroy", Class: Notify},
	{Nr: 208, Name: "io_getevents", Class: Notify},
	{Nr: 209, Name: "io_submit", Class: Notify},
	{Nr: 210, Name: "io_cancel", Class: Notify},
	{Nr: 211, Name: "get_thread_area", Class: Notify},
	{Nr: 212, Name: "lookup_dcookie", Class: Errno, Errno: unix.EPERM},
	{Nr: 213, Name: "epoll_create", Class: Allow},
	{Nr: 214, Name: "epoll_ctl_old", Class: Errno, Errno: unix.EPERM},  // never implemented
	{Nr: 215, Name: "epoll_wait_old", Class: Errno, Errno: unix.EPERM}, // never implemented
	{Nr: 216, Name: "remap_file_pages", Class: Notify},
	{Nr: 217, Name: "getdents64", Class: Notify},
	{Nr: 218, Name: "set_tid_address", Class: Allow},
	{Nr: 219, Name: "restart_syscall", Class: Allow},
	{Nr: 220, Name: "semtimedop", Class: Errno, Errno: unix.EPERM},
	{Nr: 221, Name: "fadvise64", Class: Allow},
	// POSIX timers name a clock, which the time policy owns.
	{Nr: 222, Name: "timer_create", Class: Notify},
	{Nr: 223, Name: "timer_settime", Class: Notify},
	{Nr: 224, Name: "timer_gettime", Class: Notify},
	{Nr: 225, Name: "timer_getoverrun", Class: Notify},
	{Nr: 226, Name: "timer_delete", Class: Notify},
	{Nr: 227, Name: "clock_settime", Class: Notify},
	{Nr: 228, Name: "clock_gettime", Class: Notify},
	{Nr: 229, Name: "clock_getres", Class: Notify},
	{Nr: 230, Name: "clock_nanosleep", Class: Notify},
	{Nr: 231, Name: "exit_group", Class: Allow},
	{Nr: 232, Name: "epoll_wait", Class: Allow, Timeout: &Timeout{Arg: 3}},
	{Nr: 233, Name: "epoll_ctl", Class: Allow},
	{Nr: 234, Name: "tgkill", Class: Notify},
	{Nr: 235, Name: "utimes", Class: Notify},
	{Nr: 236, Name: "vserver", Class: Errno, Errno: unix.EPERM}, // never implemented
	{Nr: 237, Name: "mbind", Class: Notify},
	{Nr: 238, Name: "set_mempolicy", Class: Allow},
	{Nr: 239, Name: "get_mempolicy", Class: Allow},
	// POSIX message queues live in a filesystem the guest has no business
	// mounting or naming; nothing in CPython needs them.
	{Nr: 240, Name: "mq_open", Class: Errno, Errno: unix.EPERM},
	{Nr: 241, Name: "mq_unlink", Class: Errno, Errno: unix.EPERM},
	{Nr: 242, Name: "mq_timedsend", Class: Errno, Errno: unix.EPERM},
	{Nr: 243, Name: "mq_timedreceive", Class: Errno, Errno: unix.EPERM},
	{Nr: 244, Name: "mq_notify", Class: Errno, Errno: unix.EPERM},
	{Nr: 245, Name: "mq_getsetattr", Class: Errno, Errno: unix.EPERM},
	{Nr: 246, Name: "kexec_load", Class: Errno, Errno: unix.EPERM},
	{Nr: 247, Name: "waitid", Class: Allow},
	{Nr: 248, Name: "add_key", Class: Errno, Errno: unix.EPERM},
	{Nr: 249, Name: "request_key", Class: Errno, Errno: unix.EPERM},
	{Nr: 250, Name: "keyctl", Class: Errno, Errno: unix.EPERM},
	{Nr: 251, Name: "ioprio_set", Class: Notify},
	{Nr: 252, Name: "ioprio_get", Class: Notify},
	{Nr: 253, Name: "inotify_init", Class: Notify},
	{Nr: 254, Name: "inotify_add_watch", Class: Notify},
	{Nr: 255, Name: "inotify_rm_watch", Class: Notify},
	{Nr: 256, Name: "migrate_pages", Class: Notify},
	{Nr: 257, Name: "openat", Class: Notify},
	{Nr: 258, Name: "mkdirat", Class: Notify},
	{Nr: 259, Name: "mknodat", Class: Notify},
	{Nr: 260, Name: "fchownat", Class: Notify},
	{Nr: 261, Name: "futimesat", Class: Notify},
	{Nr: 262, Name: "newfstatat", Class: Notify},
	{Nr: 263, Name: "unlinkat", Class: Notify},
	{Nr: 264, Name: "renameat", Class: Notify},
	{Nr: 265, Name: "linkat", Class: Notify},
	{Nr: 266, Name: "symlinkat", Class: Notify},
	{Nr: 267, Name: "readlinkat", Class: Notify},
	{Nr: 268, Name: "fchmodat", Class: Notify},
	{Nr: 269, Name: "faccessat", Class: Notify},
	{Nr: 270, Name: "pselect6", Class: Allow, Timeout: &Timeout{Arg: 4, Pointer: true}},
	{Nr: 271, Name: "ppoll", Class: Allow, Timeout: &Timeout{Arg: 2, Pointer: true}},
	{Nr: 272, Name: "unshare", Class: Errno, Errno: unix.EPERM},
	{Nr: 273, Name: "set_robust_list", Class: Allow},
	{Nr: 274, Name: "get_robust_list", Class: Allow},
	{Nr: 275, Name: "splice", Class: Allow},
	{Nr: 276, Name: "tee", Class: Allow},
	{Nr: 277, Name: "sync_file_range", Class: Allow},
	{Nr: 278, Name: "vmsplice", Class: Notify},
	{Nr: 279, Name: "move_pages", Class: Notify},
	{Nr: 280, Name: "utimensat", Class: Notify},
	{Nr: 281, Name: "epoll_pwait", Class: Allow, Timeout: &Timeout{Arg: 3}},
	{Nr: 282, Name: "signalfd", Class: Allow},
	{Nr: 283, Name: "timerfd_create", Class: Allow},
	{Nr: 284, Name: "eventfd", Class: Allow},
	{Nr: 285, Name: "fallocate", Class: Allow},
	{Nr: 286, Name: "timerfd_settime", Class: Allow},
	{Nr: 287, Name: "timerfd_gettime", Class: Allow},
	{Nr: 288, Name: "accept4", Class: Notify},
	{Nr: 289, Name: "signalfd4", Class: Allow},
	{Nr: 290, Name: "eventfd2", Class: Allow},
	{Nr: 291, Name: "epoll_create1", Class: Allow},
	{Nr: 292, Name: "dup3", Class: Allow},
	{Nr: 293, Name: "pipe2", Class: Allow},
	{Nr: 294, Name: "inotify_init1", Class: Notify},
	{Nr: 295, Name: "preadv", Class: Allow},
	{Nr: 296, Name: "pwritev", Class: Allow},
	{Nr: 297, Name: "rt_tgsigqueueinfo", Class: Notify},
	{Nr: 298, Name: "perf_event_open", Class: Errno, Errno: unix.EPERM},
	{Nr: 299, Name: "recvmmsg", Class: Allow},
	{Nr: 300, Name: "fanotify_init", Class: Notify},
	{Nr: 301, Name: "fanotify_mark", Class: Notify},
	// prlimit64 on itself (pid 0) is getrlimit/setrlimit: raising a hard
	// limit still needs CAP_SYS_RESOURCE in the initial namespace. On
	// another pid it is the supervisor's call.
	{Nr: 302, Name: "prlimit64", Class: Notify, ArgAllow: []ArgCond{
		{Arg: 0, Op: OpEqual, Value: 0},
	}},
	{Nr: 303, Name: "name_to_handle_at", Class: Errno, Errno: unix.EPERM},
	{Nr: 304, Name: "open_by_handle_at", Class: Errno, Errno: unix.EPERM},
	{Nr: 305, Name: "clock_adjtime", Class: Errno, Errno: unix.EPERM},
	{Nr: 306, Name: "syncfs", Class: Notify},
	{Nr: 307, Name: "sendmmsg", Class: Notify},
	{Nr: 308, Name: "setns", Class: Errno, Errno: unix.EPERM},
	{Nr: 309, Name: "getcpu", Class: Allow},
	{Nr: 310, Name: "process_vm_readv", Class: Errno, Errno: unix.EPERM},
	{Nr: 311, Name: "process_vm_writev", Class: Errno, Errno: unix.EPERM},
	{Nr: 312, Name: "kcmp", Class: Errno, Errno: unix.EPERM},
	{Nr: 313, Name: "finit_module", Class: Errno, Errno: unix.EPERM},
	{Nr: 314, Name: "sched_setattr", Class: Notify},
	{Nr: 315, Name: "sched_getattr", Class: Notify},
	{Nr: 316, Name: "renameat2", Class: Notify},
	// A nested filter could only restrict the guest further, but it could
	// also install a second listener; EPERM keeps gaol's the only one.
	{Nr: 317, Name: "seccomp", Class: Errno, Errno: unix.EPERM},
	{Nr: 318, Name: "getrandom", Class: Allow},
	{Nr: 319, Name: "memfd_create", Class: Errno, Errno: unix.EPERM},
	{Nr: 320, Name: "kexec_file_load", Class: Errno, Errno: unix.EPERM},
	{Nr: 321, Name: "bpf", Class: Errno, Errno: unix.EPERM},
	{Nr: 322, Name: "execveat", Class: Notify},
	{Nr: 323, Name: "userfaultfd", Class: Errno, Errno: unix.EPERM},
	{Nr: 324, Name: "membarrier", Class: Allow},
	{Nr: 325, Name: "mlock2", Class: Allow},
	{Nr: 326, Name: "copy_file_range", Class: Allow},
	{Nr: 327, Name: "preadv2", Class: Allow},
	{Nr: 328, Name: "pwritev2", Class: Allow},
	{Nr: 329, Name: "pkey_mprotect", Class: Notify},
	{Nr: 330, Name: "pkey_alloc", Class: Notify},
	{Nr: 331, Name: "pkey_free", Class: Notify},
	{Nr: 332, Name: "statx", Class: Notify},
	{Nr: 333, Name: "io_pgetevents", Class: Notify},
	{Nr: 334, Name: "rseq", Class: Allow},
	{Nr: 335, Name: "uretprobe", Class: Notify},
	{Nr: 424, Name: "pidfd_send_signal", Class: Notify},
	{Nr: 425, Name: "io_uring_setup", Class: Errno, Errno: unix.EPERM},
	{Nr: 426, Name: "io_uring_enter", Class: Errno, Errno: unix.EPERM},
	{Nr: 427, Name: "io_uring_register", Class: Errno, Errno: unix.EPERM},
	{Nr: 428, Name: "open_tree", Class: Errno, Errno: unix.EPERM},
	{Nr: 429, Name: "move_mount", Class: Errno, Errno: unix.EPERM},
	{Nr: 430, Name: "fsopen", Class: Errno, Errno: unix.EPERM},
	{Nr: 431, Name: "fsconfig", Class: Errno, Errno: unix.EPERM},
	{Nr: 432, Name: "fsmount", Class: Errno, Errno: unix.EPERM},
	{Nr: 433, Name: "fspick", Class: Errno, Errno: unix.EPERM},
	{Nr: 434, Name: "pidfd_open", Class: Notify},
	// clone3 passes its flags in memory, which a filter cannot read; ENOSYS
	// makes glibc fall back to clone, whose flags the filter can check.
	{Nr: 435, Name: "clone3", Class: Errno, Errno: unix.ENOSYS},
	{Nr: 436, Name: "close_range", Class: Allow},
	{Nr: 437, Name: "openat2", Class: Notify},
	{Nr: 438, Name: "pidfd_getfd", Class: Notify},
	{Nr: 439, Name: "faccessat2", Class: Notify},
	{Nr: 440, Name: "process_madvise", Class: Errno, Errno: unix.EPERM},
	{Nr: 441, Name: "epoll_pwait2", Class: Allow, Timeout: &Timeout{Arg: 3, Pointer: true}},
	{Nr: 442, Name: "mount_setattr", Class: Errno, Errno: unix.EPERM},
	{Nr: 443, Name: "quotactl_fd", Class: Errno, Errno: unix.EPERM},
	{Nr: 444, Name: "landlock_create_ruleset", Class: Errno, Errno: unix.EPERM},
	{Nr: 445, Name: "landlock_add_rule", Class: Errno, Errno: unix.EPERM},
	{Nr: 446, Name: "landlock_restrict_self", Class: Errno, Errno: unix.EPERM},
	{Nr: 447, Name: "memfd_secret", Class: Notify},
	{Nr: 448, Name: "process_mrelease", Class: Notify},
	{Nr: 449, Name: "futex_waitv", Class: Allow},
	{Nr: 450, Name: "set_mempolicy_home_node", Class: Notify},
	{Nr: 451, Name: "cachestat", Class: Notify},
	{Nr: 452, Name: "fchmodat2", Class: Notify},
	{Nr: 453, Name: "map_shadow_stack", Class: Notify},
	// futex2: the same in-memory waits as futex and futex_waitv.
	{Nr: 454, Name: "futex_wake", Class: Allow},
	{Nr: 455, Name: "futex_wait", Class: Allow},
	{Nr: 456, Name: "futex_requeue", Class: Allow},
	{Nr: 457, Name: "statmount", Class: Notify},
	{Nr: 458, Name: "listmount", Class: Notify},
	{Nr: 459, Name: "lsm_get_self_attr", Class: Notify},
	{Nr: 460, Name: "lsm_set_self_attr", Class: Notify},
	{Nr: 461, Name: "lsm_list_modules", Class: Notify},
	{Nr: 462, Name: "mseal", Class: Notify},
	{Nr: 463, Name: "setxattrat", Class: Notify},
	{Nr: 464, Name: "getxattrat", Class: Notify},
	{Nr: 465, Name: "listxattrat", Class: Notify},
	{Nr: 466, Name: "removexattrat", Class: Notify},
	{Nr: 467, Name: "open_tree_attr", Class: Errno, Errno: unix.EPERM},
}
