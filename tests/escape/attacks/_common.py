"""Helpers shared by the escape attacks. Not an attack itself.

Every attack prints one line per probe:

    ok: WHAT            the sandbox refused or contained the probe
    VIOLATION: WHAT     something the sandbox must refuse succeeded

and "DONE" when it has run to the end. The runner (../escape_test.go)
counts a VIOLATION line, a missing DONE where one is expected, and every
host-side change (canary read or written, listener reached, host process
signalled, process left behind) as an escape.

Arguments arrive as KEY=VALUE words (see ARGS). Nothing here may print a
secret: an attack prints what it managed to read, so that the runner finds
the secret in the output if the sandbox leaked it.
"""

import ctypes
import errno
import mmap
import os
import struct
import sys

ARGS = {}
for _a in sys.argv[1:]:
    _k, _sep, _v = _a.partition("=")
    if _sep:
        ARGS[_k] = _v


def arg(name, default=None):
    return ARGS.get(name, default)


CANARY = arg("canary", "/nonexistent/canary")       # host file holding a secret
CANARY_DIR = arg("canarydir", "/nonexistent")       # host dir whose listing must not change
CANARY_LINK = arg("canarylink", "/nonexistent/l")   # host symlink whose target is a secret
HOST_PID = int(arg("hostpid", "0") or 0)            # host process that must stay alive
TCP_PORT = int(arg("tcp", "0") or 0)                # host TCP listener on 127.0.0.1
UDP_PORT = int(arg("udp", "0") or 0)                # host UDP socket on 127.0.0.1
ABSTRACT = arg("abstract", "gaol-canary")           # host abstract unix listener (without the NUL)
UNIX_SOCK = arg("unixsock", "/nonexistent/sock")    # host filesystem unix listener

libc = ctypes.CDLL(None, use_errno=True)
_syscall = libc.syscall
_syscall.restype = ctypes.c_long

# x86_64 syscall numbers the attacks use.
NR = dict(
    read=0, write=1, open=2, close=3, stat=4, mmap=9, ioctl=16, access=21,
    sendto=44, sendmsg=46, connect=42, socket=41, bind=49, clone=56, fork=57,
    vfork=58, execve=59, kill=62, fcntl=72, truncate=76, getcwd=79, chdir=80,
    fchdir=81, rename=82, mkdir=83, rmdir=84, link=86, unlink=87, symlink=88,
    readlink=89, chmod=90, ptrace=101, syslog=103, setuid=105, setgid=106,
    capget=125, capset=126, rt_sigqueueinfo=129, personality=135, statfs=137,
    setpriority=141, sched_setscheduler=144, vhangup=153, pivot_root=155,
    prctl=157, arch_prctl=158, chroot=161, acct=163, mount=165, umount2=166,
    swapon=167, reboot=169, sethostname=170, iopl=172, ioperm=173,
    init_module=175, quotactl=179, gettid=186, getxattr=191, tkill=200,
    futex=202, sched_setaffinity=203, getdents64=217, clock_gettime=228,
    nanosleep=35, tgkill=234, mbind=237, kexec_load=246, add_key=248,
    request_key=249, keyctl=250, ioprio_set=251, migrate_pages=256,
    openat=257, mkdirat=258, newfstatat=262, unlinkat=263, renameat=264,
    linkat=265, symlinkat=266, readlinkat=267, fchmodat=268, faccessat=269,
    unshare=272, utimensat=280, rt_tgsigqueueinfo=297, perf_event_open=298,
    prlimit64=302, name_to_handle_at=303, open_by_handle_at=304, setns=308,
    process_vm_readv=310, process_vm_writev=311, kcmp=312, finit_module=313,
    renameat2=316, seccomp=317, memfd_create=319, kexec_file_load=320,
    bpf=321, execveat=322, userfaultfd=323, statx=332, pidfd_send_signal=424,
    io_uring_setup=425, io_uring_enter=426, io_uring_register=427,
    open_tree=428, move_mount=429, fsopen=430, fsconfig=431, fsmount=432,
    fspick=433, pidfd_open=434, clone3=435, openat2=437, pidfd_getfd=438,
    faccessat2=439, mount_setattr=442, landlock_create_ruleset=444,
    memfd_secret=447,
)

AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000


def _c(a):
    if isinstance(a, bool):
        return ctypes.c_long(int(a))
    if isinstance(a, int):
        return ctypes.c_long(a)
    if isinstance(a, str):
        return ctypes.c_char_p(a.encode())
    if isinstance(a, bytes):
        return ctypes.c_char_p(a)
    return a  # a ctypes object: buffers and structures pass by pointer


def sys_(nr, *args):
    """A raw syscall by number or name: (result, errno)."""
    if isinstance(nr, str):
        nr = NR[nr]
    ctypes.set_errno(0)
    r = _syscall(ctypes.c_long(nr), *[_c(a) for a in args])
    return r, ctypes.get_errno()


def ename(e):
    return errno.errorcode.get(e, str(e))


def say(kind, msg):
    print(f"{kind}: {msg}", flush=True)


def ok(msg):
    say("ok", msg)


def violation(msg):
    say("VIOLATION", msg)


def done():
    print("DONE", flush=True)


def peek_fd(fd, n=200):
    """What an fd the sandbox should not have given yields, for the report
    (and for the runner's secret scan)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        pass
    try:
        return repr(os.read(fd, n))
    except OSError as e:
        return "unreadable: " + ename(e.errno)


def refused(what, nr, *args, fd_result=False):
    """A raw syscall must fail. When it returns an fd, the fd is read and
    closed so that a leak shows in the output."""
    r, e = sys_(nr, *args)
    if r == -1:
        ok(f"{what}: {ename(e)}")
        return False
    extra = ""
    if fd_result and r >= 0:
        extra = " read " + peek_fd(r)
        os.close(r)
    violation(f"{what} succeeded (returned {r}){extra}")
    return True


def must_fail(what, fn, *a, fd=False, **kw):
    """A Python call must raise OSError (or ValueError, for an argument the
    interpreter itself refuses). With fd=True the call returns an fd,
    which is read and closed if the call succeeds."""
    try:
        res = fn(*a, **kw)
    except (OSError, ValueError) as e:
        why = ename(e.errno) if isinstance(e, OSError) and e.errno else type(e).__name__
        ok(f"{what}: {why}")
        return None
    if fd:
        desc = peek_fd(res)
        os.close(res)
        violation(f"{what} succeeded: {desc}")
    else:
        violation(f"{what} succeeded: {res!r:.200}")
    return res


def open_fails(what, path, flags=os.O_RDONLY, dir_fd=None):
    """open(2) of path must fail; if it does not, what it read is printed."""
    return must_fail(what, os.open, path, flags, dir_fd=dir_fd, fd=True)


def native(code):
    """Machine code in an executable anonymous mapping; returns the mapping
    (keep it alive) and its address. Executable memory is not a power the
    sandbox withholds: every syscall the code makes still meets the filter."""
    m = mmap.mmap(-1, max(4096, len(code)), prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    m.write(code)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
    return m, addr


def tiny_elf(message):
    """A static x86_64 ELF executable that writes message to stdout and
    exits 0: no loader, no libraries, so that an exec of it succeeds
    wherever an exec is possible at all."""
    msg = message.encode() + b"\n"
    base = 0x400000
    code_off = 64 + 56
    code = (b"\xb8\x01\x00\x00\x00"            # mov eax, 1 (write)
            b"\xbf\x01\x00\x00\x00"            # mov edi, 1
            b"\x48\x8d\x35\x10\x00\x00\x00"    # lea rsi, [rip+16]
            + b"\xba" + struct.pack("<I", len(msg)) +  # mov edx, len
            b"\x0f\x05"                        # syscall
            b"\xb8\x3c\x00\x00\x00"            # mov eax, 60 (exit)
            b"\x31\xff"                        # xor edi, edi
            b"\x0f\x05")                       # syscall
    body = code + msg
    size = code_off + len(body)
    ehdr = (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 +
            struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, base + code_off, 64, 0, 0, 64, 56, 1, 0, 0, 0))
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
    return ehdr + phdr + body


def marker(what):
    """The text a successfully exec'd or forked program prints; the runner
    looks for it in the output. Built at run time so that the attack's own
    source never contains it."""
    return "PW" + "NED " + what


_noted = set()


def note(msg):
    """A defect worth reporting that is not an escape; printed once."""
    if msg not in _noted:
        _noted.add(msg)
        say("NOTE", msg)


def stray_fd(fd, call):
    """Reports whether an fd a call returned is one the guest already held
    (0, 1 or 2): an interrupted SECCOMP_ADDFD_FLAG_SEND answers the guest's
    call with 0 while the file lands elsewhere (see design.md, "Facts
    measured"). That confuses the guest about its own fds but gives it no
    new access: a NOTE, not a VIOLATION. The fd is left open."""
    if 0 <= fd <= 2:
        note(f"{call} returned fd {fd}, which the guest already held: an interrupted ADDFD+SEND")
        return True
    return False
