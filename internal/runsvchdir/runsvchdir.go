// Package runsvchdir is gorunit's runsvchdir. Not implemented yet.
package runsvchdir

import "github.com/gorunit/gorunit/internal/cli"

// Main runs runsvchdir.
func Main(env cli.Env) int {
	cli.Say(env.Stderr, "runsvchdir: fatal: not implemented yet")
	return 111
}
