package supervisor

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/vfs"
)

// maxFIFOWaits bounds the FIFO opens waiting at once for their other end.
// Each holds a supervisor thread in the kernel; a guest that interrupts
// its own opens over and over would otherwise make one per attempt.
const maxFIFOWaits = 64

// openFIFO answers an open that waits for a FIFO's other end (O_RDONLY
// or O_WRONLY without O_NONBLOCK): from a goroutine, so that the notify
// loop goes on while it waits, and registered, so that the end of the
// run can release it (fifoWaits.release). It owns loc.
func (c *call) openFIFO(loc *vfs.Loc, flags int, mode uint32) reply {
	// An O_PATH fd of the FIFO: what the release opens the other end of.
	peer, err := c.s.fs.Open(loc, unix.O_PATH, 0)
	if err != nil {
		loc.Close()
		return c.pathErr(err)
	}
	w, ok := c.s.fifos.add(peer, flags&unix.O_ACCMODE)
	if !ok {
		unix.Close(peer)
		loc.Close()
		return deny(unix.ENFILE, "too many FIFO opens waiting")
	}
	// The wait ends only once the answer is traced: release then waits
	// for the trace's last events too.
	return c.async(func(<-chan struct{}) reply {
		defer loc.Close()
		fd, err := c.s.fs.OpenWait(loc, flags, mode)
		if err != nil {
			return c.pathErr(err)
		}
		return inject(fd, flags&unix.O_CLOEXEC != 0)
	}, func() { c.s.fifos.done(w) })
}

// fifoWaits are the FIFO opens of a run still waiting for their other
// end. The zero value is ready to use.
type fifoWaits struct {
	mu       sync.Mutex
	pending  map[*fifoWait]bool
	released bool
	wg       sync.WaitGroup
}

type fifoWait struct {
	peer     int  // O_PATH fd of the FIFO
	access   int  // O_RDONLY or O_WRONLY: the end the open waits with
	released bool // release opened the other end
}

// add registers an open about to wait; false when too many already wait
// or the run is over.
func (f *fifoWaits) add(peer, access int) (*fifoWait, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.released || len(f.pending) >= maxFIFOWaits {
		return nil, false
	}
	if f.pending == nil {
		f.pending = map[*fifoWait]bool{}
	}
	w := &fifoWait{peer: peer, access: access}
	f.pending[w] = true
	f.wg.Add(1)
	return w, true
}

// done ends a wait, once its open returned and was answered.
func (f *fifoWaits) done(w *fifoWait) {
	f.mu.Lock()
	delete(f.pending, w)
	f.mu.Unlock()
	unix.Close(w.peer)
	f.wg.Done()
}

// release ends every wait once the guest is gone, and returns when their
// goroutines have: it opens the other end of each FIFO without waiting
// (a writer for a waiting reader, a reader for a waiting writer), which
// lets the kernel complete the waiting open. The answers then go to
// notifications that no longer exist. A writer end cannot open before the
// waiting reader is in the kernel (ENXIO), so release tries again until
// every wait is over. A wait that would register later is refused.
func (f *fifoWaits) release() {
	over := make(chan struct{})
	f.mu.Lock()
	f.released = true
	f.mu.Unlock()
	go func() { f.wg.Wait(); close(over) }()
	var ends []int
	defer func() {
		for _, fd := range ends {
			unix.Close(fd)
		}
	}()
	for {
		ends = append(ends, f.openOtherEnds()...)
		select {
		case <-over:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// openOtherEnds opens, without waiting, the other end of every waiting
// FIFO open that has none yet.
func (f *fifoWaits) openOtherEnds() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ends []int
	for w := range f.pending {
		if w.released {
			continue
		}
		other := unix.O_WRONLY
		if w.access == unix.O_WRONLY {
			other = unix.O_RDONLY
		}
		// A FIFO's O_PATH fd reopens the FIFO itself (a magic link the
		// supervisor, not the guest, follows).
		if fd, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", w.peer), other|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err == nil {
			ends = append(ends, fd)
			w.released = true
		}
	}
	return ends
}
