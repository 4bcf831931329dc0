package supervisor

import (
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The budgets cover the guest's PID namespace, not a tree of parent
// links: a CLONE_PARENT child or a double-forked orphan (re-parented to
// the stub) is as much the guest's as the interpreter's own children.
// The stub hands the supervisor a procfs of that namespace; its listing
// is every process of the namespace, the stub (pid 1) included.

// nsProcess is one process of the guest's namespace, from its stat.
type nsProcess struct {
	pid, ppid int    // in the guest's namespace
	state     byte   // R, S, D, Z, ...
	start     uint64 // start time, clock ticks after boot
	cpu       time.Duration
	children  time.Duration // cutime+cstime: its reaped children's CPU
	threads   int
	rss       int64 // bytes
}

// nsSample is the guest's namespace at one moment.
type nsSample struct {
	procs []nsProcess // every process but the stub
	stub  nsProcess
	// cpu is the CPU time of every process of the namespace but the
	// stub, reaped ones included: live processes' own time and their
	// reaped children's, and the stub's reaped children's (orphans, and
	// the interpreter at the end). The stub's own time is not the guest's.
	cpu   time.Duration
	rss   int64
	tasks int // threads of every process but the stub
}

// maxNamespaceProcs bounds one sample; RLIMIT_NPROC (limits.tasks) bounds
// a guest far below it.
const maxNamespaceProcs = 1 << 16

// sampleNamespace lists the procfs of the guest's namespace, open at fd.
func sampleNamespace(fd int) (nsSample, bool) {
	var s nsSample
	dfd, err := unix.Openat(fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return s, false
	}
	dir := os.NewFile(uintptr(dfd), "guest-proc")
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return s, false
	}
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid <= 0 {
			continue
		}
		p, ok := readNSStat(fd, name)
		if !ok {
			continue // it ended between the listing and the read
		}
		p.pid = pid
		if pid == 1 {
			s.stub = p
			s.cpu += p.children
			continue
		}
		if len(s.procs) < maxNamespaceProcs {
			s.procs = append(s.procs, p)
		}
		s.cpu += p.cpu + p.children
		s.rss += p.rss
		s.tasks += p.threads
	}
	return s, true
}

// readNSStat parses /proc/PID/stat of the guest's procfs.
func readNSStat(fd int, pid string) (nsProcess, bool) {
	var p nsProcess
	f, err := unix.Openat(fd, pid+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return p, false
	}
	var buf [1024]byte
	n, err := unix.Read(f, buf[:])
	unix.Close(f)
	if err != nil || n <= 0 {
		return p, false
	}
	s := string(buf[:n])
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return p, false
	}
	// Fields after the command, from state (field 3 of proc(5)).
	f2 := strings.Fields(s[i+1:])
	if len(f2) < 22 || len(f2[0]) != 1 {
		return p, false
	}
	num := func(k int) int64 { v, _ := strconv.ParseInt(f2[k], 10, 64); return v }
	p.state = f2[0][0]
	p.ppid = int(num(1))
	tick := time.Second / 100 // USER_HZ is 100 on Linux
	p.cpu = time.Duration(num(11)+num(12)) * tick
	p.children = time.Duration(num(13)+num(14)) * tick
	p.threads = int(num(17))
	p.start = uint64(num(19))
	p.rss = num(21) * pageSize
	return p, true
}

// bootTicks is the boot-time clock in the clock ticks of a stat start time.
func bootTicks() uint64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
	return uint64(ts.Sec)*100 + uint64(ts.Nsec)/1e7
}
