package policies

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// limitsBlock is `limits { cpu = "10s" wall = "30s" memory = "512MiB" ... }`.
// Every attribute also accepts "unlimited".
type limitsBlock struct {
	CPU       hcl.Expression `hcl:"cpu,optional"`
	Wall      hcl.Expression `hcl:"wall,optional"`
	Memory    hcl.Expression `hcl:"memory,optional"`
	Output    hcl.Expression `hcl:"output,optional"`
	Processes hcl.Expression `hcl:"processes,optional"`
	OpenFiles hcl.Expression `hcl:"open_files,optional"`
	FileSize  hcl.Expression `hcl:"file_size,optional"`
	Tasks     hcl.Expression `hcl:"tasks,optional"`
}

// limitsLayer holds every budget as written; processes is shared with
// process.max.
type limitsLayer struct {
	cpu, wall, memory, output, processes, openFiles, fileSize, tasks opt[budget]
}

func (b *limitsBlock) decode(e *evaluator) limitsLayer {
	if b == nil {
		return limitsLayer{}
	}
	return limitsLayer{
		cpu:       e.budget("cpu", b.CPU, "duration", parseDurationNs, false),
		wall:      e.budget("wall", b.Wall, "duration", parseDurationNs, false),
		memory:    e.budget("memory", b.Memory, "size", parseSize, false),
		output:    e.budget("output", b.Output, "size", parseSize, false),
		processes: e.budget("processes", b.Processes, "count", parseCount, true),
		openFiles: e.budget("open_files", b.OpenFiles, "count", parseCount, false),
		fileSize:  e.budget("file_size", b.FileSize, "size", parseSize, false),
		tasks:     e.budget("tasks", b.Tasks, "count", parseCount, false),
	}
}

func parseDurationNs(s string) (int64, error) {
	d, err := parseDuration(s)
	if err == nil && d < 0 {
		return 0, errNegative(s)
	}
	return int64(d), err
}

func (l limitsLayer) inherit(parent limitsLayer) limitsLayer {
	return limitsLayer{
		cpu:       l.cpu.or(parent.cpu),
		wall:      l.wall.or(parent.wall),
		memory:    l.memory.or(parent.memory),
		output:    l.output.or(parent.output),
		processes: l.processes.or(parent.processes),
		openFiles: l.openFiles.or(parent.openFiles),
		fileSize:  l.fileSize.or(parent.fileSize),
		tasks:     l.tasks.or(parent.tasks),
	}
}

// final converts to Limits: an unset or "unlimited" budget is 0 (no limit),
// except processes, where unset is 0 (no fork) and "unlimited" is -1.
func (l limitsLayer) final() Limits {
	procs := int(l.processes.V.N)
	if l.processes.V.Unlimited {
		procs = UnlimitedProcesses
	}
	return Limits{
		CPU:       time.Duration(l.cpu.V.N),
		Wall:      time.Duration(l.wall.V.N),
		Memory:    l.memory.V.N,
		Output:    l.output.V.N,
		Processes: procs,
		OpenFiles: int(l.openFiles.V.N),
		FileSize:  l.fileSize.V.N,
		Tasks:     int(l.tasks.V.N),
	}
}
