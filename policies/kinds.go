package policies

import "sort"

// Class groups operations for rules: a rule's `class` matches every
// operation of the class.
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
	KindSocket   = "socket"   // socket, socketpair
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
	KindTimer    = "timer"    // alarm, setitimer, timer_create
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

// syscallKind maps the name of every syscall the supervisor may be asked
// about (x86_64 names) to its default kind. Rules' `syscalls` are checked
// against it. The supervisor's syscall table is the authority on which
// syscalls are intercepted; its test should check that every name it
// notifies is listed here (see SyscallKind).
var syscallKind = map[string]string{
	"open": KindOpen, "openat": KindOpen, "openat2": KindOpen, "creat": KindOpen,
	"stat": KindStat, "lstat": KindStat, "newfstatat": KindStat, "statx": KindStat,
	"access": KindStat, "faccessat": KindStat, "faccessat2": KindStat,
	"statfs": KindStat, "fstatfs": KindStat,
	"readlink": KindReadlink, "readlinkat": KindReadlink,
	"getdents": KindList, "getdents64": KindList,
	"chdir": KindCwd, "fchdir": KindCwd, "getcwd": KindCwd,
	"mkdir": KindMkdir, "mkdirat": KindMkdir,
	"unlink": KindRemove, "unlinkat": KindRemove, "rmdir": KindRemove,
	"rename": KindRename, "renameat": KindRename, "renameat2": KindRename,
	"link": KindLink, "linkat": KindLink,
	"symlink": KindSymlink, "symlinkat": KindSymlink,
	"chmod": KindChmod, "fchmod": KindChmod, "fchmodat": KindChmod, "fchmodat2": KindChmod,
	"chown": KindChown, "lchown": KindChown, "fchown": KindChown, "fchownat": KindChown,
	"truncate": KindTruncate,
	"utime": KindUtimes, "utimes": KindUtimes, "utimensat": KindUtimes, "futimesat": KindUtimes,
	"getxattr": KindXattr, "lgetxattr": KindXattr, "setxattr": KindXattr, "lsetxattr": KindXattr,
	"listxattr": KindXattr, "llistxattr": KindXattr, "removexattr": KindXattr, "lremovexattr": KindXattr,
	"mknod": KindMknod, "mknodat": KindMknod,
	"ioctl": KindIoctl,
	"socket": KindSocket, "socketpair": KindSocket,
	"connect": KindConnect, "bind": KindBind, "listen": KindListen,
	"accept": KindAccept, "accept4": KindAccept,
	"sendto": KindSend, "sendmsg": KindSend, "sendmmsg": KindSend,
	"execve": KindExec, "execveat": KindExec,
	"fork": KindFork, "vfork": KindFork, "clone": KindFork,
	"kill": KindSignal, "tkill": KindSignal, "tgkill": KindSignal,
	"rt_sigqueueinfo": KindSignal, "rt_tgsigqueueinfo": KindSignal,
	"pidfd_open": KindSignal, "pidfd_send_signal": KindSignal,
	"prctl": KindPrctl,
	"clock_gettime": KindClock, "clock_getres": KindClock, "gettimeofday": KindClock, "time": KindClock,
	"nanosleep": KindSleep, "clock_nanosleep": KindSleep,
	"alarm": KindTimer, "setitimer": KindTimer, "getitimer": KindTimer, "timer_create": KindTimer,
}

// kernelDenied are syscalls the seccomp filter refuses in the kernel; a
// rule naming one could never match, so the policy says so.
var kernelDenied = map[string]bool{
	"ptrace": true, "process_vm_readv": true, "process_vm_writev": true,
	"io_uring_setup": true, "io_uring_enter": true, "io_uring_register": true,
	"bpf": true, "perf_event_open": true, "keyctl": true, "add_key": true, "request_key": true,
	"mount": true, "umount2": true, "pivot_root": true, "chroot": true,
	"unshare": true, "setns": true, "open_by_handle_at": true, "name_to_handle_at": true,
	"userfaultfd": true, "kexec_load": true, "kexec_file_load": true,
	"init_module": true, "finit_module": true, "delete_module": true, "clone3": true,
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
