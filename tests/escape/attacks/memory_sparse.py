# Attack: huge sparse mappings. A 1 TiB MAP_NORESERVE anonymous mapping
# costs nothing until touched, so RLIMIT_AS alone would refuse it with an
# error the guest may catch and retry smaller; gaol refuses every mapping
# that would take the guest past its memory budget and ends the run there.
# Host-side check: the run ends with limit "memory" (status 124), promptly,
# and leaves nothing behind.
import mmap

from _common import ok, say, violation

MAP_NORESERVE = 0x4000
say("ok", "mapping 1 TiB with MAP_NORESERVE")
print("ARMED", flush=True)
try:
    m = mmap.mmap(-1, 1 << 40, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_NORESERVE)
    violation("a 1 TiB mapping succeeded")
    m[0:1] = b"x"
    m[(1 << 40) - 1:1 << 40] = b"x"
except (OSError, OverflowError) as e:
    ok(f"1 TiB mapping refused: {e}")
for size in (64 << 30, 4 << 30, 2 << 30):
    try:
        m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_NORESERVE)
        violation(f"a {size >> 30} GiB mapping succeeded")
    except OSError as e:
        ok(f"{size >> 30} GiB mapping refused: {e}")
print("SURVIVED", flush=True)
