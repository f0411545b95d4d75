package svlogd

import (
	"runtime"
	"syscall"
	_ "unsafe" // for go:linkname

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/reexec"
	"github.com/gorunit/gorunit/internal/sig"
)

// A system runs one svlogd per service, so what each one costs in memory
// counts; docs/BENCHMARKS.md has the measurements behind these choices.
//
// One P: the runtime reads GOMAXPROCS from the environment when it
// starts, before svlogd's code runs, and with one P per CPU it makes
// per-P caches and threads that runtime.GOMAXPROCS(1) called later does
// not give back (0.6 MB more RSS with 16 CPUs). So, as runsv does, svlogd
// executes itself again once with GOMAXPROCS=1 when the environment does
// not set it, and takes the variable out of the environment its
// processors get, which is svlogd's own as C svlogd's is.
//
// GODEBUG=profstackdepth=0 comes along when GODEBUG is unset: the
// runtime samples one allocation for the memory profile at start even in
// a program that never reads it, and unwinding that stack faults in 64 kB
// of the binary's tables that svlogd never needs otherwise.
//
// No collector: logging allocates nothing, and one collection cycle
// leaves the runtime's mark bitmaps and work queues resident, about
// 250 kB at the first cycle and 500 kB after a few; with GOGC set, the
// runtime also forces a cycle every two minutes. So svlogd turns the
// collector off (unless GOGC is set) and collects by itself when the
// garbage of its rare allocating moments adds up (gcAfter).
//
// A memory limit comes with it (unless GOMEMLIMIT is set), well above
// what svlogd uses: it bounds the heap should garbage go uncounted, and
// without it the runtime takes the heap goal of GOGC=off, which is
// infinite, for a large heap and turns on huge pages for its heap index
// at the end of svlogd's first collection: 2 MB more RSS at once.
var runtimeEnv = []string{"GOMAXPROCS=1", "GODEBUG=profstackdepth=0"}

// addedEnv is set, to the names svlogd added, in the environment of the
// svlogd that executed itself again.
const addedEnv = "GORUNIT_SVLOGD_ADDED"

// setGCPercent and setMemoryLimit are debug.SetGCPercent and
// debug.SetMemoryLimit without package runtime/debug, which links package
// os; the runtime hands them over with push linknames.
//
//go:linkname setGCPercent runtime/debug.setGCPercent
func setGCPercent(int32) int32

//go:linkname setMemoryLimit runtime/debug.setMemoryLimit
func setMemoryLimit(int64) int64

// sleep is time.Sleep (nanoseconds) without package time: the runtime
// implements it and hands it over with a push linkname.
//
//go:linkname sleep time.Sleep
func sleep(ns int64)

// memoryLimit is the limit svlogd sets beyond its buffers (see above).
const memoryLimit = 16 << 20

// tuneRuntime executes svlogd again with runtimeEnv if that is still to
// be done, turns the collector off, and returns the environment for
// processors. If /proc/self/exe cannot be executed, svlogd sets one P
// late and runs on. buffers is what svlogd's buffers take.
func tuneRuntime(env cli.Env, buffers int64) []string {
	var environ []string
	if env.Environ != nil {
		environ = env.Environ()
	}
	if _, ok := reexec.Lookup(environ, "GOGC"); !ok {
		setGCPercent(-1)
		if _, ok := reexec.Lookup(environ, "GOMEMLIMIT"); !ok {
			setMemoryLimit(memoryLimit + 2*buffers)
		}
	}
	if env.Environ == nil {
		return environ // run in-process by a test: nothing to execute
	}
	children, again := reexec.Tune(env.Args, environ, addedEnv, runtimeEnv, prepareExec)
	if again {
		reexec.SetComm(env.Args)
	} else if _, ok := reexec.Lookup(environ, "GOMAXPROCS"); !ok {
		runtime.GOMAXPROCS(1) // could not execute itself: one P, late
	}
	return children
}

// prepareExec readies svlogd's signals for executing itself again.
func prepareExec() {
	// execve gives caught signals their default action back, and HUP
	// and ALRM would end svlogd before the new runtime catches them
	// (`sv hup` or `sv alarm` may come while the log service starts).
	// An ignored signal stays ignored across execve: the new runtime
	// leaves HUP so and ignores ALRM itself, until catchSignals
	// installs svlogd's handler. The signal mask passes execve too, and
	// becomes the mask of every thread the new runtime makes: the four
	// signals svlogd waits for must not be blocked in it.
	sig.Ignore(syscall.SIGHUP, syscall.SIGALRM)
	sig.Unblock(caught...)
}
