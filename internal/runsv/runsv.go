// Package runsv is gorunit's runsv: it supervises one service directory.
//
//	runsv dir
//
// runsv changes to dir, starts ./run (and ./log/run with its stdin on a
// pipe from ./run's stdout), restarts it when it dies (running ./finish
// with the exit code and the wait status byte first), and publishes its
// state in supervise/ (and log/supervise/) for sv: the 20-byte status
// record, stat, pid, the control FIFO and the ok FIFO, as runit 2.1.2's
// runsv does byte for byte (see package supervise and runsv(8)).
//
// Exit codes: 1 usage, 111 fatal error, 0 after the service was told to
// exit (control byte x or SIGTERM) and is down.
//
// The structure follows runit's runsv.c: one event loop, a state table of
// two services (the main one and its log), one place that reaps children.
// Events reach the loop as signals: SIGCHLD, SIGTERM and SIGIO, which the
// kernel sends when a byte arrives on a control FIFO (O_ASYNC). The loop
// waits for them itself, in the runtime's signal queue (package sig): an
// idle runsv has no timer, no poller and no goroutine but its own.
//
// runsv is built without package os (and os/signal, fmt, os/exec,
// path/filepath): a system runs one runsv per service, and each of those
// packages costs every copy private memory (docs/BENCHMARKS.md). Once it
// has started, runsv never needs a new OS thread (threads.go): under
// RLIMIT_NPROC a Go program that cannot make one aborts, where runit's
// runsv only sees fork fail, warns and retries.
package runsv

import (
	"time"

	"github.com/gorunit/gorunit/internal/cli"
	_ "github.com/gorunit/gorunit/internal/runsv/stack" // first: see its doc
	"golang.org/x/sys/unix"
)

// Exit codes (runsv.c: usage() dies 1, fatal() dies 111, exit is _exit(0)).
const (
	ExitOK    = 0
	ExitUsage = 1
	ExitFatal = 111
)

const usage = " dir"

// Main runs runsv. It takes over the process: it may execute itself again
// (see tuneRuntime), changes directory, forks and catches signals.
func Main(env cli.Env) int {
	if len(env.Args) != 2 {
		prog := "runsv"
		if len(env.Args) > 0 {
			prog = env.Args[0]
		}
		cli.Usage(env.Stderr, prog, usage)
		return ExitUsage
	}
	r := &runsv{
		env:     env,
		dir:     env.Args[1],
		now:     time.Now,
		sleep:   sleep,
		environ: tuneRuntime(env.Args, environ(env)),
	}
	return r.main()
}

// environ is runsv's environment, which its children get.
func environ(env cli.Env) []string {
	if env.Environ != nil {
		return env.Environ()
	}
	return nil
}

// sleep is runit's sleep(): the whole duration, through signals. runsv
// blocks in it and handles nothing meanwhile, as runsv.c does.
func sleep(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	for {
		var rem unix.Timespec
		if err := unix.Nanosleep(&ts, &rem); err != unix.EINTR {
			return
		}
		ts = rem
	}
}
