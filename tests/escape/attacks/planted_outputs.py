# Attack: links left in a writable mount for gaol's own host-side writes.
# The runner mounts a host directory read-write at /rw; the policy keeps
# the scratch /out into /rw/keep (a directory inside that mount). The
# guest leaves, for the copy after this run and for the operator's next
# `gaol run --result result.json --trace trace.jsonl` from that directory:
# result.json and trace.jsonl linked to the host canary, out linked to the
# canary directory, keep/sub linked to the canary directory and
# keep/canary.txt to the canary (the names /out also holds, so the copy
# writes them), keep2 (another keep directory) replaced by a link to the
# canary directory, a hard link hard.jsonl to a file of the mount, and a
# FIFO fifo.jsonl.
# Host-side check: the canary directory is unchanged after this run and
# after the runner's second runs from /rw, which must each fail with
# status 125 and one line naming the link (or the hard link, or the
# FIFO); this run's copy replaced the planted links in /rw/keep with the
# scratch's files.
import os
import shutil

from _common import CANARY, CANARY_DIR, done, ok, violation

os.makedirs("/out/sub")
with open("/out/sub/b.txt", "w") as f:
    f.write("beta")
with open("/out/canary.txt", "w") as f:
    f.write("alpha")
ok("wrote /out/sub/b.txt and /out/canary.txt")

plants = [
    ("/rw/result.json", CANARY),
    ("/rw/trace.jsonl", CANARY),
    ("/rw/out", CANARY_DIR),
    ("/rw/keep/sub", CANARY_DIR),
    ("/rw/keep/canary.txt", CANARY),
]
for path, target in plants:
    os.symlink(target, path)
    if os.readlink(path) != target:
        violation(f"{path} does not read back as the link just made")
shutil.rmtree("/rw/keep2")
os.symlink(CANARY_DIR, "/rw/keep2")
with open("/rw/data", "w") as f:
    f.write("data")
os.link("/rw/data", "/rw/hard.jsonl")
os.mkfifo("/rw/fifo.jsonl")
ok("planted links, a hard link and a FIFO in /rw")
done()
