package supervisor

import (
	"golang.org/x/sys/unix"
)

// Credentials: the guest is the policy's identity, without capabilities
// in its user namespace, so the kernel would let it "set" its ids only to
// the ids it already has; gaol answers the same, and changes nothing. -1
// (where the call takes it) leaves an id alone.

func sysSetuid(c *call) reply    { return c.setIDs(1, c.guestUID()) }
func sysSetreuid(c *call) reply  { return c.setIDs(2, c.guestUID()) }
func sysSetresuid(c *call) reply { return c.setIDs(3, c.guestUID()) }
func sysSetgid(c *call) reply    { return c.setIDs(1, c.guestGID()) }
func sysSetregid(c *call) reply  { return c.setIDs(2, c.guestGID()) }
func sysSetresgid(c *call) reply { return c.setIDs(3, c.guestGID()) }

func (c *call) guestUID() int { return int(c.s.policy.Identity.UID) }
func (c *call) guestGID() int { return int(c.s.policy.Identity.GID) }

// setIDs answers a set*id call whose first n arguments are ids, of which
// the guest has only the id own.
func (c *call) setIDs(n, own int) reply {
	for i := 0; i < n; i++ {
		if id := c.argInt(i); id != -1 && id != own {
			return deny(unix.EPERM, "credentials are fixed in the sandbox")
		}
	}
	return ok(0)
}

// sysSetfsuid and sysSetfsgid answer calls that report the previous id
// and never fail: it stays the guest's.
func sysSetfsuid(c *call) reply { return ok(int64(c.guestUID())) }
func sysSetfsgid(c *call) reply { return ok(int64(c.guestGID())) }
