// Package cli is what every gorunit tool shares at its edge: the Env a tool
// runs in (argv, streams, environment), runit's error texts, runit-style
// message writers and the argv[0] dispatch of the multi-call binary.
//
// Nothing in internal/ reads os.Args, os.Stdout or os.Getenv directly: a
// tool's Main gets an Env, so tests can run tools in-process with buffers.
package cli

import (
	"io"
	"os"
)

// Env is the world a tool's Main sees.
type Env struct {
	// Args is argv, Args[0] included, exactly as the program was invoked.
	Args []string
	// Stdin, Stdout and Stderr are the standard streams. Tools that need
	// a real descriptor (svlogd's non-blocking stdin, runsvdir's fd 2)
	// type-assert them to *os.File.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv looks up one environment variable; "" when unset.
	Getenv func(string) string
	// Environ lists the whole environment as KEY=VALUE strings.
	Environ func() []string
}

// OS returns the Env of the running process.
func OS() Env {
	return Env{
		Args:    os.Args,
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Getenv:  os.Getenv,
		Environ: os.Environ,
	}
}

// Main is the entry point every tool exports.
type Main func(Env) int
