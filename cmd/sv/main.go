// Command sv is gorunit's sv as a binary of its own, built without package
// os, fmt or path/filepath (internal/sv's doc and docs/BENCHMARKS.md say
// why: sv's CPU per run is mostly the start of a process).
//
// decoratemappings=0: since Go 1.25 the runtime names each anonymous
// mapping it makes with prctl(PR_SET_VMA_ANON_NAME), some twenty system
// calls at start on kernels built with CONFIG_ANON_VMA_NAME (and named
// mappings no longer merge). sv is short-lived and nobody reads its maps.
//
//go:debug decoratemappings=0
package main

import (
	"syscall"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/sv"
)

func main() { syscall.Exit(sv.Main(cli.OS())) }
