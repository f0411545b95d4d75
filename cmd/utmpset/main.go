// Command utmpset is gorunit's utmpset as a binary of its own.
package main

import (
	"os"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/utmpset"
)

func main() { os.Exit(utmpset.Main(cli.OS())) }
