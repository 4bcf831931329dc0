# Attack: huge and deep paths against the supervisor, which reads every
# path from guest memory: 1 MiB paths (letters, slashes, "../" runs) to
# open, stat, mkdir, chdir, symlink (as target and as name), rename and
# readlink; a component longer than NAME_MAX; a directory chain in /tmp
# deeper than PATH_MAX walked relatively; symlink loops and a chain of 41
# links; ten thousand near-PATH_MAX lookups in a row.
# Host-side check: every call fails with ENAMETOOLONG or ELOOP (or ENOENT)
# instead of hanging or crashing gaol; a plain stat answers in well under a
# second before and after; the run ends cleanly and gaol reports no error.
import errno
import os
import time

from _common import done, ename, ok, violation


def quick_stat(when):
    t0 = time.monotonic()
    os.stat("/tmp")
    dt = time.monotonic() - t0
    if dt > 0.5:
        violation(f"a plain stat took {dt:.2f}s {when}: the supervisor is unresponsive")
    else:
        ok(f"a plain stat took {dt * 1e6:.0f}µs {when}")


def expect(what, fn, *want):
    try:
        fn()
        violation(f"{what} succeeded")
    except OSError as e:
        if want and e.errno not in want:
            violation(f"{what}: {ename(e.errno)}, expected {'/'.join(ename(w) for w in want)}")
        else:
            ok(f"{what}: {ename(e.errno)}")


quick_stat("before")
MiB = 1 << 20
for label, p in (("letters", "/" + "a" * MiB), ("slashes", "/" * MiB + "tmp"), ("dotdots", "/tmp/" + "../" * (MiB // 3))):
    T = errno.ENAMETOOLONG
    expect(f"open(1 MiB of {label})", lambda: os.open(p, os.O_RDONLY), T)
    expect(f"stat(1 MiB of {label})", lambda: os.stat(p), T)
    expect(f"mkdir(1 MiB of {label})", lambda: os.mkdir(p), T)
    expect(f"chdir(1 MiB of {label})", lambda: os.chdir(p), T)
    expect(f"symlink(target: 1 MiB of {label})", lambda: os.symlink(p, "/tmp/long"), T)
    expect(f"symlink(name: 1 MiB of {label})", lambda: os.symlink("/tmp", p), T)
    expect(f"rename(1 MiB of {label})", lambda: os.rename("/tmp", p), T)
    expect(f"readlink(1 MiB of {label})", lambda: os.readlink(p), T)
    quick_stat(f"after 1 MiB of {label}")
expect("open(a 256-byte component)", lambda: os.open("/tmp/" + "x" * 256, os.O_RDONLY), errno.ENAMETOOLONG)

# Deeper than PATH_MAX, one relative step at a time.
os.chdir("/tmp")
name = "d" * 200
depth = 0
try:
    for depth in range(1, 31):
        os.mkdir(name)
        os.chdir(name)
    ok(f"walked {depth} levels ({depth * 201} bytes) below /tmp")
except OSError as e:
    ok(f"the deep walk stopped at level {depth}: {ename(e.errno)}")
try:
    cwd = os.getcwd()
    ok(f"getcwd at depth {depth}: {len(cwd)} bytes")
except OSError as e:
    ok(f"getcwd at depth {depth}: {ename(e.errno)}")
with open("here", "w") as f:
    f.write("deep")
os.chdir("/tmp")

os.symlink("/tmp/loop2", "/tmp/loop1")
os.symlink("/tmp/loop1", "/tmp/loop2")
expect("open(a symlink loop)", lambda: os.open("/tmp/loop1", os.O_RDONLY), errno.ELOOP)
os.mkdir("/tmp/chain")
for i in range(41):
    os.symlink(f"/tmp/chain/{i + 1}", f"/tmp/chain/{i}")
with open("/tmp/chain/41", "w") as f:
    f.write("end")
expect("open(a chain of 41 symlinks)", lambda: os.open("/tmp/chain/0", os.O_RDONLY), errno.ELOOP)

# The costliest paths to resolve: PATH_MAX bytes of "./", of missing
# directories, of "dir/.." pairs. One call may be slow; it must not hang.
for label, p in (("./", "/tmp/" + "./" * 2040 + "chain/41"), ("a/", "/tmp/" + "a/" * 2040),
                 ("chain/../", "/tmp/" + "chain/../" * 450 + "chain/41")):
    t0 = time.monotonic()
    for _ in range(20):
        try:
            os.stat(p)
        except OSError:
            pass
    dt = (time.monotonic() - t0) / 20
    if dt > 1:
        violation(f"one stat of {len(p)} bytes of {label!r} takes {dt:.2f}s")
    else:
        ok(f"one stat of {len(p)} bytes of {label!r} takes {dt * 1e3:.1f}ms")
# Forty symlinks, each PATH_MAX bytes of "./": the most work one lookup
# can ask for (MAXSYMLINKS expansions of PATH_MAX components).
os.mkdir("/tmp/dots")
for i in range(40):
    os.symlink("/tmp/dots/" + "./" * 2000 + str(i + 1), f"/tmp/dots/{i}")
open("/tmp/dots/40", "w").close()
t0 = time.monotonic()
try:
    os.stat("/tmp/dots/0")
except OSError as e:
    # gaol bounds the components one lookup walks (ELOOP past 8192).
    ok(f"the 40-link lookup ends with {ename(e.errno)}")
dt = time.monotonic() - t0
if dt > 5:
    violation(f"one stat through 40 links of PATH_MAX bytes took {dt:.1f}s")
else:
    ok(f"one stat through 40 links of PATH_MAX bytes took {dt:.2f}s")
quick_stat("at the end")
done()
