package sv

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// sv makes a dozen short syscalls per service (sv status over a hundred
// services is a common monitoring call), all on local directories and
// never blocking: FIFOs are opened O_NONBLOCK. They go through RawSyscall
// with paths copied into a reused buffer, which skips the scheduler hand-
// off and the allocation of a C string that x/sys/unix's wrappers do; it
// makes sv status cheaper per service than runit's C sv.

// cpath is a NUL-terminated path for the raw calls.
type cpath struct{ buf []byte }

func (c *cpath) ptr(s string) uintptr {
	c.buf = append(append(c.buf[:0], s...), 0)
	return uintptr(unsafe.Pointer(&c.buf[0]))
}

var atFDCWD = unix.AT_FDCWD

func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func (c *cpath) chdir(path string) error {
	_, _, e := unix.RawSyscall(unix.SYS_CHDIR, c.ptr(path), 0, 0)
	return errnoErr(e)
}

func fchdir(fd int) error {
	_, _, e := unix.RawSyscall(unix.SYS_FCHDIR, uintptr(fd), 0, 0)
	return errnoErr(e)
}

// open opens path (relative to the working directory) without blocking.
func (c *cpath) open(path string, flags int) (int, error) {
	fd, _, e := unix.RawSyscall6(unix.SYS_OPENAT, uintptr(atFDCWD), c.ptr(path),
		uintptr(flags|unix.O_NONBLOCK|unix.O_CLOEXEC), 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

func closeRaw(fd int) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

// read is one read(2), retried on EINTR.
func read(fd int, b []byte) (int, error) {
	for {
		n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return -1, e
		}
		return int(n), nil
	}
}
