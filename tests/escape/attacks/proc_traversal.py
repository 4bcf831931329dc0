# Attack: /proc traversals, the usual way out of a chroot or a container:
# /proc/self/root and /proc/1/root (the kernel's root of a process, which
# for the guest is the host's), /proc/PID of the host process, the magic
# links under /proc/self/fd and /proc/self/cwd, /proc/self/mem and
# /proc/self/map_files, /proc/thread-self, and /dev/fd, /dev/stdin.
# Host-side check: the canary secret, the host's /etc/passwd and the secret
# file name never appear in the output; the canary directory is unchanged.
import os

from _common import CANARY, CANARY_DIR, HOST_PID, done, ok, open_fails, violation, ename

rel = CANARY.lstrip("/")
paths = [
    f"/proc/self/root/{rel}", f"/proc/1/root/{rel}", "/proc/1/root/etc/passwd",
    "/proc/self/root/etc/passwd", f"/proc/thread-self/root/{rel}",
    f"/proc/{os.getpid()}/root/{rel}", f"/proc/{os.getppid()}/root/{rel}",
    f"/proc/{HOST_PID}/root/{rel}", f"/proc/{HOST_PID}/environ", f"/proc/{HOST_PID}/cmdline",
    f"/proc/self/cwd/../../../../{rel}", "/proc/self/fd/0/../../etc/passwd",
    f"/proc/self/map_files", "/proc/self/mem", "/proc/1/environ", "/proc/1/cmdline",
    "/proc/1/mem", "/proc/1/exe", f"/proc/{os.getppid()}/exe", "/proc/sys/kernel/hostname",
    "/proc/self/mountinfo", "/proc/self/mounts", "/proc/self/environ", "/proc/kcore",
    "/proc/sysrq-trigger", "/dev/fd/0", "/dev/stdin", "/sys/kernel", "/etc/passwd",
]
for p in paths:
    try:
        fd = os.open(p, os.O_RDONLY)
    except OSError as e:
        ok(f"open({p}): {ename(e.errno)}")
        continue
    try:
        data = os.read(fd, 300)
    except OSError as e:
        data = ename(e.errno).encode()
    os.close(fd)
    # A synthesised /proc may legitimately show the guest's own files; a
    # host path through a root link, or a host process, may not show at all.
    if rel in p or "/root/" in p or str(HOST_PID) in p or p.endswith("passwd"):
        violation(f"open({p}) succeeded: {data!r}")
    else:
        ok(f"open({p}) gave the guest's own view: {data[:60]!r}")
for d in ("/proc", "/proc/self/fd", "/proc/1/root", "/proc/self/root", f"/proc/{HOST_PID}", "/proc/1/fd"):
    try:
        names = os.listdir(d)
    except OSError as e:
        ok(f"listdir({d}): {ename(e.errno)}")
        continue
    if d.endswith("root") or str(HOST_PID) in d:
        violation(f"listdir({d}) = {names!r:.300}")
    else:
        ok(f"listdir({d}) = {names!r:.120}")
for p in ("/proc/self/root", "/proc/1/root", "/proc/self/cwd", "/proc/self/fd/0", "/proc/1/exe"):
    try:
        t = os.readlink(p)
        ok(f"readlink({p}) = {t!r}")
    except OSError as e:
        ok(f"readlink({p}): {ename(e.errno)}")
try:
    os.chdir("/proc/self/root")
    violation(f"chdir(/proc/self/root) succeeded; it holds {os.listdir('.')!r:.200}")
    os.chdir("/")
except OSError as e:
    ok(f"chdir(/proc/self/root): {ename(e.errno)}")
open_fails("the canary dir through /proc/1/root", f"/proc/1/root/{CANARY_DIR.lstrip('/')}", os.O_RDONLY | os.O_DIRECTORY)
done()
