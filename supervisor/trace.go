package supervisor

import (
	"bufio"
	"encoding/json"
	"io"
	"sync"

	"github.com/gaol-sandbox/gaol/policies"
)

// Event is one line of the trace: one intercepted syscall and what the
// supervisor did with it. The format is documented in docs/trace.md and is
// stable: fields are only ever added.
type Event struct {
	Seq       uint64  `json:"seq"`                // 1, 2, … in the order the supervisor received them
	TimeUS    int64   `json:"t_us"`               // microseconds since the run started
	Pid       int     `json:"pid"`                // thread-group id, as the host sees it
	Tid       int     `json:"tid"`                // thread id, as the host sees it
	Syscall   string  `json:"syscall"`            // the syscall's name
	Args      Args    `json:"args"`               // decoded arguments
	Action    string  `json:"action"`             // allow, deny, emulate or inject
	Rule      string  `json:"rule"`               // what decided it
	RulePos   string  `json:"rule_pos,omitempty"` // the rule's file:line, where it comes from a policy
	Result    int64   `json:"result"`             // the syscall's return value (-errno on failure)
	Errno     string  `json:"errno,omitempty"`    // the errno's name when Result < 0
	LatencyUS float64 `json:"latency_us"`         // from receiving the notification to answering it
}

// Args are the decoded arguments of a traced syscall; only those the
// syscall has are set.
type Args struct {
	Path    string   `json:"path,omitempty"`     // the guest path as the guest passed it
	Path2   string   `json:"path2,omitempty"`    // second path (rename, link, symlink target)
	Guest   string   `json:"resolved,omitempty"` // the canonical guest path it resolved to
	Fd      *int     `json:"fd,omitempty"`       // an fd argument (dirfd, or the fd operated on)
	Flags   []string `json:"flags,omitempty"`    // flag names
	Mode    string   `json:"mode,omitempty"`     // octal permission bits
	Raw     []string `json:"raw,omitempty"`      // raw argument registers, for syscalls without a decoder
	Signal  string   `json:"signal,omitempty"`   // kill family
	Target  int      `json:"target,omitempty"`   // kill family: the pid as the guest named it
	Request string   `json:"request,omitempty"`  // ioctl, prctl: the request's name or number
	Length  uint64   `json:"length,omitempty"`   // mmap
	Timeout string   `json:"timeout,omitempty"`  // poll family: the wait's timeout ("5s", "none", "invalid")
}

// tracer writes events as JSON lines. A nil *tracer traces nothing.
type tracer struct {
	mu     sync.Mutex
	w      *bufio.Writer
	enc    *json.Encoder
	err    error
	events policies.TraceEvents
}

func newTracer(w io.Writer, events policies.TraceEvents) *tracer {
	if w == nil {
		return nil
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	return &tracer{w: bw, enc: json.NewEncoder(bw), events: events}
}

// wants reports whether the trace's event filter keeps a decision: every
// one, denials only, or denials and what a rule with log = true decided.
func (t *tracer) wants(denied, logged bool) bool {
	switch t.events {
	case policies.TraceDenied:
		return denied
	case policies.TraceLogged:
		return denied || logged
	}
	return true
}

func (t *tracer) write(ev *Event) {
	if t == nil {
		return
	}
	t.mu.Lock()
	if t.err == nil {
		t.err = t.enc.Encode(ev)
	}
	t.mu.Unlock()
}

func (t *tracer) flush() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return t.err
	}
	return t.w.Flush()
}
