// Command chpst is gorunit's chpst as a binary of its own.
package main

import (
	"os"

	"github.com/gorunit/gorunit/internal/chpst"
	"github.com/gorunit/gorunit/internal/cli"
)

func main() { os.Exit(chpst.Main(cli.OS())) }
