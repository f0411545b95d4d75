// Command svlogd is gorunit's svlogd as a binary of its own.
package main

import (
	"os"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/svlogd"
)

func main() { os.Exit(svlogd.Main(cli.OS())) }
