package supervisor

import (
	"encoding/binary"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/vfs"
)

// Unix socket addresses. A path names a file in the guest's tree, so it
// is resolved by the VFS exactly as an open would resolve it (virtual
// cwd, symlinks, mounts) and asked of the policy as a connect (or send)
// that needs write access to that path, as the kernel asks write
// permission on the socket. Only a socket in a writable host mount is
// reachable. The supervisor then names the socket by an O_PATH fd of the
// inode it checked (/proc/self/fd/N): nothing the host or the guest
// renames afterwards can redirect the connect. Abstract and unnamed
// addresses are refused: abstract sockets belong to a network namespace,
// and the guest's is not the host's.

// checkUnix decides a unix address for a connect or send, and on success
// rewrites sa to name the checked socket through sa.held, which the
// caller releases after its call.
func (c *call) checkUnix(kind string, sa *sockaddr) (reply, bool) {
	switch {
	case kind == policies.KindBind:
		return deny(unix.EACCES, "network: binding unix sockets is not supported"), false
	case sa.path == "":
		return deny(unix.EACCES, "network: an unnamed unix address names no socket"), false
	case sa.path[0] == '@':
		return deny(unix.EACCES, "network: abstract unix sockets of the host are not reachable"), false
	}
	loc, err := c.resolveAt(atFDCWD, sa.path, vfs.Follow)
	if err != nil {
		return c.pathErr(err), false
	}
	defer loc.Close()
	c.ev.Args.Guest = loc.Path
	d := c.s.policy.Decide(policies.Op{Kind: kind, Syscall: c.ev.Syscall, Path: loc.Path, Access: policies.AccessWrite, Network: "unix"})
	c.decided(d)
	if !d.Allow {
		return reply{action: actDeny, errno: d.Errno, rule: d.Rule, rulePos: c.ev.RulePos}, false
	}
	switch {
	case loc.Kind() != vfs.KindHost:
		return deny(unix.EACCES, "network: unix sockets are reachable only in host mounts"), false
	case !loc.Writable():
		return deny(unix.EACCES, "network: unix socket in a read-only mount"), false
	}
	fd, err := c.s.fs.OpenSocket(loc)
	if err != nil {
		return c.pathErr(err), false
	}
	sa.held, sa.raw = fd, procFDSockaddr(fd)
	return reply{}, true
}

// procFDSockaddr is a sockaddr_un naming the socket that O_PATH fd holds
// through its magic link, which connect and sendto follow to the inode.
// "/proc/self/fd/" and ten digits fit sun_path's 108 bytes.
func procFDSockaddr(fd int) []byte {
	p := "/proc/self/fd/" + strconv.Itoa(fd)
	raw := make([]byte, 2, 2+len(p)+1)
	binary.LittleEndian.PutUint16(raw, unix.AF_UNIX)
	return append(append(raw, p...), 0)
}

// release closes the fd that names a checked unix socket, if any.
func (sa *sockaddr) release() {
	if sa != nil && sa.held > 0 {
		unix.Close(sa.held)
		sa.held = 0
	}
}
