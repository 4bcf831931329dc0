package supervisor

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/policies"
)

// Time handlers. With real time the vDSO answers clock reads without a
// syscall and the few that reach the supervisor continue; otherwise the
// supervisor writes the guest's time itself. CPU-time clocks stay honest.

// isCPUClock reports whether a clock id measures CPU time (the process
// and thread clocks, and the per-pid and per-thread dynamic ones, which
// are negative).
func isCPUClock(id int32) bool {
	return id == unix.CLOCK_PROCESS_CPUTIME_ID || id == unix.CLOCK_THREAD_CPUTIME_ID || id < 0
}

func (c *call) guestTime() (time.Time, time.Duration) {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return c.s.clock.now(time.Now(), time.Duration(ts.Nano()))
}

func sysClockGettime(c *call) reply {
	id := int32(c.arg(0))
	if c.s.clock.real() || isCPUClock(id) {
		return allow("time: real")
	}
	realtime, mono := c.guestTime()
	var ts unix.Timespec
	switch id {
	case unix.CLOCK_REALTIME, unix.CLOCK_REALTIME_COARSE, unix.CLOCK_TAI:
		ts = unix.NsecToTimespec(realtime.UnixNano())
	case unix.CLOCK_MONOTONIC, unix.CLOCK_MONOTONIC_RAW, unix.CLOCK_MONOTONIC_COARSE, unix.CLOCK_BOOTTIME:
		ts = unix.NsecToTimespec(int64(mono))
	default:
		return fail(unix.EINVAL)
	}
	c.ev.Rule = "time: " + string(c.s.clock.mode)
	return c.writeOut(c.arg(1), asBytes(&ts), 0)
}

func sysGettimeofday(c *call) reply {
	if c.s.clock.real() {
		return allow("time: real")
	}
	realtime, _ := c.guestTime()
	c.ev.Rule = "time: " + string(c.s.clock.mode)
	if c.arg(0) != 0 {
		tv := unix.NsecToTimeval(realtime.UnixNano())
		if err := writeMem(c.tid, c.arg(0), asBytes(&tv)); err != nil {
			return fail(err)
		}
	}
	if c.arg(1) != 0 {
		var tz [8]byte // struct timezone: UTC
		if err := writeMem(c.tid, c.arg(1), tz[:]); err != nil {
			return fail(err)
		}
	}
	return ok(0)
}

func sysTime(c *call) reply {
	if c.s.clock.real() {
		return allow("time: real")
	}
	realtime, _ := c.guestTime()
	sec := realtime.Unix()
	c.ev.Rule = "time: " + string(c.s.clock.mode)
	if c.arg(0) != 0 {
		if err := writeMem(c.tid, c.arg(0), asBytes(&sec)); err != nil {
			return fail(err)
		}
	}
	return ok(sec)
}

// sysNanosleep: virtual time fast-forwards a sleep and returns at once;
// every other mode sleeps for real (the kernel does, on a continue: the
// request is only read by the kernel, never by the decision).
func sysNanosleep(c *call) reply {
	return c.sleep(c.arg(0), false, unix.CLOCK_MONOTONIC)
}

func sysClockNanosleep(c *call) reply {
	return c.sleep(c.arg(2), c.arg(1)&unix.TIMER_ABSTIME != 0, int32(c.arg(0)))
}

func (c *call) sleep(reqPtr uint64, abs bool, id int32) reply {
	if c.s.clock.real() || isCPUClock(id) || c.s.clock.mode != policies.TimeVirtual {
		if abs && (id == unix.CLOCK_REALTIME || id == unix.CLOCK_TAI) && !c.s.clock.real() {
			// A realtime deadline is in the guest's shifted time, which
			// is not the kernel's: refuse rather than sleep wrongly.
			return deny(unix.ENOTSUP, "time: absolute realtime sleep in shifted time")
		}
		return allow("time: " + string(c.s.clock.mode))
	}
	var ts unix.Timespec
	raw := asBytes(&ts)
	if err := readMem(c.tid, reqPtr, raw); err != nil {
		return fail(err)
	}
	d := time.Duration(ts.Nano())
	if abs {
		realtime, mono := c.guestTime()
		now := int64(mono)
		if id == unix.CLOCK_REALTIME || id == unix.CLOCK_TAI {
			now = realtime.UnixNano()
		}
		d = time.Duration(ts.Nano() - now)
	}
	c.s.clock.sleep(d)
	c.ev.Rule = "time: virtual"
	return ok(0)
}
