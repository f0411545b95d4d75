package runsvdir

import (
	"runtime"
	"sync"

	"github.com/gorunit/gorunit/internal/reexec"
)

// runsvdir must outlive whatever its services do, a fork bomb in one of
// them included. Threads count against RLIMIT_NPROC like processes, and
// when clone(2) of a new thread fails the Go runtime aborts the whole
// process (runtime.newosproc: "failed to create new OS thread", exit 2):
// there is no error to handle. A C runsvdir is one thread and only sees
// fork fail, warns and retries. So runsvdir creates every thread it will
// ever need before it forks its first runsv, and is built so that the
// runtime never needs another:
//
//   - One P (GOMAXPROCS=1, set by executing itself again, as runsv does,
//     and hidden from the runsv it starts). The runtime makes a thread
//     (an M) only when a P needs one and no idle M is left (startm, newm
//     in runtime/proc.go); Ms are never destroyed, an M whose work is
//     done waits in the idle list (mget) for the next.
//   - Few goroutines that can hold an M outside the scheduler: the event
//     loop, which makes every blocking system call (sysmon hands the P to
//     another M when one lasts longer than a tick: handoffp), and
//     os/signal's receiver, asleep in signal_recv. The inotify and log
//     readers read their non-blocking descriptors with raw system calls
//     and wait in the poller, so they never hold an M (readRaw).
//   - So at most these Ms are busy at once: one holding the P, one
//     blocked in the poller (findRunnable's netpoll) and the two above.
//     Catching signals adds the runtime's ensureSigM goroutine, locked to
//     an M of its own, and the template thread (LockOSThread starts it);
//     sysmon is one more.
//
// warmThreads makes those Ms exist before the first fork, with two spare
// for Ms caught between giving up the P and parking, so that startm
// always finds an idle M. For GOMAXPROCS=1 runsvdir then has 9 threads;
// TestThreadsFixed and faulttest's ulimit-nproc check that it never grows.

// runtimeEnv is what runsvdir adds to its own environment when it
// executes itself again.
var runtimeEnv = []string{"GOMAXPROCS=1"}

// addedEnv names the variables runsvdir added, comma-separated.
const addedEnv = "GORUNIT_RUNSVDIR_ADDED"

// tuneRuntime executes runsvdir again with runtimeEnv added, if that is
// still to be done (package reexec), and returns the environment for
// runsvdir's children (its own as it was given, as runit's is) and
// whether this process is the re-execution. It returns at once when
// /proc/self/exe cannot be executed (no /proc); runsvdir then runs with
// the runtime as it is.
func tuneRuntime(args, environ []string) ([]string, bool) {
	return reexec.Tune(args, environ, addedEnv, runtimeEnv, nil)
}

// spareThreads is how many goroutines warmThreads locks to threads at
// once, for a given GOMAXPROCS. With the caller's M that makes 2*procs+3
// Ms, besides the one the signal receiver holds: one to hold each P, one
// per P in transit (handed off while its old M is still on its way to the
// idle list), the poller's, the event loop's in a system call, and one
// spare.
func spareThreads(procs int) int { return 2*procs + 2 }

// warmThreads leaves at least n+1 idle general Ms besides those already
// busy. Each of n goroutines locks itself to an M and parks there until
// all n have done so, which makes the runtime hand the P to a fresh M
// each time (stoplockedm, handoffp, startm, newm), and the caller's
// goroutine runs on yet another; then all unlock and exit, and their Ms
// go to the idle list for good. It pins GOMAXPROCS, so that the runtime's
// default (which follows the CPU quota) never adds a P later.
func warmThreads() {
	procs := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(procs)
	n := spareThreads(procs)
	var locked, unlocked sync.WaitGroup
	release := make(chan struct{})
	locked.Add(n)
	unlocked.Add(n)
	for range n {
		go func() {
			runtime.LockOSThread()
			locked.Done()
			<-release
			runtime.UnlockOSThread()
			unlocked.Done()
		}()
	}
	locked.Wait()
	close(release)
	unlocked.Wait()
}
