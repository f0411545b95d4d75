// Package runsvdir is gorunit's runsvdir: it starts and watches a
// collection of runsv processes, one per service directory in dir.
//
//	runsvdir [-P] dir [log]
//
// runsvdir starts a runsv for every subdirectory (or symlink to a
// directory) of dir whose name does not start with '.', up to 1000. A
// service is identified by the device and inode of its directory: renaming
// an entry changes nothing, pointing a symlink at another directory stops
// the old runsv and starts a new one. An entry that goes away gets SIGTERM
// sent to its runsv. A runsv that exits is started again (at most once a
// second per service). Each runsv runs as "runsv NAME", searched on $PATH,
// with dir as its working directory.
//
// Unlike runit, which polls dir's mtime every 5 seconds, gorunit watches dir
// (and the directories holding symlinks on the way to it) with inotify and
// rescans at once. runit's check of dir's mtime, inode and device stays as
// a fallback: every 60 seconds while dir is watched, every 5 without
// inotify. See docs/COMPATIBILITY.md.
//
// With -P every runsv gets a session of its own (setsid).
//
// log, when given and at least 7 characters long, turns runsvdir's stderr
// (and so every runsv's and service's stderr) into a pipe that runsvdir
// reads; the bytes read scroll through log's own characters after the
// fifth, in runsvdir's argv, so `ps` shows the tail of the output
// ("readproctitle"). A '.' is written into the pipe at start and every 15
// minutes.
//
// Signals: TERM makes runsvdir exit 0 at once, leaving every runsv running;
// HUP sends TERM to every runsv and exits 111; ALRM (a Debian addition)
// forces a rescan and writes its TAI64N label to dir/.forced-rescan.
//
// Exit codes: 1 usage, 100 fatal, 0 after TERM, 111 after HUP. runsvdir
// never exits on its own otherwise: problems with dir or one of its entries
// are warned about and retried. That includes reaching the process limit
// (RLIMIT_NPROC, which counts threads): runsvdir executes itself once with
// GOMAXPROCS=1 and makes every thread it will need before it starts the
// first runsv, so that the Go runtime never has to create one later, which
// would abort the process when the limit is reached (goruntime.go). A fork
// that fails is warned about (`unable to fork for NAME`) and retried a
// second later, as is a runsv that dies at once.
package runsvdir

import (
	"strings"

	"github.com/gorunit/gorunit/internal/cli"
)

// Exit codes.
const (
	ExitUsage = 1
	ExitFatal = 100
	ExitTERM  = 0
	ExitHUP   = 111
)

// MaxServices is runit's MAXSERVICES: more entries are warned about and
// not started.
const MaxServices = 1000

// usage is runit's USAGE string (the log argument is not mentioned).
const usage = " [-P] dir"

// opts is a parsed command line.
type opts struct {
	newSession bool   // -P
	dir        string // the service directory as given
	log        string // the log argument ("" when absent)
	hasLog     bool
	logIndex   int // index of the log argument in argv
}

// parseArgs reads argv the way runsvdir.c does, without getopt: only the
// first argument is looked at for an option. "-P…" sets newSession and
// "--…" is skipped; any other "-X" is not an error but the directory
// itself. The argument after dir is the log; anything further is ignored.
func parseArgs(argv []string) (opts, bool) {
	var o opts
	i := 1
	if i >= len(argv) {
		return o, false
	}
	if a := argv[i]; strings.HasPrefix(a, "-") && len(a) > 1 {
		switch a[1] {
		case 'P':
			o.newSession = true
			i++
		case '-':
			i++
		}
		if i >= len(argv) {
			return o, false
		}
	}
	o.dir = argv[i]
	i++
	if i < len(argv) {
		o.log, o.hasLog, o.logIndex = argv[i], true, i
	}
	return o, true
}

// Main runs runsvdir.
func Main(env cli.Env) int {
	prog := "runsvdir"
	if len(env.Args) > 0 {
		prog = env.Args[0]
	}
	o, ok := parseArgs(env.Args)
	if !ok {
		cli.Usage(env.Stderr, prog, usage)
		return ExitUsage
	}
	var environ []string
	again := false
	if env.Environ != nil {
		environ, again = tuneRuntime(env.Args, env.Environ())
	}
	d := newDaemon(env, o, environ)
	d.renamed = again
	return d.main(env, o)
}
