# Attack: process_vm_readv and process_vm_writev against the supervisor
# (guessed as the parent, and as every small pid) and the host process
# whose pid the runner passes: reading another process's memory, or
# writing garbage into it.
# Host-side check: the host process (a sleep) is still alive, and no
# foreign memory appears in the output.
import ctypes
import os

from _common import HOST_PID, done, ok, sys_, violation, ename


class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


local = ctypes.create_string_buffer(b"A" * 4096)
liov = Iovec(ctypes.addressof(local), 4096)
pids = sorted({os.getppid(), HOST_PID} | set(range(1, 65)))
hits = 0
for pid in pids:
    for addr in (0x400000, 0x555555554000, 0x7FFFFFFFE000):
        riov = Iovec(addr, 16)
        r, e = sys_("process_vm_readv", pid, ctypes.byref(liov), 1, ctypes.byref(riov), 1, 0)
        if r >= 0:
            hits += 1
            violation(f"process_vm_readv(pid {pid}, {addr:#x}) read {local.raw[:r]!r}")
        r, e2 = sys_("process_vm_writev", pid, ctypes.byref(liov), 1, ctypes.byref(riov), 1, 0)
        if r >= 0:
            hits += 1
            violation(f"process_vm_writev(pid {pid}, {addr:#x}) wrote {r} bytes")
if not hits:
    ok(f"process_vm_readv/writev refused for {len(pids)} pids (last errno {ename(e)}, {ename(e2)})")
for path in (f"/proc/{os.getppid()}/mem", f"/proc/{HOST_PID}/mem", "/proc/1/mem"):
    try:
        fd = os.open(path, os.O_RDWR)
        violation(f"open({path}) succeeded")
        os.close(fd)
    except OSError as oe:
        ok(f"open({path}): {ename(oe.errno)}")
done()
