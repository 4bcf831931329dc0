package supervisor

import (
	"golang.org/x/sys/unix"
)

// Credentials: the guest is guestUID, without capabilities in its user
// namespace, so the kernel would let it "set" its ids only to the ids it
// already has; gaol answers the same, and changes nothing. -1 (where the
// call takes it) leaves an id alone.

func sysSetuid(c *call) reply    { return c.setIDs(1) }
func sysSetreuid(c *call) reply  { return c.setIDs(2) }
func sysSetresuid(c *call) reply { return c.setIDs(3) }

// setIDs answers a set*id call whose first n arguments are ids.
func (c *call) setIDs(n int) reply {
	for i := 0; i < n; i++ {
		if id := c.argInt(i); id != -1 && id != guestUID {
			return deny(unix.EPERM, "credentials are fixed in the sandbox")
		}
	}
	return ok(0)
}

// sysSetfsuid answers setfsuid and setfsgid, which report the previous id
// and never fail: it stays the guest's.
func sysSetfsuid(c *call) reply { return ok(guestUID) }
