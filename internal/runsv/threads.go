package runsv

import "runtime"

// Under RLIMIT_NPROC, runit's runsv only sees fork fail: it warns "unable
// to fork, sleeping" and tries again five seconds later. A Go program
// whose runtime cannot clone a thread it needs aborts ("runtime: failed to
// create new OS thread", newosproc in the runtime). So a running runsv
// must never need a thread it did not have before its first fork.
//
// The threads of runsv's runtime (Go 1.26, proc.go and signal_unix.go),
// with GOMAXPROCS=1 (see tuneRuntime):
//
//   - the main thread, and sysmon, which runtime.main starts first;
//   - one M started while runtime.main, with the main goroutine locked to
//     the main thread during initialisation, waits in gcenable for the
//     sweeper and the scavenger to start (handoffp finds no idle M);
//   - sig.Catch's ensureSigM: a goroutine locked to a thread of its own,
//     whose LockOSThread first starts the template thread.
//
// After that the runtime makes an M only in startm, when it must give the
// one P to an M and none is idle (mget). handoffp does that whenever the
// goroutine holding the P blocks in a system call: sig.Wait sleeps through
// entersyscallblock, which hands the P off at once, and sysmon retakes the
// P from runsv's other blocking calls (nanosleep, wait4 for a control
// script); wakep and injectglist do it when a goroutine becomes runnable
// while the P is idle (sysmon's forced collection every two minutes).
//
// With one P, and runsv's loop the only goroutine that blocks in system
// calls (the runtime's own goroutines - sweeper, scavenger, collector -
// never do), no more ordinary Ms are busy at once than:
//
//   - the one blocked in a system call with runsv's goroutine,
//   - the one running the P (a spinning M looking for work, or the
//     collector's goroutines), and
//   - for a moment, one that has just put the P back in the idle list but
//     has not yet parked itself in the idle M list (findRunnable, then
//     stopm): a hand-off that comes in between finds no idle M. This is
//     real: with the runtime's own threads only (one spare), a runsv whose
//     every clone failed aborted after some 30,000-70,000 single events
//     (control bytes or SIGIO, each one a wait that hands off the P);
//     with two spares none did in 1.7 million (docs/BENCHMARKS.md).
//
// An M blocked in the network poller is not in the idle list either, but
// the poller only blocks an M while a timer is pending. runsv starts no
// timer (it sleeps with nanosleep, never time.Sleep or time.After); the
// runtime's scavenger does, for a few milliseconds, after it has returned
// memory to the kernel, which only a runsv that has collected garbage may
// have to. In those milliseconds the three Ms are the loop's, the
// poller's and the P's, with none to spare for the window above: the one
// case left to chance (the crash-looping runsv measured for
// docs/BENCHMARKS.md had not started the poller two minutes after its
// first collection: no eventpoll descriptor in /proc/PID/fd).
//
// So startThreads makes sure there are three ordinary Ms - the one running
// the loop and two spares - besides sysmon, the template thread and the
// signal thread: six threads. An idle spare costs about 14 kB of Pss (its
// g0 and signal stack pages, the m and g structs) and no wake-ups: the idle
// M list is a stack, so the spare at the bottom only runs when the other
// one is caught in the window above. TestNoNewThreadUnderRlimitNproc runs
// a runsv whose every clone fails.
const spareThreads = 2

// startThreads has the runtime start, now, the ordinary Ms it may need
// later: spareThreads more than GOMAXPROCS. Each goroutine it starts locks
// itself to its M and waits, so that every one of them and the caller run
// on an M of its own at the same moment, however many the runtime had
// idle: the scheduler must start one for each (through the template thread
// when the caller is locked). Then they unlock and exit, and their Ms stay
// in the idle list: the runtime never ends a thread that is not locked.
func startThreads() {
	n := spareThreads + runtime.GOMAXPROCS(0) - 1
	locked := make(chan struct{})
	release := make(chan struct{})
	for range n {
		go func() {
			runtime.LockOSThread()
			locked <- struct{}{}
			<-release
			runtime.UnlockOSThread()
			locked <- struct{}{}
		}()
	}
	for range n {
		<-locked
	}
	close(release)
	for range n {
		<-locked
	}
}
