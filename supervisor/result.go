package supervisor

import (
	"context"
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// Version is gaol's version, reported in every result.
var Version = "0.1.0-dev"

// Result is the one record every run ends with, also when the guest
// crashed or was killed. It is written as JSON by `gaol run --result`.
type Result struct {
	ExitCode  *int    `json:"exit_code"`           // the guest's exit status; null when a signal ended it
	Signal    string  `json:"signal,omitempty"`    // the signal that ended it (SIGKILL, SIGSEGV, …)
	Limit     Limit   `json:"limit"`               // the budget that stopped it: cpu, wall, memory, output, tasks, disk or none
	Cancelled string  `json:"cancelled,omitempty"` // what cancelled the run while the guest ran: a signal's name (SIGTERM), or the context's error
	CPUUser   float64 `json:"cpu_user_s"`          // user CPU seconds of the guest
	CPUSystem float64 `json:"cpu_system_s"`        // system CPU seconds of the guest
	PeakRSS   int64   `json:"peak_rss_bytes"`      // peak resident set size of the guest
	// SupervisorRSS is the peak resident set size of the process gaol's
	// supervisor runs in, when the run ended: for `gaol run` that of
	// this run's supervisor; for a program running several runs, the
	// peak of all of them so far.
	SupervisorRSS int64        `json:"supervisor_peak_rss_bytes"`
	Wall          float64      `json:"wall_s"`               // wall-clock seconds from start to end
	Syscalls      Counts       `json:"syscalls"`             // intercepted syscalls
	OutputSize    int64        `json:"output_bytes"`         // bytes the guest wrote to stdout and stderr
	Version       string       `json:"gaol_version"`         // gaol's version
	Policy        string       `json:"policy"`               // the policy's name
	Layers        []string     `json:"layers"`               // the isolation layers in force
	Kept          []KeepReport `json:"kept,omitempty"`       // what was copied out of each scratch mount with keep
	Error         string       `json:"error,omitempty"`      // why gaol itself failed, if it did
	ExecError     string       `json:"exec_error,omitempty"` // why the interpreter could not be executed
	Status        int          `json:"status"`               // the CLI's exit status for this result (see docs/cli.md)
}

// Counts are the syscall counters of a run.
type Counts struct {
	Intercepted uint64 `json:"intercepted"`
	Denied      uint64 `json:"denied"`
}

// Exit statuses of `gaol run`, in the style of timeout(1) and env(1).
const (
	StatusLimit      = 124 // a budget stopped the guest
	StatusFailed     = 125 // gaol itself failed
	StatusCannotExec = 126 // the command cannot be executed
	StatusNotFound   = 127 // the command was not found
)

// exitStatus is the CLI's exit status for a result.
func (r *Result) exitStatus() int {
	switch {
	case r.Error != "":
		return StatusFailed
	case r.Cancelled != "":
		// As a shell reports a command a signal ended: 128+N; a
		// cancellation without a signal counts as SIGTERM.
		if n := signalNumber(r.Cancelled); n > 0 {
			return 128 + n
		}
		return 128 + int(unix.SIGTERM)
	case r.Limit != limitNone && r.Limit != "":
		return StatusLimit
	case r.ExitCode == nil:
		return 128 + signalNumber(r.Signal)
	}
	return *r.ExitCode
}

// CancelSignal is the cause to cancel a run's context with
// (context.WithCancelCause) when a signal asks gaol to stop: the result's
// cancelled then names the signal, and its status is 128 + the signal's
// number.
type CancelSignal struct{ Signal syscall.Signal }

func (e CancelSignal) Error() string { return "cancelled by " + unix.SignalName(e.Signal) }

// cancelName is the result's cancelled for a cancelled context.
func cancelName(ctx context.Context) string {
	var cs CancelSignal
	if errors.As(context.Cause(ctx), &cs) {
		return unix.SignalName(cs.Signal)
	}
	if err := ctx.Err(); err != nil {
		return err.Error()
	}
	return "cancelled"
}
