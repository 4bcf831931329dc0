# Attack: injecting keystrokes into a terminal. The runner gives gaol a pty
# as stdin; the guest pushes "id\n" into its input queue with TIOCSTI on
# fds 0, 1 and 2 (what a shell reading that terminal after the run would
# execute), and tries TIOCLINUX, TIOCCONS (redirect the console), TIOCSETD
# (change the line discipline) and stealing the terminal with TIOCSCTTY.
# Host-side check: the pty's input queue is empty after the run.
import fcntl
import struct
import termios

from _common import done, ename, ok, violation

TIOCLINUX, TIOCCONS, TIOCSETD = 0x541C, 0x541D, 0x5423
for fd in (0, 1, 2):
    injected = 0
    for ch in b"id\n":
        try:
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([ch]))
            injected += 1
        except OSError as e:
            last = ename(e.errno)
    if injected:
        violation(f"TIOCSTI on fd {fd} injected {injected} bytes")
    else:
        ok(f"TIOCSTI on fd {fd}: {last}")
for name, req, arg in (("TIOCLINUX", TIOCLINUX, b"\x02" + b"\x00" * 31),
                       ("TIOCCONS", TIOCCONS, 0),
                       ("TIOCSETD", TIOCSETD, struct.pack("i", 2)),
                       ("TIOCSCTTY(steal)", termios.TIOCSCTTY, 1)):
    try:
        fcntl.ioctl(0, req, arg)
        if name.startswith("TIOCSCTTY"):
            ok(f"{name} on stdin succeeded: the guest's own session (harmless)")
        else:
            violation(f"{name} on stdin succeeded")
    except OSError as e:
        ok(f"{name} on stdin: {ename(e.errno)}")
done()
