package logdir

import (
	"syscall"
	"unsafe"
)

// The *at system calls that rotation makes, on NUL-terminated names kept
// in the Dir, so that rotating allocates nothing: package syscall copies
// every path string it is given. svlogd runs with Go's collector off,
// because a collection cycle costs it more memory than it frees (about
// 250 kB of RSS for the first cycle, docs/BENCHMARKS.md), so whatever it
// allocates while logging stays allocated.

// cname is s with the NUL that the kernel wants.
func cname(s string) []byte { return append([]byte(s), 0) }

var (
	cCurrent  = cname("current")
	cDot      = cname(".")
	cState    = cname("state")
	cNewstate = cname("newstate")
)

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

func openat(dirfd int, name []byte, flags int, mode uint32) (int, error) {
	for {
		fd, _, e := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(&name[0])), uintptr(flags), uintptr(mode), 0, 0)
		if e != syscall.EINTR {
			return int(fd), errno(e)
		}
	}
}

// statAt is fstatat(dirfd, name, st, 0), which package syscall exports
// only on some architectures (and whose number and struct differ between
// them): it opens name with O_PATH, which needs no permission on the file
// itself and does not block on a FIFO, and stats the descriptor.
func statAt(dirfd int, name []byte, st *syscall.Stat_t) error {
	fd, err := openat(dirfd, name, oPath|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	err = syscall.Fstat(fd, st)
	syscall.Close(fd)
	return err
}

// renameat renames within one directory. sysRenameat is renameat, or
// renameat2 (flags 0) where the kernel has only that (riscv64, loong64):
// renameat2 everywhere would fail on kernels before 3.15 and under old
// seccomp profiles, which answer EPERM for calls they do not know.
func renameat(dirfd int, from, to []byte) error {
	_, _, e := syscall.Syscall6(sysRenameat, uintptr(dirfd), uintptr(unsafe.Pointer(&from[0])), uintptr(dirfd), uintptr(unsafe.Pointer(&to[0])), 0, 0)
	return errno(e)
}

func unlinkat(dirfd int, name []byte) error {
	_, _, e := syscall.Syscall(syscall.SYS_UNLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(&name[0])), 0)
	return errno(e)
}

// exists reports whether name is there, as runit's stat() test of a new
// file name (symbolic links followed).
func exists(dirfd int, name []byte) bool {
	_, _, e := syscall.Syscall6(syscall.SYS_FACCESSAT, uintptr(dirfd), uintptr(unsafe.Pointer(&name[0])), syscall.F_OK, 0, 0, 0)
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
