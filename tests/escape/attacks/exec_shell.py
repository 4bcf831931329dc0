# Attack: a shell. exec of /bin/sh and /usr/bin/sh by their host paths,
# os.system, os.popen, subprocess with shell=True, pty.spawn — each would
# print a marker line if a shell ever ran.
# Host-side check: the marker never appears in the output, and no process
# is left behind.
import os
import subprocess

from _common import done, marker, must_fail, ok, violation

cmd = "echo " + marker("shell")
for sh in ("/bin/sh", "/usr/bin/sh", "/bin/bash", "/usr/bin/env"):
    must_fail(f"execv({sh})", os.execv, sh, [sh, "-c", cmd])
st = os.system(cmd)
if st == 0:
    violation("os.system ran a shell")
else:
    ok(f"os.system: status {st}")
must_fail("subprocess.run(shell=True)", subprocess.run, cmd, shell=True)
must_fail("subprocess.run([/bin/sh])", subprocess.run, ["/bin/sh", "-c", cmd])
try:
    out = os.popen(cmd).read()
    if out:
        violation(f"os.popen ran a shell: {out!r}")
    else:
        ok("os.popen produced nothing")
except OSError as e:
    ok(f"os.popen: {e.errno}")
try:
    import pty
    pty.spawn(["/bin/sh", "-c", cmd])
    violation("pty.spawn returned")
except OSError as e:
    ok(f"pty.spawn: {e.errno}")
done()
