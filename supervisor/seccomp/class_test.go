package seccomp

import "testing"

func TestClassString(t *testing.T) {
	tests := []struct {
		name  string
		class Class
		want  string
	}{
		{name: "allow reads as in policies", class: Allow, want: "allow"},
		{name: "notify reads as in policies", class: Notify, want: "notify"},
		{name: "errno reads as in policies", class: Errno, want: "errno"},
		{name: "kill reads as in policies", class: Kill, want: "kill"},
		{name: "an invalid class shows its number", class: Class(9), want: "Class(9)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.class.String(); got != tt.want {
				t.Errorf("Class(%d).String() = %q, want %q", uint8(tt.class), got, tt.want)
			}
		})
	}
}
