package guest

import (
	"os"
	"os/signal"
	"runtime"
)

// The stub lives in the guest's PID namespace, where every guest process
// can name it (it is process 1) and its threads (by their thread ids), and
// it shares the guest's user. So the kernel lets a guest send it signals by
// routes gaol does not see: a file's owner (F_SETOWN and O_ASYNC, SIGURG on
// a socket), a child's exit signal. The stub is made deaf to all of them:
//
//   - Every signal a handler can catch is caught and discarded (ignore).
//     The Go runtime would otherwise die of SIGQUIT, SIGSEGV sent by kill
//     and the like; a signal caught through os/signal is only a value on a
//     channel, and faults of the stub's own code still panic as usual.
//   - SIGKILL and SIGSTOP cannot be caught, but the kernel drops them when
//     they come from inside a PID namespace to its init, which has no
//     handler for them.
//   - The thread group leader never runs the confined goroutine (init below),
//     so the stub's leader is outside the guest's Landlock domain and
//     Landlock's signal scope refuses the guest's process-directed signals
//     as a second layer.

// init keeps the stub's main goroutine on the main thread (the thread
// group leader) for the stub's whole life, so that no other goroutine, the
// confined one included, ever runs on it.
func init() {
	if len(os.Args) > 1 && os.Args[1] == ModeInit {
		runtime.LockOSThread()
	}
}

// ignore catches every catchable signal and discards it.
func ignore() {
	ch := make(chan os.Signal, 64)
	signal.Notify(ch)
	go func() {
		for range ch {
		}
	}()
}
