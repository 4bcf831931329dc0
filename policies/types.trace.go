package policies

import "github.com/hashicorp/hcl/v2"

// traceBlock is `trace { file = "run.trace.jsonl"  events = "denied" }`.
type traceBlock struct {
	File   hcl.Expression `hcl:"file,optional"`
	Events hcl.Expression `hcl:"events,optional"`
}

// Trace says where to write the decision trace. The zero value writes
// none (the command line may still ask for one).
type Trace struct {
	File   string      // host path of the JSON-lines trace, absolute; "" for none
	Events TraceEvents // which decisions to write; "" when File is ""
}

// TraceEvents selects the decisions written to the trace. The empty value
// goes with an empty Trace.File: no trace.
type TraceEvents string

const (
	TraceAll    TraceEvents = "all"    // every decision
	TraceDenied TraceEvents = "denied" // denials only
	TraceLogged TraceEvents = "logged" // denials and decisions of rules with log = true
)

var traceEvents = []string{string(TraceAll), string(TraceDenied), string(TraceLogged)}

type traceLayer struct {
	file, events opt[string]
}

func (b *traceBlock) decode(e *evaluator, dir string) traceLayer {
	if b == nil {
		return traceLayer{}
	}
	l := traceLayer{file: e.str("file", b.File), events: e.enum("events", "event filter", b.Events, traceEvents)}
	if l.file.Set {
		l.file.V = hostPath(dir, l.file.V)
	}
	return l
}

func (l traceLayer) inherit(parent traceLayer) traceLayer {
	return traceLayer{file: l.file.or(parent.file), events: l.events.or(parent.events)}
}

func (l traceLayer) final() Trace {
	if !l.file.Set || l.file.V == "" {
		return Trace{}
	}
	return Trace{File: l.file.V, Events: TraceEvents(valueOr(l.events, string(TraceAll)))}
}
