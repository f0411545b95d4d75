// Package netisup is gorunit's netisup. Not implemented yet.
package netisup

import "github.com/gorunit/gorunit/internal/cli"

// Main runs netisup.
func Main(env cli.Env) int {
	cli.Say(env.Stderr, "netisup: fatal: not implemented yet")
	return 111
}
