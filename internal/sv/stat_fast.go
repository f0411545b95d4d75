//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x)

package sv

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// stat is stat(2) of a path relative to the working directory, for its
// error only: newfstatat(2) through RawSyscall, like the other calls sv
// makes per service.
func (c *cpath) stat(path string) error {
	var st unix.Stat_t
	_, _, e := unix.RawSyscall6(unix.SYS_NEWFSTATAT, uintptr(atFDCWD), c.ptr(path),
		uintptr(unsafe.Pointer(&st)), 0, 0, 0)
	return errnoErr(e)
}
