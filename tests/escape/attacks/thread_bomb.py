# Attack: a thread bomb. Threads are allowed (they are not processes), but
# every task the guest holds is a host task and takes a host pid: a guest
# that could hold tens of thousands of threads would exhaust the host's pid
# space (kernel.pid_max is 32768 on many machines) and stop every host
# program from forking. The guest first starts Python threads with the
# smallest stacks until the interpreter refuses, then raw clone(CLONE_THREAD)
# threads from machine code — no stack, no memory, each blocked in pause() —
# up to TARGET (4097) tasks, and prints "HOLDING n".
# Host-side check: while the guest holds its threads the runner counts the
# guest's tasks from the host side (must stay at most 4096, far above any
# legitimate Python program) and checks that the host can still start a
# process; after the run no guest task is left.
import ctypes
import os
import threading
import time

from _common import done, native, ok, say

TARGET = 4097
threading.stack_size(32768)
ev = threading.Event()
py_threads = 0
try:
    while py_threads < 500:
        threading.Thread(target=ev.wait, daemon=True).start()
        py_threads += 1
except RuntimeError as e:
    ok(f"Python threads stopped at {py_threads}: {e}")
ok(f"started {py_threads} Python threads")

# clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM,
#       newsp=0); the child loops in pause() without touching the stack.
code = (b"\xbf\x00\x0f\x05\x00"    # mov edi, 0x50f00
        b"\x31\xf6"                # xor esi, esi
        b"\x31\xd2"                # xor edx, edx
        b"\x45\x31\xd2"            # xor r10d, r10d
        b"\x45\x31\xc0"            # xor r8d, r8d
        b"\xb8\x38\x00\x00\x00"    # mov eax, 56 (clone)
        b"\x0f\x05"                # syscall
        b"\x48\x85\xc0"            # test rax, rax
        b"\x75\x09"                # jnz parent
        b"\xb8\x22\x00\x00\x00"    # child: mov eax, 34 (pause)
        b"\x0f\x05"                #        syscall
        b"\xeb\xf7"                #        jmp child
        b"\xc3")                   # parent: ret
mem, addr = native(code)
spawn = ctypes.CFUNCTYPE(ctypes.c_long)(addr)
raw = 0
err = None
t0 = time.monotonic()
while py_threads + raw + 1 < TARGET:
    r = spawn()
    if r < 0:
        err = -r
        break
    raw += 1
ok(f"started {raw} raw threads in {time.monotonic() - t0:.2f}s" + (f", then errno {err}" if err else ""))
say("HOLDING", str(py_threads + raw + 1))
time.sleep(2)  # the runner counts our tasks now
done()
os._exit(0)  # exit_group ends every thread at once
