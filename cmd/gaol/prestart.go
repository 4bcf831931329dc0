package main

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/supervisor"
)

// prestart is a guest stub being started while gaol run reads its
// policy: the stub's own start-up (a Go program's) is the larger part of
// a run's, and the two then overlap. The run takes the stub if its policy
// fits the guess (supervisor.StartStub); otherwise, or if gaol fails
// before the run, the stub is closed.
type prestart struct {
	done chan struct{}
	stub *supervisor.Stub // nil if the start failed: the run starts its own and reports why
}

// startStub begins starting a stub for a run on gaol's own standard
// streams. Not when stdin is a terminal: the stub would put it in raw mode
// while the policy's diagnostics may still be printed; an interactive
// session does not need the head start.
func startStub() *prestart {
	p := &prestart{done: make(chan struct{})}
	if _, err := unix.IoctlGetTermios(int(os.Stdin.Fd()), unix.TCGETS); err == nil {
		close(p.done)
		return p
	}
	go func() {
		defer close(p.done)
		p.stub, _ = supervisor.StartStub(streams())
	}()
	return p
}

// streams are the run's standard streams: gaol's own.
func streams() supervisor.Options {
	return supervisor.Options{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// take waits for the stub and hands it over to a run.
func (p *prestart) take() *supervisor.Stub {
	<-p.done
	return p.stub
}

// release closes the stub unless a run took it (then it is the run's, and
// closed already).
func (p *prestart) release() {
	if s := p.take(); s != nil {
		s.Close()
	}
}
