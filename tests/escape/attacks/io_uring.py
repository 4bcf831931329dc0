# Attack: io_uring, whose submission queue performs opens, reads and
# connects inside the kernel where no seccomp filter sees them.
# io_uring_setup, io_uring_enter and io_uring_register are tried directly.
# Host-side check: the canary secret never appears (a ring would be used to
# read the canary if setup succeeded) and the canary directory is unchanged.
import ctypes

from _common import done, ok, refused, sys_, violation, ename

params = ctypes.create_string_buffer(120)
r, e = sys_("io_uring_setup", 8, params)
if r >= 0:
    violation(f"io_uring_setup returned a ring fd {r}: submissions bypass the filter")
else:
    ok(f"io_uring_setup: {ename(e)}")
refused("io_uring_enter(-1)", "io_uring_enter", -1, 1, 0, 0, 0, 0)
refused("io_uring_register(-1)", "io_uring_register", -1, 0, 0, 0)
done()
