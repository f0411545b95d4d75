// Command gorunit is the multi-call binary: every gorunit tool in one file,
// chosen by the name it runs under (see cli.Applets.Resolve), or by its first
// argument when run as gorunit itself: "gorunit sv status x".
package main

import (
	"os"

	"github.com/gorunit/gorunit/internal/cli"
)

func main() { os.Exit(applets.Dispatch("gorunit", cli.OS())) }
