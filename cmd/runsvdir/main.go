// Command runsvdir is gorunit's runsvdir as a binary of its own.
package main

import (
	"os"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/runsvdir"
)

func main() { os.Exit(runsvdir.Main(cli.OS())) }
