# Attack: a memory bomb. The guest allocates and touches memory in 8 MiB
# pieces (below the size from which gaol sees each mapping), and grows one
# bytearray by doubling, until something stops it: RLIMIT_AS (MemoryError)
# or gaol's resident-memory watcher.
# Host-side check: the run ends within its budget, either cleanly after a
# MemoryError or with limit "memory", and the guest's peak RSS as gaol
# measured it stays within the budget (plus a little slack).
from _common import done, ok

chunks = []
total = 0
try:
    while True:
        chunks.append(b"x" * (8 << 20))
        total += 8 << 20
except MemoryError:
    ok(f"MemoryError after {total >> 20} MiB in 8 MiB pieces")
chunks = []
b = bytearray(1 << 20)
try:
    while True:
        b *= 2
except MemoryError:
    ok(f"MemoryError when doubling a bytearray past {len(b) >> 20} MiB")
done()
