# Attack: the host's network. TCP connect to the host's listener on
# 127.0.0.1:PORT (and through localhost, ::1, ::ffff:127.0.0.1, 0.0.0.0),
# TCP Fast Open (sendto with MSG_FASTOPEN), UDP sendto, connect+send,
# sendmsg with an address and sendmmsg, raw, packet, netlink and vsock
# sockets, and listening for connections. The guest has its own empty
# network namespace, and the supervisor refuses every address.
# Host-side check: the host TCP listener accepted nothing and the host UDP
# socket received nothing.
import ctypes
import socket
import struct

from _common import TCP_PORT, UDP_PORT, done, ename, note, ok, violation


def attempt(what, fn):
    try:
        fn()
        violation(f"{what} succeeded")
    except OSError as e:
        ok(f"{what}: {ename(e.errno) if e.errno else e}")


for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "0.0.0.0"), (socket.AF_INET, "localhost"),
                  (socket.AF_INET6, "::1"), (socket.AF_INET6, "::ffff:127.0.0.1")):
    def tcp(fam=fam, host=host):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect((host, TCP_PORT))
        finally:
            s.close()
    attempt(f"TCP connect {host}:{TCP_PORT}", tcp)

    def tfo(fam=fam, host=host):
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.sendto(b"x", socket.MSG_FASTOPEN, (host, TCP_PORT))
        finally:
            s.close()
    attempt(f"TCP Fast Open to {host}:{TCP_PORT}", tfo)

    def udp(fam=fam, host=host):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.sendto(b"x", (host, UDP_PORT))
        finally:
            s.close()
    attempt(f"UDP sendto {host}:{UDP_PORT}", udp)

    def udp_connect(fam=fam, host=host):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.connect((host, UDP_PORT))
            s.send(b"x")
        finally:
            s.close()
    attempt(f"UDP connect+send {host}:{UDP_PORT}", udp_connect)

    def udp_sendmsg(fam=fam, host=host):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.sendmsg([b"x"], [], 0, (host, UDP_PORT))
        finally:
            s.close()
    attempt(f"UDP sendmsg with address {host}:{UDP_PORT}", udp_sendmsg)

# sendmmsg with an address, by hand.
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sa = ctypes.create_string_buffer(struct.pack("<H", 2) + struct.pack(">H", UDP_PORT) + socket.inet_aton("127.0.0.1"), 16)
data = ctypes.create_string_buffer(b"x")
iov = struct.pack("<QQ", ctypes.addressof(data), 1)
iovb = ctypes.create_string_buffer(iov)
hdr = ctypes.create_string_buffer(struct.pack("<QIxxxxQQQQixxxxIxxxx", ctypes.addressof(sa), 16, ctypes.addressof(iovb), 1, 0, 0, 0, 0))
r = libc.sendmmsg(s.fileno(), hdr, 1, 0)
if r > 0:
    violation("sendmmsg with an address sent a datagram")
else:
    ok(f"sendmmsg with an address: {ename(ctypes.get_errno())}")
s.close()

for fam, kind, proto, name in ((socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP, "raw IPv4"),
                               (socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP, "ICMP ping"),
                               (17, socket.SOCK_RAW, 0, "AF_PACKET"),
                               (16, socket.SOCK_RAW, 0, "AF_NETLINK"),
                               (40, socket.SOCK_STREAM, 0, "AF_VSOCK")):
    try:
        s = socket.socket(fam, kind, proto)
    except OSError as e:
        ok(f"{name} socket: {ename(e.errno)}")
        continue
    if fam == 40:
        attempt("AF_VSOCK connect to the hypervisor (CID 2)", lambda: s.connect((2, 1234)))
    elif fam == 16:
        ok("AF_NETLINK socket created (own namespace)")
    else:
        attempt(f"{name} send", lambda: s.sendto(b"x", ("127.0.0.1", UDP_PORT)))
    s.close()

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
attempt("TCP bind 0.0.0.0:0", lambda: srv.bind(("0.0.0.0", 0)))
try:
    srv.listen()
    # listen() on an unbound socket binds it to an ephemeral port without
    # a bind() call. Here that port is in the guest's own, empty network
    # namespace: nobody can reach it.
    ok(f"listen() on an unbound socket binds {srv.getsockname()} in the guest's own "
       "network namespace, which every policy gets (see network_listen)")
except OSError as e:
    ok(f"TCP listen on an unbound socket: {ename(e.errno)}")
srv.close()
try:
    names = socket.if_nameindex()
    ok(f"interfaces visible: {names}")
except OSError as e:
    ok(f"if_nameindex: {ename(e.errno)}")
done()
