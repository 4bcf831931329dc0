package supervisor

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// stdio is the guest's standard streams. stdin is passed through; stdout
// and stderr go through pipes that the supervisor relays and counts. When
// the user's stdin is a terminal, the guest gets a pty that the supervisor
// owns and relays instead, so that terminal ioctls act on gaol's pty and
// never on the host terminal.
type stdio struct {
	childIn, childOut, childErr *os.File // the guest's ends
	outR, errR                  *os.File // pipe read ends; nil where the pty stands in
	pty                         *os.File // the pty master, when the guest has a terminal
	ptyOut                      io.Writer
	host                        *os.File // the host terminal put in raw mode
	saved                       *unix.Termios
	restoreOnce                 sync.Once
	closeAfterStart             []*os.File
}

func isTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// openStdio makes the guest's standard streams for a run whose user
// streams are o's Stdin, Stdout and Stderr.
func openStdio(o Options) (*stdio, error) {
	s := &stdio{childIn: o.Stdin}
	if s.childIn == nil {
		f, err := os.Open(os.DevNull)
		if err != nil {
			return nil, err
		}
		s.childIn = f
		s.closeAfterStart = append(s.closeAfterStart, f)
	}
	outTTY, errTTY := false, false
	if isTerminal(o.Stdin) {
		if err := s.openPty(o.Stdin); err != nil {
			return nil, err
		}
		s.childIn = s.closeAfterStart[len(s.closeAfterStart)-1]
		outFile, _ := o.Stdout.(*os.File)
		errFile, _ := o.Stderr.(*os.File)
		outTTY, errTTY = isTerminal(outFile), isTerminal(errFile)
		s.ptyOut = o.Stdout
		if !outTTY {
			s.ptyOut = o.Stderr
		}
	}
	var err error
	if outTTY {
		s.childOut = s.childIn
	} else if s.outR, s.childOut, err = os.Pipe(); err != nil {
		s.closeParent()
		return nil, err
	} else {
		s.closeAfterStart = append(s.closeAfterStart, s.childOut)
	}
	if errTTY {
		s.childErr = s.childIn
	} else if s.errR, s.childErr, err = os.Pipe(); err != nil {
		s.closeParent()
		return nil, err
	} else {
		s.closeAfterStart = append(s.closeAfterStart, s.childErr)
	}
	return s, nil
}

// openPty opens a pty whose slave starts with the host terminal's modes
// and size, and puts the host terminal in raw mode: from now on the
// guest's pty does the line editing, echo and signals.
func (s *stdio) openPty(host *os.File) error {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("pty: %w", err)
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return fmt.Errorf("pty: unlock: %w", err)
	}
	// TIOCGPTPEER opens the slave from the master without a path lookup.
	r1, _, errno := unix.Syscall(unix.SYS_IOCTL, master.Fd(), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		master.Close()
		return fmt.Errorf("pty: open slave: %w", errno)
	}
	sfd := int(r1)
	slave := os.NewFile(uintptr(sfd), "gaol-pty")
	hfd := int(host.Fd())
	if t, err := unix.IoctlGetTermios(hfd, unix.TCGETS); err == nil {
		unix.IoctlSetTermios(sfd, unix.TCSETS, t)
		saved := *t
		raw := *t
		raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		raw.Oflag &^= unix.OPOST
		raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		raw.Cflag &^= unix.CSIZE | unix.PARENB
		raw.Cflag |= unix.CS8
		raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
		if unix.IoctlSetTermios(hfd, unix.TCSETS, &raw) == nil {
			s.host, s.saved = host, &saved
		}
	}
	if ws, err := unix.IoctlGetWinsize(hfd, unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(sfd, unix.TIOCSWINSZ, ws)
	}
	s.pty = master
	s.closeAfterStart = append(s.closeAfterStart, slave)
	return nil
}

// restoreTerminal puts the host terminal back as it was.
func (s *stdio) restoreTerminal() {
	s.restoreOnce.Do(func() {
		if s.host != nil && s.saved != nil {
			unix.IoctlSetTermios(int(s.host.Fd()), unix.TCSETS, s.saved)
		}
	})
}

// closeParent closes the supervisor's ends when the run ends before the
// relays start.
func (s *stdio) closeParent() {
	for _, f := range []*os.File{s.outR, s.errR, s.pty} {
		if f != nil {
			f.Close()
		}
	}
	s.closeChild()
	s.restoreTerminal()
}

// closeChild closes the guest's ends in the supervisor once the stub has
// them.
func (s *stdio) closeChild() {
	for _, f := range s.closeAfterStart {
		f.Close()
	}
	s.closeAfterStart = nil
}

// startRelays copies the guest's output (pipes, or the pty) to the user's
// stdout and stderr, and the user's terminal input to the pty. The
// returned group ends when the guest's output has ended.
func (s *stdio) startRelays(r *runner) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, p := range []struct {
		src *os.File
		dst io.Writer
	}{{s.outR, r.o.Stdout}, {s.errR, r.o.Stderr}, {s.pty, s.ptyOut}} {
		if p.src == nil {
			continue
		}
		wg.Add(1)
		go func(src *os.File, dst io.Writer) {
			defer wg.Done()
			r.relay(src, dst)
			if src != s.pty {
				src.Close()
			}
		}(p.src, p.dst)
	}
	if s.pty != nil {
		stop := s.relayInput(r.o.Stdin)
		go func() {
			wg.Wait()
			stop()
			s.pty.Close()
			s.restoreTerminal()
		}()
	}
	return &wg
}

// endRelays bounds the relays once the guest is gone: each reads what is
// left in its pipe (or the pty) and ends at its end of file or, at the
// latest, bound from now. A guest can keep a write end open past its own
// end where gaol cannot close it (passed in SCM_RIGHTS and left in
// flight on a socket, until the kernel collects the socket), so the end
// of file alone is not enough. The pipes and the pty master are
// non-blocking files of the runtime's poller, so the deadline interrupts
// a read that waits.
func (s *stdio) endRelays(bound time.Duration) {
	at := time.Now().Add(bound)
	for _, f := range []*os.File{s.outR, s.errR, s.pty} {
		if f != nil {
			f.SetReadDeadline(at)
		}
	}
}

// relayInput copies the user's terminal input to the pty and its window
// size changes, until stop is called.
func (s *stdio) relayInput(in *os.File) (stop func()) {
	done, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return func() {}
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, unix.SIGWINCH)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range winch {
			if ws, err := unix.IoctlGetWinsize(int(in.Fd()), unix.TIOCGWINSZ); err == nil {
				unix.IoctlSetWinsize(int(s.pty.Fd()), unix.TIOCSWINSZ, ws)
			}
		}
	}()
	go func() {
		defer wg.Done()
		buf := make([]byte, 4096)
		fds := []unix.PollFd{{Fd: int32(in.Fd()), Events: unix.POLLIN}, {Fd: int32(done), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
				return
			}
			if fds[1].Revents != 0 {
				return
			}
			if fds[0].Revents&(unix.POLLIN|unix.POLLHUP) == 0 {
				continue
			}
			n, err := unix.Read(int(in.Fd()), buf)
			if n <= 0 || err != nil {
				return
			}
			if _, err := s.pty.Write(buf[:n]); err != nil {
				return
			}
		}
	}()
	return func() {
		signal.Stop(winch)
		close(winch)
		unix.Write(done, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		wg.Wait()
		unix.Close(done)
	}
}
