# Attack: a fork bomb. os.fork in a loop (each child would fork again),
# raw fork, vfork and clone(SIGCHLD) through ctypes, clone with
# CLONE_PARENT, posix_spawn, multiprocessing, subprocess and os.forkpty.
# The default policy allows no process beyond the interpreter.
# Host-side check: the run ends within its budget, no guest process is left
# on the host afterwards, and no child ever printed its marker.
import multiprocessing
import os
import subprocess
import sys
import time

from _common import done, ename, marker, ok, sys_, violation

t0 = time.monotonic()
forked = 0
for _ in range(2000):
    try:
        pid = os.fork()
    except OSError as e:
        last = ename(e.errno)
        continue
    if pid == 0:
        print(marker("forked child"), flush=True)
        while True:  # a real bomb: the child forks on
            try:
                os.fork()
            except OSError:
                os._exit(0)
    forked += 1
if forked:
    violation(f"os.fork succeeded {forked} times")
else:
    ok(f"2000 os.fork calls failed ({last}) in {time.monotonic() - t0:.2f}s")

SIGCHLD, CLONE_PARENT = 17, 0x8000
for what, args in (("fork", ("fork",)), ("clone(SIGCHLD)", ("clone", SIGCHLD, 0, 0, 0, 0)),
                   ("clone(CLONE_PARENT|SIGCHLD)", ("clone", CLONE_PARENT | SIGCHLD, 0, 0, 0, 0))):
    r, e = sys_(*args)
    if r == 0:
        print(marker(what), flush=True)
        os._exit(0)
    if r > 0:
        violation(f"{what} created process {r}")
    else:
        ok(f"{what}: {ename(e)}")
# vfork shares the caller's stack: only safe to try if it fails.
r, e = sys_("vfork")
if r == 0:
    os._exit(0)
if r > 0:
    violation(f"vfork created process {r}")
else:
    ok(f"vfork: {ename(e)}")
try:
    os.posix_spawn(sys.executable, [sys.executable, "-c", "print('" + marker("posix_spawn") + "')"], {})
    violation("posix_spawn started a process")
except OSError as e:
    ok(f"posix_spawn: {ename(e.errno)}")
try:
    p = multiprocessing.get_context("fork").Process(target=print, args=(marker("multiprocessing"),))
    p.start()
    p.join()
    violation("multiprocessing started a process")
except OSError as e:
    ok(f"multiprocessing: {ename(e.errno)}")
try:
    subprocess.run([sys.executable, "-c", "print('" + marker("subprocess") + "')"])
    violation("subprocess started a process")
except OSError as e:
    ok(f"subprocess: {ename(e.errno)}")
try:
    pid, fd = os.forkpty()
    if pid == 0:
        os._exit(0)
    violation("forkpty started a process")
except OSError as e:
    ok(f"forkpty: {ename(e.errno)}")
done()
