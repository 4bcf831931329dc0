package main

import (
	"os/exec"
	"syscall"
)

// setpgid puts the test in its own process group and kills the whole group
// at the deadline, so that a hung go test leaves no gaol behind.
func setpgid(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
