package runsv

import "github.com/gorunit/gorunit/internal/reexec"

// A system runs a hundred runsv, so each one's memory counts. The Go
// runtime reads its settings from the environment when it starts, before
// any of runsv's code runs: with one P (GOMAXPROCS=1) it touches far fewer
// pages than with one P per CPU, and runtime.GOMAXPROCS(1) called later
// costs more than it saves (it stops the world, with threads and caches
// already made for every CPU). So when any of these is not set, runsv
// executes itself again once with the missing ones set, and takes them out
// of the environment its children get, which is runsv's own as runit's is
// (package reexec).
//
// GOGC=10 keeps the heap goal at 400 kB instead of 4 MB: each start of
// ./run makes a little garbage (Go's copies of argv and the environment),
// and a service that fails every second would otherwise grow runsv to
// megabytes before the first collection.
//
// GODEBUG=profstackdepth=0: each thread of the runtime otherwise gets two
// 1-kB buffers for profiling stacks, which runsv never takes (about 15 kB
// of heap per runsv with its six threads).
var runtimeEnv = []string{"GOMAXPROCS=1", "GOGC=10", "GODEBUG=profstackdepth=0"}

// addedEnv names the variables runsv added to its own environment when it
// executed itself again, comma-separated.
const addedEnv = "GORUNIT_RUNSV_ADDED"

// tuneRuntime executes runsv again with runtimeEnv added, if that is
// still to be done, and returns the environment for runsv's children.
// If /proc/self/exe cannot be executed, runsv runs on as it is.
func tuneRuntime(args, environ []string) []string {
	children, again := reexec.Tune(args, environ, addedEnv, runtimeEnv, nil)
	if again {
		reexec.SetComm(args)
	}
	return children
}
