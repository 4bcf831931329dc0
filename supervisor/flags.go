package supervisor

import (
	"golang.org/x/sys/unix"
)

type flagName struct {
	bit  uint64
	name string
}

var openFlags = []flagName{
	{unix.O_CREAT, "O_CREAT"}, {unix.O_EXCL, "O_EXCL"}, {unix.O_NOCTTY, "O_NOCTTY"},
	{unix.O_TRUNC, "O_TRUNC"}, {unix.O_APPEND, "O_APPEND"}, {unix.O_NONBLOCK, "O_NONBLOCK"},
	{unix.O_DSYNC, "O_DSYNC"}, {unix.O_DIRECT, "O_DIRECT"}, {unix.O_LARGEFILE, "O_LARGEFILE"},
	{unix.O_NOFOLLOW, "O_NOFOLLOW"}, {unix.O_NOATIME, "O_NOATIME"}, {unix.O_CLOEXEC, "O_CLOEXEC"},
	{unix.O_PATH, "O_PATH"},
}

// openFlagNames names open(2) flags: the access mode first, then each bit.
func openFlagNames(flags int) []string {
	f := uint64(flags)
	var out []string
	switch f & unix.O_ACCMODE {
	case unix.O_RDONLY:
		out = append(out, "O_RDONLY")
	case unix.O_WRONLY:
		out = append(out, "O_WRONLY")
	case unix.O_RDWR:
		out = append(out, "O_RDWR")
	}
	if f&unix.O_TMPFILE == unix.O_TMPFILE {
		out = append(out, "O_TMPFILE")
		f &^= unix.O_TMPFILE
	} else if f&unix.O_DIRECTORY != 0 {
		out = append(out, "O_DIRECTORY")
	}
	if f&unix.O_SYNC == unix.O_SYNC {
		out = append(out, "O_SYNC")
		f &^= unix.O_SYNC
	}
	return appendBits(out, f&^(unix.O_ACCMODE|unix.O_DIRECTORY), openFlags)
}

var cloneFlags = []flagName{
	{unix.CLONE_VM, "CLONE_VM"}, {unix.CLONE_FS, "CLONE_FS"}, {unix.CLONE_FILES, "CLONE_FILES"},
	{unix.CLONE_SIGHAND, "CLONE_SIGHAND"}, {unix.CLONE_PIDFD, "CLONE_PIDFD"}, {unix.CLONE_PTRACE, "CLONE_PTRACE"},
	{unix.CLONE_VFORK, "CLONE_VFORK"}, {unix.CLONE_PARENT, "CLONE_PARENT"}, {unix.CLONE_THREAD, "CLONE_THREAD"},
	{unix.CLONE_NEWNS, "CLONE_NEWNS"}, {unix.CLONE_SYSVSEM, "CLONE_SYSVSEM"}, {unix.CLONE_SETTLS, "CLONE_SETTLS"},
	{unix.CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"}, {unix.CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"},
	{unix.CLONE_UNTRACED, "CLONE_UNTRACED"}, {unix.CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"},
	{unix.CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, {unix.CLONE_NEWUTS, "CLONE_NEWUTS"}, {unix.CLONE_NEWIPC, "CLONE_NEWIPC"},
	{unix.CLONE_NEWUSER, "CLONE_NEWUSER"}, {unix.CLONE_NEWPID, "CLONE_NEWPID"}, {unix.CLONE_NEWNET, "CLONE_NEWNET"},
	{unix.CLONE_IO, "CLONE_IO"},
}

func cloneFlagNames(flags uint64) []string {
	out := appendBits(nil, flags&^0xff, cloneFlags)
	if sig := flags & 0xff; sig != 0 {
		out = append(out, signalName(int(sig)))
	}
	return out
}

// appendBits names each known bit of f and shows unknown bits in hex.
func appendBits(out []string, f uint64, names []flagName) []string {
	for _, n := range names {
		if f&n.bit != 0 {
			out = append(out, n.name)
			f &^= n.bit
		}
	}
	if f != 0 {
		out = append(out, "0x"+hexU(f))
	}
	return out
}
