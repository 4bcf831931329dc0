package supervisor

import "testing"

func TestAfterFirstDotDot(t *testing.T) {
	tests := []struct {
		path   string
		rest   string
		climbs bool
	}{
		{path: "..", rest: ".", climbs: true},
		{path: "../", rest: ".", climbs: true},
		{path: "../f", rest: "f", climbs: true},
		{path: "./../f", rest: "f", climbs: true},
		{path: ".//./../a/../b", rest: "a/../b", climbs: true},
		{path: "../../f", rest: "../f", climbs: true},
		{path: "f"},
		{path: "f/.."},
		{path: "."},
		{path: "./"},
		{path: "...", climbs: false},
		{path: "..f"},
	}
	for _, tt := range tests {
		rest, climbs := afterFirstDotDot(tt.path)
		if rest != tt.rest || climbs != tt.climbs {
			t.Errorf("afterFirstDotDot(%q) = %q, %v; want %q, %v", tt.path, rest, climbs, tt.rest, tt.climbs)
		}
	}
}

func TestWorkingDirectoriesFollowRenames(t *testing.T) {
	tests := []struct {
		name     string
		cwd      string
		from, to string
		exchange bool
		want     string
	}{
		{name: "the renamed directory itself", cwd: "/tmp/a", from: "/tmp/a", to: "/tmp/b", want: "/tmp/b"},
		{name: "below the renamed directory", cwd: "/tmp/a/x/y", from: "/tmp/a", to: "/tmp/b", want: "/tmp/b/x/y"},
		{name: "a sibling with the same prefix stays", cwd: "/tmp/ab", from: "/tmp/a", to: "/tmp/b", want: "/tmp/ab"},
		{name: "below the target of a plain rename stays", cwd: "/tmp/b/x", from: "/tmp/a", to: "/tmp/b", want: "/tmp/b/x"},
		{name: "below the target of an exchange moves to the source", cwd: "/tmp/b/x", from: "/tmp/a", to: "/tmp/b", exchange: true, want: "/tmp/a/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &proc{tgid: 7, cwd: workDir{path: tt.cwd}}
			ps := &procs{byTid: map[int]*proc{7: p, 8: p}}
			ps.renamed(tt.from, tt.to, tt.exchange)
			if p.cwd.path != tt.want {
				t.Errorf("cwd %q, want %q", p.cwd.path, tt.want)
			}
		})
	}
}
