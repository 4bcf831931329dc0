package supervisor

import (
	"sync"
	"time"
)

// asyncCalls are the notifications a session answers from goroutines.
// The zero value is ready to use.
type asyncCalls struct {
	once, closed sync.Once
	stop         chan struct{} // closed by end: the run is over
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

// async answers the notification from a goroutine running f. stop closes
// when the run ends, and f must then return promptly (its answer goes to
// a guest that is gone or going). done, if not nil, runs once the answer
// is sent and traced.
func (c *call) async(f func(stop <-chan struct{}) reply, done func()) reply {
	t0 := time.Now()
	// The worker receives the next notification into the same Notif as
	// soon as this returns: the goroutine must answer from its own copy,
	// or it would answer (or inject an fd into) whichever call came next.
	n := *c.n
	c.n = &n
	stop := c.s.async.stopped()
	go func() {
		if done != nil {
			defer done()
		}
		c.s.complete(c, f(stop), t0)
	}()
	return reply{action: actAsync}
}
