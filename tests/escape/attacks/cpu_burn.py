# Attack: burning CPU past the budget on every core: two native threads
# spin without the GIL (so the process uses two CPUs at once) while the
# main thread spins in Python and ignores SIGXCPU. The runner gives a CPU
# budget of 2 seconds.
# Host-side check: gaol ends the run with limit "cpu" (status 124), and the
# CPU time it reports is at most the budget plus one second.
import ctypes
import signal
import threading

from _common import native, ok

signal.signal(signal.SIGXCPU, signal.SIG_IGN)
mem, addr = native(b"\xeb\xfe")  # jmp $
spin = ctypes.CFUNCTYPE(None)(addr)
for _ in range(2):
    threading.Thread(target=spin, daemon=True).start()
ok("spinning on every core")
print("ARMED", flush=True)
while True:
    pass
