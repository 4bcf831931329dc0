package escape

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// attacks is the suite. Every attack also gets the generic host-side
// checks of run.judge: no secret in the output or the trace, the canary
// directory unchanged, no host listener reached, the host process alive,
// nothing left behind, gaol's TMPDIR empty, gaol itself not failed.
// ownPolicy is defaultOnly for an attack that brings a permissive policy
// of its own (processes, network or keep), which it runs under.
const ownPolicy = "it runs under a permissive policy of its own"

var attacks = []attack{
	{name: "raw_path_syscalls", want: wantDone,
		what: "open/openat/openat2/newfstatat/statx/readlink/access/getxattr and mutations of host paths through ctypes all fail; nothing read, nothing changed"},
	{name: "int80", want: wantSIGSYS, prepare: needInt80,
		what: "the i386 ABI (int 0x80) kills the guest with SIGSYS before the kernel runs the call"},
	{name: "x32", want: wantSIGSYS,
		what: "x32 syscall numbers kill the guest with SIGSYS"},
	{name: "io_uring", want: wantDone,
		what: "io_uring_setup/enter/register are refused"},
	{name: "file_handles", want: wantDone,
		what: "name_to_handle_at and open_by_handle_at (forged handles for low inodes) are refused"},
	{name: "ptrace", want: wantDone,
		what: "ptrace TRACEME/ATTACH/SEIZE/PEEKDATA of the parent, small pids and a host process are refused; the host process lives"},
	{name: "process_vm", want: wantDone,
		what: "process_vm_readv/writev against the parent, pids 1-64 and a host process are refused; the host process lives"},
	{name: "proc_traversal", want: wantDone,
		what: "/proc/self/root, /proc/1/root, /proc/PID of a host process, fd and cwd magic links reach nothing of the host"},
	{name: "toctou_open", want: wantDone,
		what: "open/newfstatat/readlink on a path buffer flipped by a native thread 10000 times never reach the canary or /etc/passwd"},
	{name: "toctou_connect", want: wantDone,
		what: "connect/sendto with a sockaddr flipped by a native thread 6000 times never reach the host listeners"},
	{name: "symlink_swap", want: wantDone,
		what: "dir/symlink swaps in /tmp (renameat2 EXCHANGE and unlink cycles) during 10000 opens never resolve on the host"},
	{name: "dirfd_traversal", want: wantDone,
		what: "openat/openat2 from dirfds, fchdir and chdir('..') past every root stay in the guest's tree"},
	{name: "hardlink", want: wantDone,
		what: "hard links from read-only mounts and to host paths fail (EXDEV, ENOENT); the canary's link count is unchanged"},
	{name: "exec_copied", want: wantDone,
		what: "exec of a copied interpreter, a tiny ELF, a #! script, the interpreter, the loader, and posix_spawn all fail"},
	{name: "exec_memfd", want: wantDone,
		what: "execveat/fexecve of memfds holding an ELF or the interpreter fail"},
	{name: "exec_shell", want: wantDone,
		what: "no shell runs: exec of /bin/sh, os.system, popen, subprocess and pty.spawn fail"},
	{name: "scm_rights", want: wantDone,
		what: "fds passed to itself over socketpairs (SCM_RIGHTS) open nothing beyond what the guest already had"},
	{name: "unix_sockets", want: wantDone,
		what: "connect/sendto/bind to the host's abstract and filesystem unix listeners, also through symlinks in /tmp, fail; neither accepted anything"},
	{name: "network", want: wantDone,
		what: "TCP, TCP Fast Open, UDP, sendmsg/sendmmsg to the host's loopback listeners and raw/packet/netlink/vsock sockets fail; nothing arrived"},
	{name: "network_listen", want: wantDone, prepare: withNetworkPolicy,
		defaultOnly: ownPolicy,
		what:        "under a policy with network.connect entries no host port listens for the guest: unbound listen, failed or closed host sockets, dup2 racing listen 3000 times, a thread without CLONE_FILES"},
	{name: "tiocsti", want: wantDone, prepare: withPTY,
		what: "TIOCSTI/TIOCLINUX/TIOCCONS/TIOCSETD with a pty as stdin inject nothing into the host terminal, whose settings are restored"},
	{name: "tiocsti_stdin_null", script: "tiocsti", want: wantDone,
		what: "TIOCSTI and friends on a /dev/null stdin fail"},
	{name: "signals", want: wantDone,
		what: "kill/tgkill/tkill/sigqueue/pidfd/F_SETOWN/setpriority/affinity/prlimit against a host process and kill(-1) fail; it lives, unreniced"},
	{name: "stub_reach", want: wantDone, prepare: withProcesses(4),
		defaultOnly: ownPolicy,
		what:        "with processes allowed, no clone makes a namespace, a sibling of the interpreter or a thread with its own fds or cwd; kill/tkill/tgkill and file-owner signals (F_SETOWN, F_SETOWN_EX, F_SETSIG, O_ASYNC) cannot disturb gaol's stub"},
	{name: "namespaces", want: wantDone,
		what: "unshare/clone CLONE_NEW*, setns, mount API, chroot, pivot_root, keyctl, bpf, perf, userfaultfd, seccomp, modules and privilege prctls fail; no capabilities"},
	{name: "environment", want: wantDone,
		what: "the guest's environment is exactly the policy's; the runner's secret variable never appears"},
	{name: "inherited_fds", want: wantDone, prepare: withInheritedFDs,
		what: "fds left open by gaol's parent (canary file, canary dir, a host pipe) do not reach the guest"},
	{name: "path_tricks", want: wantDone,
		what: "many slashes, dot runs, Unicode look-alikes, overlong UTF-8 and embedded NULs reach neither /etc/passwd nor the canary"},
	{name: "long_paths", want: wantDone,
		what: "1 MiB paths get ENAMETOOLONG, loops ELOOP, worst-case lookups end; the supervisor answers a stat in microseconds throughout"},
	{name: "bad_pointers", want: wantDone,
		what: "NULL, unmapped, kernel, PROT_NONE and unterminated pointers get errors (EFAULT) without harming gaol"},
	{name: "fork_bomb", want: wantDone, maxWall: 15 * time.Second,
		defaultOnly: "it asserts that no fork succeeds, which process.max = 4 allows",
		what:        "fork, vfork, clone, posix_spawn, multiprocessing, subprocess and forkpty all fail; nothing left behind"},
	{name: "thread_bomb", want: wantDoneOrLimit("tasks"), maxWall: 20 * time.Second, prepare: countTasks,
		what: "the guest cannot hold more than 4096 tasks (the tasks budget ends it); the host can still fork; nothing left behind"},
	{name: "memory_sparse", want: wantLimit("memory"), maxWall: 10 * time.Second,
		what: "a 1 TiB MAP_NORESERVE mapping ends the run with limit memory"},
	{name: "memory_bomb", want: wantDoneOrLimit("memory"), flags: []string{"--memory", "256MiB"}, maxWall: 20 * time.Second,
		prepare: peakRSSWithin(256 << 20),
		what:    "touched allocations stop at the 256 MiB budget (MemoryError or limit memory); peak RSS within budget"},
	{name: "memory_shm", want: wantDone, flags: []string{"--memory", "256MiB"}, maxWall: 20 * time.Second, prepare: measureShmem(256 << 20),
		what: "SysV shm and memfd pages outside the address space stay within twice the 256 MiB budget"},
	{name: "disk_fill", want: wantDone, maxWall: 20 * time.Second,
		what: "/tmp fills stop at the quota with ENOSPC/EFBIG (64 MiB, 4096 inodes); the run ends cleanly; no temp left"},
	{name: "zombies", want: wantDone,
		defaultOnly: "it asserts that no fork succeeds, which process.max = 4 allows",
		what:        "unwaited forks and clones fail, no subreaper, unjoined threads die with the run; nothing left behind"},
	{name: "sleep_forever", want: wantLimit("wall"), flags: []string{"--wall", "3s"}, maxWall: 8 * time.Second,
		what: "a guest that sleeps and ignores signals is ended at the 3 s wall budget"},
	{name: "relay_hang", want: wantLimit("wall"), flags: []string{"--wall", "5s"}, maxWall: 7 * time.Second,
		what: "stdout/stderr passed with SCM_RIGHTS into both ends of a full socketpair, one more sendmsg waiting on each: gaol still ends at the 5 s wall budget plus its 1 s end bound, with a full result"},
	{name: "supervisor_killed", want: want{gaolKilled: true}, maxWall: 15 * time.Second, prepare: killGaolWhenReady,
		what: "when gaol is SIGKILLed the guest and the stub die within two seconds"},
	{name: "readonly_mount", want: wantDone, prepare: withReadOnlyMount(false),
		what: "every path-based write to a --ro host directory fails (EROFS, EXDEV, EPERM); the directory is unchanged"},
	{name: "fchmod_readonly", want: wantDone, prepare: withReadOnlyMount(true),
		what: "fchmod/futimens/fchown/fsetxattr on fds of a --ro host directory fail while a --rw mount shares its filesystem"},
	{name: "fd_dup2_race", want: wantDone, prepare: withReadOnlyMount(true),
		what: "fchmod/futimens/fchown/fsetxattr on an fd number another thread keeps swapping between a --ro and a --rw file never reach the --ro one"},
	{name: "setuid_rw", want: wantDone, prepare: withWritableMount,
		what: "a guest cannot give a file in a --rw host directory the set-user-ID or set-group-ID bit"},
	{name: "planted_outputs", want: wantDone, prepare: withPlantedOutputs,
		defaultOnly: ownPolicy,
		what:        "links, hard links and FIFOs left in a --rw mount redirect neither this run's keep copy nor the next run's --result, --trace and keep (status 125, one line)"},
	{name: "planted_interpreter", want: wantDone, prepare: withPlantedInterpreter,
		what: "an interpreter and a .python-version left in a --rw mount: the next run through a pyenv shim refuses the version name, and naming the planted binary runs it only inside the discovery sandbox (status 125, one line; it writes no host file)"},
	{name: "planted_cache", want: wantDone, prepare: withPlantedCache,
		what: "interpreter cache entries rewritten through a --rw mount to list a host directory: the next run on the default profile shows it nothing of that directory"},
	{name: "cpu_burn", want: wantLimit("cpu"), flags: []string{"--cpu", "2s"}, maxWall: 12 * time.Second,
		what: "native spinning on every core is ended at the 2 s CPU budget"},
	{name: "output_flood", want: wantLimit("output"), flags: []string{"--output", "1MiB"}, maxWall: 10 * time.Second,
		prepare: outputWithin(1 << 20),
		what:    "128 MiB written to stdout and stderr is cut at the 1 MiB output budget"},
}

// needInt80 skips the attack where int 0x80 cannot run at all: some
// kernels (and hypervisors) have no IA32 emulation, and the instruction
// faults with SIGSEGV even outside any sandbox.
func needInt80(e *env) {
	probe := `import ctypes, mmap
m = mmap.mmap(-1, 4096, prot=7)
m.write(b"\xb8\x14\x00\x00\x00\xcd\x80\xc3")
print(ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(m)))())`
	err := exec.Command("/usr/bin/python3", "-c", probe).Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			e.skip = fmt.Sprintf("the kernel runs no int 0x80: it kills a plain process outside gaol with %v (no IA32 emulation)", st.Signal())
		}
	}
}

// withPTY gives gaol a pty as stdin and checks afterwards that nothing
// waits in its input queue and that its settings are what they were.
func withPTY(e *env) {
	master, slave, err := openPTY()
	if err != nil {
		e.skip = "no pty available: " + err.Error()
		return
	}
	e.t.Cleanup(func() { master.Close(); slave.Close() })
	before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	must(e.t, err)
	e.stdin = slave
	e.check(func(r *run) []string {
		var out []string
		after, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
		if err == nil && *after != *before {
			out = append(out, "the host terminal's settings were left changed")
		}
		if in, err := pendingInput(slave); err == nil && len(in) > 0 {
			out = append(out, fmt.Sprintf("the host terminal's input queue holds %q", in))
		}
		return out
	})
}

// withInheritedFDs starts gaol with fds open that a careless parent would
// leave: fd 3 (which gaol's stub reuses), the canary file, the canary
// directory and a host pipe's write end; the pipe must stay empty.
func withInheritedFDs(e *env) {
	null, err := os.Open(os.DevNull)
	must(e.t, err)
	file, err := os.Open(e.c.file)
	must(e.t, err)
	dir, err := os.Open(e.c.dir)
	must(e.t, err)
	pr, pw, err := os.Pipe()
	must(e.t, err)
	e.t.Cleanup(func() { null.Close(); file.Close(); dir.Close(); pr.Close(); pw.Close() })
	e.extra = []*os.File{null, file, dir, pw}
	e.check(func(r *run) []string {
		pw.Close()
		pr.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		buf := make([]byte, 256)
		if n, _ := pr.Read(buf); n > 0 {
			return []string{fmt.Sprintf("the host pipe inherited by gaol received %q", buf[:n])}
		}
		return nil
	})
}

// countTasks counts the guest's tasks on the host when it says HOLDING,
// and checks that the host can still start a process then.
func countTasks(e *env) {
	const maxTasks = 4096
	e.onLine("HOLDING: ", func(r *run, line string) {
		tasks := 0
		for _, p := range withToken(e.token, r.cmd.Process.Pid) {
			tasks += threadsOf(p.pid)
		}
		if tasks > maxTasks {
			r.fail("the guest holds %d host tasks (limit %d of kernel.pid_max %s): nothing bounds its threads, so it can exhaust the host's pids",
				tasks, maxTasks, pidMax())
		}
		if err := exec.Command("true").Run(); err != nil {
			r.fail("the host could not start a process while the guest held its threads: %v", err)
		}
	})
	e.check(func(r *run) []string {
		if r.saw("DONE") && !r.sawPrefix("HOLDING: ") {
			return []string{"the guest never reported HOLDING"}
		}
		return nil
	})
}

func pidMax() string {
	b, _ := os.ReadFile("/proc/sys/kernel/pid_max")
	return strings.TrimSpace(string(b))
}

// measureShmem fails the attack if, while the guest says HOLDING, the
// host's shared memory has grown by more than twice the budget.
func measureShmem(budget int64) func(*env) {
	return func(e *env) {
		base := shmemKiB()
		e.onLine("HOLDING: ", func(r *run, line string) {
			grown := (shmemKiB() - base) << 10
			if grown > 2*budget {
				r.fail("the guest holds %d MiB of host memory in SysV shm and memfds with a %d MiB memory budget (host Shmem grew by that much)",
					grown>>20, budget>>20)
			}
		})
	}
}

// peakRSSWithin checks the peak RSS gaol reports against the budget.
func peakRSSWithin(budget int64) func(*env) {
	return func(e *env) {
		e.check(func(r *run) []string {
			if r.res != nil && r.res.PeakRSS > budget+budget/8 {
				return []string{fmt.Sprintf("peak RSS %d MiB exceeds the %d MiB budget", r.res.PeakRSS>>20, budget>>20)}
			}
			return nil
		})
	}
}

// outputWithin checks the bytes the runner received against the budget.
func outputWithin(budget int64) func(*env) {
	return func(e *env) {
		e.check(func(r *run) []string {
			got := r.stdout.total + r.stderr.total
			if got > budget+4096 {
				return []string{fmt.Sprintf("the runner received %d bytes with an output budget of %d", got, budget)}
			}
			return nil
		})
	}
}

// killGaolWhenReady kills gaol with SIGKILL when the guest prints READY;
// the leftover check then finds any guest process that survived it.
func killGaolWhenReady(e *env) {
	e.onLine("READY", func(r *run, line string) {
		r.cmd.Process.Signal(syscall.SIGKILL)
	})
	e.check(func(r *run) []string {
		if !r.saw("READY") {
			return []string{"the guest never got ready: " + tail(r.stderr.bytes())}
		}
		if r.cmd.ProcessState == nil || r.cmd.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			return []string{"gaol was not killed by the runner"}
		}
		return nil
	})
}

// withReadOnlyMount mounts a host directory read-only at /ro and checks
// that it is unchanged; with rw, a second directory on the same host
// filesystem is mounted read-write at /rw.
func withReadOnlyMount(rw bool) func(*env) {
	return func(e *env) {
		ro := e.t.TempDir()
		must(e.t, os.WriteFile(filepath.Join(ro, "file"), []byte("read-only\n"), 0o644))
		must(e.t, os.Mkdir(filepath.Join(ro, "sub"), 0o755))
		old := time.Now().Add(-48 * time.Hour)
		must(e.t, os.Chtimes(filepath.Join(ro, "file"), old, old))
		e.flags = append(e.flags, "--ro", ro+":/ro")
		if rw {
			e.flags = append(e.flags, "--rw", e.t.TempDir()+":/rw")
		}
		snap := takeSnapshot(e.t, ro)
		e.check(func(r *run) []string { return snap.diff(e.t, ro, "the --ro host directory") })
	}
}

// withProcesses runs the attack under a policy that allows max processes
// besides the interpreter.
func withProcesses(max int) func(e *env) {
	return func(e *env) {
		pol := filepath.Join(e.t.TempDir(), "procs.hcl")
		must(e.t, os.WriteFile(pol, []byte(fmt.Sprintf(`sandbox "escape-processes" {
  extends = "python"
  process {
    max = %d
  }
}
`, max)), 0o644))
		e.flags = append(e.flags, "--policy", pol)
	}
}

// withNetworkPolicy runs the attack under a policy with network.connect
// entries: 127.0.0.1:9, where nothing listens, and a host listener of the
// runner's that accepts and hangs up (its port in the guest's ALLOWED
// variable). At every "CHECK: " line it looks for a socket of the host's
// network namespace in LISTEN state that a task of the guest holds, in
// any thread's fd table; at every "LISTENING: PORT" it tries to connect
// to the port on the host. Every step must have been checked.
func withNetworkPolicy(e *env) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(e.t, err)
	e.t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	allowed := port(ln.Addr().String())
	pol := filepath.Join(e.t.TempDir(), "net.hcl")
	must(e.t, os.WriteFile(pol, []byte(fmt.Sprintf(`sandbox "escape-net" {
  extends = "python"
  network {
    connect = ["127.0.0.1:9", "127.0.0.1:%s"]
  }
  env {
    ALLOWED = "%s"
  }
}
`, allowed, allowed)), 0o644))
	e.flags = append(e.flags, "--policy", pol)
	checked := 0
	var mu sync.Mutex
	e.onLine("CHECK: ", func(r *run, line string) {
		mu.Lock()
		checked++
		mu.Unlock()
		listen := hostListenInodes()
		for _, p := range withToken(e.token, r.cmd.Process.Pid) {
			for _, ino := range socketInodes(p.pid) {
				if listen[ino] {
					r.fail("%s: the guest (pid %d) holds socket:[%d], which listens in the host's network namespace", line, p.pid, ino)
				}
			}
		}
	})
	e.onLine("LISTENING: ", func(r *run, line string) {
		port := strings.TrimPrefix(line, "LISTENING: ")
		if hostListenPorts()[port] {
			return // a port the host itself listens on (the guest's is its own)
		}
		conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err == nil {
			conn.Close()
			r.fail("the host connected to the guest's port %s", port)
		}
	})
	e.check(func(r *run) []string {
		mu.Lock()
		defer mu.Unlock()
		if r.saw("DONE") && checked < 4 {
			return []string{fmt.Sprintf("the guest reached %d of its 4 checks", checked)}
		}
		return nil
	})
}

// hostListenInodes are the inodes of the sockets in LISTEN state in the
// runner's (the host's) network namespace.
func hostListenInodes() map[uint64]bool {
	out := map[uint64]bool{}
	for _, row := range procNetTCP() {
		if row.state == "0A" {
			out[row.inode] = true
		}
	}
	return out
}

// hostListenPorts are the ports the host listens on, as decimal strings.
func hostListenPorts() map[string]bool {
	out := map[string]bool{}
	for _, row := range procNetTCP() {
		if row.state == "0A" {
			out[fmt.Sprint(row.port)] = true
		}
	}
	return out
}

type tcpRow struct {
	port  uint64
	state string
	inode uint64
}

func procNetTCP() []tcpRow {
	var out []tcpRow
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 10 {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			p, _ := strconv.ParseUint(hexPort, 16, 16)
			ino, _ := strconv.ParseUint(fields[9], 10, 64)
			out = append(out, tcpRow{port: p, state: fields[3], inode: ino})
		}
	}
	return out
}

// socketInodes are the socket inodes in every fd table of process pid's
// threads (a thread created without CLONE_FILES has its own).
func socketInodes(pid int) []uint64 {
	var out []uint64
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/fd/*", pid))
	for _, fd := range tasks {
		l, err := os.Readlink(fd)
		if err != nil {
			continue
		}
		if v, ok := strings.CutPrefix(l, "socket:["); ok {
			if ino, err := strconv.ParseUint(strings.TrimSuffix(v, "]"), 10, 64); err == nil {
				out = append(out, ino)
			}
		}
	}
	return out
}

// withWritableMount mounts an empty host directory read-write at /rw and
// checks afterwards that no file in it is set-user-ID or set-group-ID.
func withWritableMount(e *env) {
	rw := e.t.TempDir()
	e.flags = append(e.flags, "--rw", rw+":/rw")
	e.check(func(r *run) []string {
		var out []string
		entries, _ := os.ReadDir(rw)
		for _, d := range entries {
			var st syscall.Stat_t
			if syscall.Lstat(filepath.Join(rw, d.Name()), &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
				continue
			}
			if st.Mode&(syscall.S_ISUID|syscall.S_ISGID) != 0 {
				out = append(out, fmt.Sprintf("the host file %s is now mode %04o, owned by uid %d", d.Name(), st.Mode&0o7777, st.Uid))
			}
		}
		return out
	})
}

// withPlantedInterpreter mounts a host directory read-write at /rw and,
// after the attack's run, starts gaol from it twice as an operator would:
// once with a pyenv shim first on PATH (so that the .python-version the
// guest left chooses the interpreter), once naming the planted binary.
// Both must fail with status 125 and one line; the canary directory
// snapshot (taken around the whole attack) shows the planted code wrote
// nothing, and the second line shows that it did run, inside the sandbox.
func withPlantedInterpreter(e *env) {
	rw := e.t.TempDir()
	must(e.t, os.WriteFile(filepath.Join(rw, "host.txt"), []byte(rw+"\n"), 0o644))
	e.flags = append(e.flags, "--rw", rw+":/rw")
	root := e.t.TempDir() // a pyenv root with a shim and no version
	must(e.t, os.MkdirAll(filepath.Join(root, "versions"), 0o755))
	must(e.t, os.MkdirAll(filepath.Join(root, "shims"), 0o755))
	must(e.t, os.WriteFile(filepath.Join(root, "shims", "python3"), []byte("#!/bin/sh\nexec pyenv exec python3 \"$@\"\n"), 0o755))
	e.check(func(r *run) []string {
		var out []string
		for _, c := range []struct {
			what  string
			path  string // prepended to PATH
			prog  string
			match string
		}{
			{"gaol run -- python3 through a pyenv shim", filepath.Join(root, "shims"), "python3", "which is not a version name"},
			{"gaol run -- the planted binary", "", filepath.Join(rw, "v", "bin", "python3"), "planted code ran; could not write the marker"},
		} {
			cmd := exec.Command(gaolBin, "run", "--", c.prog, "-c", "print('RAN')")
			cmd.Dir = rw
			cmd.Env = append(os.Environ(), "TMPDIR="+e.gaolTmp, "PYENV_VERSION=")
			if c.path != "" {
				cmd.Env = append(cmd.Env, "PATH="+c.path+":"+os.Getenv("PATH"))
			}
			cmd.WaitDelay = 5 * time.Second
			timer := time.AfterFunc(40*time.Second, func() { cmd.Process.Kill() })
			b, _ := cmd.CombinedOutput()
			timer.Stop()
			msg := strings.TrimSpace(string(b))
			if code := cmd.ProcessState.ExitCode(); code != 125 || !strings.Contains(msg, c.match) || strings.Count(msg, "\n") > 0 {
				out = append(out, fmt.Sprintf("%s: exited %d (want 125 and one line with %q): %s", c.what, code, c.match, tail([]byte(msg))))
			}
		}
		return out
	})
}

// withPlantedCache points gaol's cache at a host directory mounted
// read-write at /cache and, after the attack's run, runs gaol again on
// the default profile with that cache, reading the canary file.
func withPlantedCache(e *env) {
	cache := e.t.TempDir()
	e.environ = append(e.environ, "XDG_CACHE_HOME="+cache)
	e.flags = append(e.flags, "--rw", cache+":/cache")
	e.check(func(r *run) []string {
		var out []string
		entries, _ := filepath.Glob(filepath.Join(cache, "gaol", "interp-*.json"))
		if len(entries) == 0 {
			return []string{"gaol wrote no cache entry for the guest to rewrite"}
		}
		for _, variant := range []string{"", ".dirs", ".files"} {
			what := "the rewritten cache"
			if variant != "" {
				what = "the cache rewritten in its " + variant[1:] + " only"
				for _, f := range entries {
					if err := os.Rename(f+variant, f); err != nil {
						out = append(out, fmt.Sprintf("the guest left no %s: %v", f+variant, err))
					}
				}
			}
			cmd := exec.Command(gaolBin, "run", "--", "python3", "-c", fmt.Sprintf(`
import os
for p in (%[1]q, %[2]q):
    try:
        print(os.listdir(p) if os.path.isdir(p) else open(p).read())
    except OSError as e:
        print("refused", p, e.strerror)
`, e.c.dir, e.c.file))
			cmd.Env = append(os.Environ(), "TMPDIR="+e.gaolTmp, "XDG_CACHE_HOME="+cache)
			cmd.WaitDelay = 5 * time.Second
			timer := time.AfterFunc(40*time.Second, func() { cmd.Process.Kill() })
			b, _ := cmd.CombinedOutput()
			timer.Stop()
			if code := cmd.ProcessState.ExitCode(); code != 0 || strings.Count(string(b), "refused") != 2 {
				out = append(out, fmt.Sprintf("the next run with %s: exited %d, want 0 with both canaries refused: %s", what, code, tail(b)))
			}
			for secret, s := range e.c.secrets.all() {
				if s != "" && strings.Contains(string(b), s) {
					out = append(out, fmt.Sprintf("the next run with %s printed %s", what, secret))
				}
			}
			for _, f := range entries {
				if b, err := os.ReadFile(f); err == nil && (strings.Contains(string(b), e.c.dir)) {
					out = append(out, fmt.Sprintf("after the next run with %s, %s still lists a canary", what, f))
				}
			}
		}
		return out
	})
}

// withPlantedOutputs mounts a host directory read-write at /rw with two
// keep directories in it (the policy keeps the scratch /out into
// /rw/keep), and after the attack's run starts gaol again from /rw as an
// operator would, naming what the guest left there. Each of those runs
// must fail with status 125 before its guest runs; the canary directory
// snapshot (taken around the whole attack) shows that nothing was
// written through the links.
func withPlantedOutputs(e *env) {
	rw := e.t.TempDir()
	must(e.t, os.Mkdir(filepath.Join(rw, "keep"), 0o755))
	must(e.t, os.Mkdir(filepath.Join(rw, "keep2"), 0o755))
	policy := func(name, keep string) string {
		p := filepath.Join(e.t.TempDir(), name+".hcl")
		must(e.t, os.WriteFile(p, []byte(fmt.Sprintf(`sandbox %q {
  extends = "python"
  mount "/out" {
    type  = "scratch"
    quota = "1MiB"
    files = 64
    keep  = %q
  }
}
`, name, keep)), 0o644))
		return p
	}
	e.flags = append(e.flags, "--policy", policy("escape-keep", filepath.Join(rw, "keep")), "--rw", rw+":/rw")
	keep2 := policy("escape-keep2", filepath.Join(rw, "keep2"))
	e.check(func(r *run) []string {
		var out []string
		for name, want := range map[string]string{"canary.txt": "alpha", "sub/b.txt": "beta"} {
			p := filepath.Join(rw, "keep", name)
			fi, err := os.Lstat(p)
			b, _ := os.ReadFile(p)
			if err != nil || !fi.Mode().IsRegular() || string(b) != want {
				out = append(out, fmt.Sprintf("the keep copy did not replace the planted %s with the scratch's file: %v, %q", name, err, b))
			}
		}
		data := takeSnapshot(e.t, filepath.Join(rw, "data"))
		for _, c := range []struct {
			what  string
			args  []string
			match string
		}{
			{"--result and --trace linked to the canary", []string{"--result", "result.json", "--trace", "trace.jsonl"}, "is a symbolic link"},
			{"--result and --trace below a directory linked to the canary directory", []string{"--result", "out/result.json", "--trace", "out/trace.jsonl"}, "out is a symbolic link"},
			{"the same by absolute path", []string{"--result", filepath.Join(rw, "out", "r.json")}, "pass the resolved path"},
			{"--trace a hard link", []string{"--trace", "hard.jsonl"}, "hard links"},
			{"--trace a FIFO", []string{"--trace", "fifo.jsonl"}, "not a regular file"},
			{"a keep directory replaced by a link", []string{"--policy", keep2}, "keep2 is a symbolic link"},
		} {
			args := append(append([]string{"run"}, c.args...), "--", "python3", "-c", "open('/out/canary.txt', 'w').write('again')")
			cmd := exec.Command(gaolBin, args...)
			cmd.Dir = rw
			cmd.Env = append(os.Environ(), "TMPDIR="+e.gaolTmp)
			cmd.WaitDelay = 5 * time.Second
			timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
			stderr, _ := cmd.CombinedOutput()
			timer.Stop()
			msg := strings.TrimSpace(string(stderr))
			if code := cmd.ProcessState.ExitCode(); code != 125 || !strings.Contains(msg, c.match) || strings.Count(msg, "\n") > 0 {
				out = append(out, fmt.Sprintf("%s: the next run exited %d (want 125 and one line with %q): %s", c.what, code, c.match, tail([]byte(msg))))
			}
		}
		out = append(out, data.diff(e.t, filepath.Join(rw, "data"), "the file hard.jsonl shares")...)
		return out
	})
}
