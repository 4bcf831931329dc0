package supervisor

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// endBound is how long the end of a run waits for what the guest may have
// left behind: asynchronous handlers still running once the guest is gone,
// and the guest's output still readable from its pipes or pty. Each of the
// two waits is bounded by it (docs/security.md, "Every run ends").
const endBound = time.Second

// asyncCalls are the notifications a session answers from goroutines.
// The zero value is ready to use.
type asyncCalls struct {
	once, closed sync.Once
	stop         chan struct{} // closed by end: the run is over
	wg           sync.WaitGroup
	mu           sync.RWMutex // read: an answer being sent; write: the run ending
	ended        bool         // answers are no longer sent: the listener may be gone
}

func (a *asyncCalls) stopped() <-chan struct{} {
	a.once.Do(func() { a.stop = make(chan struct{}) })
	return a.stop
}

// end closes the stop channel every asynchronous answer watches. Safe to
// call more than once.
func (a *asyncCalls) end() {
	a.stopped()
	a.closed.Do(func() { close(a.stop) })
}

// wait ends the asynchronous answers: it closes stop, waits at most bound
// for the handlers to return, and from then on drops every answer, so
// that the listener can be closed (and its number reused) without a late
// handler answering on whatever holds the number then. It reports whether
// every handler returned in time. Called once the workers have stopped,
// so that no new handler starts.
func (a *asyncCalls) wait(bound time.Duration) bool {
	a.end()
	over := make(chan struct{})
	go func() { a.wg.Wait(); close(over) }()
	t := time.NewTimer(bound)
	defer t.Stop()
	finished := true
	select {
	case <-over:
	case <-t.C:
		finished = false
	}
	a.mu.Lock()
	a.ended = true
	a.mu.Unlock()
	return finished
}

// async answers the notification from a goroutine running f. stop closes
// when the run ends, and f must then return promptly (its answer goes to
// a guest that is gone or going, and is dropped once the run has ended).
// done, if not nil, runs once the answer is sent and traced, or dropped.
func (c *call) async(f func(stop <-chan struct{}) reply, done func()) reply {
	t0 := time.Now()
	// The worker receives the next notification into the same Notif as
	// soon as this returns: the goroutine must answer from its own copy,
	// or it would answer (or inject an fd into) whichever call came next.
	n := *c.n
	c.n = &n
	a := &c.s.async
	stop := a.stopped()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if done != nil {
			defer done()
		}
		r := f(stop)
		a.mu.RLock()
		defer a.mu.RUnlock()
		if a.ended {
			if r.action == actInject && r.injectFD >= 0 {
				unix.Close(r.injectFD)
			}
			return
		}
		c.s.complete(c, r, t0)
	}()
	return reply{action: actAsync}
}
