package guest

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rulesetAttr is struct landlock_ruleset_attr as of ABI 6 (the fields this
// stub sets). The kernel accepts a shorter struct than it knows.
type rulesetAttr struct {
	handledFS  uint64
	handledNet uint64
	scoped     uint64
}

// LandlockABI reports the kernel's Landlock ABI version, or 0 with the
// reason when Landlock is unavailable.
func LandlockABI() (int, error) {
	v, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if errno != 0 {
		return 0, fmt.Errorf("landlock unavailable: %w", errno)
	}
	return int(v), nil
}

// handledFS is every filesystem right the given ABI knows.
func handledFS(abi int) uint64 {
	rights := uint64(0x1fff) // ABI 1: execute … make_sym
	if abi >= 2 {
		rights |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		rights |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= 5 {
		rights |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	return rights
}

// restrictLandlock confines the calling thread, and what it execs, to
// executing (and reading) only the given host paths: the interpreter and
// its loader. Every other file the guest uses reaches it as an fd the
// supervisor opened and injected, which Landlock does not check again. TCP
// is denied outright; signals and abstract unix sockets are scoped to the
// guest's own domain.
func restrictLandlock(execPaths []string) error {
	abi, err := LandlockABI()
	if err != nil {
		return err
	}
	attr := rulesetAttr{handledFS: handledFS(abi)}
	size := unsafe.Sizeof(uint64(0))
	if abi >= 4 {
		attr.handledNet = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
		size = 2 * unsafe.Sizeof(uint64(0))
	}
	if abi >= 6 {
		attr.scoped = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
		size = unsafe.Sizeof(attr)
	}
	rfd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if errno != 0 {
		return fmt.Errorf("create ruleset: %w", errno)
	}
	defer unix.Close(int(rfd))
	for _, p := range execPaths {
		if err := allowExec(int(rfd), p); err != nil {
			return err
		}
	}
	v, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, rfd, 0, 0)
	if errno != 0 || v != 0 {
		return fmt.Errorf("restrict self: %w", errno)
	}
	return nil
}

func allowExec(ruleset int, path string) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer unix.Close(fd)
	rule := unix.LandlockPathBeneathAttr{
		Allowed_access: unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_READ_FILE,
		Parent_fd:      int32(fd),
	}
	_, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), unix.LANDLOCK_RULE_PATH_BENEATH,
		uintptr(unsafe.Pointer(&rule)), 0, 0, 0)
	if errno != 0 {
		return fmt.Errorf("allow exec of %s: %w", path, errno)
	}
	return nil
}
