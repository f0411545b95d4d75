// Package cname is a file name as the kernel takes it, with its NUL, made
// once, and the system calls that take such a name relative to a
// directory descriptor without copying it.
//
// runsv writes its status files and svlogd rotates its logs for as long as
// the system runs. Package syscall and x/sys/unix copy every path string
// into a new NUL-terminated buffer, so each status write or rotation would
// leave garbage, and garbage is what makes them collect one day and keep
// the collector's memory for good (docs/BENCHMARKS.md). Only package
// syscall here: svlogd links neither package os nor package time.
package cname

import (
	"syscall"
	"unsafe"
)

// CWD is AT_FDCWD: names relative to the working directory.
const CWD = -100

// Make is s with the NUL the kernel wants.
func Make(s string) []byte { return append([]byte(s), 0) }

// String is the name in b, up to its NUL, as a string that shares b's
// bytes: for a message or a call that copies it at once, never to keep.
func String(b []byte) string {
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	if n == 0 {
		return ""
	}
	return unsafe.String(&b[0], n)
}

// oPath is O_PATH, which package syscall does not name on every
// architecture; it is the same on all of Go's Linux ports.
const oPath = 0x200000

// errno turns a raw system call error into an error without allocating
// (an Errno below 256 fits the runtime's preallocated interface values).
func errno(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// Open is openat(2), retried on EINTR.
func Open(dirfd int, name []byte, flags int, mode uint32) (int, error) {
	for {
		fd, _, e := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(&name[0])), uintptr(flags), uintptr(mode), 0, 0)
		if e != syscall.EINTR {
			return int(fd), errno(e)
		}
	}
}

// Stat is fstatat(dirfd, name, st, 0), which package syscall exports only
// on some architectures (and whose number and struct differ between
// them): it opens name with O_PATH, which needs no permission on the file
// itself and does not block on a FIFO, and stats the descriptor.
func Stat(dirfd int, name []byte, st *syscall.Stat_t) error {
	fd, err := Open(dirfd, name, oPath|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	err = syscall.Fstat(fd, st)
	syscall.Close(fd)
	return err
}

// Rename is renameat(2). sysRenameat is renameat, or renameat2 (flags 0)
// where the kernel has only that (riscv64, loong64): renameat2 everywhere
// would fail on kernels before 3.15 and under old seccomp profiles, which
// answer EPERM for calls they do not know.
func Rename(fromdir int, from []byte, todir int, to []byte) error {
	_, _, e := syscall.Syscall6(sysRenameat, uintptr(fromdir), uintptr(unsafe.Pointer(&from[0])), uintptr(todir), uintptr(unsafe.Pointer(&to[0])), 0, 0)
	return errno(e)
}

// Unlink is unlinkat(2) for a file.
func Unlink(dirfd int, name []byte) error {
	_, _, e := syscall.Syscall(syscall.SYS_UNLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(&name[0])), 0)
	return errno(e)
}

// Exists reports whether name is there, as runit's stat() test of a new
// file name (symbolic links followed).
func Exists(dirfd int, name []byte) bool {
	_, _, e := syscall.Syscall6(syscall.SYS_FACCESSAT, uintptr(dirfd), uintptr(unsafe.Pointer(&name[0])), syscall.F_OK, 0, 0, 0)
	return e == 0
}

// ReadFile reads the whole file name as runit's openreadclose does:
// opened non-blocking (a FIFO without a writer reads as empty), read to
// EOF.
func ReadFile(dirfd int, name []byte) ([]byte, error) {
	fd, err := Open(dirfd, name, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	b := make([]byte, 0, 128)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := syscall.Read(fd, b[len(b):cap(b)])
		switch {
		case err == syscall.EINTR:
		case err != nil:
			return nil, err
		case n == 0:
			return b, nil
		default:
			b = b[:len(b)+n]
		}
	}
}
