# Attack: flooding stdout and stderr. The guest writes 64 MiB to each, in
# 64 KiB pieces, from two threads. The runner gives an output budget of
# 1 MiB.
# Host-side check: gaol ends the run with limit "output" (status 124) and
# the runner receives at most the budget (plus gaol's own few lines).
import os
import threading

from _common import ok

ok("flooding")
print("ARMED", flush=True)
piece = b"o" * 65536


def flood(fd):
    for _ in range(1024):
        os.write(fd, piece)


ts = [threading.Thread(target=flood, args=(fd,)) for fd in (1, 2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("SURVIVED", flush=True)
