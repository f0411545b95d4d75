// Command sv is gorunit's sv as a binary of its own, built without package
// os, fmt or path/filepath (internal/sv's doc and docs/BENCHMARKS.md say
// why: sv's CPU per run is mostly the start of a process).
package main

import (
	"syscall"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/sv"
)

func main() { syscall.Exit(sv.Main(cli.OS())) }
