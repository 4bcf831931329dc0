# Attack: raw path syscalls through ctypes — open, openat, openat2 (also
# with RESOLVE_IN_ROOT and RESOLVE_BENEATH), newfstatat, statx, readlink,
# readlinkat, access, faccessat2, getxattr, and the mutating ones (creat,
# mkdir, unlink, rename, chmod, truncate, utimensat, symlink, link) — naming
# the host canary file, the host symlink whose target is a secret and the
# host canary directory (which holds a file whose name is a secret) by their
# host paths, bypassing Python's os module.
# Host-side check: no secret (file content, symlink target, file name)
# appears in the output or the trace, and the canary directory is unchanged
# (names, sizes, modes, times, link counts).
import ctypes
import os
import struct

from _common import (AT_FDCWD, CANARY, CANARY_DIR, CANARY_LINK, done, ok,
                     peek_fd, refused, sys_, violation, ename)

O_PATH = 0o10000000
RESOLVE_BENEATH, RESOLVE_IN_ROOT = 0x08, 0x10

buf = ctypes.create_string_buffer(4096)
targets = [CANARY, CANARY_LINK, CANARY_DIR, CANARY_DIR + "/", CANARY_DIR + "/.",
           CANARY + "/.", "/etc/passwd", "/etc/shadow"]

for p in targets:
    refused(f"open({p})", "open", p, os.O_RDONLY, 0, fd_result=True)
    refused(f"openat(AT_FDCWD, {p})", "openat", AT_FDCWD, p, os.O_RDONLY, 0, fd_result=True)
    refused(f"openat(AT_FDCWD, {p}, O_PATH)", "openat", AT_FDCWD, p, O_PATH, 0, fd_result=True)
    for resolve in (0, RESOLVE_BENEATH, RESOLVE_IN_ROOT):
        how = ctypes.create_string_buffer(struct.pack("<QQQ", os.O_RDONLY, 0, resolve), 24)
        refused(f"openat2({p}, resolve={resolve:#x})", "openat2", AT_FDCWD, p, how, 24, fd_result=True)
    r, e = sys_("newfstatat", AT_FDCWD, p, buf, 0)
    if r == 0:
        size = struct.unpack_from("<q", buf.raw, 48)[0]
        violation(f"newfstatat({p}) revealed a host file of {size} bytes")
    else:
        ok(f"newfstatat({p}): {ename(e)}")
    r, e = sys_("statx", AT_FDCWD, p, 0, 0xFFF, buf)
    if r == 0:
        violation(f"statx({p}) revealed a host file of {struct.unpack_from('<Q', buf.raw, 40)[0]} bytes")
    else:
        ok(f"statx({p}): {ename(e)}")
    for name, args in (("readlink", (p, buf, 4096)), ("readlinkat", (AT_FDCWD, p, buf, 4096))):
        r, e = sys_(name, *args)
        if r >= 0:
            violation(f"{name}({p}) read the host link: {buf.raw[:r]!r}")
        else:
            ok(f"{name}({p}): {ename(e)}")
    refused(f"access({p})", "access", p, 0)
    refused(f"faccessat2({p})", "faccessat2", AT_FDCWD, p, 0, 0)
    r, e = sys_("getxattr", p, "user.x", buf, 4096)
    if r >= 0:
        violation(f"getxattr({p}) returned {r}")
    else:
        ok(f"getxattr({p}): {ename(e)}")

# Writes aimed at the host directory and file.
new = CANARY_DIR + "/created-by-guest"
refused("creat in the canary dir", "open", new, os.O_WRONLY | os.O_CREAT, 0o644, fd_result=True)
refused("open canary O_WRONLY|O_TRUNC", "open", CANARY, os.O_WRONLY | os.O_TRUNC, 0, fd_result=True)
refused("mkdir in the canary dir", "mkdir", new, 0o755)
refused("unlink the canary", "unlink", CANARY)
refused("rename the canary", "rename", CANARY, "/tmp/stolen")
refused("rename into the canary dir", "rename", "/tmp", new)
refused("chmod the canary", "chmod", CANARY, 0o777)
refused("truncate the canary", "truncate", CANARY, 0)
refused("utimensat the canary", "utimensat", AT_FDCWD, CANARY, 0, 0)
refused("symlink in the canary dir", "symlink", "/", new)
refused("link the canary into /tmp", "link", CANARY, "/tmp/linked")
refused("link /tmp into the canary dir", "link", "/tmp", new)

# A symlink the guest makes to the host path resolves in the guest's tree.
os.symlink(CANARY, "/tmp/to-canary")
refused("open via a guest symlink to the host path", "open", "/tmp/to-canary", os.O_RDONLY, 0, fd_result=True)
try:
    fd = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)
    refused("openat(/tmp fd, host path)", "openat", fd, CANARY, os.O_RDONLY, 0, fd_result=True)
    os.close(fd)
except OSError as e:
    violation(f"/tmp cannot be opened: {ename(e.errno)}")
ok(f"the guest's / lists {sorted(os.listdir('/'))}")
done()
