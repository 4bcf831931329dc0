# Attack: spelling host paths so that a path filter might not recognise
# them: repeated slashes, "." and ".." runs (also past a mount's root and
# past the guest's root), trailing slashes and dots, Unicode look-alikes
# (fullwidth letters, division slash, zero-width characters, decomposed
# forms), overlong UTF-8 for "/" and ".", invalid UTF-8, backslashes,
# percent-encoding, and a NUL inside the buffer (the kernel and a correct
# supervisor stop at the first NUL).
# Host-side check: the canary secret and the host's /etc/passwd never appear
# in the output; the canary directory is unchanged.
import ctypes
import os

from _common import CANARY, CANARY_DIR, done, ok, open_fails, sys_, violation, ename

rel = CANARY.lstrip("/")
lib = os.path.dirname(os.__file__)
paths = [
    "////etc///passwd", "/./etc/./passwd", "/tmp/../etc/passwd", "/tmp/" + "../" * 50 + "etc/passwd",
    lib + "/" + "../" * 30 + "etc/passwd", "//" + rel, "/" + rel.replace("/", "/./"),
    "/" + rel.replace("/", "//"), "/tmp/" + "../" * 50 + rel, lib + "/" + "../" * 30 + rel,
    "/usr/lib/../../.." + CANARY, CANARY + "/.", CANARY + "/", CANARY + "/..",
    CANARY_DIR + "/./" + os.path.basename(CANARY), "/etc/passwd/.", "/etc//passwd/",
    "/\uff45\uff54\uff43/passwd", "/etc\u2215passwd", "/etc/pass\u200bwd", "/e\u0301tc/passwd",
    "\\etc\\passwd", "/etc/passwd%00", "%2fetc%2fpasswd", "/etc/%2e%2e/etc/passwd",
    "/tmp/..\u2024/etc/passwd", "/tmp/\u2025/etc/passwd",
]
for p in paths:
    open_fails(f"open({p!r:.80})", p)
raw = [
    b"/\xc0\xafetc\xc0\xafpasswd", b"/tmp/\xc0\xae\xc0\xae/etc/passwd", b"/etc/passwd\xff",
    b"/\xe0\x80\xafetc/passwd", CANARY.encode().replace(b"/", b"\xc0\xaf"),
]
for p in raw:
    open_fails(f"open({p!r:.80})", p)

# A NUL inside the buffer: everything after it is ignored.
with open("/tmp/ok", "w") as f:
    f.write("fine")
for tail in (b"/../../etc/passwd", b"/../../" + rel.encode(), b"\x00" + CANARY.encode()):
    buf = ctypes.create_string_buffer(b"/tmp/ok\x00" + tail, 4096)
    r, e = sys_("open", buf, os.O_RDONLY, 0)
    if r < 0:
        violation(f"open(/tmp/ok\\0...) failed: {ename(e)}")
        continue
    data = os.read(r, 100)
    os.close(r)
    if data == b"fine":
        ok(f"open('/tmp/ok\\0{tail[:20]!r}...') stopped at the NUL")
    else:
        violation(f"open('/tmp/ok\\0...') read {data!r}")
done()
