package seccomp

import "slices"

// byNr maps a syscall number to its index in rows, -1 for a hole; built once
// from rows so Lookup is one bounds check and one load.
var byNr = indexRows(rows)

func indexRows(rs []Syscall) []int16 {
	if len(rs) == 0 {
		return nil
	}
	idx := make([]int16, rs[len(rs)-1].Nr+1)
	for i := range idx {
		idx[i] = -1
	}
	for i, r := range rs {
		idx[r.Nr] = int16(i)
	}
	return idx
}

// Table returns the x86_64 syscall table: every number elastic's
// arch.X86_64 knows, sorted by Nr, each exactly once. It is a copy the caller
// may change (for instance to pass a stricter table to Build). On any other
// platform it returns nil, which Build rejects.
func Table() []Syscall {
	out := make([]Syscall, len(rows))
	for i, r := range rows {
		out[i] = r.clone()
	}
	return out
}

// clone returns a copy of s that shares no memory with it.
func (s Syscall) clone() Syscall {
	s.ArgAllow = slices.Clone(s.ArgAllow)
	if s.Timeout != nil {
		t := *s.Timeout
		s.Timeout = &t
	}
	return s
}

// Lookup returns the table row for syscall number nr in constant time. It
// reports false for numbers the table does not name (holes in the numbering,
// syscalls newer than the table, x32 numbers), which the filter sends to the
// supervisor by default. The returned row is a copy.
func Lookup(nr uint32) (Syscall, bool) {
	if uint64(nr) >= uint64(len(byNr)) || byNr[nr] < 0 {
		return Syscall{}, false
	}
	return rows[byNr[nr]].clone(), true
}
