package seccomp

// WithVirtualTime returns a copy of table for a run whose clock is
// virtual: every row with a Timeout becomes Notify, so that the supervisor
// can let its timeout pass in virtual time, except when the registers alone
// show the wait needs no clock (Untimed), which stays in the kernel. The
// other rows are unchanged. Without virtual time the poll family stays on
// the fast path: an asyncio loop calls epoll_wait constantly.
func WithVirtualTime(table []Syscall) []Syscall {
	out := make([]Syscall, len(table))
	for i, s := range table {
		out[i] = s.clone()
		if s.Timeout != nil {
			out[i].Class = Notify
			out[i].ArgAllow = append(out[i].ArgAllow, s.Timeout.Untimed()...)
		}
	}
	return out
}

// Untimed returns the argument conditions under which a wait has nothing
// to do with a clock: no timeout at all, or one of zero. A pointer timeout
// is untimed only when NULL: what it points to is memory a filter cannot
// read. An int timeout is a C int, so the conditions test its low 32 bits
// only, as the kernel reads it: zero, or the sign bit set (negative).
func (t Timeout) Untimed() []ArgCond {
	if t.Pointer {
		return []ArgCond{{Arg: t.Arg, Op: OpEqual, Value: 0}}
	}
	return []ArgCond{
		{Arg: t.Arg, Op: OpBitsClear, Value: 0xffff_ffff},
		{Arg: t.Arg, Op: OpBitsSet, Value: 0x8000_0000},
	}
}
