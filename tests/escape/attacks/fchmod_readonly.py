# Attack: changing a read-only host file through an fd. The runner mounts
# one host directory read-only at /ro and another, on the same host
# filesystem, read-write at /rw (a common setup: inputs read-only, an
# output directory writable). The guest opens /ro/file and /ro/sub
# read-only and calls fchmod (making the file setuid and world-writable),
# futimens, fchown and fsetxattr on the fds: calls that carry no path, so
# the mount the fd came from must be known some other way than by its
# device number.
# Host-side check: the read-only host directory is unchanged (modes, times,
# owners). A failure here means any --rw mount on the same filesystem as
# the interpreter lets the guest chmod the interpreter's host files too.
import os

from _common import done, must_fail

for path in ("/ro/file", "/ro/sub"):
    fd = os.open(path, os.O_RDONLY)
    must_fail(f"fchmod({path} fd, 04777)", os.fchmod, fd, 0o4777)
    must_fail(f"futimens({path} fd, epoch)", os.utime, fd, (0, 0))
    must_fail(f"fchown({path} fd)", os.fchown, fd, 1000, 1000)
    must_fail(f"fsetxattr({path} fd)", os.setxattr, fd, "user.pwned", b"1")
    os.close(fd)
# The same through the writable mount's own file, which is allowed.
with open("/rw/mine", "w") as f:
    f.write("mine")
os.chmod("/rw/mine", 0o600)
done()
