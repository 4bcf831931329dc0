package policies

import "github.com/hashicorp/hcl/v2"

// interpreterBlock is `interpreter { discover = true  site_packages = false }`.
type interpreterBlock struct {
	Discover     hcl.Expression `hcl:"discover,optional"`
	SitePackages hcl.Expression `hcl:"site_packages,optional"`
}

type interpreterLayer struct {
	discover, sitePackages opt[bool]
}

func (b *interpreterBlock) decode(e *evaluator) interpreterLayer {
	if b == nil {
		return interpreterLayer{}
	}
	return interpreterLayer{
		discover:     e.boolean("discover", b.Discover),
		sitePackages: e.boolean("site_packages", b.SitePackages),
	}
}

func (l interpreterLayer) inherit(parent interpreterLayer) interpreterLayer {
	return interpreterLayer{
		discover:     l.discover.or(parent.discover),
		sitePackages: l.sitePackages.or(parent.sitePackages),
	}
}

// final applies the defaults: discover the interpreter, without its
// site-packages.
func (l interpreterLayer) final() Interpreter {
	discover := true
	if l.discover.Set {
		discover = l.discover.V
	}
	return Interpreter{Discover: discover, SitePackages: l.sitePackages.V}
}
