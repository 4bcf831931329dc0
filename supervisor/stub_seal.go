package supervisor

import (
	"os"
	"strconv"
	"time"
)

// sealTimeout bounds how long the guest's first notification after the
// interpreter's exec waits for the stub's confined thread to end.
const sealTimeout = 2 * time.Second

// waitSealed returns once no thread of gaol's stub carries the guest's
// confinement (its seccomp filter, and with it its Landlock domain). The
// stub confines one thread, forks the interpreter from it, and ends that
// thread (guest.startConfined); until then a guest could aim file-owner
// signals (F_SETOWN_EX to a thread id), which the kernel delivers without
// asking gaol, at a thread that Landlock counts as the guest's own. Every
// notification of a guest process after the exec passes here, and the
// interpreter makes several (its loader opens libraries) before any guest
// code runs, so no guest code runs before the stub is sealed. A stub that
// keeps the thread past sealTimeout ends the run.
func (s *session) waitSealed() {
	s.sealOnce.Do(func() {
		deadline := time.Now().Add(sealTimeout)
		for {
			n, err := confinedThreads(s.stubTgid)
			if err == nil && n == 0 {
				return
			}
			if time.Now().After(deadline) {
				s.log.Error("gaol's stub kept its confined thread; ending the run", "threads", n, "error", err)
				s.limits.killInit()
				return
			}
			time.Sleep(50 * time.Microsecond)
		}
	})
}

// confinedThreads counts the threads of process tgid that run under a
// seccomp filter ("Seccomp: 2" in their status). A process that is gone
// has none.
func confinedThreads(tgid int) (int, error) {
	dir := "/proc/" + itoa(int64(tgid)) + "/task"
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		tid, _ := strconv.Atoi(e.Name())
		st, err := readStatus(tid)
		if os.IsNotExist(err) {
			continue // that thread has just ended
		}
		if err != nil {
			return 0, err
		}
		if st.filtered {
			n++
		}
	}
	return n, nil
}
