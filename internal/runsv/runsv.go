// Package runsv is gorunit's runsv. Not implemented yet.
package runsv

import "github.com/gorunit/gorunit/internal/cli"

// Main runs runsv.
func Main(env cli.Env) int {
	cli.Say(env.Stderr, "runsv: fatal: not implemented yet")
	return 111
}
