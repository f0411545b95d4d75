// Package runsvdir is gorunit's runsvdir. Not implemented yet.
package runsvdir

import "github.com/gorunit/gorunit/internal/cli"

// Main runs runsvdir.
func Main(env cli.Env) int {
	cli.Say(env.Stderr, "runsvdir: fatal: not implemented yet")
	return 111
}
