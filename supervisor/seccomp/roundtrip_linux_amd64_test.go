package seccomp

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// helperRoundTrip installs the filter and makes n getcwd calls (a Notify
// syscall the parent answers at once), then prints the time per call.
func helperRoundTrip() int {
	n, _ := strconv.Atoi(os.Getenv("GAOL_SECCOMP_ROUNDTRIPS"))
	listener, ok := installHere()
	if !ok {
		return 0
	}
	fmt.Printf("listener %d\n", listener)
	// Wait until the parent holds the listener (read is Allow).
	var b [1]byte
	unix.Read(0, b[:])
	t := time.Now()
	for i := 0; i < n; i++ {
		unix.RawSyscall(unix.SYS_GETCWD, 0, 0, 0)
	}
	fmt.Printf("ns %d\n", time.Since(t).Nanoseconds()/int64(max(n, 1)))
	return 0
}

// BenchmarkNotifyRoundTrip measures the floor under every intercepted
// syscall: the guest's call blocks, a Go loop like gaol's receives it
// (poll, RECV) and answers (SEND), with and without
// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP. Compare with a syscall the kernel
// answers alone (BenchmarkKernelSyscall).
func BenchmarkNotifyRoundTrip(b *testing.B) {
	for _, sync := range []bool{true, false} {
		b.Run(fmt.Sprintf("syncwake=%v", sync), func(b *testing.B) {
			cmd, start, out := startBenchHelper(b, b.N)
			line, _ := out.ReadString('\n')
			if strings.HasPrefix(line, "unsupported") {
				b.Skip(line)
			}
			fdNum, _ := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "listener "))
			pidfd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer unix.Close(pidfd)
			listener, err := unix.PidfdGetfd(pidfd, fdNum, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer unix.Close(listener)
			if sync {
				if err := SetSyncWakeUp(listener); err != nil {
					b.Skip("sync wake-up unavailable:", err)
				}
			}
			go serveTrivially(listener)
			b.ResetTimer()
			start.Write([]byte("g"))
			res, _ := out.ReadString('\n')
			b.StopTimer()
			ns, _ := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(res), "ns "))
			b.ReportMetric(float64(ns)/1000, "µs/call")
		})
	}
}

func serveTrivially(listener int) {
	var n Notif
	fds := []unix.PollFd{{Fd: int32(listener), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err == unix.EINTR {
			continue
		} else if err != nil {
			return
		}
		if fds[0].Revents&unix.POLLIN == 0 {
			return // POLLHUP: the helper is gone
		}
		if err := Recv(listener, &n); err != nil {
			continue
		}
		_ = Send(listener, &Resp{ID: n.ID})
	}
}

// BenchmarkKernelSyscall is the same loop on a syscall the kernel answers.
func BenchmarkKernelSyscall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
	}
}
