package runsv

import _ "unsafe" // for go:linkname

// Environ returns the process's environment, as syscall.Environ does, but
// without the map package syscall builds the first time it is asked
// (a few kB of heap in size classes nothing else in runsv uses): runsv
// only passes its environment on. cmd/runsv puts it in runsv's cli.Env.
func Environ() []string { return runtimeEnvs() }

// runtimeEnvs is the runtime's copy of the environment, which the runtime
// hands to package syscall with a push linkname (as cli.OS's Args come
// from the one for package os).
//
//go:linkname runtimeEnvs syscall.runtime_envs
func runtimeEnvs() []string
