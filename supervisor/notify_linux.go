package supervisor

import (
	"errors"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
	"github.com/gaol-sandbox/gaol/vfs"
)

// session is the supervisor's state for one run's notify loop.
type session struct {
	listener int
	stopFD   int // eventfd: written once to stop every worker
	log      hclog.Logger
	fs       *vfs.FS
	procs    *procs
	trace    *tracer
	start    time.Time
	limits   *limiter
	policy   *policies.Policy
	spin     time.Duration // how long a worker polls before it sleeps
	clock    *clock        // the guest's clocks
	// execPaths are the guest paths of the programs the exec globs
	// matched at the start, besides the interpreter.
	execPaths map[string]bool
	rlimits   []rlimit         // applied to the interpreter at its exec
	anon      anonNumbers      // /proc/self/fd's numbers of pipes and sockets
	fifos     fifoWaits        // FIFO opens waiting for their other end
	async     asyncCalls       // answers given from goroutines (async.go)
	dests     hostDestinations // the policy's host destinations (sys_net.go)
	handed    handedSweep      // bounds what the VFS remembers of handed files (handed_linux.go)

	// stubTgid is the host pid of gaol's stub, the one process whose
	// notifications are trusted, and only until the interpreter's exec.
	stubTgid int
	sealOnce sync.Once // waitSealed

	seq         atomic.Uint64
	intercepted atomic.Uint64
	denied      atomic.Uint64
	panics      atomic.Uint64 // handler panics (dispatch)
	firstExec   atomic.Bool   // the stub's own exec of the interpreter has been let through
	token       sync.Mutex    // held by the one worker that polls and receives
	wg          sync.WaitGroup
}

// serve starts the workers. Each takes the token, polls the listener,
// receives one notification, hands the token on and answers it on its own
// thread, so the answer needs no hand-off between threads and a slow
// answer never holds up the next notification.
func (s *session) serve(workers int) {
	for i := 0; i < workers; i++ {
		s.wg.Add(1)
		go s.worker()
	}
}

// stop ends the workers and waits for them.
func (s *session) stop() {
	var one = []byte{1, 0, 0, 0, 0, 0, 0, 0}
	unix.Write(s.stopFD, one)
	s.async.end()
	s.wg.Wait()
	if n := s.panics.Load(); n > 1 {
		s.log.Error("handler panics in this run", "count", n)
	}
}

func (s *session) worker() {
	defer s.wg.Done()
	// A signal interrupting ADDFD+SEND makes the guest's call return 0
	// (measured; docs/security.md, the notes at the end of "Known gaps"):
	// keep answers on one locked thread.
	// The thread goes back to the runtime afterwards with its signal mask
	// restored, rather than ending with the goroutine: a stub started from
	// this thread by another run would get its parent-death signal when
	// the thread ended (PR_SET_PDEATHSIG follows the parent thread).
	runtime.LockOSThread()
	restore := blockAsyncSignals()
	defer runtime.UnlockOSThread()
	defer restore()
	var n seccomp.Notif
	for {
		s.token.Lock()
		ok, err := s.receive(&n)
		s.token.Unlock()
		if err != nil {
			return
		}
		if ok {
			s.handle(&n)
		}
	}
}

var errStopped = errors.New("notify loop stopped")

// receive waits for the next notification. It returns false without error
// for a notification withdrawn before it could be received.
func (s *session) receive(n *seccomp.Notif) (bool, error) {
	fds := []unix.PollFd{{Fd: int32(s.listener), Events: unix.POLLIN}, {Fd: int32(s.stopFD), Events: unix.POLLIN}}
	// Spin briefly before sleeping: syscalls come in bursts, and a
	// handler that is awake when the next one arrives saves the guest a
	// context switch each way (docs/performance.md).
	deadline := time.Now().Add(s.spin)
	timeout := 0
	for {
		n, err := unix.Poll(fds, timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return false, err
		}
		if n > 0 {
			break
		}
		if timeout == 0 && !time.Now().Before(deadline) {
			timeout = -1
		}
	}
	if fds[1].Revents != 0 {
		return false, errStopped
	}
	if fds[0].Revents&unix.POLLIN == 0 {
		// POLLHUP: every guest task is gone. RECV would block forever.
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			return false, errStopped
		}
		return false, nil
	}
	if err := seccomp.Recv(s.listener, n); err != nil {
		// ENOENT: the guest thread died between poll and receive.
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINTR) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// handle answers one notification.
func (s *session) handle(n *seccomp.Notif) {
	t0 := time.Now()
	s.intercepted.Add(1)
	c := &call{s: s, n: n, tid: int(n.Pid)}
	c.ev.Seq = s.seq.Add(1)
	sc, known := seccomp.Lookup(uint32(n.Data.Nr))
	c.ev.Syscall = sc.Name
	if !known {
		c.ev.Syscall = "syscall_" + itoa(int64(n.Data.Nr))
	}
	r := s.dispatch(c, sc, known)
	if r.action == actAsync {
		return // the handler's goroutine calls complete
	}
	s.complete(c, r, t0)
}

// complete answers a notification and accounts for it.
func (s *session) complete(c *call, r reply, t0 time.Time) {
	s.answer(c, r)
	if r.after != nil {
		r.after()
	}
	if r.action == actDeny {
		s.denied.Add(1)
	}
	if c.logged {
		s.log.Info("rule logged", "syscall", c.ev.Syscall, "path", c.ev.Args.Path, "resolved", c.ev.Args.Guest,
			"action", r.action.String(), "rule", c.ev.Rule, "rule_pos", c.ev.RulePos, "tid", c.tid)
	}
	if s.trace != nil && s.trace.wants(r.action == actDeny, c.logged) {
		c.ev.TimeUS = t0.Sub(s.start).Microseconds()
		c.ev.LatencyUS = float64(time.Since(t0).Nanoseconds()) / 1e3
		c.ev.Tid = c.tid
		if c.p != nil {
			c.ev.Pid = c.p.tgid
		}
		s.trace.write(&c.ev)
	}
}

func (s *session) dispatch(c *call, sc seccomp.Syscall, known bool) (r reply) {
	// A handler that panics is a bug in gaol; the guest's call fails with
	// ENOSYS and the run goes on, with the bug in the log: the first panic
	// with its stack, the count of all at the run's end (stop), so that a
	// guest repeating the call cannot flood gaol's stderr.
	defer func() {
		if p := recover(); p != nil {
			if s.panics.Add(1) == 1 {
				s.log.Error("handler panicked", "syscall", c.ev.Syscall, "panic", p, "stack", string(debug.Stack()))
			}
			r = reply{action: actDeny, errno: unix.ENOSYS, rule: "gaol: internal error"}
		}
	}()
	p, learnt, err := s.procs.of(c.tid)
	if err == nil && learnt {
		if err = c.valid(); err != nil {
			s.procs.forget(p)
		}
	}
	if err != nil {
		// The thread is gone (killed while waiting): nobody reads the answer.
		return reply{action: actDeny, errno: unix.ESRCH, rule: "guest thread gone"}
	}
	c.p = p
	if p.tgid == s.stubTgid {
		// gaol's stub, recognised by the host thread group gaol started,
		// which no guest process can join (never by its pid inside the
		// namespace, which a guest's own namespace reproduces). Its
		// confined thread forks the interpreter and runs no guest code;
		// after the interpreter's exec it has nothing left to ask.
		c.ev.Args.Raw = rawArgs(c.n)
		if s.firstExec.Load() {
			return deny(unix.EPERM, "gaol stub: nothing after the interpreter's exec")
		}
		return allow("gaol stub")
	}
	if s.firstExec.Load() {
		s.waitSealed()
	}
	if !known || int(sc.Nr) >= len(handlers) || handlers[sc.Nr] == nil {
		c.ev.Args.Raw = rawArgs(c.n)
		return reply{action: actDeny, errno: unix.ENOSYS, rule: "unsupported syscall"}
	}
	return handlers[sc.Nr](c)
}

// answer sends the reply: a value, an errno, an injected fd, or (only for
// syscalls whose decision read no guest memory) a continue.
func (s *session) answer(c *call, r reply) {
	c.ev.Action = r.action.String()
	// A reply without a rule of its own keeps the policy rule that allowed
	// the operation (set by check).
	if r.rule != "" {
		c.ev.Rule, c.ev.RulePos = r.rule, r.rulePos
	}
	if c.ev.Rule == "" {
		// Answered from gaol's own state, with no policy rule asked:
		// fstat of an fd the guest holds, getcwd and the like.
		c.ev.Rule = ruleGaol
	}
	if r.injectFD >= 0 && r.action == actInject {
		defer unix.Close(r.injectFD)
		flags := uint32(0)
		if r.cloexec {
			flags = unix.O_CLOEXEC
		}
		// ADDFD_FLAG_SEND: install the fd and answer with its number in
		// one step, see seccomp_unotify(2).
		add := seccomp.NotifAddFD{ID: c.n.ID, Flags: unix.SECCOMP_ADDFD_FLAG_SEND, SrcFD: uint32(r.injectFD), NewFDFlags: flags}
		fd, err := seccomp.AddFD(s.listener, &add)
		if err == nil {
			c.ev.Result = int64(fd)
			return
		}
		var errno unix.Errno
		if errors.As(err, &errno) && errno != unix.ENOENT && errno != unix.EINPROGRESS {
			// EMFILE and friends: the guest's own fd table refused it.
			r = reply{action: actEmulate, errno: errno, rule: r.rule}
		} else {
			c.ev.Result = -int64(unix.ESRCH)
			return
		}
	}
	resp := seccomp.Resp{ID: c.n.ID}
	switch {
	case r.action == actAllow:
		resp.Flags = seccomp.FlagContinue
	case r.errno != 0:
		resp.Error = -int32(r.errno)
		c.ev.Result, c.ev.Errno = -int64(r.errno), errnoName(r.errno)
	default:
		resp.Val = r.val
		c.ev.Result = r.val
	}
	_ = seccomp.Send(s.listener, &resp)
}

// asyncSignals are the signals a worker thread blocks: process-directed
// ones go to another thread of the supervisor, and the runtime's
// preemption signal (SIGURG) waits, so that none interrupts an
// ADDFD+SEND (which would leave the guest's call returning 0).
var asyncSignals = []unix.Signal{
	unix.SIGURG, unix.SIGCHLD, unix.SIGPIPE, unix.SIGWINCH, unix.SIGINT, unix.SIGTERM, unix.SIGHUP,
	unix.SIGQUIT, unix.SIGPROF, unix.SIGALRM, unix.SIGVTALRM, unix.SIGUSR1, unix.SIGUSR2, unix.SIGIO,
	unix.SIGXCPU, unix.SIGXFSZ, unix.SIGCONT, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU,
}

// blockAsyncSignals blocks them on the calling thread and returns the
// function that restores its mask.
func blockAsyncSignals() (restore func()) {
	var set, old unix.Sigset_t
	for _, sig := range asyncSignals {
		set.Val[(sig-1)/64] |= 1 << ((uint(sig) - 1) % 64)
	}
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, &old); err != nil {
		panic("notify worker: cannot block signals: " + err.Error())
	}
	return func() { unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil) }
}
