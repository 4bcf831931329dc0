# Attack: signalling host processes. kill(host_pid, SIGKILL) and signal 0,
# kill(-1, SIGKILL) (every process the caller may signal), killpg,
# tgkill, tkill, rt_sigqueueinfo and rt_tgsigqueueinfo, pidfd_open +
# pidfd_send_signal, F_SETOWN/F_SETSIG (SIGIO delivery to another pid),
# and calls that act on other processes by pid: setpriority (also for the
# whole user, which on the host is the uid gaol runs as), sched_setaffinity,
# sched_setscheduler, ioprio_set, prlimit64, migrate_pages, kcmp.
# Host-side check: the host process (a sleep) is alive, not stopped, and
# its nice value is unchanged.
import ctypes
import fcntl
import os
import signal
import socket

from _common import HOST_PID, done, ename, ok, refused, sys_, violation

P = HOST_PID
refused(f"kill({P}, 0)", "kill", P, 0)
refused(f"kill({P}, SIGSTOP)", "kill", P, signal.SIGSTOP)
refused(f"kill({P}, SIGKILL)", "kill", P, signal.SIGKILL)
refused(f"kill(-{P}, SIGKILL)", "kill", -P, signal.SIGKILL)
refused(f"tgkill({P}, {P}, SIGKILL)", "tgkill", P, P, signal.SIGKILL)
refused(f"tkill({P}, SIGKILL)", "tkill", P, signal.SIGKILL)
info = ctypes.create_string_buffer(128)
ctypes.memmove(info, (ctypes.c_int * 3)(signal.SIGKILL, 0, -1), 12)
refused(f"rt_sigqueueinfo({P}, SIGKILL)", "rt_sigqueueinfo", P, signal.SIGKILL, info)
refused(f"rt_tgsigqueueinfo({P}, SIGKILL)", "rt_tgsigqueueinfo", P, P, signal.SIGKILL, info)
r, e = sys_("pidfd_open", P, 0)
if r >= 0:
    violation(f"pidfd_open({P}) gave a pidfd")
    refused("pidfd_send_signal(SIGKILL)", "pidfd_send_signal", r, signal.SIGKILL, 0, 0)
else:
    ok(f"pidfd_open({P}): {ename(e)}")
for pid in (os.getppid(), 1):
    refused(f"kill({pid}, SIGSTOP) (gaol's stub)", "kill", pid, signal.SIGSTOP)

a, b = socket.socketpair()
F_SETSIG = 10
try:
    fcntl.fcntl(a, fcntl.F_SETOWN, P)
    violation(f"F_SETOWN({P}) accepted a host pid")
except OSError as e:
    ok(f"F_SETOWN({P}): {ename(e.errno)}")
try:
    fcntl.fcntl(a, fcntl.F_SETOWN, -P)
    violation(f"F_SETOWN(-{P}) accepted a host process group")
except OSError as e:
    ok(f"F_SETOWN(-{P}): {ename(e.errno)}")

PRIO_PROCESS, PRIO_USER = 0, 2
refused(f"setpriority(PRIO_PROCESS, {P}, 19)", "setpriority", PRIO_PROCESS, P, 19)
refused("setpriority(PRIO_USER, 0, 19)", "setpriority", PRIO_USER, 0, 19)
mask = ctypes.c_ulong(1)
refused(f"sched_setaffinity({P})", "sched_setaffinity", P, 8, ctypes.byref(mask))
param = ctypes.c_int(0)
refused(f"sched_setscheduler({P}, SCHED_IDLE)", "sched_setscheduler", P, 5, ctypes.byref(param))
refused(f"ioprio_set(PROCESS, {P})", "ioprio_set", 1, P, (3 << 13))
lim = (ctypes.c_ulong * 2)(0, 0)
refused(f"prlimit64({P}, RLIMIT_NOFILE, 0)", "prlimit64", P, 7, ctypes.byref(lim), 0)
refused(f"migrate_pages({P})", "migrate_pages", P, 64, ctypes.byref(mask), ctypes.byref(mask))
refused(f"kcmp(self, {P})", "kcmp", os.getpid(), P, 0, 0, 0)
# Last, the broadest: every process this one may signal.
refused("kill(-1, SIGKILL)", "kill", -1, signal.SIGKILL)
done()
