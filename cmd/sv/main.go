// Command sv is gorunit's sv as a binary of its own.
package main

import (
	"os"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/sv"
)

func main() { os.Exit(sv.Main(cli.OS())) }
