package escape

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Host-side views of processes, read from the host's /proc.

// statFields returns the fields of /proc/PID/stat after the command name
// (field 3, the state, first), or nil if the process is gone.
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

// procState is the process's state letter (R, S, D, Z, T, …), "" if gone.
func procState(pid int) string {
	if f := statFields(pid); len(f) > 0 {
		return f[0]
	}
	return ""
}

// niceOf is the process's nice value, or -100 if it is gone.
func niceOf(pid int) int {
	f := statFields(pid)
	if len(f) < 17 {
		return -100
	}
	n, _ := strconv.Atoi(f[16])
	return n
}

// startTime identifies a process across pid reuse (field 22 of stat).
func startTime(pid int) string {
	if f := statFields(pid); len(f) > 19 {
		return f[19]
	}
	return ""
}

// hostProc is one process seen on the host: its pid and start time.
type hostProc struct {
	pid   int
	start string
}

// alive reports whether the process still exists and is not a zombie.
func (p hostProc) alive() bool {
	if p.pid <= 0 || startTime(p.pid) != p.start {
		return false
	}
	st := procState(p.pid)
	return st != "" && st != "Z" && st != "X"
}

// withToken lists the host processes whose command line contains token:
// the guest's, since the token is in its argv. gaol's own process, whose
// command line holds the guest's argv too, is left out by pid.
func withToken(token string, except int) []hostProc {
	entries, _ := os.ReadDir("/proc")
	var out []hostProc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == except || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(b, []byte(token)) {
			continue
		}
		out = append(out, hostProc{pid: pid, start: startTime(pid)})
	}
	return out
}

// threadsOf is the number of tasks of process pid.
func threadsOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// findStub watches gaol (pid) for its child, the guest stub ("gaol-guest"),
// until it appears or done closes, and reports it on the returned channel.
func findStub(pid int, done <-chan struct{}) <-chan hostProc {
	out := make(chan hostProc, 1)
	go func() {
		defer close(out)
		for {
			if p, ok := stubOf(pid); ok {
				out <- p
				return
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return out
}

func stubOf(pid int) (hostProc, bool) {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			child, _ := strconv.Atoi(f)
			cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", child))
			if bytes.HasPrefix(cmd, []byte("gaol-guest")) {
				return hostProc{pid: child, start: startTime(child)}, true
			}
		}
	}
	return hostProc{}, false
}

// shmemKiB is the host's shared memory (tmpfs, SysV shm, memfds) in KiB.
func shmemKiB() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Shmem:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// openPTY opens a pty pair: the master and the slave, both close-on-exec.
func openPTY() (master, slave *os.File, err error) {
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(m)
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(m, unix.TIOCGPTN)
	if err != nil {
		unix.Close(m)
		return nil, nil, err
	}
	s, err := unix.Open(fmt.Sprintf("/dev/pts/%d", n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(m)
		return nil, nil, err
	}
	return os.NewFile(uintptr(m), "ptmx"), os.NewFile(uintptr(s), "pts"), nil
}

// pendingInput drains what waits in a tty's input queue, without blocking.
func pendingInput(tty *os.File) ([]byte, error) {
	fd := int(tty.Fd())
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	raw := *tio
	raw.Lflag &^= unix.ICANON | unix.ECHO
	raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 0, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &raw); err != nil {
		return nil, err
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, tio)
	var out []byte
	buf := make([]byte, 256)
	for {
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
}
