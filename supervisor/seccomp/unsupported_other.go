//go:build !linux

package seccomp

import "golang.org/x/net/bpf"

// FlagContinue is SECCOMP_USER_NOTIF_FLAG_CONTINUE; without seccomp it is
// only a number, kept so code that builds a Resp compiles everywhere.
const FlagContinue = 0x1

// Install fails: there is no seccomp on this platform.
func Install(prog []bpf.Instruction) (listener int, err error) { return -1, supported() }

// CheckSizes fails: there is no seccomp on this platform.
func CheckSizes() error { return supported() }

// Recv fails: there is no seccomp on this platform.
func Recv(listener int, n *Notif) error { return supported() }

// Send fails: there is no seccomp on this platform.
func Send(listener int, r *Resp) error { return supported() }

// IDValid fails: there is no seccomp on this platform.
func IDValid(listener int, id uint64) error { return supported() }

// AddFD fails: there is no seccomp on this platform.
func AddFD(listener int, a *NotifAddFD) (int, error) { return -1, supported() }

// SetSyncWakeUp fails: there is no seccomp on this platform.
func SetSyncWakeUp(listener int) error { return supported() }
