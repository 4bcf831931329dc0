package policies

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// identityBlock is `identity { uid = 1000  gid = 1000 }`.
type identityBlock struct {
	UID hcl.Expression `hcl:"uid,optional"`
	GID hcl.Expression `hcl:"gid,optional"`
}

// Identity is the user and group the guest is, as it sees them: what
// getuid and getgid return, the ids its user namespace maps to gaol's own
// user, and the owner of what gaol's user owns on the host. Load always
// fills it in (DefaultGuestID when the policy says nothing); the zero
// value is root, which a policy must ask for.
type Identity struct {
	UID, GID uint32
}

// DefaultGuestID is the guest's uid and gid unless the policy sets them:
// the first regular user of most distributions.
const DefaultGuestID = 1000

// maxGuestID is the largest id a policy may give the guest: 65535 is
// (uid_t)-1's 16-bit form, which the kernel reserves, and 65534 is the
// overflow id, nobody.
const maxGuestID = 65534

type identityLayer struct {
	uid, gid opt[uint32]
}

func (b *identityBlock) decode(e *evaluator) identityLayer {
	if b == nil {
		return identityLayer{}
	}
	return identityLayer{uid: e.guestID("uid", b.UID), gid: e.guestID("gid", b.GID)}
}

// guestID evaluates a uid or gid: a whole number from 0 to maxGuestID.
func (e *evaluator) guestID(name string, expr hcl.Expression) opt[uint32] {
	v, ok := e.value(name, expr, cty.Number, "a whole number")
	if !ok {
		return opt[uint32]{}
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if acc != big.Exact || n < 0 || n > maxGuestID {
		e.add(diagError(expr.Range(), "Invalid "+name,
			fmt.Sprintf("The %s %s is not a whole number from 0 to %d, the id of nobody; 65535 is (uid_t)-1 to 16-bit interfaces.", name, bf.Text('g', 10), maxGuestID)))
		return opt[uint32]{}
	}
	return some(uint32(n), expr.Range())
}

func (l identityLayer) inherit(parent identityLayer) identityLayer {
	return identityLayer{uid: l.uid.or(parent.uid), gid: l.gid.or(parent.gid)}
}

func (l identityLayer) final() Identity {
	return Identity{UID: valueOr(l.uid, DefaultGuestID), GID: valueOr(l.gid, DefaultGuestID)}
}
