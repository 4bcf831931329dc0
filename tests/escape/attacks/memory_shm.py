# Attack: host memory the address-space budget does not count. SysV shared
# memory segments are attached, filled and detached (the segment lives on
# in the guest's IPC namespace, charged to no process), and memfds are
# filled with write() and never mapped. Each piece is small enough for the
# RLIMIT_AS and resident-memory checks; together they are four times the
# budget the runner gives (--memory 256MiB). The guest prints "HOLDING n"
# and waits.
# Host-side check: while the guest holds its memory, the host's shared
# memory (Shmem in /proc/meminfo) must not have grown by more than twice
# the budget.
import ctypes
import os
import time

from _common import done, ename, ok, say

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmdt.argtypes = [ctypes.c_void_p]
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
IPC_PRIVATE, IPC_CREAT = 0, 0o1000
CHUNK = 32 << 20
held = 0
for i in range(16):
    sid = libc.shmget(IPC_PRIVATE, CHUNK, IPC_CREAT | 0o600)
    if sid < 0:
        ok(f"shmget refused after {held >> 20} MiB: {ename(ctypes.get_errno())}")
        break
    addr = libc.shmat(sid, None, 0)
    if addr is None or addr == ctypes.c_void_p(-1).value:
        ok(f"shmat refused after {held >> 20} MiB: {ename(ctypes.get_errno())}")
        break
    libc.memset(addr, 1, CHUNK)
    libc.shmdt(addr)
    held += CHUNK
ok(f"holding {held >> 20} MiB in detached SysV segments")
fds = []
piece = b"m" * (1 << 20)
try:
    for i in range(16):
        fd = os.memfd_create("hold")
        for _ in range(CHUNK >> 20):
            os.write(fd, piece)
        fds.append(fd)
        held += CHUNK
except OSError as e:
    ok(f"memfd writes refused after {held >> 20} MiB in all: {ename(e.errno)}")
ok(f"holding {held >> 20} MiB in all")
say("HOLDING", str(held))
time.sleep(2)  # the runner measures the host now
done()
