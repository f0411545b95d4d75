package runsv

import (
	"github.com/gorunit/gorunit/internal/sig"
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

// defaultSignals sets fatalSignals to SIG_DFL.
func defaultSignals() { sig.Default(fatalSignals...) }
