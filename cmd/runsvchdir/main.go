// Command runsvchdir is gorunit's runsvchdir as a binary of its own.
package main

import (
	"os"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/runsvchdir"
)

func main() { os.Exit(runsvchdir.Main(cli.OS())) }
