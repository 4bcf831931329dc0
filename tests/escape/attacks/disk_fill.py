# Attack: filling the scratch /tmp, in bytes (one file written until it
# fails, then more files), in inodes (empty files and directories until it
# fails), and with fallocate and a sparse truncate far past the quota. The
# scratch mount is a tmpfs of the quota's size, owned by the run.
# Host-side check: every fill stops with ENOSPC or EFBIG at about the quota
# (64 MiB and 4096 files in the default profile), the run ends cleanly
# with DONE, and gaol leaves nothing in its temporary directory.
import errno
import os

from _common import done, ename, ok, violation

QUOTA = 64 << 20
piece = b"d" * (1 << 20)
written = 0
fd = os.open("/tmp/big", os.O_WRONLY | os.O_CREAT)
try:
    while written < 4 * QUOTA:
        written += os.write(fd, piece)
except OSError as e:
    ok(f"one file stopped at {written >> 20} MiB: {ename(e.errno)}")
os.close(fd)
extra = 0
try:
    for i in range(100):
        with open(f"/tmp/more{i}", "wb") as f:
            f.write(piece)
        extra += len(piece)
except OSError as e:
    ok(f"more files stopped after {extra >> 20} MiB: {ename(e.errno)}")
if written + extra > QUOTA + (2 << 20):
    violation(f"wrote {(written + extra) >> 20} MiB into a {QUOTA >> 20} MiB scratch mount")
for i in range(100):
    try:
        os.unlink(f"/tmp/more{i}")
    except FileNotFoundError:
        break
os.unlink("/tmp/big")

fd = os.open("/tmp/falloc", os.O_WRONLY | os.O_CREAT)
try:
    os.posix_fallocate(fd, 0, 1 << 40)
    violation("fallocate of 1 TiB succeeded")
except OSError as e:
    ok(f"fallocate(1 TiB): {ename(e.errno)}")
try:
    os.ftruncate(fd, 1 << 40)
    violation("a sparse 1 TiB file was allowed")
except OSError as e:
    ok(f"ftruncate(1 TiB): {ename(e.errno)}")
os.close(fd)
os.unlink("/tmp/falloc")

made = 0
try:
    while made < 20000:
        if made % 2:
            os.mkdir(f"/tmp/i{made}")
        else:
            os.close(os.open(f"/tmp/i{made}", os.O_WRONLY | os.O_CREAT))
        made += 1
except OSError as e:
    ok(f"inodes stopped at {made} entries: {ename(e.errno)}")
    if e.errno not in (errno.ENOSPC, errno.EDQUOT):
        violation(f"the inode quota failed with {ename(e.errno)}, not ENOSPC")
if made > 4200:
    violation(f"made {made} files and directories with a quota of 4096")
done()
