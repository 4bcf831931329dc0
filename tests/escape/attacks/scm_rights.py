# Attack: passing fds over a unix socketpair (SCM_RIGHTS) to itself. The
# guest sends its own directory fds (/, /tmp, an interpreter directory),
# its stdin and an fd of a scratch file, receives them back and uses the
# copies as dirfds and fchdir targets toward the host canary. Harmless if
# it works (the guest only gets what it had), but a received fd must not
# give new access, e.g. by escaping the supervisor's fd-to-path map.
# Host-side check: the canary secret and the secret file name never appear
# in the output; the canary directory is unchanged.
import os
import socket

from _common import CANARY, CANARY_DIR, done, ename, ok, open_fails

rel = CANARY.lstrip("/")
up = "../" * 40
with open("/tmp/f", "w") as f:
    f.write("mine")
fds = [os.open(p, os.O_RDONLY | os.O_DIRECTORY) for p in ("/", "/tmp", os.path.dirname(os.__file__))]
fds += [0, os.open("/tmp/f", os.O_RDONLY)]
for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_SEQPACKET):
    a, b = socket.socketpair(socket.AF_UNIX, kind)
    try:
        socket.send_fds(a, [b"x"], fds)
    except OSError as e:
        ok(f"sendmsg(SCM_RIGHTS) on a {kind!r} socketpair: {ename(e.errno)}")
        continue
    msg, got, flags, addr = socket.recv_fds(b, 16, len(fds))
    ok(f"sendmsg(SCM_RIGHTS) on a socketpair passed {len(got)} fds to itself")
    for fd in got:
        open_fails(f"openat(received fd {fd}, ../../canary)", up + rel, dir_fd=fd)
        open_fails(f"openat(received fd {fd}, canary)", CANARY, dir_fd=fd)
        try:
            os.fchdir(fd)
            open_fails(f"after fchdir(received fd {fd}): open ../../canary", up + rel)
            open_fails(f"after fchdir(received fd {fd}): open canary dir", up + CANARY_DIR.lstrip("/"), os.O_RDONLY | os.O_DIRECTORY)
        except OSError as e:
            ok(f"fchdir(received fd {fd}): {ename(e.errno)}")
        os.chdir("/tmp")
done()
