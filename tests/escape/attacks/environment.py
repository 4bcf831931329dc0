# Attack: reading the host's environment. The runner sets a variable with
# a secret name and value in gaol's own environment; the guest prints its
# whole environment, /proc/self/environ and /proc/1/environ, its auxiliary
# vector's strings and its argv.
# Host-side check: neither the secret variable's name nor its value appears
# in the output, and the guest's variables are exactly the policy's.
import os
import sys

from _common import arg, done, ename, ok, violation

# The runner passes the built-in profile's variables (policyenv=A,B,...).
POLICY = set(filter(None, arg("policyenv", "").split(",")))
env = dict(os.environ)
print("ENVIRONMENT", sorted(env.items()), flush=True)
extra = sorted(set(env) - POLICY)
if extra:
    violation(f"variables the policy does not set: {extra}")
else:
    ok(f"the environment is the policy's: {sorted(env)}")
for p in ("/proc/self/environ", "/proc/1/environ", f"/proc/{os.getppid()}/environ", "/proc/self/auxv"):
    try:
        with open(p, "rb") as f:
            data = f.read(4096)
        ok(f"{p} reads {data!r:.300}")
    except OSError as e:
        ok(f"{p}: {ename(e.errno)}")
ok(f"argv is {sys.argv!r:.200}")
done()
