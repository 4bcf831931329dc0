package policies

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// timeBlock is `time { mode = "virtual" start = "2024-01-01T00:00:00Z" step = "1ms" }`.
type timeBlock struct {
	Mode  hcl.Expression `hcl:"mode,optional"`
	Start hcl.Expression `hcl:"start,optional"`
	Step  hcl.Expression `hcl:"step,optional"`
	Round hcl.Expression `hcl:"round,optional"`
}

var timeModes = []string{string(TimeReal), string(TimeOffset), string(TimeFrozen), string(TimeVirtual), string(TimeCoarse)}

// Defaults for the time block.
var (
	// DefaultTimeStart is where frozen and virtual clocks start when the
	// policy names no start: a fixed instant, so runs are reproducible.
	DefaultTimeStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	// DefaultTimeStep is the virtual clock's advance per read.
	DefaultTimeStep = time.Millisecond
	// DefaultTimeRound is the coarse clock's granularity.
	DefaultTimeRound = 10 * time.Millisecond
)

type timeLayer struct {
	mode        opt[string]
	start       opt[time.Time]
	step, round opt[time.Duration]
}

func (b *timeBlock) decode(e *evaluator) timeLayer {
	if b == nil {
		return timeLayer{}
	}
	l := timeLayer{
		mode:  e.enum("mode", "time mode", b.Mode, timeModes),
		step:  e.positiveDuration("step", b.Step),
		round: e.positiveDuration("round", b.Round),
	}
	if s := e.str("start", b.Start); s.Set {
		t, err := time.Parse(time.RFC3339, s.V)
		if err != nil {
			e.add(diagError(s.Range, "Invalid start time",
				fmt.Sprintf("The start %q is not an RFC 3339 time such as \"2024-01-01T00:00:00Z\".", s.V)))
		} else {
			l.start = some(t, s.Range)
		}
	}
	l.warnIgnored(e)
	return l
}

// warnIgnored flags attributes the block's own mode does not use.
func (l timeLayer) warnIgnored(e *evaluator) {
	if !l.mode.Set {
		return
	}
	mode := TimeMode(l.mode.V)
	ignored := func(name string, o hcl.Range, uses string) {
		e.add(diagWarning(o, "Attribute ignored",
			fmt.Sprintf("%s has no effect with mode %q; only mode %s uses it.", name, mode, uses)))
	}
	if l.start.Set && (mode == TimeReal || mode == TimeCoarse) {
		ignored("start", l.start.Range, `"offset", "frozen" or "virtual"`)
	}
	if l.step.Set && mode != TimeVirtual {
		ignored("step", l.step.Range, `"virtual"`)
	}
	if l.round.Set && mode != TimeCoarse {
		ignored("round", l.round.Range, `"coarse"`)
	}
}

func (e *evaluator) positiveDuration(name string, expr hcl.Expression) opt[time.Duration] {
	s := e.str(name, expr)
	if !s.Set {
		return opt[time.Duration]{}
	}
	d, err := parseDuration(s.V)
	if err == nil && d <= 0 {
		err = fmt.Errorf("%q is not positive", s.V)
	}
	if err != nil {
		e.add(diagError(s.Range, "Invalid duration", fmt.Sprintf("The value of %s is invalid: %s", name, sentence(err.Error()))))
		return opt[time.Duration]{}
	}
	return some(d, s.Range)
}

func (l timeLayer) inherit(parent timeLayer) timeLayer {
	return timeLayer{
		mode:  l.mode.or(parent.mode),
		start: l.start.or(parent.start),
		step:  l.step.or(parent.step),
		round: l.round.or(parent.round),
	}
}

// final fills in defaults; an offset clock needs a start.
func (l timeLayer) final() (Time, hcl.Diagnostics) {
	t := Time{Mode: TimeReal}
	if l.mode.Set {
		t.Mode = TimeMode(l.mode.V)
	}
	switch t.Mode {
	case TimeOffset, TimeFrozen:
		t.Start = valueOr(l.start, DefaultTimeStart)
	case TimeVirtual:
		t.Start = valueOr(l.start, DefaultTimeStart)
		t.Step = valueOr(l.step, DefaultTimeStep)
	case TimeCoarse:
		t.Round = valueOr(l.round, DefaultTimeRound)
	}
	if t.Mode == TimeOffset && !l.start.Set {
		return t, hcl.Diagnostics{diagError(l.mode.Range, "Missing start time",
			"A clock in mode \"offset\" runs from a start instant; set start = \"2024-01-01T00:00:00Z\" or similar.")}
	}
	return t, nil
}

func valueOr[T any](o opt[T], def T) T {
	if o.Set {
		return o.V
	}
	return def
}
