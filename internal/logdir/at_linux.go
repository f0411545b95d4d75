package logdir

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The *at system calls that rotation makes, on NUL-terminated names kept
// in the Dir, so that rotating allocates nothing: x/sys/unix copies every
// path string it is given. svlogd runs with Go's collector off, because
// a collection cycle costs it more memory than it frees (about 250 kB of
// RSS for the first cycle, docs/BENCHMARKS.md), so whatever it allocates
// while logging stays allocated.

// cname is s with the NUL that the kernel wants.
func cname(s string) []byte { return append([]byte(s), 0) }

var (
	cCurrent = cname("current")
	cDot     = cname(".")
)

// errno turns a raw system call error into an error without allocating
// (an Errno below 256 fits the runtime's preallocated interface values).
func errno(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func openat(dirfd int, name []byte, flags int, mode uint32) (int, error) {
	for {
		fd, _, e := unix.Syscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(&name[0])), uintptr(flags), uintptr(mode), 0, 0)
		if e != unix.EINTR {
			return int(fd), errno(e)
		}
	}
}

// renameat is renameat2 without flags, the one rename every Linux
// architecture has.
func renameat(dirfd int, from, to []byte) error {
	_, _, e := unix.Syscall6(unix.SYS_RENAMEAT2, uintptr(dirfd), uintptr(unsafe.Pointer(&from[0])), uintptr(dirfd), uintptr(unsafe.Pointer(&to[0])), 0, 0)
	if e == unix.ENOSYS || e == unix.EPERM {
		// Kernels before 3.15 lack it, and old seccomp profiles answer
		// EPERM for calls they do not know; a real EPERM comes back
		// from renameat too.
		return unix.Renameat(dirfd, cstr(from), dirfd, cstr(to))
	}
	return errno(e)
}

func unlinkat(dirfd int, name []byte) error {
	_, _, e := unix.Syscall(unix.SYS_UNLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(&name[0])), 0)
	return errno(e)
}

// exists reports whether name is there, as runit's stat() test of a new
// file name (symbolic links followed).
func exists(dirfd int, name []byte) bool {
	_, _, e := unix.Syscall6(unix.SYS_FACCESSAT, uintptr(dirfd), uintptr(unsafe.Pointer(&name[0])), unix.F_OK, 0, 0, 0)
	return e == 0
}

// cstr is a NUL-terminated name as a string that shares b's bytes: for a
// message or a call that copies it at once, never to keep.
func cstr(b []byte) string {
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	if n == 0 {
		return ""
	}
	return unsafe.String(&b[0], n)
}
