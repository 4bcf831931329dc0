package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNoVDSOUnderAGuestClock: in every time mode but real the
// interpreter's image has no vDSO and no vvar pages, seen from the host
// (/proc/PID/maps of the interpreter), and its auxiliary vector names no
// address of one; in real mode both are there. A guest that found the
// vDSO could read the host's clocks without a syscall gaol sees.
func TestNoVDSOUnderAGuestClock(t *testing.T) {
	requireSandbox(t)
	guest := `
import ctypes, sys
libc = ctypes.CDLL(None)
environ = ctypes.POINTER(ctypes.c_void_p).in_dll(libc, "environ")
i = 0
while environ[i]:
    i += 1
i += 1
aux = ctypes.cast(ctypes.byref(environ.contents, 8 * i), ctypes.POINTER(ctypes.c_ulong))
vdso, j = [], 0
while aux[j] != 0:  # AT_NULL ends the vector
    if aux[j] in (1, 33):  # AT_IGNORE, AT_SYSINFO_EHDR
        vdso.append(aux[j + 1])
    j += 2
print("AUXV", libc.getauxval(33), sum(1 for v in vdso if v), flush=True)
sys.stdin.read()
`
	for _, tt := range []struct {
		mode     string
		wantVDSO bool
	}{
		{"real", true},
		{"virtual@2000-01-01T00:00:00Z", false},
		{"frozen@2000-01-01T00:00:00Z", false},
		{"offset@2000-01-01T00:00:00Z", false},
		{"coarse", false},
	} {
		t.Run(strings.SplitN(tt.mode, "@", 2)[0], func(t *testing.T) {
			exe, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(exe, "run", "--time", tt.mode, "--wall", "30s", "--", python, "-c", guest)
			cmd.Env = append(os.Environ(), mainEnv+"=1")
			timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
			defer timer.Stop()
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { stdin.Close(); cmd.Wait() }()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatalf("the guest said nothing: %v", err)
			}
			f := strings.Fields(line)
			if len(f) != 3 || f[0] != "AUXV" {
				t.Fatalf("the guest said %q", line)
			}
			if auxv := f[1] != "0" || f[2] != "0"; auxv != tt.wantVDSO {
				t.Errorf("getauxval(AT_SYSINFO_EHDR) = %s and %s auxv entries with a vDSO address; want a vDSO named: %v", f[1], f[2], tt.wantVDSO)
			}
			pid := interpreterOf(t, cmd.Process.Pid)
			maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
			if err != nil {
				t.Fatal(err)
			}
			mapped := strings.Contains(string(maps), "[vdso]") || strings.Contains(string(maps), "[vvar]")
			if mapped != tt.wantVDSO {
				t.Errorf("the interpreter's maps show a vDSO: %v, want %v", mapped, tt.wantVDSO)
			}
		})
	}
}

// TestNoExecUnderAGuestClock: a later exec would map a fresh vDSO into the
// new program, so under a guest clock it is refused (EACCES), even of a
// program the exec globs allow; under real time it runs.
func TestNoExecUnderAGuestClock(t *testing.T) {
	requireSandbox(t)
	pol := writeFile(t, filepath.Join(t.TempDir(), "exec.hcl"), `sandbox "exec" {
  extends = "python"
  process {
    max  = 1
    exec = ["/usr/bin/python3*"]
  }
}
`, 0o644)
	guest := `import os, sys
try:
    os.execv(sys.executable, [sys.executable, "-c", "print('EXECD')"])
except OSError as e:
    print("REFUSED", e.errno)`
	for mode, want := range map[string]string{"real": "EXECD", "virtual@2000-01-01T00:00:00Z": "REFUSED 13", "frozen": "REFUSED 13"} {
		r := cli{args: gaolRun([]string{"--policy", pol, "--time", mode}, "-c", guest)}.run(t)
		if strings.TrimSpace(r.stdout) != want {
			t.Errorf("--time %s: status %d, stdout %q, want %q\n%s", mode, r.status, r.stdout, want, r.stderr)
		}
	}
}

// interpreterOf finds the interpreter gaol (at pid) runs: the child of
// its stub, named by the interpreter's path.
func interpreterOf(t *testing.T, gaol int) int {
	t.Helper()
	return childOf(t, childOf(t, gaol, "gaol-guest"), python)
}
