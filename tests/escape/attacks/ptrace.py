# Attack: ptrace. PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_SEIZE and
# PTRACE_PEEKDATA against the parent (gaol's stub), low pids, and the host
# process whose pid the runner passes; a tracer could rewrite a traced
# process's registers after the supervisor checked them.
# Host-side check: the host process (a sleep) is still alive and not
# stopped, and nothing of it appears in the output.
import os

from _common import HOST_PID, done, refused

PTRACE_TRACEME, PTRACE_PEEKDATA, PTRACE_ATTACH, PTRACE_SEIZE = 0, 2, 16, 0x4206
refused("ptrace(PTRACE_TRACEME)", "ptrace", PTRACE_TRACEME, 0, 0, 0)
for pid in sorted({os.getppid(), HOST_PID, 1, 2, 3, 4, 5, 6, 7, 8, 10, 100, 300}):
    refused(f"ptrace(PTRACE_ATTACH, {pid})", "ptrace", PTRACE_ATTACH, pid, 0, 0)
    refused(f"ptrace(PTRACE_SEIZE, {pid})", "ptrace", PTRACE_SEIZE, pid, 0, 0)
    refused(f"ptrace(PTRACE_PEEKDATA, {pid})", "ptrace", PTRACE_PEEKDATA, pid, 0x400000, 0)
done()
