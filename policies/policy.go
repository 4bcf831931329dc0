// Package policies parses gaol's HCL policy language, resolves profile
// inheritance and produces the evaluated Policy the supervisor enforces.
//
// The language is documented for policy authors in docs/policy.md. In
// short: one `sandbox` block per file, which may extend a built-in
// profile or another file; the child's settings override the parent's,
// mounts merge by guest path, env by name, and the child's rules are
// checked before the parent's. Policy.Decide answers one operation: the
// first matching rule decides, and anything no rule allows is denied.
//
// Mistakes in a policy are hcl.Diagnostics with source ranges, collected
// in one pass; Parser.Files gives cmd/ what it needs to render them.
// Settings that weaken the sandbox are reported by Warnings.
package policies

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Policy is a fully evaluated sandbox policy: every expression computed,
// every `extends` chain flattened, every default filled in. The zero value
// is not useful; obtain one from Load or Builtin.
//
// A Policy is not modified by this package after Load returns, and Decide
// is safe for concurrent use.
type Policy struct {
	Name          string            // the sandbox block's label
	Source        string            // file name, or "builtin:NAME" for embedded profiles
	Chain         []string          // sources (file names, "builtin:NAME") of the policies it extends, nearest first
	Description   string            // the policy's own description; not inherited
	Deterministic bool              // the policy claims reproducible runs; Warnings checks the claim
	Interpreter   Interpreter       // what of the host interpreter to expose
	Limits        Limits            // budgets
	Mounts        []Mount           // the guest's filesystem: inherited mounts first, then new ones in declaration order
	Env           map[string]string // the guest's complete environment
	Time          Time              // clock policy
	Process       Process           // subprocess policy
	Network       Network           // network policy
	Trace         Trace             // where the policy asks for a decision trace
	Identity      Identity          // the guest's uid and gid
	Rules         []Rule            // in evaluation order: own rules, then the extended policies', then those network and process imply

	layer *layer // the evaluated settings with their source ranges, for Warnings
}

// Interpreter says how the command's interpreter is exposed. With Discover
// set, the supervisor maps the interpreter binary, its shared libraries and
// its standard library read-only into the guest, and nothing more. The
// zero value exposes nothing (policies default Discover to true).
type Interpreter struct {
	Discover     bool
	SitePackages bool // also expose the interpreter's site-packages directories
}

// Limits are the run's budgets. A zero field means "no limit" for that
// budget, except Processes, where 0 means no fork and UnlimitedProcesses
// no limit; the built-in profiles set every field.
type Limits struct {
	CPU       time.Duration // CPU time, user+system, of the whole guest
	Wall      time.Duration // wall-clock time from start to exit
	Memory    int64         // bytes of address space (RLIMIT_AS) and cgroup memory where available
	Output    int64         // bytes of stdout plus stderr
	Processes int           // extra processes beyond the first; 0 means no fork, UnlimitedProcesses no limit
	OpenFiles int           // RLIMIT_NOFILE
	Tasks     int           // threads and processes together (RLIMIT_NPROC, counted in the guest's user namespace)
	FileSize  int64         // RLIMIT_FSIZE: largest file the guest may write
}

// UnlimitedProcesses is Limits.Processes for `processes = "unlimited"`.
const UnlimitedProcesses = -1

// MountKind names a kind of mount in the guest's filesystem.
type MountKind string

const (
	MountHost    MountKind = "host"    // a host file or directory
	MountFile    MountKind = "file"    // inline content, read-only
	MountDir     MountKind = "dir"     // a virtual directory listing its children
	MountScratch MountKind = "scratch" // writable, empty at start, removed after the run
	MountDevice  MountKind = "device"  // null, zero, urandom
)

// Mount is one node of the guest's filesystem. The zero value is not a
// valid mount. Directories above a mount that no mount provides are
// implicit, empty, read-only virtual directories.
type Mount struct {
	Guest        string    // absolute, clean guest path
	Kind         MountKind //
	Host         string    // host path (host mounts), absolute and clean
	Writable     bool      // host and scratch mounts; host mounts default read-only
	Content      string    // file mounts
	Mode         uint32    // permission bits for file/dir mounts (0 means 0444 for files, 0555 for dirs)
	QuotaBytes   int64     // scratch: total bytes (0: no quota)
	QuotaFiles   int64     // scratch: total files and directories (0: no quota)
	Keep         string    // scratch: host directory the contents are copied to after the run ("" for none)
	Device       string    // device mounts: "null", "zero" or "urandom"
	Exclude      []string  // host mounts: glob patterns (relative to the mount) hidden from the guest; see Excluded
	HideDotfiles bool      // host mounts: hide names starting with "."
	// FollowSymlinks (host mounts): a symlink in the mount means its
	// target on the host, reached through whichever mount exposes it;
	// false: the target is a guest path.
	FollowSymlinks bool
	DeclRange      hcl.Range // where the mount was declared

	excludes []*Glob // Exclude, compiled at load
}

// TimeMode names a clock policy.
type TimeMode string

const (
	TimeReal    TimeMode = "real"
	TimeOffset  TimeMode = "offset"
	TimeFrozen  TimeMode = "frozen"
	TimeVirtual TimeMode = "virtual"
	TimeCoarse  TimeMode = "coarse"
)

// Time is the guest's clock policy. The zero value is real time.
type Time struct {
	Mode  TimeMode
	Start time.Time     // offset/frozen/virtual: the instant the guest's clock starts at
	Step  time.Duration // virtual: advance per clock read
	Round time.Duration // coarse: rounding granularity
}

// Process is the subprocess policy. The zero value allows none. The
// number of processes is Limits.Processes; Policy.Rules holds the rules
// these settings imply ("process.exec", "process.fork").
type Process struct {
	Exec []string // globs of guest paths that may be executed after the first exec
}

// Network is the network policy. The zero value allows nothing.
// Policy.Rules holds the rules these settings imply ("network.socket",
// "network.connect").
type Network struct {
	Connect []string // allowed outbound destinations, "ADDR:PORT", "CIDR:PORT", "localhost:PORT" or "NAME:PORT" (see Resolve); PORT may be "*"
}
