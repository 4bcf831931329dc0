package supervisor

import (
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
)

// call is one notification being answered.
type call struct {
	s   *session
	n   *seccomp.Notif
	tid int
	p   *proc
	ev  Event
	// openFlags are the open(2) flags of the open family, for the policy.
	openFlags int
	// logged: the deciding rule has log = true (decided).
	logged bool
}

func (c *call) arg(i int) uint64 { return c.n.Data.Args[i] }

// argInt is an int-typed argument (fds, dirfds): the low 32 bits, signed.
func (c *call) argInt(i int) int { return int(int32(uint32(c.n.Data.Args[i]))) }

// action is what the supervisor did with a syscall.
type action uint8

const (
	actEmulate action = iota // answered by the supervisor
	actAllow                 // let the kernel run it (continue)
	actDeny                  // refused by policy
	actInject                // answered with an fd the supervisor opened
	actAsync                 // a goroutine of the handler answers later
)

func (a action) String() string {
	return [...]string{"emulate", "allow", "deny", "inject", "async"}[a]
}

// reply is a handler's answer.
type reply struct {
	action   action
	val      int64
	errno    unix.Errno
	injectFD int // actInject: the supervisor's fd to install in the guest
	cloexec  bool
	rule     string
	rulePos  string
	// after runs once the answer is sent, on the same thread.
	after func()
}

func ok(v int64) reply { return reply{action: actEmulate, val: v} }

func fail(err error) reply {
	return reply{action: actEmulate, errno: toErrno(err)}
}

func deny(errno unix.Errno, rule string) reply {
	return reply{action: actDeny, errno: errno, rule: rule}
}

func allow(rule string) reply { return reply{action: actAllow, rule: rule} }

func inject(fd int, cloexec bool) reply {
	return reply{action: actInject, injectFD: fd, cloexec: cloexec}
}

func toErrno(err error) unix.Errno {
	if e, ok := err.(unix.Errno); ok {
		return e
	}
	return unix.EIO
}

func errnoName(e unix.Errno) string {
	if n := unix.ErrnoName(e); n != "" {
		return n
	}
	return "E" + strconv.Itoa(int(e))
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func rawArgs(n *seccomp.Notif) []string {
	out := make([]string, 6)
	for i, a := range n.Data.Args {
		out[i] = "0x" + strconv.FormatUint(a, 16)
	}
	return out
}

// valid re-checks, after guest memory was read, that the notification is
// still pending, so that what was read belongs to this syscall of this
// (still living) thread and not to a recycled pid.
func (c *call) valid() error {
	if err := seccomp.IDValid(c.s.listener, c.n.ID); err != nil {
		return unix.ESRCH
	}
	return nil
}

// readPath reads the path argument i, checks the notification is still
// valid, and records the path in the trace.
func (c *call) readPath(i int) (string, error) {
	p, err := readString(c.tid, c.arg(i), unix.PathMax)
	if err != nil {
		return "", err
	}
	if err := c.valid(); err != nil {
		return "", err
	}
	if c.ev.Args.Path == "" {
		c.ev.Args.Path = p
	} else {
		c.ev.Args.Path2 = p
	}
	return p, nil
}

func (c *call) setFd(fd int) {
	v := fd
	c.ev.Args.Fd = &v
}
