// Package chpst is gorunit's chpst. Not implemented yet.
package chpst

import "github.com/gorunit/gorunit/internal/cli"

// Main runs chpst.
func Main(env cli.Env) int {
	cli.Say(env.Stderr, "chpst: fatal: not implemented yet")
	return 111
}
