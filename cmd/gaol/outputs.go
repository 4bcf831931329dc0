package main

import (
	"bytes"
	"io"
	"os"
	"sync"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor"
	"github.com/gaol-sandbox/gaol/supervisor/hostpath"
)

// outputs are the host files a run writes besides the guest's streams:
// the trace and the result. Both are opened when the run starts, before
// the guest runs, without following a symbolic link anywhere on their
// paths (package hostpath): a link a guest left in a writable mount, which
// the operator's next run names, fails that run with status 125 instead
// of redirecting gaol's write.
type outputs struct {
	trace  io.Writer             // nil: no trace
	events policies.TraceEvents  // what the trace keeps
	result *hostpath.Replacement // nil: no --result
	closer []func()
}

// policyTrace is the policy's trace block.
type policyTrace = policies.Trace

func openOutputs(f runFlags, pol policyTrace) (*outputs, error) {
	o := &outputs{}
	// The result first: checking it changes nothing on the host.
	if f.result != "" {
		r, err := hostpath.PrepareReplace(f.result, 0o644)
		if err != nil {
			return nil, failf(supervisor.StatusFailed, "--result %s: %v", f.result, err)
		}
		o.result = r
		o.closer = append(o.closer, r.Close)
	}
	o.events = policies.TraceAll
	switch f.trace {
	case "":
		// The policy's trace block, unless --trace names one: its file
		// (absolute, from the policy's directory) with its events.
		if pol.File == "" {
			break
		}
		tf, err := hostpath.Create(pol.File, 0o666)
		if err != nil {
			o.close()
			return nil, failf(supervisor.StatusFailed, "the policy's trace file %s: %v", pol.File, err)
		}
		o.trace, o.events = tf, pol.Events
		o.closer = append(o.closer, func() { tf.Close() })
	case "-":
		o.trace = &lineWriter{w: os.Stdout}
	default:
		tf, err := hostpath.Create(f.trace, 0o666)
		if err != nil {
			o.close()
			return nil, failf(supervisor.StatusFailed, "--trace %s: %v", f.trace, err)
		}
		o.trace = tf
		o.closer = append(o.closer, func() { tf.Close() })
	}
	return o, nil
}

func (o *outputs) close() {
	for _, c := range o.closer {
		c()
	}
}

// lineWriter passes on only whole lines, each run of them in one write,
// so that trace lines on stdout (--trace -) are not split by the guest's
// own output relayed to the same stream. What follows the last newline
// waits for the next write; the tracer ends every event with one.
type lineWriter struct {
	mu      sync.Mutex
	w       io.Writer
	partial []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := bytes.LastIndexByte(p, '\n')
	if i < 0 {
		l.partial = append(l.partial, p...)
		return len(p), nil
	}
	out := append(l.partial, p[:i+1]...)
	l.partial = append([]byte(nil), p[i+1:]...)
	if _, err := l.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
