// Package svlogd is gorunit's svlogd. Not implemented yet.
package svlogd

import "github.com/gorunit/gorunit/internal/cli"

// Main runs svlogd.
func Main(env cli.Env) int {
	cli.Say(env.Stderr, "svlogd: fatal: not implemented yet")
	return 111
}
