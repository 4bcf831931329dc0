# Attack: serving on the host's network. Run under a policy with a
# network.connect entry (127.0.0.1:9, where nothing listens, and a host
# listener at 127.0.0.1:$ALLOWED that accepts and hangs up), the guest
# tries every way of getting a host port to listen:
#   1. bind() to an ephemeral port, then listen() on an unbound socket
#      (the kernel picks a port by itself);
#   2. listen() on a host socket whose connect failed (non-blocking
#      connect to 127.0.0.1:9), and on one whose connection the peer
#      closed or connect(AF_UNSPEC) dissolved: such a socket is CLOSEd
#      and unbound, and a listen would bind it in the host's namespace;
#   3. a thread looping dup2() of a host socket and of a bound guest
#      socket over one fd number while another thread calls listen() on
#      it, thousands of times (a check on one, a listen on the other);
#   4. a native thread created without CLONE_FILES (its own fd table)
#      that creates a socket, connects it to an allowed destination and
#      listens on the same number the leader's table holds a bound
#      socket at.
# After each step it prints "CHECK: STEP" and holds its sockets for a
# moment. Host-side check: at every CHECK the runner finds no socket of
# the host's /proc/net/tcp{,6} in LISTEN state that a guest task (any
# thread's fd table) holds, and cannot connect to any port the guest
# says it listens on.
import ctypes
import errno
import mmap
import os
import socket
import struct
import threading
import time

from _common import done, ename, libc, note, ok, say, violation

ALLOWED = int(os.environ.get("ALLOWED", "0"))
DEAD = 9
listening = []


def check(step):
    say("CHECK", step)
    time.sleep(0.4)


def try_listen(s, what, host=False):
    """listen on s; a host socket (one a connect made) must refuse it."""
    try:
        s.listen(8)
    except OSError as e:
        ok(f"{what}: listen: {ename(e.errno)}")
        return
    name = s.getsockname()
    listening.append(name[1])
    say("LISTENING", str(name[1]))
    if host:
        violation(f"{what}: listen succeeded on {name}: the supervisor listened on another socket than this one")
    else:
        ok(f"{what}: listen succeeded on {name} (must be the guest's own namespace)")


# 1. bind and listen on unbound sockets.
s = socket.socket()
try:
    s.bind(("0.0.0.0", 0))
    note(f"bind(0.0.0.0:0) succeeded: {s.getsockname()} (the guest's own namespace)")
except OSError as e:
    ok(f"bind(0.0.0.0:0): {ename(e.errno)}")
    s.close()
    s = socket.socket()
try_listen(s, "unbound TCP socket")
s6 = socket.socket(socket.AF_INET6)
try_listen(s6, "unbound TCP6 socket")
check("unbound")

# 2. host sockets in CLOSE: a failed connect, a peer that hung up, AF_UNSPEC.
held = [s, s6]
f = socket.socket()
f.setblocking(False)
r = f.connect_ex(("127.0.0.1", DEAD))
ok(f"non-blocking connect to 127.0.0.1:{DEAD}: {ename(r) if r else 0}")
time.sleep(0.1)
r = f.connect_ex(("127.0.0.1", DEAD))
ok(f"connect again (collects the failure, the socket is unconnected): {ename(r) if r else 0}")
try_listen(f, "failed connect", host=True)
held.append(f)
if ALLOWED:
    c = socket.create_connection(("127.0.0.1", ALLOWED), timeout=5)
    c.settimeout(2)
    try:
        c.recv(1)  # the host hangs up
    except OSError:
        pass
    c.shutdown(socket.SHUT_WR)
    time.sleep(0.1)
    try_listen(c, "connection the peer closed", host=True)
    held.append(c)
    d = socket.create_connection(("127.0.0.1", ALLOWED), timeout=5)
    unspec = ctypes.create_string_buffer(16)
    r = libc.connect(d.fileno(), unspec, 16)
    ok(f"connect(AF_UNSPEC): {r} {ename(ctypes.get_errno()) if r else ''}")
    try_listen(d, "connection dissolved by AF_UNSPEC", host=True)
    held.append(d)
else:
    violation("the runner gave no ALLOWED port")
check("closed host sockets")

# 3. dup2 racing listen.
bound = socket.socket()
try:
    bound.bind(("127.0.0.1", 0))
except OSError:
    pass
bound.listen()  # a guest socket, listening in the guest's namespace
hostsock = socket.socket()
hostsock.setblocking(False)
hostsock.connect_ex(("127.0.0.1", DEAD))
time.sleep(0.05)
hostsock.connect_ex(("127.0.0.1", DEAD))  # unconnected, unbound, CLOSEd
target = os.dup(bound.fileno())
stop = False


def flipper():
    while not stop:
        libc.dup2(hostsock.fileno(), target)
        libc.dup2(bound.fileno(), target)


th = threading.Thread(target=flipper)
th.start()
results = {}
for i in range(3000):
    r = libc.listen(target, 8)
    e = ctypes.get_errno() if r else 0
    results[e] = results.get(e, 0) + 1
stop = True
th.join()
ok(f"listen while dup2 flips the fd: {dict((ename(k) if k else 0, v) for k, v in results.items())}")
held += [bound, hostsock]
check("dup2 race")

# 4. a native thread without CLONE_FILES.
CLONE_VM, CLONE_SIGHAND, CLONE_THREAD, CLONE_SYSVSEM = 0x100, 0x800, 0x10000, 0x40000
shared = ctypes.create_string_buffer(256)
struct.pack_into("<q", shared, 24, 28)                 # socklen for getsockname
struct.pack_into("<qq", shared, 80, 0, 10_000_000)     # 10 ms
sa = struct.pack("<H", socket.AF_INET) + struct.pack(">H", DEAD) + socket.inet_aton("127.0.0.1") + bytes(8)
ctypes.memmove(ctypes.addressof(shared) + 128, sa, 16)
struct.pack_into("<q", shared, 120, bound.fileno())    # the number to use in the thread's own table


def asm():
    # rbx = arg; fd = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0);
    # dup2(fd, [rbx+120]); connect(num, rbx+128, 16) twice (the second
    # collects the failure and leaves the socket unconnected); listen(num, 8);
    # getsockname(num, rbx+32, rbx+24); then nanosleep until [rbx+64].
    c = b"\x48\x89\xfb"                                  # mov rbx, rdi
    c += b"\xb8\x29\x00\x00\x00\xbf\x02\x00\x00\x00"     # eax=41 edi=2
    c += b"\xbe\x01\x08\x00\x00\x31\xd2\x0f\x05"         # esi=SOCK_STREAM|SOCK_NONBLOCK edx=0 syscall
    c += b"\x48\x89\xc7\x48\x8b\x73\x78"                 # rdi=rax rsi=[rbx+120]
    c += b"\xb8\x21\x00\x00\x00\x0f\x05"                 # dup2
    c += b"\x48\x89\x03"                                 # [rbx]=rax (the number)
    c += b"\x48\x8b\x3b\x48\x8d\xb3\x80\x00\x00\x00"     # rdi=[rbx] rsi=rbx+128
    c += b"\xba\x10\x00\x00\x00\xb8\x2a\x00\x00\x00\x0f\x05"  # edx=16 connect
    c += b"\x48\x89\x43\x68"                             # [rbx+104]=rax (connect)
    c += b"\xb8\x23\x00\x00\x00\x48\x8d\x7b\x50\x31\xf6\x0f\x05"  # nanosleep 10ms (let it fail)
    c += b"\x48\x8b\x3b\x48\x8d\xb3\x80\x00\x00\x00"     # rdi=[rbx] rsi=rbx+128
    c += b"\xba\x10\x00\x00\x00\xb8\x2a\x00\x00\x00\x0f\x05"  # connect again: collects the error,
    c += b"\x48\x89\x43\x70"                             # [rbx+112]=rax   the socket is unconnected
    c += b"\x48\x8b\x3b\xbe\x08\x00\x00\x00"             # rdi=[rbx] esi=8
    c += b"\xb8\x32\x00\x00\x00\x0f\x05"                 # listen
    c += b"\x48\x89\x43\x08"                             # [rbx+8]=rax
    c += b"\x48\x8b\x3b\x48\x8d\x73\x20\x48\x8d\x53\x18"  # rdi=[rbx] rsi=rbx+32 rdx=rbx+24
    c += b"\xb8\x33\x00\x00\x00\x0f\x05"                 # getsockname
    c += b"\x48\x89\x43\x10"                             # [rbx+16]=rax
    c += b"\xc7\x43\x48\x01\x00\x00\x00"                 # [rbx+72]=1 (ready)
    loop = b"\x48\x8d\x7b\x50\x31\xf6\xb8\x23\x00\x00\x00\x0f\x05"  # nanosleep
    loop += b"\x48\x83\x7b\x40\x00"                      # cmp [rbx+64], 0
    loop += b"\x74" + bytes([(256 - (len(loop) + 2)) & 0xff])  # je loop
    loop += b"\xb8\x3c\x00\x00\x00\x31\xff\x0f\x05"      # exit(0): this thread only
    return c + loop


code = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
code.write(asm())
fn = ctypes.addressof(ctypes.c_char.from_buffer(code))
stack = mmap.mmap(-1, 1 << 16, prot=mmap.PROT_READ | mmap.PROT_WRITE)
top = ctypes.addressof(ctypes.c_char.from_buffer(stack)) + (1 << 16) - 64
libc.clone.restype = ctypes.c_int
libc.clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
tid = libc.clone(fn, top, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, ctypes.addressof(shared))
if tid < 0:
    # Refused at the clone (the supervisor allows no thread with an fd
    # table of its own): the host still must see no listener.
    ok(f"clone of a thread without CLONE_FILES: {ename(ctypes.get_errno())}")
    check("own fd table")
else:
    for _ in range(300):
        if struct.unpack_from("<i", shared, 72)[0]:
            break
        time.sleep(0.01)
    num, lret, gret = struct.unpack_from("<qqq", shared, 0)
    cret, cret2 = struct.unpack_from("<qq", shared, 104)
    port = struct.unpack_from(">H", shared, 34)[0]
    ok(f"thread {tid} without CLONE_FILES: fd {num}, connect {cret} then {cret2}, listen {lret}, getsockname {gret} port {port}")
    if cret in (0, -errno.EINPROGRESS) and lret == 0:
        violation("listen on the thread's own host socket succeeded: the check or the listen used another fd table")
    if lret == 0 and gret == 0 and not port:
        violation("listen returned 0 but the thread's socket has no port: it acted on another fd table's socket")
    if lret == 0 and gret == 0 and port:
        listening.append(port)
        say("LISTENING", str(port))
    check("own fd table")
    struct.pack_into("<q", shared, 64, 1)
    time.sleep(0.1)
for x in held:
    x.close()
done()
