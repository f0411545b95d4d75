package sv

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// sv makes a few short syscalls per service (sv status over a hundred
// services is a common monitoring call), all on local directories and
// never blocking: FIFOs are opened O_NONBLOCK. They go through RawSyscall
// with paths copied into a reused buffer, which skips the scheduler hand-
// off and the allocation of a C string that x/sys/unix's wrappers do.
// With the batched closes below and status's fast path, sv status makes
// about 8 system calls per service where sv.c makes 14 (half of the
// services with a log), and costs less CPU per service than sv.c.

// cpath is a NUL-terminated path for the raw calls. Paths that fit go
// into the array inside sv's struct, so none is allocated. While pre is
// set, every path is taken as pre/path (sv status's fast path, which
// works from $SVDIR instead of changing into the service).
type cpath struct {
	arr [256]byte
	buf []byte
	pre string
}

func (c *cpath) ptr(s string) uintptr {
	if c.buf == nil {
		c.buf = c.arr[:0]
	}
	c.buf = c.buf[:0]
	if c.pre != "" {
		c.buf = append(append(c.buf, c.pre...), '/')
	}
	c.buf = append(append(c.buf, s...), 0)
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

// Closing in batches. In every service directory sv opens supervise/ok
// (only to learn that runsv holds it open) and supervise/status (for one
// read), and closes both at once: two of the ~8 system calls a service
// costs. sv keeps up to closeBatch such descriptors open instead and
// closes them together with close_range(2), one call per run of
// consecutive numbers (normally a single run: the kernel hands out the
// lowest free number). Only descriptors sv opened itself are ever in the
// batch, so it never closes anyone else's, in-process callers included.
// They are O_CLOEXEC, so a ./check never inherits them; runsv never reads
// its ok FIFO, so a writer held open a little longer means nothing to it,
// and a probe of a gone runsv still fails with ENXIO whatever other
// writers there are. An open that fails with EMFILE or ENFILE is retried
// after closing the batch (openTemp), so holding them changes no outcome.
type closer struct {
	fds     [closeBatch]int32
	n       int
	noRange bool // close_range failed once (kernel before 5.9, seccomp): close one by one
}

const closeBatch = 16

func (c *closer) close(fd int) {
	c.fds[c.n] = int32(fd)
	c.n++
	if c.n == len(c.fds) {
		c.flush()
	}
}

// flush closes every descriptor in the batch.
func (c *closer) flush() {
	fds := c.fds[:c.n]
	c.n = 0
	for i := 1; i < len(fds); i++ { // insertion sort: at most closeBatch, nearly sorted
		for j := i; j > 0 && fds[j] < fds[j-1]; j-- {
			fds[j], fds[j-1] = fds[j-1], fds[j]
		}
	}
	for i := 0; i < len(fds); {
		j := i
		for j+1 < len(fds) && fds[j+1] == fds[j]+1 {
			j++
		}
		if j > i && !c.noRange {
			_, _, e := unix.RawSyscall(unix.SYS_CLOSE_RANGE, uintptr(fds[i]), uintptr(fds[j]), 0)
			if e == 0 {
				i = j + 1
				continue
			}
			c.noRange = true
		}
		for ; i <= j; i++ {
			closeRaw(int(fds[i]))
		}
	}
}
