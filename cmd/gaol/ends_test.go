package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/supervisor"
)

// hangRelays is a guest that keeps gaol's relays from ever seeing the end
// of its output: its stdout and stderr (here the guest's pty) go with
// SCM_RIGHTS into both ends of a socketpair whose both directions are full,
// and one more sendmsg waits on each end. Then it says ARMED and sleeps.
const hangRelays = `
import array, socket, sys, threading, time
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [1, 2]))]
for s in (a, b):
    s.sendmsg([b"x"], rights)
    s.setblocking(False)
    try:
        while True:
            s.send(b"y" * 65536)
    except BlockingIOError:
        pass
    s.setblocking(True)
for s in (a, b):
    threading.Thread(target=s.sendmsg, args=([b"z" * 65536], rights), daemon=True).start()
time.sleep(0.3)
print("ARMED", flush=True)
time.sleep(86400)
`

func openTestPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(m, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := unix.Open(fmt.Sprintf("/dev/pts/%d", n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	master, slave = os.NewFile(uintptr(m), "ptmx"), os.NewFile(uintptr(s), "pts")
	t.Cleanup(func() { master.Close(); slave.Close() })
	return master, slave
}

// ptyRun is gaol run with a pty as its stdin, stdout and stderr.
type ptyRun struct {
	cmd    *exec.Cmd
	result string
	mu     sync.Mutex
	out    bytes.Buffer
	armed  chan struct{}
}

func startUnderPTY(t *testing.T, slave, master *os.File, flags []string, code string) *ptyRun {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &ptyRun{result: filepath.Join(t.TempDir(), "result.json"), armed: make(chan struct{})}
	args := append([]string{"run", "--result", p.result}, flags...)
	args = append(args, "--", python, "-c", code)
	p.cmd = exec.Command(exe, args...)
	p.cmd.Env = append(os.Environ(), mainEnv+"=1", "GORACE=atexit_sleep_ms=0")
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = slave, slave, slave
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 4096)
		once := sync.Once{}
		for {
			n, err := master.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			seen := strings.Contains(p.out.String(), "ARMED")
			p.mu.Unlock()
			if seen {
				once.Do(func() { close(p.armed) })
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *ptyRun) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitEnd waits for gaol to exit, at most limit, and returns its status
// and how long it took after since.
func (p *ptyRun) waitEnd(t *testing.T, since time.Time, limit time.Duration) (int, time.Duration) {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(limit):
		p.cmd.Process.Kill()
		<-exited
		t.Fatalf("gaol did not exit within %s of the signal; output:\n%s", limit, p.output())
	}
	took := time.Since(since)
	ws := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		t.Fatalf("gaol was killed by %v; output:\n%s", ws.Signal(), p.output())
	}
	return ws.ExitStatus(), took
}

func readResult(t *testing.T, path string) *supervisor.Result {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no result: %v", err)
	}
	var r supervisor.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("result %s: %v", b, err)
	}
	return &r
}

// A SIGINT cancels a run whose guest keeps its relays from ending (its
// pty in flight on a full socketpair): gaol ends within its end bound, the
// result says cancelled and status 130, and the user's terminal has its
// settings back. On main this run never ended and left the terminal raw.
func TestSIGINTCancelsARunUnderATerminal(t *testing.T) {
	requireSandbox(t)
	defer holdQuiet(t, true)()
	master, slave := openTestPTY(t)
	before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	p := startUnderPTY(t, slave, master, nil, hangRelays)
	select {
	case <-p.armed:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("the guest never armed; output:\n%s", p.output())
	}
	sent := time.Now()
	p.cmd.Process.Signal(syscall.SIGINT)
	// The end: the guest killed and reported, then at most 1 s for the
	// asynchronous handlers and 1 s for the relays (docs/security.md).
	status, took := p.waitEnd(t, sent, 4*time.Second)
	if status != 130 {
		t.Errorf("status %d, want 130 (128+SIGINT); output:\n%s", status, p.output())
	}
	r := readResult(t, p.result)
	if r.Cancelled != "SIGINT" || r.Status != 130 || r.Error != "" {
		t.Errorf("result: cancelled %q status %d error %q; want cancelled SIGINT, status 130, no error", r.Cancelled, r.Status, r.Error)
	}
	after, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *before {
		t.Errorf("the terminal's settings were left changed:\nbefore %+v\nafter  %+v", *before, *after)
	}
	t.Logf("gaol ended %s after SIGINT", took.Round(time.Millisecond))
}

// A second SIGINT makes gaol exit at once, before the run has ended: the
// result says so, and the terminal is restored by gaol run itself (the
// run's own restore has not happened yet).
func TestSecondSIGINTExitsAtOnceAndRestoresTheTerminal(t *testing.T) {
	requireSandbox(t)
	defer holdQuiet(t, true)()
	master, slave := openTestPTY(t)
	before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	p := startUnderPTY(t, slave, master, nil, hangRelays)
	select {
	case <-p.armed:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("the guest never armed; output:\n%s", p.output())
	}
	p.cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(100 * time.Millisecond)
	sent := time.Now()
	p.cmd.Process.Signal(syscall.SIGINT)
	status, took := p.waitEnd(t, sent, 2*time.Second)
	if status != 130 {
		t.Errorf("status %d, want 130; output:\n%s", status, p.output())
	}
	r := readResult(t, p.result)
	if r.Cancelled != "SIGINT" || !strings.Contains(r.Error, "second signal") {
		t.Logf("the run ended before the second signal was handled (took %s): %+v", took, r)
		if r.Cancelled != "SIGINT" {
			t.Errorf("result does not say cancelled: %+v", r)
		}
	}
	after, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *before {
		t.Errorf("the terminal's settings were left changed after the forced exit")
	}
}

// SIGTERM cancels a run without a terminal too: the result says
// cancelled SIGTERM and the status is 143, as a shell reports a command
// SIGTERM ended.
func TestSIGTERMCancelsTheRun(t *testing.T) {
	requireSandbox(t)
	defer holdQuiet(t, true)()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	result := filepath.Join(t.TempDir(), "result.json")
	cmd := exec.Command(exe, gaolRun([]string{"--result", result}, "-c", "print('ARMED', flush=True)\nimport time\ntime.sleep(86400)")...)
	cmd.Env = append(os.Environ(), mainEnv+"=1", "GORACE=atexit_sleep_ms=0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if n, _ := out.Read(buf); !strings.Contains(string(buf[:n]), "ARMED") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the guest did not start: %q", buf[:n])
	}
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if took := time.Since(sent); took > 4*time.Second {
		t.Errorf("gaol took %s to end after SIGTERM", took)
	}
	if st := cmd.ProcessState.ExitCode(); st != 143 {
		t.Errorf("exit status %d, want 143", st)
	}
	r := readResult(t, result)
	if r.Cancelled != "SIGTERM" || r.Status != 143 || r.Limit != "none" {
		t.Errorf("result: %+v; want cancelled SIGTERM, status 143, limit none", r)
	}
}

// A stub killed by something other than gaol (here the test) is gaol's
// failure: status 125 and an error naming the stub's death, never the
// guest's signal.
func TestAStubKilledFromOutsideIsGaolsFailure(t *testing.T) {
	requireSandbox(t)
	defer holdQuiet(t, false)()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	result := filepath.Join(t.TempDir(), "result.json")
	cmd := exec.Command(exe, gaolRun([]string{"--result", result}, "-c", "print('ARMED', flush=True)\nimport time\ntime.sleep(86400)\nraise SystemExit(42)")...)
	cmd.Env = append(os.Environ(), mainEnv+"=1", "GORACE=atexit_sleep_ms=0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	buf := make([]byte, 64)
	if n, _ := out.Read(buf); !strings.Contains(string(buf[:n]), "ARMED") {
		t.Fatalf("the guest did not start: %q", buf[:n])
	}
	stub := childOf(t, cmd.Process.Pid, "gaol-guest")
	if err := unix.Kill(stub, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if st := cmd.ProcessState.ExitCode(); st != supervisor.StatusFailed {
		t.Errorf("exit status %d, want %d", st, supervisor.StatusFailed)
	}
	r := readResult(t, result)
	if r.Status != supervisor.StatusFailed || !strings.Contains(r.Error, "stub died") || !strings.Contains(r.Error, "SIGKILL") || r.Signal != "" {
		t.Errorf("result: error %q signal %q status %d; want the stub's death (SIGKILL) as gaol's failure, status 125, no guest signal", r.Error, r.Signal, r.Status)
	}
}

// childOf is the pid of parent's child whose argv[0] is name.
func childOf(t *testing.T, parent int, name string) int {
	t.Helper()
	for try := 0; try < 100; try++ {
		dirs, _ := os.ReadDir("/proc")
		for _, d := range dirs {
			pid, err := strconv.Atoi(d.Name())
			if err != nil {
				continue
			}
			stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				continue
			}
			fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
			if len(fields) < 2 || fields[1] != strconv.Itoa(parent) {
				continue
			}
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if strings.HasPrefix(string(cmdline), name+"\x00") {
				return pid
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no child %q of %d", name, parent)
	return 0
}
