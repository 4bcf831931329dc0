package supervisor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/guest"
	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor/seccomp"
	"github.com/gaol-sandbox/gaol/vfs"
)

// Options describe one run. Policy, Path and Argv are required.
type Options struct {
	Policy *policies.Policy
	Path   string           // host path of the interpreter (found on PATH by the caller)
	Argv   []string         // the interpreter's argv, argv[0] included
	Mounts []policies.Mount // mounts added to the policy's (scripts, --ro, --rw); same guest path replaces
	Cwd    string           // the guest's working directory; "" means /tmp if mounted, else /
	Stdin  *os.File         // nil: /dev/null
	Stdout io.Writer        // nil: discarded
	Stderr io.Writer        // nil: discarded
	Trace  io.Writer        // nil: no trace
	// TraceEvents selects what Trace gets: every decision ("" or
	// policies.TraceAll), denials, or denials and the decisions of rules
	// with log = true. The CLI passes the policy's trace.events for the
	// policy's trace file, and all for --trace.
	TraceEvents policies.TraceEvents
	Logger      hclog.Logger // nil: no log
	Tuning      Tuning
	// Lookup resolves the host names of the policy's connect entries when
	// the run starts; nil: net.DefaultResolver.
	Lookup policies.LookupFunc
	// Stub, when not nil, is a stub StartStub started with these
	// Options' streams; the run takes it (and closes it) if it fits the
	// policy, and starts one of its own otherwise. nil: the run starts one.
	Stub *Stub

	// view, when not nil, is what the run shows of the interpreter in
	// place of discovering it: discovery's own run (askInterpreter)
	// shows the interpreter's prefix this way.
	view *Interpreter
}

// Tuning holds knobs of the notify loop that benchmarks compare. The zero
// value is the measured best (docs/performance.md).
type Tuning struct {
	Workers      int           // notify workers; 0 means 1
	NoSyncWakeUp bool          // do not set SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
	Spin         time.Duration // how long a worker polls before it sleeps
}

// Run runs the interpreter under the policy and returns the run's result.
// It never returns nil: a failure of gaol itself is the result's Error.
func Run(ctx context.Context, o Options) *Result {
	r := &runner{o: o, log: o.Logger, start: time.Now()}
	if r.log == nil {
		r.log = hclog.NewNullLogger()
	}
	res := &Result{Version: Version, Limit: limitNone}
	if o.Policy != nil {
		res.Policy = o.Policy.Name
	}
	if err := r.run(ctx, res); err != nil {
		res.Error = err.Error()
	}
	res.Wall = time.Since(r.start).Seconds()
	res.SupervisorRSS = selfPeakRSS()
	res.Status = res.exitStatus()
	return res
}

// selfPeakRSS is the peak resident set size of this process in bytes
// (getrusage's ru_maxrss, which Linux gives in KiB), or 0.
func selfPeakRSS() int64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Maxrss << 10
}

type runner struct {
	o      Options
	names  []policies.ResolvedName // the policy's host names, resolved at the start
	log    hclog.Logger
	start  time.Time
	lim    *limiter
	sess   *session
	closer []func()
	output atomic.Int64

	stubTgid int // the stub's host pid (see session.stubTgid)
	// stubKilled: gaol itself killed the stub (limiter, cancellation).
	stubKilled atomic.Bool
	// cancelled names what cancelled the run (the result's cancelled),
	// if the guest was still running then.
	cancelled string
}

func (r *runner) cleanup() {
	for i := len(r.closer) - 1; i >= 0; i-- {
		r.closer[i]()
	}
}

func (r *runner) run(ctx context.Context, res *Result) error {
	defer r.cleanup()
	if s := r.o.Stub; s != nil {
		r.closer = append(r.closer, s.Close) // whether or not the run gets to take it
	}
	if r.o.Policy == nil || r.o.Path == "" || len(r.o.Argv) == 0 {
		return errors.New("run: a policy, an interpreter path and an argv are required")
	}
	if err := seccomp.CheckSizes(); err != nil {
		return fmt.Errorf("seccomp user notification is not available: %w", err)
	}
	if err := r.resolveNames(ctx); err != nil {
		return err
	}
	// The guest stub starts first (unless the caller started it earlier,
	// StartStub), so that its start-up overlaps with the planning below
	// (interpreter discovery, mounts).
	stub, err := r.takeStub()
	if err != nil {
		return err
	}
	r.closer = append(r.closer, stub.Close)
	initSock, stdio := stub.sock, stub.io
	r.log.Debug("guest started", "init_pid", stub.cmd.Process.Pid, "elapsed", time.Since(r.start))
	// gaol kills its stub only through the limiter (a budget, or the
	// run cancelled); a stub that dies otherwise is gaol's failure.
	killInit := func() {
		r.stubKilled.Store(true)
		stub.kill()
	}
	newNet := stub.spec.newNet

	r.lim = &limiter{lim: r.o.Policy.Limits, killInit: killInit}
	r.closer = append(r.closer, r.lim.close)
	plan, err := r.plan(ctx, newNet)
	if err != nil {
		stdio.closeParent()
		return err
	}
	res.Layers = plan.layers
	r.log.Debug("planned", "elapsed", time.Since(r.start))
	// The keep directories are opened now, before the guest runs: a link
	// on their paths fails the run here, and the copy afterwards lands in
	// the directories opened, whatever the guest does to their names.
	keeps, err := openKeepDirs(plan.mounts)
	if err != nil {
		stdio.closeParent()
		return err
	}
	r.closer = append(r.closer, func() { closeKeepDirs(keeps) })

	cfg, _ := json.Marshal(plan.guest)
	if err := guest.SendMessage(initSock, guest.MsgConfig, cfg); err != nil {
		stdio.closeParent()
		return err
	}
	fs, err := r.buildFS(initSock, plan)
	if err != nil {
		stdio.closeParent()
		return err
	}
	r.closer = append(r.closer, func() { fs.Close() })
	r.log.Debug("filesystem built", "elapsed", time.Since(r.start))
	listener, err := r.receiveListener(initSock)
	if err != nil {
		stdio.closeParent()
		return err
	}
	r.closer = append(r.closer, func() { unix.Close(listener) })
	r.log.Debug("listener received", "elapsed", time.Since(r.start))
	if !r.o.Tuning.NoSyncWakeUp {
		if err := seccomp.SetSyncWakeUp(listener); err != nil {
			r.log.Debug("sync wake-up unavailable", "error", err)
		}
	}
	r.stubTgid = stub.cmd.Process.Pid
	sess, err := r.startSession(listener, fs, plan)
	if err != nil {
		stdio.closeParent()
		return err
	}
	relays := stdio.startRelays(r)

	st, gerr := r.wait(ctx, initSock, stub, sess)
	// The guest is gone. Its last calls still answered from goroutines
	// end now (each within endBound), and with them the supervisor's
	// copies of its sockets and of the fds in flight on them.
	sess.stop()
	// FIFO opens still waiting for a peer never will.
	sess.fifos.release()
	if !sess.async.wait(endBound) {
		r.log.Error("asynchronous handlers still running at the end of the run", "bound", endBound)
	}
	// What the guest wrote is drained; a write end it left open where
	// gaol cannot close it (in flight on a socket) ends the relays after
	// endBound.
	stdio.endRelays(endBound)
	relays.Wait()
	stdio.restoreTerminal()
	if r.cancelled != "" {
		res.Cancelled = r.cancelled
	}
	res.Syscalls = Counts{Intercepted: sess.intercepted.Load(), Denied: sess.denied.Load()}
	res.OutputSize = r.output.Load()
	if err := sess.trace.flush(); err != nil {
		r.log.Warn("trace incomplete", "error", err)
	}
	if gerr != nil {
		return gerr
	}
	r.fillResult(res, st)
	kept, err := keepScratch(fs, keeps, r.keepDeadline(), r.log)
	res.Kept = kept
	if err != nil {
		return err
	}
	// A guest that failed with a scratch mount full stopped at its disk
	// quota (ENOSPC, EDQUOT): name the budget.
	if res.Limit == limitNone && (res.ExitCode == nil || *res.ExitCode != 0) && fs.ScratchFull() {
		res.Limit = limitDisk
	}
	return nil
}

// keepGrace is the least time the scratch copy gets after the guest
// ended, so that a guest the wall budget stopped still has its files kept.
const keepGrace = time.Second

// keepDeadline is when copying the scratch mounts out must end: the end
// of the wall budget, or keepGrace from now when less is left. Zero: the
// policy has no wall budget (the copy is still bounded in bytes).
func (r *runner) keepDeadline() time.Time {
	d := r.o.Policy.Limits.Wall
	if d <= 0 {
		return time.Time{}
	}
	end := r.start.Add(d)
	if grace := time.Now().Add(keepGrace); end.Before(grace) {
		end = grace
	}
	return end
}

// wait waits for the guest to end, enforcing the wall budget, and returns
// init's report of it.
func (r *runner) wait(ctx context.Context, sup int, stub *Stub, sess *session) (*guest.Status, error) {
	waited := stub.waited
	// The stub's reports; closed when its end of the socket closes.
	reports := make(chan guest.Status, 1)
	go func() {
		defer close(reports)
		for {
			kind, payload, fds, err := guest.RecvMessage(sup)
			for _, fd := range fds {
				unix.Close(fd)
			}
			if err != nil {
				return
			}
			var st guest.Status
			switch kind {
			case guest.MsgStatus:
				if json.Unmarshal(payload, &st) == nil {
					reports <- st
				}
				return
			case guest.MsgError:
				reports <- guest.Status{Error: string(payload)}
				return
			}
		}
	}()
	done := make(chan struct{})
	defer close(done)
	go r.lim.watch(done)
	var wall <-chan time.Time
	if d := r.o.Policy.Limits.Wall; d > 0 {
		t := time.NewTimer(d - time.Since(r.start))
		defer t.Stop()
		wall = t.C
	}
	for {
		select {
		case st, ok := <-reports:
			if !ok {
				reports = nil // ended without a report: wait for the stub
				continue
			}
			<-waited
			if st.Error != "" {
				return nil, errors.New(st.Error)
			}
			return &st, nil
		case <-waited:
			// The stub is gone; its socket reads to the end.
			if reports != nil {
				if st, ok := <-reports; ok {
					if st.Error != "" {
						return nil, errors.New(st.Error)
					}
					return &st, nil
				}
			}
			// Killed before it could report. By gaol (a budget, the run
			// cancelled): the guest was killed with it. By anything
			// else: gaol lost its stub, which is gaol's failure and
			// never the guest's signal.
			if !r.stubKilled.Load() {
				return nil, fmt.Errorf("the guest stub died without a report (%s)", stubWaitStatus(stub))
			}
			return &guest.Status{WaitStatus: uint32(unix.SIGKILL)}, nil
		case <-wall:
			r.lim.exceed(limitWall)
			wall = nil
		case <-ctx.Done():
			if r.lim.exceeded() == limitNone {
				r.cancelled = cancelName(ctx)
			}
			r.lim.kill()
			ctx = context.Background()
		}
	}
}

// stubWaitStatus describes how the reaped stub ended.
func stubWaitStatus(s *Stub) string {
	ps := s.cmd.ProcessState
	if ps == nil {
		return "not reaped"
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok {
		switch {
		case ws.Signaled():
			return "killed by " + unix.SignalName(ws.Signal())
		case ws.Exited():
			return fmt.Sprintf("exit status %d", ws.ExitStatus())
		}
	}
	return ps.String()
}

func (r *runner) fillResult(res *Result, st *guest.Status) {
	if st.ExecError != "" {
		code := st.ExecStatus
		res.ExitCode, res.ExecError = &code, st.ExecError
		return
	}
	ws := unix.WaitStatus(st.WaitStatus)
	switch {
	case ws.Exited():
		code := ws.ExitStatus()
		res.ExitCode = &code
	case ws.Signaled():
		res.Signal = unix.SignalName(ws.Signal())
		if ws.Signal() == unix.SIGXCPU {
			r.lim.exceed(limitCPU)
		}
	}
	res.CPUUser = float64(st.UserUsec) / 1e6
	res.CPUSystem = float64(st.SysUsec) / 1e6
	res.PeakRSS = st.MaxRSSKiB * 1024
	res.Limit = r.lim.exceeded()
	if res.Limit == limitNone && r.o.Policy.Limits.CPU > 0 &&
		time.Duration((res.CPUUser+res.CPUSystem)*float64(time.Second)) > r.o.Policy.Limits.CPU && ws.Signaled() {
		res.Limit = limitCPU
	}
}

// socketpair returns the supervisor's end of a control socket (closed
// with the run) and the guest's end as a file to pass to the stub.
func socketpair(name string) (int, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, fmt.Errorf("control socket: %w", err)
	}
	return fds[0], os.NewFile(uintptr(fds[1]), name), nil
}

// receiveListener takes the seccomp listener fd from the exec stage.
func (r *runner) receiveListener(sup int) (int, error) {
	kind, payload, fds, err := guest.RecvMessage(sup)
	if err != nil {
		return -1, fmt.Errorf("guest start-up: %w", err)
	}
	if kind == guest.MsgError {
		closeAll(fds)
		return -1, errors.New(string(payload))
	}
	if kind != guest.MsgListener || len(fds) != 1 {
		closeAll(fds)
		return -1, fmt.Errorf("guest start-up: expected the seccomp listener, got message %q with %d fds", kind, len(fds))
	}
	return fds[0], nil
}

// startDir is the guest's first working directory, the host directory it
// names remembered so that removing it is noticed; a path that does not
// resolve (the guest's own chdir will say why) is kept as a virtual one.
func startDir(fs *vfs.FS, p string) workDir {
	loc, err := fs.Resolve("/", p, vfs.Follow)
	if err != nil {
		return workDir{path: p}
	}
	defer loc.Close()
	return workDir{path: loc.Path, inode: loc.Inode()}
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

func (r *runner) startSession(listener int, fs *vfs.FS, plan *plan) (*session, error) {
	stopFD, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	r.closer = append(r.closer, func() { unix.Close(stopFD) })
	s := &session{
		listener:  listener,
		stopFD:    stopFD,
		log:       r.log.Named("notify"),
		fs:        fs,
		procs:     newProcs(startDir(fs, plan.cwd)),
		rlimits:   plan.rlimits,
		execPaths: plan.execPaths,
		stubTgid:  r.stubTgid,
		trace:     newTracer(r.o.Trace, r.o.TraceEvents),
		start:     r.start,
		limits:    r.lim,
		policy:    r.o.Policy,
		spin:      r.o.Tuning.Spin,
		clock:     newClock(r.o.Policy.Time, r.start),
	}
	r.closer = append(r.closer, s.procs.closeAll)
	workers := r.o.Tuning.Workers
	if workers <= 0 {
		workers = 1
	}
	s.serve(workers)
	r.sess = s
	return s, nil
}

// buildFS receives the tmpfs fds from init and builds the guest's tree.
func (r *runner) buildFS(sup int, plan *plan) (*vfs.FS, error) {
	kind, payload, fds, err := guest.RecvMessage(sup)
	if err != nil {
		return nil, fmt.Errorf("guest start-up: %w", err)
	}
	if kind == guest.MsgError {
		closeAll(fds)
		return nil, errors.New(string(payload))
	}
	if kind != guest.MsgMounts || len(fds) != len(plan.guest.Tmpfs)+1 {
		closeAll(fds)
		return nil, fmt.Errorf("guest start-up: expected %d tmpfs fds and a procfs, got message %q with %d", len(plan.guest.Tmpfs), kind, len(fds))
	}
	// The last fd is the procfs of the guest's PID namespace: the budgets
	// count every process in it.
	r.lim.setNamespace(fds[len(fds)-1])
	fds = fds[:len(fds)-1]
	mounts := append([]vfs.Mount(nil), plan.mounts...)
	for i, idx := range plan.scratch {
		mounts[idx].RootFD = fds[i]
	}
	shadow := fds[len(fds)-1]
	id := r.o.Policy.Identity
	fs, err := vfs.New(mounts, vfs.Options{ShadowFD: shadow, UID: id.UID, GID: id.GID,
		HostUID: uint32(os.Geteuid()), HostGID: uint32(os.Getegid()), HostGroups: hostGroups()})
	if err != nil {
		return nil, err
	}
	return fs, nil
}

// hostGroups are the supplementary groups of the user running gaol, which
// the guest keeps (setgroups is denied in its namespace).
func hostGroups() []uint32 {
	groups, _ := os.Getgroups()
	out := make([]uint32, 0, len(groups))
	for _, g := range groups {
		out = append(out, uint32(g))
	}
	return out
}

// relay copies guest output to dst, counting it against the output budget.
// Past the budget it stops the run and drops the rest.
func (r *runner) relay(src io.Reader, dst io.Writer) {
	if dst == nil {
		dst = io.Discard
	}
	limit := r.o.Policy.Limits.Output
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			total := r.output.Add(int64(n))
			chunk := buf[:n]
			if limit > 0 && total > limit {
				keep := int64(n) - (total - limit)
				if keep < 0 {
					keep = 0
				}
				chunk = chunk[:keep]
				r.lim.exceed(limitOutput)
			}
			if len(chunk) > 0 {
				if _, werr := dst.Write(chunk); werr != nil {
					// The reader downstream is gone: closing the pipe
					// gives the guest EPIPE on its next write, as the bare
					// interpreter would get.
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}
