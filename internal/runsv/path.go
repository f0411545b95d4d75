package runsv

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// A path is a file name with the NUL the kernel wants after it, made once.
// x/sys/unix copies every string it passes to the kernel into a new
// NUL-terminated buffer, so each status write would leave nine small
// pieces of garbage (about 70% of what a restart allocates with a short
// environment), and garbage is what makes runsv collect one day and keep
// the collector's memory for good (docs/BENCHMARKS.md). The system calls
// of the loop's steady work take paths instead.
type path []byte

// fdcwd is AT_FDCWD (-100) as a system call argument.
const fdcwd = ^uintptr(-unix.AT_FDCWD - 1)

func mkpath(name string) path { return append([]byte(name), 0) }

// String is the name, for messages.
func (p path) String() string { return string(p[:len(p)-1]) }

// open is open(2) relative to the working directory, as unix.Open.
func (p path) open(flags int, mode uint32) (int, error) {
	fd, _, e := unix.Syscall6(unix.SYS_OPENAT, fdcwd, uintptr(unsafe.Pointer(&p[0])),
		uintptr(flags|unix.O_LARGEFILE), uintptr(mode), 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

// rename is rename(2), as unix.Rename: renameat2 without flags, which
// every architecture has (arm64 has no renameat).
func (p path) rename(to path) error {
	_, _, e := unix.Syscall6(unix.SYS_RENAMEAT2, fdcwd, uintptr(unsafe.Pointer(&p[0])),
		fdcwd, uintptr(unsafe.Pointer(&to[0])), 0, 0)
	switch e {
	case 0:
		return nil
	case unix.ENOSYS: // Linux before 3.15
		return unix.Rename(p.String(), to.String())
	}
	return e
}

// stat is stat(2) through an O_PATH descriptor: fstat takes no name, and
// stat's system call differs from architecture to architecture.
func (p path) stat(st *unix.Stat_t) error {
	fd, err := p.open(unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	err = unix.Fstat(fd, st)
	unix.Close(fd)
	return err
}
