# Attack: executing code that never touches a filesystem the policy
# controls: a memfd holding a tiny static ELF (and one holding the
# interpreter's bytes) exec'd with execveat(fd, "", AT_EMPTY_PATH), with
# fexecve (os.execve on an fd), and through /proc/self/fd/N; memfd_create
# with MFD_EXEC.
# Host-side check: the marker each program would print never appears in
# the output, and no process is left behind.
import ctypes
import os
import sys

from _common import AT_EMPTY_PATH, done, marker, must_fail, ok, refused, sys_, tiny_elf, ename

MFD_CLOEXEC, MFD_EXEC = 1, 0x10
elf = tiny_elf(marker("memfd ELF"))
fds = []
for flags in (0, MFD_EXEC, MFD_CLOEXEC):
    r, e = sys_("memfd_create", "x", flags)
    if r < 0:
        ok(f"memfd_create(flags={flags:#x}): {ename(e)}")
        continue
    os.write(r, elf)
    fds.append(r)
try:
    py = os.memfd_create("py", 0)
    with open(sys.executable, "rb") as f:
        os.write(py, f.read())
    fds.append(py)
except OSError as e:
    ok(f"memfd_create for the interpreter's bytes: {ename(e.errno)}")

arr = (ctypes.c_char_p * 2)(b"x", None)
env = (ctypes.c_char_p * 1)(None)
for fd in fds:
    refused(f"execveat(memfd {fd}, '', AT_EMPTY_PATH)", "execveat", fd, "", arr, env, AT_EMPTY_PATH)
    must_fail(f"fexecve(memfd {fd})", os.execve, fd, ["x", "-c", "print('" + marker("fexecve") + "')"], {})
    must_fail(f"execv(/proc/self/fd/{fd})", os.execv, f"/proc/self/fd/{fd}", ["x"])
done()
