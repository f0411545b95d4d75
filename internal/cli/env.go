// Package cli is what every gorunit tool shares at its edge: the Env a tool
// runs in (argv, streams, environment), runit's error texts, runit-style
// message writers and the argv[0] dispatch of the multi-call binary.
//
// Nothing in internal/ reads os.Args, os.Stdout or os.Getenv directly: a
// tool's Main gets an Env, so tests can run tools in-process with buffers.
//
// cli does not import package os, and neither do the packages that runsv,
// sv and svlogd are built from: those three ship as binaries of their own
// without it (docs/BENCHMARKS.md). Package os costs every process that
// links it about 45 kB of private memory and a slower start, whether or not
// it is used, and a system runs a runsv and an svlogd for every service.
// TestLeanTools in cmd/gorunit keeps it that way.
//
// cli, tai64n, logdir and svlogd use package syscall, not x/sys/unix as
// shared/STYLE.md asks elsewhere: x/sys/unix imports package time, whose
// initialisation (internal/godebug, its metrics tables) costs every svlogd
// about 116 KiB of RSS (docs/BENCHMARKS.md). unix.Errno and unix.Signal
// are syscall's types, so callers pass either.
package cli

import (
	"io"
	"syscall"
	"unsafe"

	"github.com/gorunit/gorunit/internal/sig"
)

// Env is the world a tool's Main sees.
type Env struct {
	// Args is argv, Args[0] included, exactly as the program was invoked.
	Args []string
	// Stdin, Stdout and Stderr are the standard streams. Tools that need
	// a real descriptor (svlogd's non-blocking stdin, runsvdir's fd 2)
	// take it with FdOf (an FD or an *os.File).
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv looks up one environment variable; "" when unset.
	Getenv func(string) string
	// Environ lists the whole environment as KEY=VALUE strings, in order
	// and duplicates included, as a C program's environ passes it on.
	Environ func() []string
}

// OS returns the Env of the running process: argv, fds 0, 1 and 2, and the
// environment, as package os would give them.
func OS() Env {
	return Env{
		Args:    runtimeArgs(),
		Stdin:   FD(0),
		Stdout:  FD(1),
		Stderr:  FD(2),
		Getenv:  getenv,
		Environ: runtimeEnvs,
	}
}

// runtimeArgs is the runtime's copy of argv, the function behind os.Args.
// The runtime hands it to package os with a push linkname, which the linker
// lets any package refer to; it is the one way to argv without linking os.
// TestOSArgs checks it against os.Args.
//
//go:linkname runtimeArgs os.runtime_args
func runtimeArgs() []string

// runtimeEnvs is the runtime's copy of the environment as execve gave it,
// pushed to package syscall the same way. runit's tools pass their environ
// on unchanged; syscall.Environ (and os.Environ) drop a variable's later
// duplicates, and build a map of the whole environment on first use.
//
//go:linkname runtimeEnvs syscall.runtime_envs
func runtimeEnvs() []string

// getenv is the first value of key, as C's getenv.
func getenv(key string) string {
	v, _ := syscall.Getenv(key)
	return v
}

// Main is the entry point every tool exports.
type Main func(Env) int

// FD is an open file descriptor as a stream. Unlike *os.File it leaves the
// descriptor's flags alone (Fd does not make it blocking) and never uses
// Go's poller: each Read and Write is the system call itself.
type FD int

// Fd returns the descriptor.
func (fd FD) Fd() uintptr { return uintptr(fd) }

// Read is read(2), retried on EINTR; it returns io.EOF at end of file.
func (fd FD) Read(b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 && len(b) > 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write writes all of b, retrying after EINTR and short writes. A write to
// a closed pipe on fd 1 or 2 ends the process with SIGPIPE, as it ends a C
// program (and a Go one writing through os.Stdout): `sv status | head -1`
// behaves as runit's sv does.
func (fd FD) Write(b []byte) (int, error) {
	done := 0
	for done < len(b) {
		n, err := syscall.Write(int(fd), b[done:])
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EPIPE && (fd == 1 || fd == 2) {
			dieOfSIGPIPE()
		}
		if err != nil {
			return done, err
		}
		done += n
	}
	return done, nil
}

// dieOfSIGPIPE gives SIGPIPE its default action back (the runtime catches
// it) and sends it to this thread, which ends the process by that signal.
func dieOfSIGPIPE() {
	sig.Default(syscall.SIGPIPE)
	sig.Unblock(syscall.SIGPIPE)
	syscall.Tgkill(syscall.Getpid(), syscall.Gettid(), syscall.SIGPIPE)
	syscall.Exit(141) // not reached: the signal ends the process
}

// FdOf returns the descriptor behind a stream, if it has one: an FD, or an
// *os.File, whose descriptor it takes through SyscallConn because Fd would
// make a non-blocking descriptor (svlogd's stdin, runsvdir's log pipe)
// blocking.
func FdOf(stream any) (int, bool) {
	switch s := stream.(type) {
	case FD:
		return int(s), true
	case interface {
		SyscallConn() (syscall.RawConn, error)
	}:
		if isNil(s) {
			return -1, false
		}
		rc, err := s.SyscallConn()
		if err != nil {
			return -1, false
		}
		fd := -1
		rc.Control(func(u uintptr) { fd = int(u) })
		return fd, fd >= 0
	}
	return -1, false
}

// isNil tells a nil *os.File (or any nil pointer) in an interface apart.
func isNil(v any) bool {
	type eface struct{ typ, data unsafe.Pointer }
	return (*eface)(unsafe.Pointer(&v)).data == nil
}
