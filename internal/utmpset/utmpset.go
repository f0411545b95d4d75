// Package utmpset is gorunit's utmpset: log a line out of utmp and wtmp,
// as runit 2.1.2's utmpset.
//
//	utmpset [-w] line
//
// Marks the first /var/run/utmp entry with a user name on line as
// DEAD_PROCESS (user and host cleared, time now); with -w also appends a
// logout record for line to /var/log/wtmp. Both files are flock'ed while
// in use. Records are laid out as glibc lays them out on this
// architecture (package utmp).
//
// Exit codes: 1 usage, 111 error (including no entry for line), 0 done.
// The usage message carries argv[0] as given.
package utmpset

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/utmp"
)

// Exit codes (utmpset.c).
const (
	ExitUsage = 1
	ExitFatal = 111
)

// The files glibc calls _PATH_UTMP and _PATH_WTMP.
const (
	UtmpFile = "/var/run/utmp"
	WtmpFile = "/var/log/wtmp"
)

const (
	fatal   = "utmpset: fatal: "
	warning = "utmpset: warning: "
)

// Main runs utmpset.
func Main(env cli.Env) int {
	return run(env, files{UtmpFile, WtmpFile, utmp.Native, func() int64 { return time.Now().Unix() }})
}

type files struct {
	utmp, wtmp string
	layout     utmp.Layout
	now        func() int64
}

// errNoEntry is utmp_logout's -1: no record was rewritten.
var errNoEntry = errors.New("no such entry")

func run(env cli.Env, f files) int {
	argv := env.Args
	if len(argv) == 0 {
		argv = []string{"utmpset"}
	}
	usage := func() int {
		cli.Usage(env.Stderr, argv[0], " [-w] line")
		return ExitUsage
	}
	wtmp := false
	g := cli.NewGetopt(argv, "wV", env.Stderr)
	for c := g.Next(); c != 0; c = g.Next() {
		switch c {
		case 'w':
			wtmp = true
		case 'V':
			cli.Say(env.Stderr, cli.ID())
			return usage()
		default:
			return usage()
		}
	}
	rest := g.Rest()
	if len(rest) == 0 {
		return usage()
	}
	line := rest[0]
	fd, err := unix.Open(f.utmp, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		cli.SaySys(env.Stderr, err, fatal, "unable to open ", f.utmp, ": ")
		return ExitFatal
	}
	if err := flock(fd); err != nil {
		cli.SaySys(env.Stderr, err, fatal, "unable to lock: ", f.utmp, ": ")
		return ExitFatal
	}
	err = logoutUtmp(fd, f.layout, line, f.now)
	unix.Close(fd)
	if err != nil {
		cli.Say(env.Stderr, warning, "unable to logout line ", line, " in utmp: no such entry")
		return ExitFatal
	}
	if !wtmp {
		return 0
	}
	fd, err = unix.Open(f.wtmp, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_APPEND|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		cli.SaySys(env.Stderr, err, fatal, "unable to open ", f.wtmp, ": ")
		return ExitFatal
	}
	if err := flock(fd); err != nil {
		cli.SaySys(env.Stderr, err, fatal, "unable to lock ", f.wtmp, ": ")
		return ExitFatal
	}
	err = logoutWtmp(fd, f.layout, line, f.now)
	unix.Close(fd)
	if err != nil {
		cli.SaySys(env.Stderr, err, warning, "unable to logout line ", line, " in wtmp: ")
		return ExitFatal
	}
	return 0
}

func flock(fd int) error {
	for {
		err := unix.Flock(fd, unix.LOCK_EX)
		if err != unix.EINTR {
			return err
		}
	}
}

// logoutUtmp rewrites the first record for line (utmp_logout). Any
// failure once it is found reads as "no such entry", as in utmpset.c.
func logoutUtmp(fd int, l utmp.Layout, line string, now func() int64) error {
	rec := make([]byte, l.Size)
	for {
		n, err := readFull(fd, rec)
		if err != nil || n != l.Size {
			return errNoEntry
		}
		if !l.LineIs(rec, line) {
			continue
		}
		l.Logout(rec, now())
		if _, err := unix.Seek(fd, -int64(l.Size), unix.SEEK_CUR); err != nil {
			return errNoEntry
		}
		if n, err := unix.Write(fd, rec); err != nil || n != l.Size {
			return errNoEntry
		}
		return nil
	}
}

// readFull is one read(2) as utmpset.c makes it, retried on EINTR.
func readFull(fd int, b []byte) (int, error) {
	for {
		n, err := unix.Read(fd, b)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// logoutWtmp appends a DEAD_PROCESS record for line (wtmp_logout); a
// short write is undone by truncating back.
func logoutWtmp(fd int, l utmp.Layout, line string, now func() int64) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	rec := l.Dead(line, now())
	n, err := unix.Write(fd, rec)
	if err != nil || n != len(rec) {
		unix.Ftruncate(fd, st.Size)
		if err == nil {
			err = unix.EIO
		}
		return err
	}
	return nil
}
