//go:build !(linux && amd64)

package seccomp

// rows is empty where gaol has no syscall table: Table returns nil and
// Lookup finds nothing, so nothing can be built or dispatched by accident.
var rows []Syscall
