package policies

import "sort"

// Class groups operations for rules: a rule's `class` matches every
// operation of the class. The empty Class, in a Rule, matches any class.
type Class string

const (
	ClassFile    Class = "file"    // paths: open, stat, list, create, remove ...
	ClassNetwork Class = "network" // sockets and addresses
	ClassProcess Class = "process" // exec, fork, threads, signals
	ClassTime    Class = "time"    // clocks, sleeps, timers
)

var classes = []string{string(ClassFile), string(ClassNetwork), string(ClassProcess), string(ClassTime)}

// Operation kinds: the supervisor describes every intercepted syscall as
// one of these in Op.Kind, and rules can name them in `operations`.
const (
	KindOpen     = "open"     // open, openat, openat2, creat
	KindStat     = "stat"     // stat family, statx, access, statfs
	KindReadlink = "readlink" // readlink, readlinkat
	KindList     = "list"     // getdents64
	KindCwd      = "cwd"      // chdir, fchdir, getcwd
	KindMkdir    = "mkdir"    // mkdir, mkdirat
	KindRemove   = "remove"   // unlink, unlinkat, rmdir
	KindRename   = "rename"   // rename family (asked once per path)
	KindLink     = "link"     // link, linkat (asked once per path)
	KindSymlink  = "symlink"  // symlink, symlinkat (Path is the new link)
	KindChmod    = "chmod"    // chmod, fchmodat
	KindChown    = "chown"    // chown family
	KindTruncate = "truncate" // truncate
	KindUtimes   = "utimes"   // utime, utimes, utimensat
	KindXattr    = "xattr"    // *xattr
	KindMknod    = "mknod"    // mknod, mknodat
	KindIoctl    = "ioctl"    // ioctl
	KindSocket   = "socket"   // socket
	KindConnect  = "connect"  // connect
	KindBind     = "bind"     // bind
	KindListen   = "listen"   // listen
	KindAccept   = "accept"   // accept, accept4
	KindSend     = "send"     // sendto, sendmsg, sendmmsg with an address
	KindExec     = "exec"     // execve, execveat after the first exec
	KindFork     = "fork"     // fork, vfork, clone of a new process
	KindThread   = "thread"   // clone with CLONE_THREAD
	KindSignal   = "signal"   // kill, tkill, tgkill, pidfd_send_signal
	KindPrctl    = "prctl"    // prctl
	KindClock    = "clock"    // clock_gettime, gettimeofday, time, clock_getres
	KindSleep    = "sleep"    // nanosleep, clock_nanosleep
	KindTimer    = "timer"    // timer_create and the timer_* calls
)

// kindClass is the class of every operation kind.
var kindClass = map[string]Class{
	KindOpen: ClassFile, KindStat: ClassFile, KindReadlink: ClassFile,
	KindList: ClassFile, KindCwd: ClassFile, KindMkdir: ClassFile,
	KindRemove: ClassFile, KindRename: ClassFile, KindLink: ClassFile,
	KindSymlink: ClassFile, KindChmod: ClassFile, KindChown: ClassFile,
	KindTruncate: ClassFile, KindUtimes: ClassFile, KindXattr: ClassFile,
	KindMknod: ClassFile, KindIoctl: ClassFile,
	KindSocket: ClassNetwork, KindConnect: ClassNetwork, KindBind: ClassNetwork,
	KindListen: ClassNetwork, KindAccept: ClassNetwork, KindSend: ClassNetwork,
	KindExec: ClassProcess, KindFork: ClassProcess, KindThread: ClassProcess,
	KindSignal: ClassProcess, KindPrctl: ClassProcess,
	KindClock: ClassTime, KindSleep: ClassTime, KindTimer: ClassTime,
}

// syscallKinds lists the syscalls (x86_64 names) the supervisor may ask
// the policy about, by their default kind. Rules' `syscalls` are checked
// against it. The supervisor's syscall table is the authority on which
// syscalls are intercepted; its test should check that every name it
// notifies is listed here (see SyscallKind).
var syscallKinds = []struct {
	kind     string
	syscalls []string
}{
	{KindOpen, []string{"open", "openat", "openat2", "creat"}},
	{KindStat, []string{"stat", "lstat", "fstat", "newfstatat", "statx", "access", "faccessat", "faccessat2", "statfs"}},
	{KindReadlink, []string{"readlink", "readlinkat"}},
	{KindList, []string{"getdents64"}},
	{KindCwd, []string{"chdir", "fchdir", "getcwd"}},
	{KindMkdir, []string{"mkdir", "mkdirat"}},
	{KindRemove, []string{"unlink", "unlinkat", "rmdir"}},
	{KindRename, []string{"rename", "renameat", "renameat2"}},
	{KindLink, []string{"link", "linkat"}},
	{KindSymlink, []string{"symlink", "symlinkat"}},
	{KindChmod, []string{"chmod", "fchmod", "fchmodat", "fchmodat2"}},
	{KindChown, []string{"chown", "lchown", "fchown", "fchownat"}},
	{KindTruncate, []string{"truncate"}},
	{KindUtimes, []string{"utime", "utimes", "utimensat", "futimesat"}},
	{KindXattr, []string{"getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr",
		"listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr"}},
	{KindMknod, []string{"mknod", "mknodat"}},
	{KindIoctl, []string{"ioctl"}},
	{KindSocket, []string{"socket"}},
	{KindConnect, []string{"connect"}},
	{KindBind, []string{"bind"}},
	{KindListen, []string{"listen"}},
	{KindAccept, []string{"accept", "accept4"}},
	{KindSend, []string{"sendto", "sendmsg", "sendmmsg"}},
	{KindExec, []string{"execve", "execveat"}},
	{KindFork, []string{"fork", "vfork", "clone"}}, // clone with CLONE_THREAD is asked as KindThread
	{KindSignal, []string{"kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open", "pidfd_send_signal"}},
	{KindPrctl, []string{"prctl"}},
	{KindClock, []string{"clock_gettime", "clock_getres", "gettimeofday", "time"}},
	{KindSleep, []string{"nanosleep", "clock_nanosleep"}},
	{KindTimer, []string{"timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete"}},
}

// syscallKind maps a syscall name to its default kind.
var syscallKind = func() map[string]string {
	m := map[string]string{}
	for _, k := range syscallKinds {
		for _, name := range k.syscalls {
			m[name] = k.kind
		}
	}
	return m
}()

// kernelDenied are syscalls the seccomp filter refuses in the kernel; a
// rule naming one could never match, so the policy says so.
var kernelDenied = map[string]bool{
	"ptrace": true, "process_vm_readv": true, "process_vm_writev": true,
	"io_uring_setup": true, "io_uring_enter": true, "io_uring_register": true,
	"bpf": true, "perf_event_open": true, "keyctl": true, "add_key": true, "request_key": true,
	"mount": true, "umount2": true, "pivot_root": true, "chroot": true,
	"unshare": true, "setns": true, "open_by_handle_at": true, "name_to_handle_at": true,
	"userfaultfd": true, "kexec_load": true, "kexec_file_load": true, "getdents": true,
	"init_module": true, "finit_module": true, "delete_module": true, "clone3": true,
}

// kernelAllowed are syscalls the filter lets through in the kernel
// because they only use what the guest already holds; a rule naming one
// could never match either. The list is not exhaustive: it holds the
// names a policy author is likely to try.
var kernelAllowed = map[string]bool{
	"read": true, "write": true, "pread64": true, "pwrite64": true, "readv": true, "writev": true,
	"lseek": true, "munmap": true, "mprotect": true, "madvise": true, "fstatfs": true,
	"socketpair": true, "alarm": true, "setitimer": true, "getitimer": true, "brk": true, "futex": true, "close": true, "dup": true, "dup2": true, "dup3": true,
	"pipe": true, "pipe2": true, "poll": true, "ppoll": true, "select": true, "pselect6": true,
	"epoll_create1": true, "epoll_ctl": true, "epoll_wait": true, "epoll_pwait": true,
	"rt_sigaction": true, "rt_sigprocmask": true, "rt_sigreturn": true, "sigaltstack": true,
	"exit": true, "exit_group": true, "getpid": true, "gettid": true, "getppid": true,
	"sched_yield": true, "fcntl": true, "getrandom": true, "recvfrom": true, "recvmsg": true,
}

// SyscallKind returns the default operation kind of a syscall a rule may
// name, and whether the name is known.
func SyscallKind(name string) (string, bool) {
	k, ok := syscallKind[name]
	return k, ok
}

// KindClass returns the class of an operation kind, or "" for an unknown
// kind.
func KindClass(kind string) Class { return kindClass[kind] }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var kindNames = sortedKeys(kindClass)
var syscallNames = sortedKeys(syscallKind)
