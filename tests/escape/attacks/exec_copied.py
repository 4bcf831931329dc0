# Attack: running programs the policy does not allow. The interpreter's
# bytes copied to the scratch /tmp and exec'd; a tiny static ELF written to
# /tmp and exec'd; the interpreter itself exec'd again; the ELF loader
# exec'd with the copy as its argument; a #! script; posix_spawn.
# Each program would print a marker line if it ran.
# Host-side check: the marker never appears in the output, and no process
# is left behind.
import os
import shutil
import sys

from _common import done, marker, must_fail, tiny_elf

shutil.copyfile(sys.executable, "/tmp/python")
os.chmod("/tmp/python", 0o755)
with open("/tmp/tiny", "wb") as f:
    f.write(tiny_elf(marker("tiny ELF from /tmp")))
os.chmod("/tmp/tiny", 0o755)
with open("/tmp/script", "w") as f:
    f.write("#!/tmp/python\nprint('" + marker("script") + "')\n")
os.chmod("/tmp/script", 0o755)

code = "print('" + marker("copied interpreter") + "')"
must_fail("execv(/tmp/python)", os.execv, "/tmp/python", ["python", "-c", code])
must_fail("execv(/tmp/tiny)", os.execv, "/tmp/tiny", ["tiny"])
must_fail("execv(the interpreter itself)", os.execv, sys.executable, [sys.executable, "-c", code])
must_fail("execv(/tmp/script)", os.execv, "/tmp/script", ["script"])
for loader in ("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"):
    must_fail(f"execv({loader} /tmp/python)", os.execv, loader, [loader, "/tmp/python", "-c", code])
must_fail("posix_spawn(/tmp/tiny)", os.posix_spawn, "/tmp/tiny", ["tiny"], {})
must_fail("posix_spawn(interpreter)", os.posix_spawn, sys.executable, [sys.executable, "-c", code], {})
os.chdir("/tmp")
must_fail("execv(tiny) relative to the cwd", os.execv, "tiny", ["tiny"])
done()
