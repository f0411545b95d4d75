// Command runsv is gorunit's runsv as a binary of its own.
package main

import (
	"os"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/runsv"
)

func main() { os.Exit(runsv.Main(cli.OS())) }
