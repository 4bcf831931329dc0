# Attack: reaching gaol's stub, the process 1 of the guest's PID namespace,
# under a policy that allows processes. (1) Clones that would put a process
# outside the sandbox's rules: a child that is process 1 of a new PID
# namespace (once trusted as the stub), new network, mount and user
# namespaces, CLONE_PARENT, tracing flags, a thread with an fd table or
# filesystem context of its own. (2) Signals to the stub by every route:
# kill/tkill/tgkill on process 1 and on each thread id below the guest's
# own, and file-owner signals (F_SETOWN to process 1, F_SETOWN_EX to each
# of those thread ids, F_SETSIG of fatal signals, O_ASYNC, then I/O), which
# the kernel delivers without asking gaol. The runner checks the run ends
# as the guest meant (DONE, exit 0) with the stub alive to report it.
import ctypes
import fcntl
import mmap
import os
import signal
import socket
import struct
import time

from _common import done, ename, ok, sys_, violation

CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND = 0x100, 0x200, 0x400, 0x800
CLONE_PTRACE, CLONE_VFORK, CLONE_PARENT, CLONE_THREAD = 0x2000, 0x4000, 0x8000, 0x10000
CLONE_NEWNS, CLONE_UNTRACED = 0x20000, 0x800000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
SIGCHLD = int(signal.SIGCHLD)

_code = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)


def raw_clone(flags):
    """clone(flags, stack 0) in machine code; the child, whatever it is,
    only calls exit(0), so it never returns into Python. Returns the
    parent's (result, errno)."""
    code = (b"\x48\xbf" + struct.pack("<Q", flags)  # mov rdi, flags
            + b"\x31\xf6\x31\xd2\x45\x31\xd2\x45\x31\xc0"  # rsi, rdx, r10, r8 = 0
            + b"\xb8\x38\x00\x00\x00\x0f\x05"  # mov eax, SYS_clone; syscall
            + b"\x48\x85\xc0\x75\x07"  # test rax, rax; jnz parent
            + b"\xb8\x3c\x00\x00\x00\x0f\x05"  # child: mov eax, SYS_exit; syscall
            + b"\xc3")  # parent: ret
    _code.seek(0)
    _code.write(code)
    fn = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(_code)))
    r = fn()
    return (r, 0) if r >= 0 else (-1, -r)


thread = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD
for what, flags in [
    ("a child in new user and PID namespaces (pid 1 of its own)", CLONE_NEWUSER | CLONE_NEWPID | SIGCHLD),
    ("a child in a new network namespace", CLONE_NEWNET | SIGCHLD),
    ("a child in a new mount namespace", CLONE_NEWNS | SIGCHLD),
    ("a child of the stub (CLONE_PARENT)", CLONE_PARENT | SIGCHLD),
    ("a traced child (CLONE_PTRACE)", CLONE_PTRACE | SIGCHLD),
    ("an untraceable child (CLONE_UNTRACED)", CLONE_UNTRACED | SIGCHLD),
    ("a child sharing the cwd (CLONE_FS)", CLONE_FS | SIGCHLD),
    ("a thread with an fd table of its own", thread | CLONE_FS),
    ("a thread with a cwd of its own", thread | CLONE_FILES),
    ("a thread in new user and PID namespaces", thread | CLONE_FS | CLONE_FILES | CLONE_NEWUSER | CLONE_NEWPID),
]:
    r, e = raw_clone(flags)
    if r > 0:
        violation(f"clone of {what} succeeded (pid {r})")
        if flags & CLONE_THREAD == 0:
            try:
                os.waitpid(r, 0)
            except ChildProcessError:
                pass
    else:
        ok(f"clone of {what}: {ename(e)}")

# A plain fork still works: the policy allows processes.
r, e = raw_clone(SIGCHLD)
if r > 0:
    os.waitpid(r, 0)
    ok("a plain child is allowed and reaped")
else:
    violation(f"a plain child under a policy allowing processes failed: {ename(e)}")

me = os.getpid()
stub_ids = range(1, me)  # the stub's threads are the namespace's first ids
fatal = [signal.SIGQUIT, signal.SIGSEGV, signal.SIGBUS, signal.SIGTERM, signal.SIGABRT, signal.SIGSYS, signal.SIGKILL, signal.SIGSTOP]
for sig in fatal:
    r, e = sys_("kill", 1, sig)
    (violation if r == 0 else ok)(f"kill(1, {sig.name}): {'delivered' if r == 0 else ename(e)}")
for tid in stub_ids:
    for sig in (signal.SIGQUIT, signal.SIGSEGV):
        r, e = sys_("tkill", tid, sig)
        if r == 0:
            violation(f"tkill({tid}, {sig.name}) reached a thread of the stub")
        r, e = sys_("tgkill", 1, tid, sig)
        if r == 0:
            violation(f"tgkill(1, {tid}, {sig.name}) reached a thread of the stub")
ok(f"kill/tkill/tgkill to the stub's ids 1..{me - 1}: refused")

# File-owner signals: the kernel sends them when I/O is possible, without a
# syscall gaol could refuse.
F_SETSIG, F_SETOWN_EX, F_OWNER_TID = 10, 15, 0
for sig in (signal.SIGQUIT, signal.SIGSEGV, signal.SIGTERM, signal.SIGABRT, signal.SIGBUS):
    owners = [("F_SETOWN", 1)] + [("F_SETOWN_EX", t) for t in stub_ids]
    for how, owner in owners:
        a, b = socket.socketpair()
        try:
            if how == "F_SETOWN":
                fcntl.fcntl(a, fcntl.F_SETOWN, owner)
            else:
                fcntl.fcntl(a, F_SETOWN_EX, struct.pack("ii", F_OWNER_TID, owner))
            fcntl.fcntl(a, F_SETSIG, int(sig))
            fcntl.fcntl(a, fcntl.F_SETFL, fcntl.fcntl(a, fcntl.F_GETFL) | os.O_ASYNC)
            b.send(b"x")  # a becomes readable: the signal goes to the owner
        except OSError as err:
            ok(f"{how}({owner}) with {sig.name}: {ename(err.errno)}")
        finally:
            time.sleep(0.005)
            a.close()
            b.close()
ok("file-owner signals to the stub sent; the stub must still be alive to report this run")
time.sleep(0.3)
done()
