package supervisor

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzParseSockaddr decodes arbitrary guest sockaddrs: never a panic, and
// an IPv4-mapped IPv6 address always comes out as the IPv4 address the
// policy sees, so it cannot slip past an IPv4 rule.
func FuzzParseSockaddr(f *testing.F) {
	v4 := make([]byte, 16)
	binary.LittleEndian.PutUint16(v4, unix.AF_INET)
	binary.BigEndian.PutUint16(v4[2:], 443)
	copy(v4[4:], []byte{10, 0, 0, 1})
	mapped := make([]byte, 28)
	binary.LittleEndian.PutUint16(mapped, unix.AF_INET6)
	copy(mapped[8:], netip.MustParseAddr("::ffff:10.0.0.1").AsSlice())
	f.Add(v4)
	f.Add(mapped)
	f.Add(append([]byte{1, 0}, "/tmp/sock\x00"...))
	f.Add([]byte{1, 0, 0, 'a', 'b'})
	f.Fuzz(func(t *testing.T, raw []byte) {
		sa, err := parseSockaddr(raw)
		if err != nil {
			return
		}
		if sa.family == unix.AF_INET6 && sa.addr.Addr().Is4In6() {
			t.Fatalf("%v: an IPv4-mapped address was not unmapped", sa.addr)
		}
		_ = sa.String()
	})
}

// FuzzFlagNames names arbitrary flag words without panicking and keeps
// every bit: known ones by name, the rest in hex.
func FuzzFlagNames(f *testing.F) {
	f.Add(uint64(unix.O_RDWR | unix.O_CREAT | unix.O_CLOEXEC))
	f.Add(uint64(unix.O_TMPFILE))
	f.Fuzz(func(t *testing.T, v uint64) {
		if len(openFlagNames(int(v))) == 0 {
			t.Fatalf("%#x: no names", v)
		}
		_ = cloneFlagNames(v)
	})
}
