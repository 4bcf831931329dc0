# Attack: time-of-check/time-of-use on the path buffer. A native thread
# (machine code, running without the GIL) keeps flipping the first 8 bytes
# of a path buffer between "/tmp/ok\0" (a scratch file) and "////////",
# which turns the buffer into the host canary path (or /etc/passwd) written
# after it, while Python threads call open(), newfstatat() and readlink()
# on the same buffer through ctypes thousands of times. If the supervisor
# checked one string and let the kernel re-read the pointer, some opens
# would reach the host file.
# Host-side check: the canary secret and the host's /etc/passwd never appear
# in the output or the trace; every open that succeeded read "fine".
import ctypes
import os
import struct
import threading

from _common import CANARY, done, native, ok, stray_fd, sys_, violation, AT_FDCWD

ITER = 2500
with open("/tmp/ok", "w") as f:
    f.write("fine")

# flip(uint64 *dst, uint64 a, uint64 b, volatile int *stop)
flip_code = (b"\x48\x89\x37"      # loop: mov [rdi], rsi
             b"\x48\x89\x17"      #       mov [rdi], rdx
             b"\x8b\x01"          #       mov eax, [rcx]
             b"\x85\xc0"          #       test eax, eax
             b"\x74\xf4"          #       jz loop
             b"\xc3")             #       ret
mem, addr = native(flip_code)
flip = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p)(addr)
head_ok = struct.unpack("<Q", b"/tmp/ok\0")[0]
head_bad = struct.unpack("<Q", b"////////")[0]

libc = ctypes.CDLL(None, use_errno=True)
libc.open.restype = ctypes.c_int
libc.open.argtypes = [ctypes.c_char_p, ctypes.c_int]


def attack(tail):
    buf = ctypes.create_string_buffer(b"/tmp/ok\0" + tail.encode(), 4096)
    stop = ctypes.c_int(0)
    t = threading.Thread(target=flip, args=(ctypes.addressof(buf), head_ok, head_bad, ctypes.addressof(stop)))
    t.start()
    counts = {"ok": 0, "denied": 0}
    statbuf = ctypes.create_string_buffer(256)
    linkbuf = ctypes.create_string_buffer(4096)
    bad = []

    def opener():
        for _ in range(ITER):
            fd = libc.open(buf, os.O_RDONLY)
            if fd < 0:
                counts["denied"] += 1
                continue
            if stray_fd(fd, "open"):
                continue
            data = os.read(fd, 200)
            os.close(fd)
            if data == b"fine":
                counts["ok"] += 1
            else:
                bad.append(data)

    def statter():
        for _ in range(ITER):
            r, _e = sys_("newfstatat", AT_FDCWD, buf, statbuf, 0)
            if r == 0:
                size = struct.unpack_from("<q", statbuf.raw, 48)[0]
                if size != 4:
                    bad.append(f"stat saw a {size}-byte file")
            r, _e = sys_("readlink", buf, linkbuf, 4096)
            if r >= 0:
                bad.append(f"readlink read {linkbuf.raw[:r]!r}")

    workers = [threading.Thread(target=opener), threading.Thread(target=opener), threading.Thread(target=statter)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.value = 1
    t.join()
    for b in bad[:5]:
        violation(f"a flipped path reached {tail}: {b!r:.300}")
    if not bad:
        ok(f"{2 * ITER} opens of a buffer flipping to {tail}: {counts['ok']} read the scratch file, "
           f"{counts['denied']} failed, none reached it")


attack(CANARY)
attack("/etc/passwd")
done()
