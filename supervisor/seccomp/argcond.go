package seccomp

import (
	"fmt"

	elastic "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/net/bpf"
)

// offArgs is the offset of args[0] in struct seccomp_data. On a
// little-endian machine the low half of args[i] is the word at offArgs+8*i
// and the high half the word after it.
const offArgs = 16

// Conditional rows are assembled here rather than by elastic: elastic
// v1.6.0 loads an argument into the accumulator and, when the condition
// fails, goes on comparing the accumulator with the next syscall numbers, so
// a failed condition matches whatever syscall equals the argument's value
// (clone with flags 0 would be allowed as read). Each block below ends in a
// return instead, so nothing runs after an argument has been loaded.

// argBlocks returns one block per row with ArgAllow. Each expects the
// syscall number in the accumulator, leaves it there for any other number,
// and otherwise returns: ALLOW if a condition holds, USER_NOTIF if none does.
func argBlocks(table []Syscall) ([]bpf.Instruction, error) {
	var out []bpf.Instruction
	for _, s := range table {
		if len(s.ArgAllow) == 0 {
			continue
		}
		var body []bpf.Instruction
		for _, c := range s.ArgAllow {
			body = append(body, condAllow(c)...)
		}
		body = append(body, bpf.RetConstant{Val: uint32(elastic.ActionUserNotify)})
		if len(body) > 255 {
			return nil, fmt.Errorf("seccomp: syscall %d (%s): %d argument conditions are more than one jump can skip", s.Nr, s.Name, len(s.ArgAllow))
		}
		out = append(out, bpf.JumpIf{Cond: bpf.JumpEqual, Val: s.Nr, SkipFalse: uint8(len(body))})
		out = append(out, body...)
	}
	return out, nil
}

// condAllow returns a snippet that tests c on all 64 bits and ends in
// "ret ALLOW": it reaches that return if c holds and falls through past it
// if not. BPF compares 32 bits at a time, so each test decides on the high
// halves first and compares the low halves only when those are equal.
func condAllow(c ArgCond) []bpf.Instruction {
	hi := bpf.LoadAbsolute{Off: offArgs + 8*c.Arg + 4, Size: 4}
	lo := bpf.LoadAbsolute{Off: offArgs + 8*c.Arg, Size: 4}
	vhi, vlo := uint32(c.Value>>32), uint32(c.Value)
	allow := bpf.RetConstant{Val: uint32(elastic.ActionAllow)}
	j := func(cond bpf.JumpTest, v uint32, t, f uint8) bpf.JumpIf {
		return bpf.JumpIf{Cond: cond, Val: v, SkipTrue: t, SkipFalse: f}
	}
	// Skips are counted from the instruction after the jump; "allow" is the
	// snippet's last instruction, "past" the first one after it.
	switch c.Op {
	case OpEqual: // hi == vhi && lo == vlo
		return []bpf.Instruction{hi, j(bpf.JumpEqual, vhi, 0, 3), lo, j(bpf.JumpEqual, vlo, 0, 1), allow}
	case OpNotEqual: // hi != vhi || lo != vlo
		return []bpf.Instruction{hi, j(bpf.JumpEqual, vhi, 0, 2), lo, j(bpf.JumpEqual, vlo, 1, 0), allow}
	case OpGreater: // hi > vhi || hi == vhi && lo > vlo
		return []bpf.Instruction{hi, j(bpf.JumpGreaterThan, vhi, 3, 0), j(bpf.JumpEqual, vhi, 0, 3), lo, j(bpf.JumpGreaterThan, vlo, 0, 1), allow}
	case OpGreaterEqual: // hi > vhi || hi == vhi && lo >= vlo
		return []bpf.Instruction{hi, j(bpf.JumpGreaterThan, vhi, 3, 0), j(bpf.JumpEqual, vhi, 0, 3), lo, j(bpf.JumpGreaterOrEqual, vlo, 0, 1), allow}
	case OpLess: // hi < vhi || hi == vhi && lo < vlo
		return []bpf.Instruction{hi, j(bpf.JumpGreaterOrEqual, vhi, 0, 3), j(bpf.JumpEqual, vhi, 0, 3), lo, j(bpf.JumpGreaterOrEqual, vlo, 1, 0), allow}
	case OpLessEqual: // hi < vhi || hi == vhi && lo <= vlo
		return []bpf.Instruction{hi, j(bpf.JumpGreaterOrEqual, vhi, 0, 3), j(bpf.JumpEqual, vhi, 0, 3), lo, j(bpf.JumpGreaterThan, vlo, 1, 0), allow}
	case OpBitsSet: // hi&vhi != 0 || lo&vlo != 0
		return []bpf.Instruction{hi, j(bpf.JumpBitsSet, vhi, 2, 0), lo, j(bpf.JumpBitsSet, vlo, 0, 1), allow}
	case OpBitsClear: // hi&vhi == 0 && lo&vlo == 0
		return []bpf.Instruction{hi, j(bpf.JumpBitsSet, vhi, 3, 0), lo, j(bpf.JumpBitsSet, vlo, 1, 0), allow}
	case OpMaskedEqual: // hi&mhi == vhi && lo&mlo == vlo
		and := func(m uint32) bpf.ALUOpConstant { return bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: m} }
		mhi, mlo := uint32(c.Mask>>32), uint32(c.Mask)
		return []bpf.Instruction{hi, and(mhi), j(bpf.JumpEqual, vhi, 0, 4), lo, and(mlo), j(bpf.JumpEqual, vlo, 0, 1), allow}
	}
	panic(fmt.Sprintf("seccomp: condAllow: operator %q passed validation", c.Op))
}
