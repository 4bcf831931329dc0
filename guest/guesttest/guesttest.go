// Package guesttest lets a Go test binary serve as gaol's guest stub, so
// that end-to-end tests run the supervisor in process without ever
// sandboxing the test process itself (it re-executes as the stub), and
// coordinates timed tests across the packages `go test ./...` runs at
// once.
package guesttest

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"testing"

	"github.com/gaol-sandbox/gaol/guest"
)

// ServeStub runs the guest stub and never returns when the test binary
// was started as one (argv[1] is guest.ModeInit); otherwise it returns at
// once. Call it first in TestMain.
func ServeStub() {
	if len(os.Args) > 1 && os.Args[1] == guest.ModeInit {
		skipRaceExitSleep()
		guest.RunInit() // never returns
	}
}

// skipRaceExitSleep re-executes a race-enabled stub with the race
// runtime's exit sleep turned off. That runtime sleeps atexit_sleep_ms
// (1 s by default) whenever a process with more than one thread exits,
// and gaol starts the stub with an empty environment, so under -race
// every run would last a second longer than with the real gaol binary.
// The exec keeps what the stub was started with: its pid, namespaces,
// ambient capabilities and the control socket at guest.ControlFD. The
// interpreter's environment comes from the policy, not from the stub.
func skipRaceExitSleep() {
	if os.Getenv("GORACE") != "" || !RaceEnabled() {
		return
	}
	env := append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	_ = syscall.Exec("/proc/self/exe", os.Args, env) // on failure: slower, not wrong
}

// RaceEnabled reports whether the binary was built with -race.
func RaceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// quietLock coordinates wall-time bounds across the test binaries that
// `go test ./...` runs at the same time on a small machine: a test that
// bounds a run's wall time holds it exclusively, every other sandboxed
// run holds it shared. A CPU budget is then measured on an otherwise idle
// machine, not against another package's guests.
var quietLock = filepath.Join(os.TempDir(), "gaol-e2e-quiet.lock")

// HoldQuiet takes the lock (exclusively or shared) and returns its release.
func HoldQuiet(t testing.TB, exclusive bool) func() {
	t.Helper()
	f, err := os.OpenFile(quietLock, os.O_CREATE|os.O_RDWR|syscall.O_CLOEXEC, 0o666)
	if err != nil {
		t.Fatalf("lock for timed tests: %v", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		t.Fatalf("lock for timed tests: %v", err)
	}
	return func() { f.Close() }
}
