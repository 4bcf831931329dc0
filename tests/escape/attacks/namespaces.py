# Attack: namespace, mount and other privileged syscalls, which an
# unprivileged user may use inside a user namespace it owns: unshare and
# clone with every CLONE_NEW* flag (also with CLONE_THREAD, which the
# filter hands to the kernel without asking gaol), clone3, setns, mount,
# umount2, chroot, pivot_root, the new mount API (fsopen, fsmount, fspick,
# open_tree, move_mount, mount_setattr), keyctl/add_key/request_key, bpf,
# perf_event_open, userfaultfd, seccomp (a second filter or listener),
# landlock, personality, kexec, modules, acct, swapon, reboot, sethostname,
# iopl/ioperm, quotactl, setuid/setgid/capset, and prctl requests that
# change privileges. It also reads its capability sets.
# Host-side check: the canary directory is unchanged and no process is
# left behind (a process in a new namespace could outlive the run).
import ctypes
import os
import struct

from _common import AT_FDCWD, done, ename, native, ok, refused, sys_, violation

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x20000, 0x02000000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWTIME = 0x10000000, 0x20000000, 0x40000000, 0x80
SIGCHLD = 17
for name, flag in (("NEWUSER", CLONE_NEWUSER), ("NEWNS", CLONE_NEWNS), ("NEWNET", CLONE_NEWNET),
                   ("NEWPID", CLONE_NEWPID), ("NEWUTS", CLONE_NEWUTS), ("NEWIPC", CLONE_NEWIPC),
                   ("NEWCGROUP", CLONE_NEWCGROUP), ("NEWTIME", CLONE_NEWTIME),
                   ("NEWUSER|NEWNS", CLONE_NEWUSER | CLONE_NEWNS)):
    refused(f"unshare(CLONE_{name})", "unshare", flag)
    if flag == CLONE_NEWTIME:
        continue  # for clone() the low byte is the exit signal: only unshare and clone3 take it
    r, e = sys_("clone", flag | SIGCHLD, 0, 0, 0, 0)
    if r == 0:
        os._exit(0)  # the child: leave at once
    if r > 0:
        violation(f"clone(CLONE_{name}) created process {r}")
        os.waitpid(r, 0)
    else:
        ok(f"clone(CLONE_{name}): {ename(e)}")
refused("clone3", "clone3", ctypes.create_string_buffer(88), 88)

# Threads are created in the kernel without asking gaol (clone with
# CLONE_THREAD passes the filter): a thread asking for new namespaces must
# be refused by the kernel itself. The child, if any, exits at once.
code = (b"\x31\xf6\x31\xd2\x45\x31\xd2\x45\x31\xc0"  # newsp = ptid = ctid = tls = 0
        b"\xb8\x38\x00\x00\x00\x0f\x05"                # clone(rdi = flags)
        b"\x48\x85\xc0\x75\x09"                          # parent: jump to ret
        b"\xb8\x3c\x00\x00\x00\x31\xff\x0f\x05"      # child: exit(0)
        b"\xc3")
mem, addr = native(code)
clone_thread = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_ulong)(addr)
THREAD = 0x100 | 0x800 | 0x10000 | 0x400  # CLONE_VM|CLONE_SIGHAND|CLONE_THREAD|CLONE_FILES
for name, flag in (("NEWNS", CLONE_NEWNS), ("NEWNET", CLONE_NEWNET), ("NEWUTS", CLONE_NEWUTS),
                   ("NEWIPC", CLONE_NEWIPC), ("NEWCGROUP", CLONE_NEWCGROUP), ("NEWUSER", CLONE_NEWUSER),
                   ("NEWPID", CLONE_NEWPID)):
    r = clone_thread(THREAD | flag)
    if r > 0:
        violation(f"clone(CLONE_THREAD|CLONE_{name}) created thread {r} in a new namespace")
    else:
        ok(f"clone(CLONE_THREAD|CLONE_{name}): {ename(-r)}")

tfd = os.open("/tmp", os.O_RDONLY)
refused("setns(/tmp fd, 0)", "setns", tfd, 0)
refused("mount(tmpfs on /tmp)", "mount", "none", "/tmp", "tmpfs", 0, 0)
refused("mount(MS_BIND /, /tmp)", "mount", "/", "/tmp", 0, 4096, 0)
refused("mount(proc on /tmp)", "mount", "proc", "/tmp", "proc", 0, 0)
refused("umount2(/tmp)", "umount2", "/tmp", 2)
refused("chroot(/tmp)", "chroot", "/tmp")
refused("pivot_root(/tmp, /tmp)", "pivot_root", "/tmp", "/tmp")
refused("fsopen(tmpfs)", "fsopen", "tmpfs", 0, fd_result=True)
refused("fspick(/)", "fspick", AT_FDCWD, "/", 0, fd_result=True)
refused("open_tree(/, OPEN_TREE_CLONE)", "open_tree", AT_FDCWD, "/", 1, fd_result=True)
refused("move_mount", "move_mount", AT_FDCWD, "/tmp", AT_FDCWD, "/usr", 0)
refused("mount_setattr", "mount_setattr", AT_FDCWD, "/tmp", 0, ctypes.create_string_buffer(32), 32)
refused("fsmount(-1)", "fsmount", -1, 0, 0)
refused("fsconfig(-1)", "fsconfig", -1, 0, 0, 0, 0)

refused("keyctl(GET_KEYRING_ID, session)", "keyctl", 0, -3, 0)
refused("add_key(user)", "add_key", "user", "gaol", "x", 1, -3)
refused("request_key(user)", "request_key", "user", "gaol", 0, 0)
refused("bpf(BPF_MAP_CREATE)", "bpf", 0, ctypes.create_string_buffer(struct.pack("<IIII", 2, 4, 4, 1), 72), 72)
refused("bpf(BPF_PROG_LOAD)", "bpf", 5, ctypes.create_string_buffer(128), 128)
attr = ctypes.create_string_buffer(struct.pack("<IIQ", 1, 128, 0), 128)  # software, cpu-clock
refused("perf_event_open(cpu-clock, self)", "perf_event_open", attr, 0, -1, -1, 0, fd_result=True)
refused("perf_event_open(cpu-clock, every process)", "perf_event_open", attr, -1, 0, -1, 0, fd_result=True)
refused("userfaultfd(0)", "userfaultfd", 0, fd_result=True)
refused("userfaultfd(UFFD_USER_MODE_ONLY)", "userfaultfd", 1, fd_result=True)
prog = ctypes.create_string_buffer(struct.pack("<HBBI", 6, 0, 0, 0x7FFF0000), 8)  # ret ALLOW
fprog = ctypes.create_string_buffer(struct.pack("<HxxxxxxQ", 1, ctypes.addressof(prog)), 16)
refused("seccomp(SET_MODE_FILTER, NEW_LISTENER)", "seccomp", 1, 8, fprog)
refused("landlock_create_ruleset", "landlock_create_ruleset", ctypes.create_string_buffer(24), 24, 0)
refused("personality(READ_IMPLIES_EXEC|ADDR_NO_RANDOMIZE)", "personality", 0x0400000 | 0x0040000)
refused("kexec_load", "kexec_load", 0, 0, 0, 0)
refused("init_module", "init_module", ctypes.create_string_buffer(16), 16, "")
refused("finit_module(stdin)", "finit_module", 0, "", 0)
refused("acct(/tmp/acct)", "acct", "/tmp/acct")
refused("swapon(/tmp/swap)", "swapon", "/tmp/swap", 0)
refused("reboot(CAD_OFF)", "reboot", 0xfee1dead, 672274793, 0, 0)
refused("sethostname", "sethostname", "pwned", 5)
refused("iopl(3)", "iopl", 3)
refused("ioperm(0x80)", "ioperm", 0x80, 1, 1)
refused("quotactl", "quotactl", 0x800002, "/tmp", 0, 0)
refused("vhangup", "vhangup")
refused("setuid(0)", "setuid", 0)
refused("setgid(0)", "setgid", 0)
hdr = ctypes.create_string_buffer(struct.pack("<Ii", 0x20080522, 0), 8)
caps = ctypes.create_string_buffer(24)
refused("capset(all)", "capset", hdr, ctypes.create_string_buffer(b"\xff" * 24, 24))
r, e = sys_("capget", hdr, caps)
eff, perm, inh, eff2, perm2, inh2 = struct.unpack("<6I", caps.raw)
if r == 0 and (eff | perm | eff2 | perm2 | inh | inh2):
    violation(f"the guest holds capabilities: effective {eff2:08x}{eff:08x}, permitted {perm2:08x}{perm:08x}")
else:
    ok("the guest holds no capabilities")
PR_SET_SECCOMP, PR_SET_MM, PR_SET_DUMPABLE, PR_CAP_AMBIENT, PR_SET_NO_NEW_PRIVS = 22, 35, 4, 47, 38
PR_SET_CHILD_SUBREAPER, PR_SET_PTRACER = 36, 0x59616d61
refused("prctl(PR_SET_SECCOMP, 0)", "prctl", PR_SET_SECCOMP, 0, 0, 0, 0)
refused("prctl(PR_SET_MM)", "prctl", PR_SET_MM, 8, 0, 0, 0)
refused("prctl(PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN)", "prctl", PR_CAP_AMBIENT, 2, 21, 0, 0)
refused("prctl(PR_SET_NO_NEW_PRIVS, 0)", "prctl", PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0)
refused("prctl(PR_SET_PTRACER, any)", "prctl", PR_SET_PTRACER, -1, 0, 0, 0)
r, e = sys_("prctl", 39, 0, 0, 0, 0)  # PR_GET_NO_NEW_PRIVS
if r != 1:
    violation(f"no_new_privs is {r}, not 1")
else:
    ok("no_new_privs is set")
r, e = sys_("prctl", 21, 0, 0, 0, 0)  # PR_GET_SECCOMP
if r != 2:
    violation(f"PR_GET_SECCOMP is {r}, not 2 (filter mode)")
else:
    ok("the seccomp filter is in force")
done()
