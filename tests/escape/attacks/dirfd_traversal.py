# Attack: walking out through directory fds and the working directory.
# openat() relative to fds of /, /tmp, an interpreter directory and an
# O_PATH fd with "../" chains that reach the host canary's path; fchdir()
# into those fds followed by relative opens; chdir("..") far past the root;
# openat2 with RESOLVE_IN_ROOT and RESOLVE_BENEATH; dirfds that are files,
# closed or stdin; getdents64 of every reachable directory fd.
# Host-side check: the canary secret and the secret file name never appear
# in the output; the canary directory is unchanged.
import ctypes
import os
import struct
import sys

from _common import (AT_FDCWD, CANARY, CANARY_DIR, done, ename, note, ok,
                     open_fails, refused, violation)

O_PATH = 0o10000000
rel = CANARY.lstrip("/")
up = "../" * 40
libdir = os.path.dirname(os.__file__)
dirs = {}
for p in ("/", "/tmp", libdir, os.path.dirname(sys.executable)):
    dirs[p] = os.open(p, os.O_RDONLY | os.O_DIRECTORY)
try:
    dirs["O_PATH " + libdir] = os.open(libdir, O_PATH | os.O_DIRECTORY)
except OSError as e:
    note(f"open(O_PATH) of a directory fails with {ename(e.errno)} (SECCOMP_IOCTL_NOTIF_ADDFD takes no O_PATH file)")

for name, fd in dirs.items():
    for target in (up + rel, rel, up + "etc/passwd", CANARY):
        open_fails(f"openat({name} fd, {target[:60]}...)", target, dir_fd=fd)
    open_fails(f"openat({name} fd, canary dir)", up + CANARY_DIR.lstrip("/"), os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    for resolve in (0x08, 0x10):
        how = ctypes.create_string_buffer(struct.pack("<QQQ", os.O_RDONLY, 0, resolve), 24)
        refused(f"openat2({name} fd, {up[:9]}..{rel}, resolve={resolve:#x})", "openat2", fd, up + rel, how, 24, fd_result=True)
    if not name.startswith("O_PATH"):
        try:
            names = os.listdir(fd)
            ok(f"getdents64({name} fd) lists only the guest's view: {len(names)} names")
        except OSError as e:
            ok(f"getdents64({name} fd): {ename(e.errno)}")

# fchdir into each directory, then walk up relatively.
for name, fd in dirs.items():
    try:
        os.fchdir(fd)
    except OSError as e:
        ok(f"fchdir({name}): {ename(e.errno)}")
        continue
    open_fails(f"after fchdir({name}): open {up[:9]}..{rel}", up + rel)
    for _ in range(60):
        try:
            os.chdir("..")
        except OSError:
            break
    cwd = os.getcwd()
    if cwd != "/":
        violation(f"chdir('..') from {name} stopped at {cwd!r}, not the guest's root")
    here = sorted(os.listdir("."))
    root = sorted(os.listdir("/"))
    if here != root:
        violation(f"'..' past the root of {name} lists {here!r:.300}, not the guest's root {root!r:.200}")
    else:
        ok(f"'..' past the root from {name} is the guest's root")
    open_fails(f"after chdir('..')*60 from {name}: open {rel}", rel)
os.chdir("/tmp")

# Bad dirfds.
with open("/tmp/plain", "w") as f:
    f.write("x")
ffd = os.open("/tmp/plain", os.O_RDONLY)
open_fails("openat(file fd, ../../canary)", up + rel, dir_fd=ffd)
open_fails("openat(stdin, canary)", rel, dir_fd=0)
open_fails("openat(closed fd 999, canary)", rel, dir_fd=999)
refused("fchdir(file fd)", "fchdir", ffd)
refused("fchdir(999)", "fchdir", 999)

# A directory fd whose directory was renamed and removed.
os.makedirs("/tmp/a/b")
bfd = os.open("/tmp/a/b", os.O_RDONLY | os.O_DIRECTORY)
os.rename("/tmp/a/b", "/tmp/moved")
os.rmdir("/tmp/moved")
open_fails("openat(fd of a removed dir, ../../canary)", up + rel, dir_fd=bfd)
try:
    os.fchdir(bfd)
    open_fails("open ../../canary from a removed cwd", up + rel)
    os.chdir("/tmp")
except OSError as e:
    ok(f"fchdir(removed dir): {ename(e.errno)}")
done()
