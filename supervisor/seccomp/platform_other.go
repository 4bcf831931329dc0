//go:build !(linux && amd64)

package seccomp

import (
	"errors"
	"fmt"
	"runtime"
)

// supported fails closed: gaol has no syscall table for this platform, and a
// guest must never run without its filter.
func supported() error {
	return fmt.Errorf("seccomp: gaol's filter needs linux/amd64, not %s/%s: %w",
		runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)
}
