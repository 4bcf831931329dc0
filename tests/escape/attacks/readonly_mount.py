# Attack: writing to a read-only host mount. The runner mounts a host
# directory read-only at /ro (with --ro) holding a file and a
# subdirectory; the guest tries every way to change it by path: open for
# writing, truncating, appending, creating, O_TMPFILE; truncate, rename
# (inside, out to /tmp, in from /tmp), unlink, rmdir, mkdir, symlink,
# link, chmod, chown, utime, setxattr, mknod, mkfifo; and a shared
# writable mapping of a read-only fd.
# Host-side check: the host directory is unchanged (names, content, modes,
# times, link counts).
import ctypes
import mmap
import os

from _common import AT_FDCWD, done, ename, must_fail, ok, refused, violation

F, D = "/ro/file", "/ro/sub"
for what, flags in (("O_WRONLY", os.O_WRONLY), ("O_RDWR", os.O_RDWR), ("O_TRUNC", os.O_RDONLY | os.O_TRUNC),
                    ("O_APPEND", os.O_WRONLY | os.O_APPEND), ("O_CREAT new", os.O_WRONLY | os.O_CREAT)):
    target = "/ro/new" if "new" in what else F
    must_fail(f"open({target}, {what})", os.open, target, flags, 0o644, fd=True)
must_fail("open(/ro, O_TMPFILE)", os.open, "/ro", os.O_TMPFILE | os.O_WRONLY, 0o600, fd=True)
must_fail("truncate", os.truncate, F, 0)
must_fail("rename inside", os.rename, F, "/ro/renamed")
must_fail("rename out to /tmp", os.rename, F, "/tmp/stolen")
with open("/tmp/x", "w") as f:
    f.write("x")
must_fail("rename in from /tmp", os.rename, "/tmp/x", "/ro/x")
must_fail("rename over the file", os.rename, "/tmp/x", F)
must_fail("unlink", os.unlink, F)
must_fail("rmdir", os.rmdir, D)
must_fail("mkdir", os.mkdir, "/ro/newdir")
must_fail("symlink", os.symlink, "/tmp", "/ro/link")
must_fail("link in", os.link, "/tmp/x", "/ro/hard")
must_fail("chmod", os.chmod, F, 0o777)
must_fail("chmod dir", os.chmod, D, 0o777)
must_fail("chown", os.chown, F, 0, 0)
must_fail("utime", os.utime, F, (0, 0))
must_fail("setxattr", os.setxattr, F, "user.x", b"1")
must_fail("mknod", os.mknod, "/ro/node", 0o600)
must_fail("mkfifo", os.mkfifo, "/ro/fifo")
refused("utimensat(now)", "utimensat", AT_FDCWD, F, 0, 0)
fd = os.open(F, os.O_RDONLY)
try:
    m = mmap.mmap(fd, 0, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    m[0:1] = b"X"
    m.flush()
    violation("a shared writable mapping of a read-only fd")
except (OSError, ValueError, PermissionError) as e:
    ok(f"mmap(MAP_SHARED, PROT_WRITE) of a read-only fd: {e}")
must_fail("write to a read-only fd", os.write, fd, b"X")
must_fail("ftruncate a read-only fd", os.ftruncate, fd, 0)
done()
