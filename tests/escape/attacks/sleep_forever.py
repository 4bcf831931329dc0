# Attack: never ending. The main thread sleeps for a day, another thread
# blocks in read() on a pipe nobody writes, another in select() with no
# timeout, and every catchable signal is ignored. The runner gives a wall
# budget of 3 seconds.
# Host-side check: gaol ends the run at the wall budget (limit "wall",
# status 124) within a few seconds of it, and nothing is left behind.
import os
import select
import signal
import threading
import time

from _common import ok

for s in signal.valid_signals():
    try:
        signal.signal(s, signal.SIG_IGN)
    except (OSError, ValueError, RuntimeError):
        pass
r, w = os.pipe()
threading.Thread(target=os.read, args=(r, 1), daemon=True).start()
threading.Thread(target=select.select, args=([r], [], []), daemon=True).start()
ok("sleeping for a day")
print("ARMED", flush=True)
time.sleep(86400)
print("SURVIVED", flush=True)
