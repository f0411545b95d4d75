package runsv

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// fatalSignals are signals whose default action ends a process, which
// runit's runsv leaves at their default but Go's runtime catches and
// ignores (USR1, USR2, ALRM, ...) or turns into a goroutine dump (QUIT).
// runsv gives them back their default action, so that `kill -USR1` ends
// gorunit's runsv as it ends runit's. (HUP and INT already end a Go
// program by their own signal.)
var fatalSignals = []unix.Signal{
	unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGALRM, unix.SIGVTALRM,
	unix.SIGXCPU, unix.SIGXFSZ, unix.SIGPWR, unix.SIGSTKFLT,
}

// defaultSignals sets fatalSignals to SIG_DFL with rt_sigaction. An
// all-zero struct sigaction is SIG_DFL, no flags, empty mask on every
// Linux layout; where the call fails the runtime's handling stays.
func defaultSignals() {
	var act [8]uint64
	for _, sig := range fatalSignals {
		unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	}
}
