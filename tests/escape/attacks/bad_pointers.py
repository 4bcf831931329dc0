# Attack: bad pointers in every argument the supervisor reads or writes:
# NULL, 1, an unmapped address, a kernel address, the top of user space, a
# PROT_NONE page, and a string that runs into an unmapped page without a
# NUL — as path, sockaddr, open_how, timespec, stat, statx, dirent,
# readlink and getcwd buffers, execve argv, and with absurd sizes.
# Host-side check: every call fails (EFAULT or another errno) instead of
# crashing or hanging gaol; the guest then still opens files; the run ends
# cleanly and gaol reports no error.
import ctypes
import mmap
import os
import socket

from _common import AT_FDCWD, done, ename, ok, sys_, violation

page = mmap.PAGESIZE
m = mmap.mmap(-1, 2 * page, prot=mmap.PROT_READ | mmap.PROT_WRITE)
base = ctypes.addressof(ctypes.c_char.from_buffer(m))
m[page - 4:page] = b"/tmp"  # no NUL before the next page
libc = ctypes.CDLL(None, use_errno=True)
libc.mprotect(ctypes.c_void_p(base + page), ctypes.c_size_t(page), 0)
edge = base + page - 4
noaccess = base + page
BAD = {"NULL": 0, "1": 1, "unmapped": 0xDEAD0000000, "kernel": 0xFFFFFFFFFF600000,
       "top": (1 << 47) - 1, "PROT_NONE": noaccess, "no NUL": edge}

with open("/tmp/f", "w") as f:
    f.write("x")
os.symlink("/tmp/f", "/tmp/lnk")
dfd = os.open("/tmp", os.O_RDONLY)
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
good = ctypes.create_string_buffer(4096)
n_ok = 0
for label, p in BAD.items():
    calls = [
        ("open", ("open", p, 0, 0)), ("openat", ("openat", AT_FDCWD, p, 0, 0)),
        ("openat2 path", ("openat2", AT_FDCWD, p, good, 24)),
        ("newfstatat path", ("newfstatat", AT_FDCWD, p, good, 0)),
        ("statx path", ("statx", AT_FDCWD, p, 0, 0xFFF, good)),
        ("access", ("access", p, 0)), ("mkdir", ("mkdir", p, 0o755)), ("chdir", ("chdir", p)),
        ("readlink path", ("readlink", p, good, 100)), ("rename", ("rename", p, p)),
        ("symlink target", ("symlink", p, "/tmp/s")), ("unlink", ("unlink", p)),
        ("execve", ("execve", p, p, p)), ("statfs", ("statfs", p, good)),
        ("truncate", ("truncate", p, 0)), ("chmod", ("chmod", p, 0o644)),
    ]
    if label != "no NUL":
        calls += [
            ("openat2 how", ("openat2", AT_FDCWD, "/tmp/f", p, 24)),
            ("newfstatat buf", ("newfstatat", AT_FDCWD, "/tmp/f", p, 0)),
            ("statx buf", ("statx", AT_FDCWD, "/tmp/f", 0, 0xFFF, p)),
            ("readlink buf", ("readlink", "/tmp/lnk", p, 100)),
            ("getcwd buf", ("getcwd", p, 4096)),
            ("getdents64 buf", ("getdents64", dfd, p, 4096)),
            ("connect sockaddr", ("connect", sock.fileno(), p, 16)),
            ("sendto sockaddr", ("sendto", sock.fileno(), good, 1, 0, p, 16)),
            ("clock_gettime", ("clock_gettime", 0, p)), ("nanosleep", ("nanosleep", p, p)),
            ("execve argv", ("execve", "/tmp/f", p, p)),
            ("fstat-like newfstatat(fd, '')", ("newfstatat", dfd, "", p, 0x1000)),
        ]
    if p:  # utimensat(..., NULL, ...) means "now"
        calls.append(("utimensat times", ("utimensat", AT_FDCWD, "/tmp/f", p, 0)))
    for what, args in calls:
        os.lseek(dfd, 0, os.SEEK_SET)
        r, e = sys_(*args)
        if r > 0 or (r == 0 and not what.startswith("getdents64")):
            violation(f"{what} with a {label} pointer returned {r}")
        else:
            n_ok += 1
ok(f"{n_ok} calls with bad pointers failed cleanly")
for what, args in (("getdents64 count 0", ("getdents64", dfd, good, 0)),
                   ("getdents64 count 4 GiB-1", ("getdents64", dfd, good, 0xFFFFFFFF)),
                   ("readlink size -1", ("readlink", "/tmp/lnk", good, -1)),
                   ("getcwd size 0", ("getcwd", good, 0)),
                   ("openat2 size 4 GiB", ("openat2", AT_FDCWD, "/tmp/f", good, 1 << 32)),
                   ("openat2 size 8", ("openat2", AT_FDCWD, "/tmp/f", good, 8))):
    r, e = sys_(*args)
    ok(f"{what}: {r if r >= 0 else ename(e)}")
with open("/tmp/f") as f:
    if f.read() != "x":
        violation("the guest cannot read its own file after the bad pointers")
    else:
        ok("the guest still opens and reads files")
done()
