# Attack: processes that outlive the run or are never reaped. Forks and
# clones whose children would not be waited for, a child subreaper
# request, setsid and setpgid to leave gaol's process group, threads that
# exit without being joined, and an exit while threads still run.
# Host-side check: after the run no process of the guest (with or without
# the run's token in its command line), and not gaol's stub, is left on
# the host, zombie or alive.
import os
import threading

from _common import done, ename, ok, refused, sys_, violation

SIGCHLD = 17
for i in range(20):
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)  # a child nobody waits for
        violation(f"fork created unreaped child {pid}")
    except OSError as e:
        err = ename(e.errno)
ok(f"fork without wait: {err}")
r, e = sys_("clone", SIGCHLD, 0, 0, 0, 0)
if r == 0:
    os._exit(0)
if r > 0:
    violation(f"clone created unreaped child {r}")
else:
    ok(f"clone(SIGCHLD): {ename(e)}")
refused("prctl(PR_SET_CHILD_SUBREAPER)", "prctl", 36, 1, 0, 0, 0)
for what, fn in (("setsid", os.setsid), ("setpgid(0, 0)", lambda: os.setpgid(0, 0))):
    try:
        fn()
        ok(f"{what} succeeded (the guest's own session; harmless)")
    except OSError as e:
        ok(f"{what}: {ename(e.errno)}")
threading.stack_size(65536)
for i in range(6):
    threading.Thread(target=lambda: None).start()  # never joined
for i in range(4):
    threading.Thread(target=threading.Event().wait, daemon=True).start()  # still running at exit
done()
os._exit(0)
