package cli

// Version is gorunit's version, set at link time with
// -ldflags "-X github.com/gorunit/gorunit/internal/cli.Version=…".
var Version = "dev"

// ID is the string runit's tools print for -V, in runit's "$Id: … $" shape
// but naming gorunit (a deliberate difference, see docs/COMPATIBILITY.md).
func ID() string { return "$Id: gorunit " + Version + " $" }
