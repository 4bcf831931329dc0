package seccomp

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// condValues sit on and around the 32-bit boundaries condAllow splits at.
var condValues = []uint64{
	0,
	1,
	0x0000_0000_ffff_ffff,
	0x0000_0001_0000_0000,
	0x0102_0304_0506_0707,
	0x0102_0304_0506_0708,
	0x0102_0304_0506_0709,
	0x0102_0303_0506_0708,
	0x0102_0305_0506_0708,
	0x0102_0304_0000_0000,
	0x8000_0000_0000_0000,
	^uint64(0),
}

// TestArgConditionsCompareAll64Bits runs every operator, on every argument
// position, against values that differ in the high half, the low half or
// both, and checks the filter against Go's own 64-bit comparison.
func TestArgConditionsCompareAll64Bits(t *testing.T) {
	for _, op := range []string{OpEqual, OpNotEqual, OpGreater, OpGreaterEqual, OpLess, OpLessEqual, OpBitsSet, OpBitsClear, OpMaskedEqual} {
		for arg := range uint32(6) {
			t.Run(fmt.Sprintf("%s on argument %d", op, arg), func(t *testing.T) {
				for _, v := range condValues {
					cond := ArgCond{Arg: arg, Op: op, Value: v}
					if op == OpMaskedEqual {
						// The mask keeps v's own bits and a few around them,
						// in both halves.
						cond.Mask = v | 0x0000_00f0_0000_00f0
					}
					table := Table()
					for i := range table {
						if table[i].Name == "openat" {
							table[i].ArgAllow = []ArgCond{cond}
						}
					}
					vm, _ := filterVM(t, table)
					for _, in := range condValues {
						var args [6]uint64
						args[arg] = in
						var w uint32 = retNotify
						if holds(cond, in) {
							w = retAllow
						}
						if got := run(t, vm, x86(unix.SYS_OPENAT, args[:]...)); got != w {
							t.Errorf("openat with arg%d %#x %s %#x: filter = %s, want %s", arg, in, op, v, verdict(got), verdict(w))
						}
					}
				}
			})
		}
	}
}

func TestArgConditionsAreAlternatives(t *testing.T) {
	table := Table()
	for i := range table {
		if table[i].Name == "openat" {
			table[i].ArgAllow = []ArgCond{
				{Arg: 0, Op: OpEqual, Value: 7},
				{Arg: 2, Op: OpBitsClear, Value: unix.O_WRONLY | unix.O_RDWR | unix.O_CREAT},
			}
		}
	}
	vm, _ := filterVM(t, table)
	tests := []struct {
		name string
		data Data
		want uint32
	}{
		{name: "the first condition alone allows", data: x86(unix.SYS_OPENAT, 7, 0, unix.O_RDWR), want: retAllow},
		{name: "the second condition alone allows", data: x86(unix.SYS_OPENAT, 3, 0, unix.O_RDONLY), want: retAllow},
		{name: "both conditions allow", data: x86(unix.SYS_OPENAT, 7, 0, unix.O_RDONLY), want: retAllow},
		{name: "neither condition goes to the supervisor", data: x86(unix.SYS_OPENAT, 3, 0, unix.O_CREAT), want: retNotify},
		{name: "other syscalls are not affected", data: x86(unix.SYS_OPEN, 7), want: retNotify},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, vm, tt.data); got != tt.want {
				t.Errorf("filter(%+v) = %s, want %s", tt.data, verdict(got), verdict(tt.want))
			}
		})
	}
}
