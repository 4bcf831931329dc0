package policies

import "strings"

// Access is the set of things an operation does to a path. The zero value
// is "no access": operations without a path (clocks, connects) carry it,
// and rules with an `access` list never match them.
type Access uint8

const (
	AccessRead   Access = 1 << iota // open for reading, stat, readlink, access(R_OK)
	AccessWrite                     // open for writing, truncate, chmod, utimes, remove, rename
	AccessCreate                    // O_CREAT of a new file, mkdir, symlink, link, mknod
	AccessExec                      // execve
	AccessList                      // getdents64, chdir
)

var accessNames = []string{"read", "write", "create", "exec", "list"}

// ParseAccess returns the access bit a policy names, such as "read".
func ParseAccess(name string) (Access, bool) {
	for i, n := range accessNames {
		if n == name {
			return 1 << i, true
		}
	}
	return 0, false
}

// String lists the access names joined by "|", or "none".
func (a Access) String() string {
	if a == 0 {
		return "none"
	}
	var parts []string
	for i, n := range accessNames {
		if a&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, "|")
}

// DefaultAccess is what an operation of the given kind needs of its path
// when nothing more precise is known (open is read unless its flags say
// otherwise).
func DefaultAccess(kind string) Access {
	switch kind {
	case KindList:
		return AccessList
	case KindMkdir, KindSymlink, KindLink:
		return AccessCreate
	case KindRemove, KindRename, KindChmod, KindTruncate, KindUtimes:
		return AccessWrite
	case KindExec:
		return AccessExec
	}
	return AccessRead
}
