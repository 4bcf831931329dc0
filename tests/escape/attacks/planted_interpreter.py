# Attack: an interpreter planted in a writable mount for the operator's
# next run, which would discover it (run it to ask for its layout).
# The runner mounts a host directory read-write at /rw and tells the guest
# its host path in /rw/host.txt (a project directory's path is no secret).
# The guest plants, for the runner's second runs from that directory:
#   - /rw/v: a copy of its own interpreter with a standard library of its
#     own whose encodings package (imported at every start, before -c)
#     writes a marker into the canary directory and names itself on
#     stderr;
#   - /rw/.python-version naming the pyenv version "../../…/<host>/v",
#     which a pyenv shim resolving names without refusing ".." would
#     take for $PYENV_ROOT/versions/<that>/bin/python3.
# Host-side check: the runner's `gaol run -- python3` from /rw with a
# pyenv shim first on PATH fails with status 125 and one line naming the
# version; its `gaol run -- <host>/v/bin/python3` runs the planted code
# only inside the discovery sandbox: the marker never appears and gaol
# fails with one line quoting the planted code's stderr.
import os
import shutil
import sys

from _common import CANARY_DIR, done, ok, violation

host = open("/rw/host.txt").read().strip()
v = "/rw/v"
lib = os.path.join(v, "lib", "python%d.%d" % sys.version_info[:2])
os.makedirs(os.path.join(v, "bin"))
os.makedirs(os.path.join(lib, "encodings"))
os.makedirs(os.path.join(lib, "lib-dynload"))
shutil.copy(sys.executable, os.path.join(v, "bin", "python3"))
open(os.path.join(lib, "os.py"), "w").close()
marker = os.path.join(CANARY_DIR, "planted-interpreter-ran")
with open(os.path.join(lib, "encodings", "__init__.py"), "w") as f:
    # encodings is imported before builtins.open and sys.stderr exist.
    f.write(f"""
import posix
try:
    fd = posix.open({marker!r}, posix.O_WRONLY | posix.O_CREAT, 0o644)
    posix.write(fd, b"ran natively")
    what = "wrote the marker"
except OSError as e:
    what = "could not write the marker: " + e.strerror
posix.write(2, ("planted code ran; " + what + "\\n").encode())
posix._exit(3)
""")
ok("planted an interpreter at /rw/v")
ups = "../" * 32
with open("/rw/.python-version", "w") as f:
    f.write(ups + host.lstrip("/") + "/v\n")
if not open("/rw/.python-version").read().startswith("../"):
    violation("/rw/.python-version does not read back")
ok("planted a .python-version naming it")
done()
