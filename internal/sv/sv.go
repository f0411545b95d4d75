// Package sv is gorunit's sv. Not implemented yet.
package sv

import "github.com/gorunit/gorunit/internal/cli"

// Main runs sv.
func Main(env cli.Env) int {
	cli.Say(env.Stderr, "sv: fatal: not implemented yet")
	return 111
}
