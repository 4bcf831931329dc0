package supervisor

import (
	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
)

type handler func(*call) reply

// byName lists the handler of every syscall the filter sends to the
// supervisor. A Notify-class syscall without an entry is refused with
// ENOSYS and logged (a test keeps this list and the table in step).
var byName = map[string]handler{
	"open": sysOpen, "openat": sysOpenat, "openat2": sysOpenat2, "creat": sysCreat,
	"stat": sysStat, "lstat": sysLstat, "fstat": sysFstat, "newfstatat": sysNewfstatat, "statx": sysStatx,
	"access": sysAccess, "faccessat": sysFaccessat, "faccessat2": sysFaccessat2,
	"readlink": sysReadlink, "readlinkat": sysReadlinkat,
	"getdents64": sysGetdents64, "getcwd": sysGetcwd, "chdir": sysChdir, "fchdir": sysFchdir,
	"mkdir": sysMkdir, "mkdirat": sysMkdirat, "rmdir": sysRmdir, "unlink": sysUnlink, "unlinkat": sysUnlinkat,
	"rename": sysRename, "renameat": sysRenameat, "renameat2": sysRenameat2,
	"symlink": sysSymlink, "symlinkat": sysSymlinkat, "link": sysLink, "linkat": sysLinkat,
	"chmod": sysChmod, "fchmod": sysFchmod, "fchmodat": sysFchmodat, "fchmodat2": sysFchmodat2,
	"truncate": sysTruncate, "utimensat": sysUtimensat, "umask": sysUmask, "statfs": sysStatfs,
	"chown": sysChown, "fchown": sysFchown, "lchown": sysLchown, "fchownat": sysFchownat,
	"utime": denyPerm, "utimes": denyPerm, "futimesat": denyPerm, "mknod": sysMknod, "mknodat": sysMknodat,
	"setxattr": denyNotSup, "lsetxattr": denyNotSup, "fsetxattr": denyNotSup,
	"getxattr": denyNotSup, "lgetxattr": denyNotSup, "fgetxattr": denyNotSup,
	"listxattr": denyNotSup, "llistxattr": denyNotSup, "flistxattr": denyNotSup,
	"removexattr": denyNotSup, "lremovexattr": denyNotSup, "fremovexattr": denyNotSup,
	"inotify_init": denyNoSys, "inotify_init1": denyNoSys, "inotify_add_watch": denyNoSys, "fanotify_init": denyNoSys,

	"execve": sysExecve, "execveat": sysExecveat, "clone": sysClone, "fork": sysFork, "vfork": sysFork,
	"kill": sysKill, "tgkill": sysTgkill, "tkill": sysTkill,
	"setuid": sysSetuid, "setgid": sysSetgid, "setreuid": sysSetreuid, "setregid": sysSetregid,
	"setresuid": sysSetresuid, "setresgid": sysSetresgid, "setfsuid": sysSetfsuid, "setfsgid": sysSetfsgid,
	"prlimit64": sysPrlimit64, "setrlimit": sysSetrlimit, "prctl": sysPrctl, "setsid": sysSetsid, "mmap": sysMmap, "mremap": sysMremap,
	"ioctl": sysIoctl, "fcntl": sysFcntl,

	"socket": sysSocket, "connect": sysConnect, "bind": sysBind, "listen": sysListen,
	"accept": sysAccept, "accept4": sysAccept, "sendto": sysSendto, "sendmsg": sysSendmsg, "sendmmsg": denyNoSys,

	"clock_gettime": sysClockGettime, "clock_getres": sysTimeReal, "clock_nanosleep": sysClockNanosleep,
	"gettimeofday": sysGettimeofday, "time": sysTime, "nanosleep": sysNanosleep,
	"clock_settime": denyPerm, "settimeofday": denyPerm,
	// Timed waits reach the supervisor only with a virtual clock.
	"poll": sysPoll, "ppoll": sysPpoll, "select": sysSelect, "pselect6": sysPselect6,
	"epoll_wait": sysEpollWait, "epoll_pwait": sysEpollPwait, "epoll_pwait2": sysEpollPwait2,
}

// handlers is byName indexed by syscall number.
var handlers = func() []handler {
	table := seccomp.Table()
	out := make([]handler, 0)
	for _, sc := range table {
		h, ok := byName[sc.Name]
		if !ok {
			continue
		}
		for len(out) <= int(sc.Nr) {
			out = append(out, nil)
		}
		out[sc.Nr] = h
	}
	return out
}()
