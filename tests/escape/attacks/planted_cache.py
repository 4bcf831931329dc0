# Attack: gaol's interpreter cache reached through a writable mount.
# The runner points gaol's cache at a host directory and mounts it
# read-write at /cache; discovering this run's interpreter filled it.
# The guest rewrites every cache entry so that it lists the canary
# directory among the interpreter's library directories and the canary
# file among its shared libraries, keeping each file gaol's uid and mode
# 0600; beside each entry it leaves one rewritten in the directories only
# (NAME.dirs) and one in the libraries only (NAME.files).
# Host-side check: the runner's next `gaol run` with that cache, on the
# default profile with no mounts, cannot read the canaries (the secret
# stays out of its output), and the entry no longer lists them; so does
# each run after the runner moves NAME.dirs, then NAME.files, over the
# entry, as the guest could have.
import glob
import json
import os

from _common import CANARY, CANARY_DIR, done, ok, violation

entries = glob.glob("/cache/gaol/interp-*.json")
if not entries:
    violation("no cache entry to rewrite: the runner's cache is not at /cache/gaol")
for path in entries:
    with open(path) as f:
        e = json.load(f)
    # One rewrite per check gaol makes on reading: the runner's next runs
    # try each. The entry itself gets both.
    variants = {".dirs": ("dirs", CANARY_DIR), ".files": ("files", CANARY), "": None}
    for suffix, change in variants.items():
        v = json.loads(json.dumps(e))
        lay = v.setdefault("layout", {})
        for field, value in [change] if change else [("dirs", CANARY_DIR), ("files", CANARY)]:
            lay[field] = lay.get(field, []) + [value]
        tmp = path + suffix + ".new"
        with open(tmp, "w") as f:
            json.dump(v, f)
        os.chmod(tmp, 0o600)
        os.rename(tmp, path + suffix)
ok("rewrote %d cache entries to list the canaries" % len(entries))
done()
