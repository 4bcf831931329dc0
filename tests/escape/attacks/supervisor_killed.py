# Attack: outliving the supervisor. The guest prints READY and then keeps
# running (sleeping, with busy threads); the runner kills gaol itself with
# SIGKILL at READY. A guest that survived its supervisor would run with no
# one answering its syscalls and no budgets enforced.
# Host-side check: within two seconds of gaol's death no guest process
# (the interpreter, by its token) and not gaol's stub is left on the host.
import threading
import time

from _common import ok


def spin():
    while True:
        pass


for _ in range(2):
    threading.Thread(target=spin, daemon=True).start()
ok("waiting to be orphaned")
print("READY", flush=True)
time.sleep(86400)
print("SURVIVED", flush=True)
