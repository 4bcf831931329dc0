package supervisor

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/guest"
	"github.com/gaol-sandbox/gaol/policies"
)

// A Stub is a guest stub started ahead of its run: gaol re-executed in new
// namespaces, waiting for its configuration. Its start (a Go program's,
// the larger part of gaol's start-up cost) then overlaps with whatever the
// caller does before Run, such as loading the policy. One Run takes it
// (Options.Stub); Close releases a stub no run took. The zero value is not
// a stub.
type Stub struct {
	spec   stubSpec
	sock   int    // the supervisor's end of the control socket
	io     *stdio // the guest's standard streams
	cmd    *exec.Cmd
	waited chan struct{} // closed once the stub is reaped
	taken  atomic.Bool   // a run took it, and its streams
	closed sync.Once
}

// stubSpec is what a stub's namespaces are made with, before its run
// tells it anything: the ids its user namespace maps to gaol's, and
// whether it gets a network namespace of its own. A run can take a stub
// only if its policy asks for the same.
type stubSpec struct {
	uid, gid uint32
	newNet   bool
}

// specFor is the stub spec a policy needs. The guest always gets a
// network namespace of its own, whatever the policy's network block: an
// allowed connection to the host is a socket the supervisor makes in its
// own namespace and installs in the guest (sys_net.go), so no socket the
// guest creates, binds or listens on is ever one of the host's.
func specFor(p *policies.Policy) stubSpec {
	return stubSpec{uid: p.Identity.UID, gid: p.Identity.GID, newNet: true}
}

// defaultSpec is what StartStub guesses: the policy's default identity and
// no network, as the built-in profiles have.
var defaultSpec = stubSpec{uid: policies.DefaultGuestID, gid: policies.DefaultGuestID, newNet: true}

// StartStub starts a guest stub for a run whose standard streams are o's
// (Stdin, Stdout, Stderr; the rest of o is not read). It guesses the
// namespaces a policy with the default identity and no network needs; a
// run whose policy needs others starts a stub of its own and closes this
// one. A terminal stdin is put in raw mode from now on, until the run ends
// or Close.
func StartStub(o Options) (*Stub, error) {
	return startStub(o, defaultSpec)
}

func startStub(o Options, spec stubSpec) (*Stub, error) {
	sock, child, err := socketpair("gaol-control")
	if err != nil {
		return nil, err
	}
	io, err := openStdio(o)
	if err != nil {
		unix.Close(sock)
		child.Close()
		return nil, err
	}
	s := &Stub{spec: spec, sock: sock, io: io, waited: make(chan struct{})}
	s.cmd = stubCommand(child, io, spec)
	err = s.cmd.Start()
	child.Close()
	io.closeChild()
	if err != nil {
		unix.Close(sock)
		io.closeParent()
		return nil, fmt.Errorf("cannot start the guest (user namespaces unavailable?): %w", err)
	}
	go func() { s.cmd.Wait(); close(s.waited) }()
	return s, nil
}

// stubCommand is the stub: gaol re-executed with the hidden init mode in
// new user, PID, IPC, UTS and mount namespaces (and network, unless the
// policy allows a network), its user namespace mapping only the guest's
// ids, to gaol's own.
func stubCommand(ctrl *os.File, io *stdio, spec stubSpec) *exec.Cmd {
	cmd := exec.Command("/proc/self/exe", guest.ModeInit)
	cmd.Args[0] = "gaol-guest"
	cmd.Env = []string{}
	cmd.Dir = "/"
	cmd.Stdin, cmd.Stdout, cmd.Stderr = io.childIn, io.childOut, io.childErr
	cmd.ExtraFiles = []*os.File{ctrl} // guest.ControlFD
	flags := syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS | syscall.CLONE_NEWNS
	if spec.newNet {
		flags |= syscall.CLONE_NEWNET
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: uintptr(flags),
		// The guest's ids (the policy's identity) are gaol's own on the
		// host, and the only ids its namespace maps.
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: int(spec.uid), HostID: os.Geteuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: int(spec.gid), HostID: os.Getegid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
		Pdeathsig:                  syscall.SIGKILL,
		// A uid other than 0 would lose its namespace capabilities at the
		// exec; the stub keeps CAP_SYS_ADMIN (in its own namespace only) to
		// create the tmpfs mounts. Its confined thread drops every
		// capability before it forks the interpreter.
		// CAP_NET_ADMIN (in its own network namespace only) brings the
		// namespace's lo up (guest/loopback_linux.go).
		AmbientCaps: []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_NET_ADMIN},
	}
	return cmd
}

// kill kills the stub and with it its PID namespace. os.Process signals
// through a pidfd and not at all once the stub is reaped: a late kill (the
// limiter's grace timer) never reaches a recycled pid.
func (s *Stub) kill() { s.cmd.Process.Kill() }

// Close kills the stub if it still runs, waits until it is reaped, and
// closes the supervisor's end of its control socket; and the guest's
// standard streams if no run took them. Safe to call more than once.
func (s *Stub) Close() {
	s.closed.Do(func() {
		s.kill()
		<-s.waited
		unix.Close(s.sock)
		if !s.taken.Load() {
			s.io.closeParent()
		}
	})
}

// takeStub returns the stub the run uses: the caller's, if it has the
// namespaces the policy needs, else a new one.
func (r *runner) takeStub() (*Stub, error) {
	want := specFor(r.o.Policy)
	if s := r.o.Stub; s != nil {
		if s.spec == want && s.taken.CompareAndSwap(false, true) {
			return s, nil
		}
		r.log.Debug("pre-started stub does not fit the policy: starting another")
		s.Close()
	}
	s, err := startStub(r.o, want)
	if err != nil {
		return nil, err
	}
	s.taken.Store(true)
	return s, nil
}
