// The runtime would otherwise keep the cgroup CPU files open for the life
// of the process (close-on-exec, but holding fds 3 and 4), so that the
// lock file of -l/-L/setlock would not get the number C runit gives it.

//go:debug containermaxprocs=0

// Command chpst is gorunit's chpst as a binary of its own.
package main

import (
	"os"

	"github.com/gorunit/gorunit/internal/chpst"
	"github.com/gorunit/gorunit/internal/cli"
)

func main() { os.Exit(chpst.Main(cli.OS())) }
