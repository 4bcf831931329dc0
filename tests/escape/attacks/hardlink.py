# Attack: hard links to files outside the guest's writable mounts. A link
# from a read-only mount (the interpreter binary) into the scratch /tmp
# would make a host file writable or keep it after the run; a link to the
# host canary path, or through a guest symlink to it, or of an fd with
# AT_EMPTY_PATH, would give the guest a name for a host file.
# Host-side check: the canary's link count, content, mode and times are
# unchanged and nothing new appears in the canary directory.
import os
import sys

from _common import AT_FDCWD, AT_EMPTY_PATH, CANARY, CANARY_DIR, done, must_fail, ok, refused, violation, ename

AT_SYMLINK_FOLLOW = 0x400
for src in (sys.executable, "/usr/bin/python3", os.__file__):
    must_fail(f"link({src}, /tmp/x)", os.link, src, "/tmp/x")
must_fail("link(canary, /tmp/c)", os.link, CANARY, "/tmp/c")
os.symlink(CANARY, "/tmp/to-canary")
refused("linkat(/tmp/to-canary, AT_SYMLINK_FOLLOW)", "linkat", AT_FDCWD, "/tmp/to-canary", AT_FDCWD, "/tmp/c2", AT_SYMLINK_FOLLOW)
os.symlink(sys.executable, "/tmp/to-python")
refused("linkat(/tmp/to-python, AT_SYMLINK_FOLLOW)", "linkat", AT_FDCWD, "/tmp/to-python", AT_FDCWD, "/tmp/py", AT_SYMLINK_FOLLOW)
fd = os.open(sys.executable, os.O_RDONLY)
refused("linkat(interpreter fd, '', AT_EMPTY_PATH)", "linkat", fd, "", AT_FDCWD, "/tmp/py2", AT_EMPTY_PATH)
must_fail("link(/tmp/x, canary dir)", os.link, "/tmp/to-canary", CANARY_DIR + "/guest-link")
# Within the scratch mount a link is fine.
with open("/tmp/mine", "w") as f:
    f.write("mine")
try:
    os.link("/tmp/mine", "/tmp/mine2")
    ok("link within /tmp works")
except OSError as e:
    violation(f"link within /tmp failed: {ename(e.errno)} (the test's premise)")
for p in ("/tmp/x", "/tmp/c", "/tmp/c2", "/tmp/py", "/tmp/py2"):
    if os.path.exists(p):
        violation(f"{p} exists after the attack")
done()
