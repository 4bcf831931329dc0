# Attack: unix sockets to host listeners. connect() and sendto() to the
# host's abstract listener "\0NAME" (abstract sockets belong to a network
# namespace) and to the host's filesystem socket by its host path; bind()
# of abstract and filesystem names; symlinks in /tmp to the host socket;
# a raw connect through ctypes.
# Host-side check: neither host listener (abstract or filesystem) accepted
# a connection.
import ctypes
import os
import socket

from _common import ABSTRACT, UNIX_SOCK, done, ename, ok, violation

targets = ["\0" + ABSTRACT, UNIX_SOCK, "\0" + ABSTRACT + "\0", UNIX_SOCK + "/", "//" + UNIX_SOCK.lstrip("/")]
for t in targets:
    for kind in (socket.SOCK_STREAM, socket.SOCK_SEQPACKET, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_UNIX, kind)
        try:
            if kind == socket.SOCK_DGRAM:
                s.sendto(b"x", t)
            else:
                s.connect(t)
            violation(f"unix {kind!r} reached {t!r}")
        except OSError as e:
            ok(f"unix {kind.name} to {t!r}: {ename(e.errno)}")
        s.close()
for name in ("\0gaol-guest-bind", "/tmp/guest.sock", "\0" + ABSTRACT):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind(name)
        s.listen()
        violation(f"bind+listen on {name!r} succeeded")
    except OSError as e:
        ok(f"bind {name!r}: {ename(e.errno)}")
    s.close()

# Symlinks the guest makes in its own /tmp to the host's socket: gaol
# resolves them in the guest's tree, where the host path does not exist.
for i, target in enumerate([UNIX_SOCK, "../" * 16 + UNIX_SOCK.lstrip("/")]):
    link = f"/tmp/to-host-{i}.sock"
    os.symlink(target, link)
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_UNIX, kind)
        try:
            if kind == socket.SOCK_DGRAM:
                s.sendto(b"x", link)
            else:
                s.connect(link)
            violation(f"unix {kind!r} reached the host socket through {link} -> {target}")
        except OSError as e:
            ok(f"unix {kind.name} through {link} -> {target!r}: {ename(e.errno)}")
        s.close()

# A raw connect with a hand-built sockaddr_un.
libc = ctypes.CDLL(None, use_errno=True)
for t in targets[:2]:
    path = t.encode()
    sa = ctypes.create_string_buffer(b"\x01\x00" + path, 110)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    r = libc.connect(s.fileno(), sa, 2 + len(path))
    if r == 0:
        violation(f"raw connect to {t!r} succeeded")
    else:
        ok(f"raw connect to {t!r}: {ename(ctypes.get_errno())}")
    s.close()
done()
