# Attack: file handles. name_to_handle_at turns a path into a handle, and
# open_by_handle_at opens a handle on any mount the caller holds an fd of,
# without a path walk: forged handles for low inode numbers (the root
# directory of an ext4 or xfs filesystem is inode 2, or 128) would reach
# host files outside every mount (the classic "shocker" container escape).
# Host-side check: the canary secret and the secret file name never appear
# in the output, and the canary directory is unchanged.
import ctypes
import os
import struct

from _common import done, ok, peek_fd, refused, sys_, violation, ename, AT_FDCWD

handle = ctypes.create_string_buffer(struct.pack("<Ii", 128, 0), 8 + 128)
mount_id = ctypes.c_int(0)
for p in ("/tmp", "/usr", "/", "/work"):
    r, e = sys_("name_to_handle_at", AT_FDCWD, p, handle, ctypes.byref(mount_id), 0)
    if r == 0:
        violation(f"name_to_handle_at({p}) gave a handle")
    else:
        ok(f"name_to_handle_at({p}): {ename(e)}")

mount_fds = []
for p in ("/", "/tmp", "/usr"):
    try:
        mount_fds.append((p, os.open(p, os.O_RDONLY | os.O_DIRECTORY)))
    except OSError as e:
        ok(f"open({p}): {ename(e.errno)}")
# FILEID_INO32_GEN (type 1): {u32 inode, u32 generation}.
for ino in (2, 128, 11, 1):
    forged = ctypes.create_string_buffer(struct.pack("<IiII", 8, 1, ino, 0), 16)
    for p, mfd in mount_fds:
        r, e = sys_("open_by_handle_at", mfd, forged, os.O_RDONLY | os.O_DIRECTORY)
        if r >= 0:
            try:
                names = os.listdir(r)
            except OSError as le:
                names = "unlistable: " + ename(le.errno)
            violation(f"open_by_handle_at(inode {ino} on {p}) opened a host directory: {names!r:.300}")
            os.close(r)
        else:
            ok(f"open_by_handle_at(inode {ino} on {p}): {ename(e)}")
refused("open_by_handle_at(AT_FDCWD)", "open_by_handle_at", AT_FDCWD,
        ctypes.create_string_buffer(struct.pack("<IiII", 8, 1, 2, 0), 16), os.O_RDONLY, fd_result=True)
done()
