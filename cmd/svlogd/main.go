// Command svlogd is gorunit's svlogd as a binary of its own, built
// without package os (docs/BENCHMARKS.md).
package main

import (
	"syscall"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/svlogd"
)

func main() { syscall.Exit(svlogd.Main(cli.OS())) }
