# Attack: a run that would never end. The guest passes its own stdout and
# stderr (fds 1 and 2, the write ends of gaol's relay pipes) with
# SCM_RIGHTS into both ends of a socketpair, fills both directions, and
# makes one more blocking sendmsg on each end from two threads, which gaol
# performs for it (sendmsg is always the supervisor's). The sockets, and
# the pipe ends in flight on them, are then held by nobody but the kernel
# and the supervisor's waiting sendmsg calls. With mode=exit the guest then
# exits 42; otherwise it sleeps until the wall budget (the runner gives
# 5 s) ends it.
# Host-side check: gaol ends within the wall budget plus its end bound
# (docs/security.md, "Every run ends") with a full result, and nothing is
# left behind.
import array
import os
import socket
import sys
import threading
import time

from _common import arg, ok

a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [1, 2]))]
for s in (a, b):
    s.sendmsg([b"x"], rights)
    s.setblocking(False)
    filled = 0
    while True:
        try:
            filled += s.send(b"y" * 65536)
        except BlockingIOError:
            break
    s.setblocking(True)
    ok("filled one direction with %d bytes" % filled)


def stuck(s):
    try:
        s.sendmsg([b"z" * 65536], rights)
    except OSError:
        pass


for s in (a, b):
    threading.Thread(target=stuck, args=(s,), daemon=True).start()
time.sleep(0.3)
ok("two sendmsg calls with the relay pipes in flight wait in the supervisor")
print("ARMED", flush=True)
sys.stdout.flush()
if arg("mode") == "exit":
    os._exit(42)
time.sleep(86400)
print("SURVIVED", flush=True)
