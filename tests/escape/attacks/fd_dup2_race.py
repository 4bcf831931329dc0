# Attack: racing dup2 against the fd-based calls the supervisor checks.
# The runner mounts a host directory read-only at /ro and another
# read-write at /rw on the same host filesystem. One thread keeps swapping
# what fd number N names, /ro/file one moment and a file of /rw the next
# (dup2 from both, thousands of times), while another calls fchmod
# (setuid, world-writable), futimens, fchown and fsetxattr on N. A check
# made on one open file and an action on another (the fd looked up twice,
# or the call continued after the check) lets some call reach /ro/file.
# Host-side check: the read-only host directory is unchanged (mode, times,
# owner, xattrs), and some calls did land on the writable file, so the
# race really ran both ways.
import os
import threading
import time

from _common import done, ok, violation

ro = os.open("/ro/file", os.O_RDONLY)
with open("/rw/mine", "w") as f:
    f.write("mine")
rw = os.open("/rw/mine", os.O_RDONLY)
N = 100
os.dup2(ro, N)
stop = False


def swap():
    while not stop:
        os.dup2(rw, N)
        os.dup2(ro, N)


calls = [
    ("fchmod", lambda: os.fchmod(N, 0o4777)),
    ("fchmod", lambda: os.fchmod(N, 0o666)),
    ("futimens", lambda: os.utime(N, (0, 0))),
    ("fchown", lambda: os.fchown(N, 1000, 1000)),
    ("fsetxattr", lambda: os.setxattr(N, "user.raced", b"1")),
]
landed = {name: 0 for name, _ in calls}
t = threading.Thread(target=swap)
t.start()
end = time.monotonic() + 3
rounds = 0
try:
    while time.monotonic() < end and rounds < 20000:
        rounds += 1
        for name, call in calls:
            try:
                call()
                landed[name] += 1
            except OSError:
                pass
finally:
    stop = True
    t.join()
ok("%d rounds of fd-based calls raced against dup2; landed: %s" % (rounds, landed))
if landed["fchmod"] == 0:
    violation("no fchmod landed on the writable file: the race never ran both ways")
st = os.stat("/rw/mine")
if st.st_mode & 0o4000:
    violation("a set-user-ID bit reached the writable file")
done()
