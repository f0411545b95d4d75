// Command runsv is gorunit's runsv as a binary of its own, built without
// package os (see internal/runsv).
package main

import (
	"syscall"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/runsv"
)

func main() { syscall.Exit(runsv.Main(cli.OS())) }
