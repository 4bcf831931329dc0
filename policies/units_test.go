package policies

import (
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{in: "0", want: 0},
		{in: "512", want: 512},
		{in: "512B", want: 512},
		{in: "64KiB", want: 64 << 10},
		{in: "512MiB", want: 512 << 20},
		{in: "1GiB", want: 1 << 30},
		{in: "2TiB", want: 2 << 40},
		{in: "1KB", want: 1000},
		{in: "3MB", want: 3e6},
		{in: "1GB", want: 1e9},
		{in: " 7 MiB ", want: 7 << 20},
		{in: "1gib", wantErr: `Did you mean "1GiB"?`},
		{in: "1Mi", wantErr: `Did you mean "1MiB"?`},
		{in: "1.5GiB", wantErr: "unknown unit"},
		{in: "-1", wantErr: "not a size"},
		{in: "MiB", wantErr: "not a size"},
		{in: "99999999999TiB", wantErr: "too large"},
		{in: "99999999999999999999", wantErr: "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("parseSize(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseSize(%q) = %d, %v, want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{in: "10s", want: 10 * time.Second},
		{in: "1m30s", want: 90 * time.Second},
		{in: "250ms", want: 250 * time.Millisecond},
		{in: "10", wantErr: `Did you mean "10s"?`},
		{in: "1.5", wantErr: `Did you mean "1.5s"?`},
		{in: "soon", wantErr: "not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDuration(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("parseDuration(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseDuration(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]uint32{"0644": 0o644, "755": 0o755, "0": 0, "0777": 0o777} {
		if got, err := parseMode(in); err != nil || got != want {
			t.Errorf("parseMode(%q) = %o, %v", in, got, err)
		}
	}
	for _, in := range []string{"0999", "04755", "rw-r--r--", ""} {
		if _, err := parseMode(in); err == nil {
			t.Errorf("parseMode(%q) accepted", in)
		}
	}
}

func TestErrnoTable(t *testing.T) {
	for _, name := range []string{"EACCES", "ENOENT", "EPERM", "EROFS", "ECONNREFUSED", "EWOULDBLOCK", "ENOTSUP", "EOPNOTSUPP"} {
		if e, ok := ErrnoByName(name); !ok || e == 0 {
			t.Errorf("ErrnoByName(%q) = %v, %v", name, e, ok)
		}
	}
	if _, ok := ErrnoByName("EACCESS"); ok {
		t.Error("ErrnoByName accepted a misspelling")
	}
}

func TestKindTables(t *testing.T) {
	for name, kind := range syscallKind {
		if kindClass[kind] == "" {
			t.Errorf("syscall %s has kind %q, which has no class", name, kind)
		}
		if kernelDenied[name] || kernelAllowed[name] {
			t.Errorf("syscall %s is both asked about and decided in the kernel", name)
		}
	}
	n := 0
	for _, k := range syscallKinds {
		n += len(k.syscalls)
	}
	if n != len(syscallKind) {
		t.Errorf("syscallKinds lists %d names but only %d are distinct", n, len(syscallKind))
	}
	if len(kindNames) >= 63 {
		t.Errorf("%d kinds do not fit the shadow analysis's bit set", len(kindNames))
	}
}
