// Package runsvchdir is gorunit's runsvchdir: switch runsvdir's
// directory, as runit 2.1.2's runsvchdir.
//
//	runsvchdir dir
//
// In /etc/runit/runsvdir, makes "current" a symlink to dir (which must be
// a directory there, not starting with a dot) and keeps the one it
// replaces as "previous": current.new -> dir is created, current renamed
// to previous, current.new renamed to current. When current already is
// dir, nothing changes. Prints "runsvchdir: dir: now current." or
// "runsvchdir: dir: current." on stdout.
//
// Exit codes: 1 usage, 111 fatal, 0 done. Messages are prefixed with
// argv[0] as given, as runit's are.
package runsvchdir

import (
	"errors"
	"io"

	"golang.org/x/sys/unix"

	"github.com/gorunit/gorunit/internal/cli"
)

// Exit codes (runsvchdir.c).
const (
	ExitUsage = 1
	ExitFatal = 111
)

// Dir is where runsvdir's directories and the current link live.
const Dir = "/etc/runit/runsvdir"

// Main runs runsvchdir.
func Main(env cli.Env) int { return run(env, Dir) }

func run(env cli.Env, svdir string) int {
	prog := "runsvchdir"
	if len(env.Args) > 0 {
		prog = env.Args[0]
	}
	if len(env.Args) < 2 {
		cli.Usage(env.Stderr, prog, " dir")
		return ExitUsage
	}
	dir := env.Args[1]
	fatal := func(err error, pieces ...string) int {
		cli.SaySys(env.Stderr, err, append(append([]string{prog, ": fatal: "}, pieces...), ": ")...)
		return ExitFatal
	}
	fatalx := func(pieces ...string) int {
		cli.Say(env.Stderr, append([]string{prog, ": fatal: "}, pieces...)...)
		return ExitFatal
	}
	if dir != "" && dir[0] == '.' {
		return fatalx(dir, ": must not start with a dot.")
	}
	if err := unix.Chdir(svdir); err != nil {
		return fatal(err, "unable to chdir: ", svdir)
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return fatal(err, dir)
		}
		return fatal(err, "unable to stat: ", dir)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		// No separator: runsvchdir.c's fatalx(new, "not a directory.").
		return fatalx(dir, "not a directory.")
	}
	// runsvchdir.c keeps dev and ino in ints.
	dev, ino := int32(st.Dev), int32(st.Ino)
	if err := unix.Stat("current", &st); err != nil {
		return fatal(err, "unable to stat: ", "current")
	}
	if int32(st.Ino) == ino && int32(st.Dev) == dev {
		io.WriteString(env.Stdout, "runsvchdir: "+dir+": current.\n")
		return 0
	}
	if err := unix.Unlink("current.new"); err != nil && !errors.Is(err, unix.ENOENT) {
		return fatal(err, "unable to unlink: ", "current.new")
	}
	if err := unix.Symlink(dir, "current.new"); err != nil {
		return fatal(err, "unable to create: current.new -> ", dir)
	}
	if err := unix.Unlink("previous"); err != nil && !errors.Is(err, unix.ENOENT) {
		return fatal(err, "unable to unlink: ", "previous")
	}
	if err := unix.Rename("current", "previous"); err != nil {
		return fatal(err, "unable to copy: current to ", "previous")
	}
	if err := unix.Rename("current.new", "current"); err != nil {
		cli.SaySys(env.Stderr, err, prog, ": fatal: ", "unable to move: current.new to ", "current", ": ")
		if err := unix.Rename("previous", "current"); err != nil {
			return fatal(err, "unable to move previous back to ", "current")
		}
		return ExitFatal
	}
	io.WriteString(env.Stdout, "runsvchdir: "+dir+": now current.\n")
	return 0
}
