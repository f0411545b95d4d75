// Command netisup is gorunit's netisup as a binary of its own.
package main

import (
	"os"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/netisup"
)

func main() { os.Exit(netisup.Main(cli.OS())) }
