# Attack: serving on the host's network. Run under a policy that shares
# the host's network to allow one outgoing destination (127.0.0.1:9) and
# nothing else, the guest tries to accept connections: bind() to an
# ephemeral port (which the policy must refuse), then listen() on an
# unbound socket, which makes the kernel pick a port by itself without a
# bind() call for the supervisor to check. It prints "LISTENING: PORT"
# and waits for a connection.
# Host-side check: the runner, on the host, cannot connect to that port
# (no policy rule lets the guest accept connections).
import socket

from _common import done, ename, ok, say, violation

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.bind(("0.0.0.0", 0))
    violation(f"bind(0.0.0.0:0) succeeded: {s.getsockname()}")
except OSError as e:
    ok(f"bind(0.0.0.0:0): {ename(e.errno)}")
    s.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.listen()
except OSError as e:
    ok(f"listen() on an unbound socket: {ename(e.errno)}")
    done()
    raise SystemExit(0)
port = s.getsockname()[1]
say("LISTENING", str(port))
s.settimeout(3)
try:
    conn, peer = s.accept()
    violation(f"accepted a connection from {peer} on port {port}")
    conn.close()
except OSError as e:
    ok(f"no connection accepted: {e}")
done()
