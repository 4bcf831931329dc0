# Attack: the i386 syscall ABI through `int 0x80`, from machine code in an
# executable mapping called with ctypes. Under the i386 numbering the same
# registers name other syscalls than the filter's x86_64 table, so a filter
# that looked only at the number could be bypassed.
# Host-side check: the interpreter is killed by SIGSYS (the filter's
# foreign-architecture prologue, SECCOMP_RET_KILL_PROCESS) right after
# printing ARMED; it never prints the line that follows the call.
import ctypes

from _common import native, say, violation

# i386 getpid: eax = 20; int 0x80; ret
code = b"\xb8\x14\x00\x00\x00" + b"\xcd\x80" + b"\xc3"
mem, addr = native(code)
call = ctypes.CFUNCTYPE(ctypes.c_long)(addr)
say("ok", "calling int 0x80 (i386 getpid)")
print("ARMED", flush=True)
r = call()
violation(f"int 0x80 returned {r}: the i386 ABI reached the kernel")
print("SURVIVED", flush=True)
