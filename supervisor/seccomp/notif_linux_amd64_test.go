package seccomp

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCheckSizes(t *testing.T) {
	err := CheckSizes()
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		t.Skipf("this kernel has no seccomp user notification (SECCOMP_GET_NOTIF_SIZES: %v)", err)
	}
	if err != nil {
		t.Fatalf("CheckSizes on this kernel: %v", err)
	}
}

// TestIoctlNumbers checks the request numbers gaol takes from x/sys against
// linux/seccomp.h, and that the size each encodes is gaol's struct size.
func TestIoctlNumbers(t *testing.T) {
	const sizeShift, sizeMask = 16, 0x3fff // _IOC_SIZESHIFT, _IOC_SIZEMASK
	tests := []struct {
		name string
		got  uint
		want uint
		size uint
	}{
		{name: "RECV is _IOWR('!', 0, struct seccomp_notif)", got: unix.SECCOMP_IOCTL_NOTIF_RECV, want: 0xc0502100, size: sizeofNotif},
		{name: "SEND is _IOWR('!', 1, struct seccomp_notif_resp)", got: unix.SECCOMP_IOCTL_NOTIF_SEND, want: 0xc0182101, size: sizeofResp},
		{name: "ID_VALID is _IOW('!', 2, __u64)", got: unix.SECCOMP_IOCTL_NOTIF_ID_VALID, want: 0x40082102, size: 8},
		{name: "ADDFD is _IOW('!', 3, struct seccomp_notif_addfd)", got: unix.SECCOMP_IOCTL_NOTIF_ADDFD, want: 0x40182103, size: sizeofNotifAddFD},
		{name: "SET_FLAGS is _IOW('!', 4, __u64)", got: unix.SECCOMP_IOCTL_NOTIF_SET_FLAGS, want: 0x40082104, size: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("request = %#x, want %#x", tt.got, tt.want)
			}
			if size := tt.got >> sizeShift & sizeMask; size != tt.size {
				t.Errorf("request encodes size %d, want %d", size, tt.size)
			}
		})
	}
}
