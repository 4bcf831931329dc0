# Attack: swapping a directory and a symlink during path resolution. One
# thread keeps exchanging /tmp/d (renameat2 RENAME_EXCHANGE, and
# unlink/symlink/rename cycles) between a real directory holding decoy
# files and a symlink to "/" or to the host canary directory's host path;
# other threads keep opening /tmp/d/etc/passwd and /tmp/d/<canary>. Every
# symlink must be resolved in the guest's tree, never by the host kernel,
# whatever state the race leaves the name in.
# Host-side check: the canary secret and the host's /etc/passwd never appear
# in the output or the trace; the canary directory is unchanged.
import ctypes
import os
import threading

from _common import CANARY, CANARY_DIR, done, ok, stray_fd, sys_, violation, AT_FDCWD

ITER = 1500
RENAME_EXCHANGE = 2
name = os.path.basename(CANARY)
os.makedirs("/tmp/real/etc")
with open("/tmp/real/etc/passwd", "w") as f:
    f.write("decoy")
with open(f"/tmp/real/{name}", "w") as f:
    f.write("decoy")
os.makedirs("/tmp/real" + CANARY_DIR, exist_ok=True)
with open("/tmp/real" + CANARY, "w") as f:
    f.write("decoy")


def run(link_target):
    for p in ("/tmp/d", "/tmp/e"):
        if os.path.islink(p):
            os.unlink(p)
    os.rename("/tmp/real", "/tmp/d")
    os.symlink(link_target, "/tmp/e")
    stop = threading.Event()
    bad = []
    opened = [0]

    def swapper():
        while not stop.is_set():
            sys_("renameat2", AT_FDCWD, "/tmp/d", AT_FDCWD, "/tmp/e", RENAME_EXCHANGE)

    def opener(path):
        for _ in range(ITER):
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            if stray_fd(fd, "open"):
                continue
            data = os.read(fd, 200)
            os.close(fd)
            opened[0] += 1
            if data != b"decoy":
                bad.append((path, data))

    paths = ["/tmp/d/etc/passwd", f"/tmp/d/{name}", "/tmp/d" + CANARY]
    sw = threading.Thread(target=swapper)
    sw.start()
    ops = [threading.Thread(target=opener, args=(p,)) for p in paths]
    for t in ops:
        t.start()
    for t in ops:
        t.join()
    stop.set()
    sw.join()
    # Leave the real directory at /tmp/real again.
    real = "/tmp/d" if os.path.isdir("/tmp/d") and not os.path.islink("/tmp/d") else "/tmp/e"
    os.rename(real, "/tmp/real")
    for b in bad[:5]:
        violation(f"a swapped symlink to {link_target} let {b[0]} read {b[1]!r:.300}")
    if not bad:
        ok(f"{len(paths) * ITER} opens during swaps with a symlink to {link_target}: "
           f"{opened[0]} read the decoy, none reached the host")


run("/")
run(CANARY_DIR)

# Non-atomic swaps: the name is briefly missing, a directory, a symlink.
stop = threading.Event()
bad = []


def cycler():
    while not stop.is_set():
        try:
            os.rename("/tmp/real", "/tmp/c")
            os.symlink(CANARY_DIR, "/tmp/c2")
            os.rename("/tmp/c2", "/tmp/c")
            os.unlink("/tmp/c")
            os.rename("/tmp/real", "/tmp/c")
        except OSError:
            pass
        try:
            if os.path.isdir("/tmp/c") and not os.path.islink("/tmp/c"):
                os.rename("/tmp/c", "/tmp/real")
        except OSError:
            pass


def reader():
    for _ in range(ITER):
        try:
            fd = os.open(f"/tmp/c/{name}", os.O_RDONLY)
        except OSError:
            continue
        if stray_fd(fd, "open"):
            continue
        data = os.read(fd, 200)
        os.close(fd)
        if data != b"decoy":
            bad.append(data)


c = threading.Thread(target=cycler)
c.start()
r = threading.Thread(target=reader)
r.start()
r.join()
stop.set()
c.join()
if bad:
    violation(f"an unlink/symlink cycle let /tmp/c/{name} read {bad[0]!r:.300}")
else:
    ok(f"{ITER} opens during unlink/symlink/rename cycles never reached the host")
done()
