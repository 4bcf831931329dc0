package policies

import (
	"sort"

	"golang.org/x/sys/unix"
)

// errnoByName maps every errno name the platform knows ("EACCES") to its
// number. It is built from x/sys/unix's own table, so it cannot drift from
// the numbers the supervisor returns, plus the aliases that table folds.
var errnoByName, errnoNames = buildErrnoTable()

func buildErrnoTable() (map[string]unix.Errno, []string) {
	m := map[string]unix.Errno{
		"EWOULDBLOCK": unix.EWOULDBLOCK,
		"ENOTSUP":     unix.ENOTSUP,
		"EOPNOTSUPP":  unix.EOPNOTSUPP,
		"EDEADLOCK":   unix.EDEADLK,
	}
	for e := unix.Errno(1); e < 4096; e++ {
		if name := unix.ErrnoName(e); name != "" {
			m[name] = e
		}
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return m, names
}

// ErrnoByName returns the errno a policy names, such as "EACCES".
func ErrnoByName(name string) (unix.Errno, bool) {
	e, ok := errnoByName[name]
	return e, ok
}
