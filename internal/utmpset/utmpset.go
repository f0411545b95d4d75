// Package utmpset is gorunit's utmpset. Not implemented yet.
package utmpset

import "github.com/gorunit/gorunit/internal/cli"

// Main runs utmpset.
func Main(env cli.Env) int {
	cli.Say(env.Stderr, "utmpset: fatal: not implemented yet")
	return 111
}
