package logdir

import "github.com/gorunit/gorunit/internal/cname"

// The names rotation uses, NUL-terminated once (package cname): logging
// and rotating allocate nothing. svlogd runs with Go's collector off,
// because a collection cycle costs it more memory than it frees (about
// 250 kB of RSS for the first cycle, docs/BENCHMARKS.md), so whatever it
// allocates while logging stays allocated.
var (
	cConfig   = cname.Make("config")
	cCurrent  = cname.Make("current")
	cDot      = cname.Make(".")
	cState    = cname.Make("state")
	cNewstate = cname.Make("newstate")
)
