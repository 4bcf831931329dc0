# Attack: file descriptors inherited from whoever started gaol. The runner
# starts gaol with extra open fds, as a careless parent would (a shell's
# `3<file`, subprocess with close_fds=False): the host canary file, the
# canary directory and the write end of a host pipe. The guest probes every
# fd from 3 to 1023 with fcntl(F_GETFD), reads what it finds, lists
# directories and writes to what is writable.
# Host-side check: the canary secret and the secret file name never appear
# in the output, nothing reaches the host pipe, and the guest sees no fd
# but 0, 1 and 2.
import fcntl
import os
import stat

from _common import done, ename, marker, ok, violation

found = []
for fd in range(3, 1024):
    try:
        fcntl.fcntl(fd, fcntl.F_GETFD)
    except OSError:
        continue
    found.append(fd)
if not found:
    ok("the guest holds no fd but 0, 1 and 2")
for fd in found:
    st = os.fstat(fd)
    what = f"fd {fd} ({stat.filemode(st.st_mode)}, {st.st_size} bytes)"
    if stat.S_ISDIR(st.st_mode):
        try:
            violation(f"inherited {what} lists {os.listdir(fd)!r:.300}")
        except OSError as e:
            violation(f"inherited {what}, unlistable: {ename(e.errno)}")
        continue
    try:
        violation(f"inherited {what} reads {os.pread(fd, 200, 0)!r}")
    except OSError:
        try:
            violation(f"inherited {what} reads {os.read(fd, 200)!r}")
        except OSError as e:
            violation(f"inherited {what}, unreadable: {ename(e.errno)}")
    try:
        os.set_blocking(fd, False)
        n = os.write(fd, (marker("inherited fd") + "\n").encode())
        violation(f"inherited {what} took a {n}-byte write")
    except OSError:
        pass
done()
