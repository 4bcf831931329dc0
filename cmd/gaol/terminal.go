package main

import (
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// terminal is the user's terminal settings as they were when gaol run
// started, so that every way gaol exits can put them back: the run puts
// the terminal in raw mode while the guest's pty does the line editing.
// Restoring what was there before is idempotent, so the run's own
// restore and this one never conflict.
type terminal struct {
	mu    sync.Mutex
	fd    int
	saved *unix.Termios // nil: stdin is no terminal
}

func saveTerminal(f *os.File) *terminal {
	t := &terminal{fd: int(f.Fd())}
	if tio, err := unix.IoctlGetTermios(t.fd, unix.TCGETS); err == nil {
		t.saved = tio
	}
	return t
}

func (t *terminal) restore() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.saved != nil {
		unix.IoctlSetTermios(t.fd, unix.TCSETS, t.saved)
	}
}
