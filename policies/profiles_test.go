package policies

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestProfilesLoadWithoutDiagnostics(t *testing.T) {
	names := Profiles()
	if !slices.Equal(names, []string{"python", "python-net", "python-strict"}) {
		t.Errorf("Profiles() = %v", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			p := NewParser()
			pol, diags := p.Builtin(name)
			if len(diags) > 0 {
				t.Fatalf("diagnostics:\n%s", render(p, diags))
			}
			if pol.Name != name || pol.Source != "builtin:"+name {
				t.Errorf("Name, Source = %q, %q", pol.Name, pol.Source)
			}
			src, _ := ProfileSource(name)
			if !strings.HasPrefix(string(src), "# "+name+": ") {
				t.Errorf("profile %s does not start with a comment introducing it", name)
			}
			if _, ok := p.Files()["builtin:"+name]; !ok {
				t.Errorf("Files() lacks builtin:%s, so its diagnostics could not be rendered", name)
			}
		})
	}
}

func TestPythonProfileDefaults(t *testing.T) {
	p, _ := Builtin("python")
	want := Limits{CPU: 10 * time.Second, Wall: 30 * time.Second, Memory: 1 << 30, Output: 16 << 20,
		Processes: 0, OpenFiles: 256, Tasks: 256, FileSize: 64 << 20}
	if p.Limits != want {
		t.Errorf("Limits = %+v, want %+v", p.Limits, want)
	}
	if p.Interpreter != (Interpreter{Discover: true}) {
		t.Errorf("Interpreter = %+v", p.Interpreter)
	}
	wantEnv := map[string]string{"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp",
		"TMPDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1", "MALLOC_ARENA_MAX": "2"}
	if len(p.Env) != len(wantEnv) {
		t.Errorf("Env = %v, want %v", p.Env, wantEnv)
	}
	for k, v := range wantEnv {
		if p.Env[k] != v {
			t.Errorf("Env[%s] = %q, want %q", k, p.Env[k], v)
		}
	}
	tmp := p.Mounts[0]
	if tmp.Guest != "/tmp" || tmp.Kind != MountScratch || tmp.QuotaBytes != 64<<20 || tmp.QuotaFiles != 4096 || !tmp.Writable {
		t.Errorf("/tmp = %+v", tmp)
	}
	devices := map[string]string{}
	for _, m := range p.Mounts[1:] {
		devices[m.Guest] = m.Device
	}
	wantDevices := map[string]string{"/dev/null": "null", "/dev/zero": "zero", "/dev/urandom": "urandom", "/dev/random": "urandom"}
	for k, v := range wantDevices {
		if devices[k] != v {
			t.Errorf("device %s = %q, want %q", k, devices[k], v)
		}
	}
	if p.Time.Mode != TimeReal || len(p.Network.Connect) != 0 || len(p.Process.Exec) != 0 {
		t.Errorf("time, network, process = %+v %+v %+v", p.Time, p.Network, p.Process)
	}
	if w := Warnings(p); len(w) != 0 {
		t.Errorf("the default profile has warnings: %s", summaries(w))
	}
}

func TestPythonStrictIsStricterThanPython(t *testing.T) {
	py, _ := Builtin("python")
	strict, _ := Builtin("python-strict")
	a, b := py.Limits, strict.Limits
	if !(b.CPU < a.CPU && b.Wall < a.Wall && b.Memory < a.Memory && b.Output < a.Output &&
		b.OpenFiles < a.OpenFiles && b.FileSize <= a.FileSize && b.Processes == 0) {
		t.Errorf("python-strict limits %+v are not all below python's %+v", b, a)
	}
	for _, m := range strict.Mounts {
		if m.Writable {
			t.Errorf("python-strict has a writable mount: %+v", m)
		}
	}
	if _, ok := strict.Env["TMPDIR"]; ok {
		t.Error("python-strict points TMPDIR at a /tmp it does not have")
	}
}

func TestPythonNetAllowsOnlyItsDestination(t *testing.T) {
	p, _ := Builtin("python-net")
	if !slices.Equal(p.Network.Connect, []string{"127.0.0.1:8080"}) {
		t.Errorf("Connect = %v", p.Network.Connect)
	}
	w := Warnings(p)
	if len(w) != 1 || w[0].Summary != "Network access" {
		t.Errorf("warnings = %s, want one network warning", summaries(w))
	}
}

func TestUnknownBuiltin(t *testing.T) {
	_, diags := Builtin("pyton")
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, `Did you mean "python"?`) {
		t.Errorf("diags = %v", diags)
	}
	if _, ok := ProfileSource("../policy"); ok {
		t.Error("ProfileSource accepted a path")
	}
}
