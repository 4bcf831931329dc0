# Attack: planting a set-user-ID program on the host. The runner mounts an
# empty host directory read-write at /rw (--rw); the guest writes a tiny
# ELF there and asks for set-user-ID and set-group-ID bits, with chmod,
# fchmod, fchmodat and open(O_CREAT, 06755). gaol creates and changes the
# guest's files with its own credentials, so such a file would be a
# set-user-ID program of the user running gaol (root, often) for any host
# user who can reach the directory.
# Host-side check: no file in the host directory has the set-user-ID or
# set-group-ID bit after the run.
import os

from _common import done, ename, marker, must_fail, ok, tiny_elf

elf = tiny_elf(marker("setuid program"))
with open("/rw/prog", "wb") as f:
    f.write(elf)
os.chmod("/rw/prog", 0o755)
ok("wrote /rw/prog")
must_fail("chmod(/rw/prog, 04755)", os.chmod, "/rw/prog", 0o4755)
must_fail("chmod(/rw/prog, 02755)", os.chmod, "/rw/prog", 0o2755)
fd = os.open("/rw/prog", os.O_RDONLY)
must_fail("fchmod(/rw/prog fd, 06755)", os.fchmod, fd, 0o6755)
os.close(fd)
try:
    fd = os.open("/rw/created", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o6755)
    os.write(fd, elf)
    os.close(fd)
    mode = os.stat("/rw/created").st_mode
    if mode & 0o6000:
        ok(f"open(O_CREAT, 06755) made mode {oct(mode)} (the runner checks the host side)")
    else:
        ok(f"open(O_CREAT, 06755) dropped the set-ID bits: {oct(mode)}")
except OSError as e:
    ok(f"open(O_CREAT, 06755): {ename(e.errno)}")
done()
