package policies

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// unlimited is the word a policy writes to lift a budget.
const unlimited = "unlimited"

// sizeUnits are the suffixes a size may carry, in the order suggestions
// prefer them.
var sizeUnits = []struct {
	name string
	mult int64
}{
	{"B", 1},
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
}

// parseSize parses "512MiB", "64KB", "1048576" or a plain number. The
// error is a sentence for a diagnostic's detail.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	digits, unit := s[:i], strings.TrimSpace(s[i:])
	if digits == "" {
		return 0, fmt.Errorf("%q is not a size; write a whole number followed by an optional unit, such as \"512MiB\"", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if unit == "" {
		return n, nil
	}
	for _, u := range sizeUnits {
		if u.name == unit {
			if n > math.MaxInt64/u.mult {
				return 0, fmt.Errorf("%q is too large", s)
			}
			return n * u.mult, nil
		}
	}
	for _, u := range sizeUnits {
		if strings.EqualFold(u.name, unit) || strings.EqualFold(u.name, unit+"B") {
			return 0, fmt.Errorf("%q has an unknown unit %q. Did you mean %q?", s, unit, digits+u.name)
		}
	}
	return 0, fmt.Errorf("%q has an unknown unit %q; units are B, KiB, MiB, GiB, TiB (powers of 1024) and KB, MB, GB, TB (powers of 1000)", s, unit)
}

// parseDuration parses a Go duration such as "10s" or "1m30s", suggesting
// seconds for a bare number.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err == nil {
		return d, nil
	}
	if _, nerr := strconv.ParseFloat(strings.TrimSpace(s), 64); nerr == nil {
		return 0, fmt.Errorf("%q has no unit. Did you mean %q?", s, strings.TrimSpace(s)+"s")
	}
	return 0, fmt.Errorf("%q is not a duration; write a number with a unit (ns, us, ms, s, m, h), such as \"10s\" or \"1m30s\"", s)
}

// parseCount parses a whole, non-negative number written as a string.
func parseCount(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a whole, non-negative number", s)
	}
	return n, nil
}

// parseMode parses octal permission bits such as "0644" or "755".
func parseMode(s string) (uint32, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 8, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not an octal mode; write it as a string such as \"0644\"", s)
	}
	if n > 0o777 {
		return 0, fmt.Errorf("%q has bits beyond 0777; setuid, setgid and sticky bits are not available to the guest", s)
	}
	return uint32(n), nil
}

func errNegative(s string) error { return fmt.Errorf("%q is negative", s) }
