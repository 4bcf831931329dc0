package supervisor

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// The dynamic entries of the guest's /proc/self: each is produced, when
// the guest looks it up, for the process that asks (the caller the VFS
// passes through is the *call being answered). The supervisor reads the
// host's /proc/<pid> of that process, which is the guest's own state, and
// shows only what names the guest and nothing of the host.

// procSelfFD is /proc/self/fd: one symlink per fd the caller holds, whose
// target is the fd's file as the guest knows it (fdTarget).
func procSelfFD(caller any, name string) (vfs.Produced, error) {
	c, ok := caller.(*call)
	if !ok {
		return vfs.Produced{}, unix.ENOENT
	}
	if name == "" {
		fds, err := c.p.openFDs()
		if err == nil {
			err = c.valid() // the listing was the caller's
		}
		if err != nil {
			return vfs.Produced{}, err
		}
		out := make([]vfs.Child, len(fds))
		for i, fd := range fds {
			out[i] = vfs.Child{Name: strconv.Itoa(fd), Kind: vfs.KindSymlink}
		}
		return vfs.Produced{Kind: vfs.KindDir, Children: out}, nil
	}
	fd, err := strconv.Atoi(name)
	if err != nil || strconv.Itoa(fd) != name || fd < 0 {
		return vfs.Produced{}, unix.ENOENT
	}
	target, err := c.fdTarget(fd)
	if err != nil {
		return vfs.Produced{}, unix.ENOENT
	}
	return vfs.Produced{Kind: vfs.KindSymlink, Target: target, Magic: true}, nil
}

// fromHost reads a file of the host's /proc/<pid> of the calling process
// and checks afterwards that the call is still pending: the pid was the
// caller's while it read, not a recycled one's.
func (c *call) fromHost(name string) ([]byte, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", c.p.tgid, name))
	if err != nil {
		return nil, unix.ESRCH
	}
	return b, c.valid()
}

// openFDs lists the fd numbers the process holds, in order.
func (p *proc) openFDs() ([]int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/fd", p.tgid))
	if err != nil {
		return nil, unix.ESRCH
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, unix.ESRCH
	}
	fds := make([]int, 0, len(names))
	for _, n := range names {
		if fd, err := strconv.Atoi(n); err == nil {
			fds = append(fds, fd)
		}
	}
	sort.Ints(fds)
	return fds, nil
}

// fdTarget is what readlink of /proc/self/fd/N shows: the guest path the
// file was opened as (with " (deleted)" once it has no name left),
// "pipe:[N]" and "socket:[N]" with a per-run number
// instead of the host's inode number, an anonymous inode's own kind
// ("anon_inode:[eventfd]"), and "unknown:[N]" for a file gaol did not
// open (a standard stream the run was given), whose host path it keeps to
// itself.
func (c *call) fdTarget(fd int) (string, error) {
	our, err := c.p.guestFD(fd)
	if err != nil {
		return "", err
	}
	defer unix.Close(our)
	var st unix.Stat_t
	if err := unix.Fstat(our, &st); err != nil {
		return "", err
	}
	// What the host kernel says of the supervisor's copy: only its form is
	// used (removed, a memfd, an anonymous inode), never a host path.
	buf := make([]byte, unix.PathMax)
	n, _ := unix.Readlink(fmt.Sprintf("/proc/self/fd/%d", our), buf)
	host := string(buf[:max(n, 0)])
	if p, ok := c.s.fs.PathOf(&st); ok {
		// A removed file, as Linux shows it; gaol's own memfds (virtual
		// files) never had a name to lose.
		if st.Nlink == 0 && !strings.HasPrefix(host, "/memfd:") {
			p += " (deleted)"
		}
		return p, nil
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return fmt.Sprintf("pipe:[%d]", c.s.anon.number(&st)), nil
	case unix.S_IFSOCK:
		return fmt.Sprintf("socket:[%d]", c.s.anon.number(&st)), nil
	}
	if strings.HasPrefix(host, "anon_inode:") {
		return host, nil
	}
	return fmt.Sprintf("unknown:[%d]", c.s.anon.number(&st)), nil
}

// anonNumbers gives each host file without a guest path (a pipe, a
// socket) a number that is stable for the run and says nothing of the
// host's inode numbers. The zero value is ready to use.
type anonNumbers struct {
	mu sync.Mutex
	m  map[[2]uint64]int
}

func (a *anonNumbers) number(st *unix.Stat_t) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[[2]uint64]int{}
	}
	id := [2]uint64{st.Dev, st.Ino}
	n, ok := a.m[id]
	if !ok {
		n = len(a.m) + 1
		a.m[id] = n
	}
	return n
}

// procSelfStatus is /proc/self/status for the caller, made when the guest
// opens it (statusView says which fields it keeps).
func procSelfStatus(caller any, _ string) (vfs.Produced, error) {
	c, ok := caller.(*call)
	if !ok {
		return vfs.Produced{}, unix.ENOENT
	}
	host, err := c.fromHost("status")
	if err != nil {
		return vfs.Produced{}, err
	}
	ids := statusIDs{pid: c.p.nspid, ppid: guestPPid(host), uid: c.guestUID(), gid: c.guestGID(), umask: c.p.getUmask()}
	return vfs.Produced{Kind: vfs.KindFile, Content: statusView(host, ids)}, nil
}

// procSelfLimits is /proc/self/limits: the caller's resource limits are
// its own (the policy's budgets), shown as the kernel shows them.
func procSelfLimits(caller any, _ string) (vfs.Produced, error) {
	c, ok := caller.(*call)
	if !ok {
		return vfs.Produced{}, unix.ENOENT
	}
	b, err := c.fromHost("limits")
	if err != nil {
		return vfs.Produced{}, err
	}
	return vfs.Produced{Kind: vfs.KindFile, Content: b}, nil
}

// statusIDs are the values of /proc/self/status that the guest's view
// decides rather than the host's.
type statusIDs struct {
	pid, ppid int // in the guest's PID namespace; ppid 0 when the parent is outside it
	uid, gid  int // the policy's identity
	umask     uint32
}

// statusKept are the fields of the host's status that describe only the
// process itself (its memory, threads, signals, CPUs): they pass as they
// are. Every other field is dropped (capabilities, seccomp, speculation
// mitigations) or rewritten (ids).
var statusKept = map[string]bool{
	"Name": true, "FDSize": true, "Threads": true, "SigQ": true,
	"VmPeak": true, "VmSize": true, "VmLck": true, "VmPin": true, "VmHWM": true, "VmRSS": true,
	"RssAnon": true, "RssFile": true, "RssShmem": true, "VmData": true, "VmStk": true, "VmExe": true,
	"VmLib": true, "VmPTE": true, "VmSwap": true, "HugetlbPages": true, "CoreDumping": true, "THP_enabled": true,
	"SigPnd": true, "ShdPnd": true, "SigBlk": true, "SigIgn": true, "SigCgt": true,
	"Cpus_allowed": true, "Cpus_allowed_list": true, "Mems_allowed": true, "Mems_allowed_list": true,
	"voluntary_ctxt_switches": true, "nonvoluntary_ctxt_switches": true,
}

// statusView rewrites the host's /proc/<pid>/status of a guest process
// into the guest's: kept fields in the kernel's order, ids as the guest's
// namespaces show them, and the process running (it is, as it reads).
func statusView(host []byte, ids statusIDs) []byte {
	var out bytes.Buffer
	pid := strconv.Itoa(ids.pid)
	idLine := func(id int) string { return strings.Repeat(strconv.Itoa(id)+"\t", 3) + strconv.Itoa(id) }
	sc := bufio.NewScanner(bytes.NewReader(host))
	for sc.Scan() {
		line := sc.Text()
		key, _, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val, keep := "", true
		switch key {
		case "Umask":
			val = fmt.Sprintf("%04o", ids.umask)
		case "State":
			val = "R (running)"
		case "Tgid", "Pid", "NStgid", "NSpid":
			val = pid
		case "PPid":
			val = strconv.Itoa(ids.ppid)
		case "Ngid", "TracerPid":
			val = "0"
		case "Uid":
			val = idLine(ids.uid)
		case "Gid":
			val = idLine(ids.gid)
		case "Groups":
			val = ""
		default:
			keep = false
			if statusKept[key] {
				out.WriteString(line)
				out.WriteByte('\n')
			}
		}
		if keep {
			fmt.Fprintf(&out, "%s:\t%s\n", key, val)
		}
	}
	return out.Bytes()
}

// guestPPid is the parent's pid in the guest's namespace, from the host's
// status of a guest process: 0 when the parent lives outside the guest's
// namespace (its NStgid has fewer levels), as the kernel shows a parent
// it cannot name.
func guestPPid(host []byte) int {
	own := statusField(host, "NStgid")
	ppid, err := strconv.Atoi(strings.TrimSpace(statusField(host, "PPid")))
	if err != nil || ppid <= 0 {
		return 0
	}
	parent, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", ppid))
	if err != nil {
		return 0
	}
	levels := strings.Fields(statusField(parent, "NStgid"))
	if len(levels) == 0 || len(levels) != len(strings.Fields(own)) {
		return 0
	}
	n, _ := strconv.Atoi(levels[len(levels)-1])
	return n
}

// statusField is the value of one field of a status file, "" if absent.
func statusField(status []byte, key string) string {
	for _, line := range strings.Split(string(status), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
