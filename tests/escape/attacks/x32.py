# Attack: the x32 syscall ABI — x86_64 `syscall` with the x32 bit
# (0x40000000) set in the number, from machine code called with ctypes. x32
# numbers alias x86_64 syscalls in the kernel, so a filter that compared
# numbers without masking the bit could be bypassed.
# Host-side check: the interpreter is killed by SIGSYS (the filter's x32
# check, SECCOMP_RET_KILL_PROCESS) right after printing ARMED; it never
# prints the line that follows the call.
import ctypes

from _common import native, say, violation

# eax = 0x40000000 | 39 (x32 getpid); syscall; ret
code = b"\xb8\x27\x00\x00\x40" + b"\x0f\x05" + b"\xc3"
mem, addr = native(code)
call = ctypes.CFUNCTYPE(ctypes.c_long)(addr)
say("ok", "calling syscall 0x40000027 (x32 getpid)")
print("ARMED", flush=True)
r = call()
violation(f"x32 syscall returned {r}: the x32 ABI reached the kernel")
print("SURVIVED", flush=True)
