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

// FuzzParseMsghdr decodes arbitrary guest msghdrs and iovec arrays:
// never a panic, and whatever lengths the guest wrote (negative, huge),
// what comes out is bounded: at most maxSockaddr of name, maxMsgIov
// iovecs, maxMsgControl of control and maxMsgBytes of data in all.
func FuzzParseMsghdr(f *testing.F) {
	hdr := func(namePtr uint64, nameLen uint32, iovLen, ctlLen uint64) []byte {
		b := make([]byte, sizeofMsghdr)
		binary.LittleEndian.PutUint64(b[0:], namePtr)
		binary.LittleEndian.PutUint32(b[8:], nameLen)
		binary.LittleEndian.PutUint64(b[16:], 0x1000)
		binary.LittleEndian.PutUint64(b[24:], iovLen)
		binary.LittleEndian.PutUint64(b[32:], 0x2000)
		binary.LittleEndian.PutUint64(b[40:], ctlLen)
		return b
	}
	iov := func(lens ...uint64) []byte {
		b := make([]byte, 0, sizeofIovec*len(lens))
		for _, l := range lens {
			b = binary.LittleEndian.AppendUint64(b, 0x3000)
			b = binary.LittleEndian.AppendUint64(b, l)
		}
		return b
	}
	f.Add(hdr(0x10, 16, 1, 0), iov(5))
	f.Add(hdr(0x10, 0xffffffff, ^uint64(0), ^uint64(0)), iov(^uint64(0)))
	f.Add(hdr(0x10, 1000, 1025, 1<<31), iov(1<<62, 1<<62))
	f.Add(hdr(0, 16, 0, 4096), iov(maxMsgBytes, 1, 1<<63))
	f.Add([]byte{1, 2, 3}, []byte{})
	f.Fuzz(func(t *testing.T, raw, iovs []byte) {
		if m, err := parseMsghdr(raw); err == nil {
			if m.nameLen < 0 || m.nameLen > maxSockaddr || m.iovLen < 0 || m.iovLen > maxMsgIov ||
				m.ctlLen < 0 || m.ctlLen > maxMsgControl {
				t.Fatalf("%+v: a length past its bound", m)
			}
			if m.namePtr == 0 && m.nameLen != 0 {
				t.Fatalf("%+v: a NULL name with a length", m)
			}
		}
		v, err := parseIovecs(iovs)
		if err != nil {
			return
		}
		total := 0
		for _, x := range v {
			if x.length <= 0 {
				t.Fatalf("%+v: an empty or negative iovec kept", x)
			}
			total += x.length
		}
		if total > maxMsgBytes {
			t.Fatalf("iovecs total %d bytes, past %d", total, maxMsgBytes)
		}
	})
}

// FuzzSockaddrLen bounds arbitrary socklen_t registers: only 2 to
// sizeof(sockaddr_storage) is a length, negative and huge are EINVAL.
func FuzzSockaddrLen(f *testing.F) {
	for _, v := range []uint64{0, 1, 2, 16, 128, 129, 0xffffffff, 0x100000010, ^uint64(0)} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v uint64) {
		n, err := sockaddrLen(v)
		if err == nil && (n < 2 || n > maxSockaddr) {
			t.Fatalf("%#x: length %d accepted", v, n)
		}
		if sendLen(v) < 0 || sendLen(v) > maxDatagram {
			t.Fatalf("%#x: send length %d", v, sendLen(v))
		}
	})
}
