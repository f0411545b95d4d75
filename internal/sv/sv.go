// Package sv is gorunit's sv: control and query services supervised by
// runsv, byte-compatible with runit 2.1.2 as Debian ships it.
//
//	sv [-v] [-w sec] command service ...
//	/etc/init.d/NAME [-w sec] command      (LSB init-script mode)
//
// Commands are chosen by their first character (up, down, once, pause,
// cont, hup, alarm, interrupt, quit, 1, 2, term, kill, exit, status), plus
// the exact words check, try-restart, start, stop, shutdown, restart,
// reload and force-{reload,restart,shutdown,stop}. A service is a name
// under $SVDIR (default /etc/svlnk: the one deliberate difference from
// Debian's /etc/service/) unless it starts with "/" or "." or ends in "/".
// $SVWAIT or -w sets how long to wait (default 7 seconds); -v waits for
// commands that do not wait by themselves. Output goes to stdout as
// "ok:", "fail:", "warning:", "timeout:", "kill:" and status lines; the
// exit code counts failures (at most 99), usage is 100.
//
// Under any other name than "sv" it acts as an init script for the service
// of that name and uses LSB exit codes: status 0 running, 3 down, 4 unknown;
// 1 runsv not running; 2 usage; 151 fatal.
//
// The code follows runit's sv.c closely, quirks included, each one named
// where it is kept. Like sv.c it changes directory into each service (so
// errors and permission checks are chdir's) and back; only sv status over
// names under $SVDIR, the call monitoring makes every minute over every
// service, first tries a path that stays in $SVDIR and falls back to the
// exact one for anything it cannot report as sv.c would (statusFast). When
// waiting it keeps sv.c's 420 ms rounds and timeouts but polls supervise/
// between them, so it reports success as soon as runsv records it
// (wait.go).
//
// sv's CPU per run is mostly the start of a process: cmd/sv is built
// without package os, and per service sv makes fewer system calls than
// sv.c (syscall_linux.go). docs/BENCHMARKS.md has the figures.
//
// Files: command.go decides what a command word means, format.go the
// status line, sv.go the first pass (control and status), wait.go and
// check.go the waiting, syscall_linux.go the raw per-service syscalls and
// the batched closes, cwd_linux.go the private working directory that
// tests run Main with.
package sv

import (
	"errors"
	"io"
	"io/fs"
	"syscall"
	"time"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/tai64n"
	"golang.org/x/sys/unix"
)

// DefaultSVDIR is where service names are looked up when $SVDIR is unset:
// the Devuan layout's link directory (Debian's sv uses /etc/service/).
const DefaultSVDIR = "/etc/svlnk"

// Exit codes.
const (
	ExitUsage    = 100
	ExitFatal    = 100
	ExitMaxFails = 99

	ExitLSBUsage      = 2
	ExitLSBFatal      = 151
	ExitLSBRunning    = 0
	ExitLSBNotRunning = 3
	ExitLSBUnknown    = 4
)

// DefaultWait is the default for -w and $SVWAIT, in seconds.
const DefaultWait = 7

// poll is runit's sleep between two rounds of checking (420 ms).
const poll = 420 * time.Millisecond

const (
	usageText    = " [-v] [-w sec] command service ..."
	usageLSBText = " [-w sec] command"
)

// Main runs sv. Like sv.c it changes the process's working directory into
// each service while it works and changes back before it returns, so
// in-process callers must not run it next to code that uses the working
// directory (this package's tests run it on a thread of its own).
func Main(env cli.Env) int {
	if inProcess {
		return withPrivateCwd(func() int { return run(env) })
	}
	return run(env)
}

// inProcess says Main is one of many calls in a long-lived process (this
// package's tests set it): then it runs on a thread with a working
// directory of its own, so that calls can run in parallel.
var inProcess = false

// exit is a code sv.c leaves with at once (done(), fatal(), usage()).
type exit int

func (e exit) Error() string { return "exit" }

// sv is sv.c's globals.
type sv struct {
	env      cli.Env
	stdout   []byte // buffer_1: flushed where sv.c flushes
	progname string
	lsb      bool
	svdir    string
	wait     uint64
	plan     Plan
	services []string // as given; active tells which are still worked on
	active   []bool
	cur      int  // the service being worked on (sv.c's *service)
	islog    bool // messages name "<service>/log"
	rc       int
	curdir   int  // fd of the original working directory
	atOrig   bool // the working directory is the original one
	atSvdir  bool // the working directory is $SVDIR
	svfd     int  // $SVDIR opened O_PATH, or -1 with svErr
	svErr    error
	batch    bool // hold stdout until there is more, or stderr output
	c        cpath
	cl       closer   // descriptors opened per service, closed in batches
	environ  []string // env.Environ(), once
	tstart   time.Time
	tnow     time.Time
	raw      [supervise.StatusSize]byte // svstatus: partial reads overwrite its head, as in sv.c
	last     []string                   // per service: status fingerprint when last checked
	sent     []sent                     // per service: the command runsv may not have taken yet
}

func run(env cli.Env) int {
	s := &sv{env: env, wait: DefaultWait, svdir: DefaultSVDIR, curdir: -1, svfd: -1}
	// The whole output of the first pass fits before it is flushed at
	// stdoutFlush: one allocation instead of a dozen as it grows.
	s.stdout = make([]byte, 0, stdoutFlush+512)
	code, err := s.main()
	var e exit
	if errors.As(err, &e) {
		code = int(e)
	}
	s.batch = false
	s.flush("")
	s.cl.flush()
	if s.curdir != -1 {
		if !s.atOrig {
			fchdir(s.curdir)
		}
		closeRaw(s.curdir)
	}
	if s.svfd != -1 {
		closeRaw(s.svfd)
	}
	return code
}

func (s *sv) main() (int, error) {
	argv0 := "sv"
	if len(s.env.Args) > 0 {
		argv0 = s.env.Args[0]
	}
	s.progname = cli.Basename(argv0)
	s.lsb = s.progname != "sv"
	if v, ok := s.lookupEnv("SVDIR"); ok {
		s.svdir = v
	}
	if v, ok := s.lookupEnv("SVWAIT"); ok {
		_, s.wait = cli.ScanUlong(v)
	}
	verbose := false
	g := cli.NewGetopt(s.env.Args, "w:vV", s.env.Stderr)
	for {
		c := g.Next()
		if c == 0 {
			break
		}
		switch c {
		case 'w':
			// sv.c: case 'w' falls through to case 'v'.
			_, s.wait = cli.ScanUlong(g.Arg)
			verbose = true
		case 'v':
			verbose = true
		case 'V':
			// sv.c: case 'V' prints the version and falls through to usage.
			io.WriteString(s.env.Stderr, cli.ID()+"\n")
			return 0, s.usage()
		default: // g.Next printed runit's complaint
			return 0, s.usage()
		}
	}
	rest := g.Rest()
	if len(rest) == 0 {
		return 0, s.usage()
	}
	action := rest[0]
	if s.lsb {
		s.services = []string{s.progname}
	} else {
		s.services = rest[1:]
	}
	if len(s.services) == 0 {
		return 0, s.usage()
	}
	s.active = make([]bool, len(s.services))

	s.tstart = time.Now()
	s.tnow = s.tstart
	fd, err := s.c.open(".", unix.O_RDONLY)
	if err != nil {
		return 0, s.fatal("unable to open current directory", err)
	}
	s.curdir, s.atOrig = fd, true

	plan, ok := ParseCommand(action, s.lsb, verbose)
	if !ok {
		return 0, s.usage()
	}
	s.plan = plan
	if plan.Wait {
		s.last = make([]string, len(s.services))
		s.sent = make([]sent, len(s.services))
	}

	// Output of this pass goes out in one write, or before anything on
	// stderr: sv.c writes a line at a time, to the same effect.
	s.batch = true
	for i, name := range s.services {
		s.cur = i
		s.active[i] = true
		// sv.c: a name is looked up under $SVDIR unless it starts with
		// "/" or ".", is empty or ends in "/".
		underSVDIR := name != "" && name[0] != '/' && name[0] != '.' && name[len(name)-1] != '/'
		if plan.Act == ActStatus && underSVDIR {
			if _, err := s.statusFast(name); err != errSlow {
				if err != nil {
					return 0, err
				}
				continue
			}
		}
		if err := s.cd(name, underSVDIR); err != nil {
			var e exit
			if errors.As(err, &e) {
				return 0, err
			}
			s.fail("unable to change to service directory", err)
			s.active[i] = false
		}
		if s.active[i] {
			var r int
			switch plan.Act {
			case ActControl:
				r, err = s.control(plan.Acts)
				if r == 1 && s.sent != nil {
					s.markSent(i)
				}
			case ActStatus:
				r, err = s.status()
			}
			if err != nil {
				return 0, err
			}
			if r == -1 {
				s.active[i] = false
			}
		}
	}
	if err := s.back(); err != nil {
		return 0, err
	}
	s.batch = false
	s.flush("")

	if plan.Wait {
		if err := s.waitAll(); err != nil {
			return 0, err
		}
	}
	return min(s.rc, ExitMaxFails), nil
}

// lookupEnv is runit's env_get: a variable set to "" counts as set.
func (s *sv) lookupEnv(k string) (string, bool) {
	if s.env.Environ != nil {
		if s.environ == nil {
			s.environ = s.env.Environ() // a copy each call: take it once
		}
		for _, kv := range s.environ {
			if len(kv) > len(k) && kv[len(k)] == '=' && kv[:len(k)] == k {
				return kv[len(k)+1:], true
			}
		}
		return "", false
	}
	if s.env.Getenv == nil {
		return "", false
	}
	v := s.env.Getenv(k)
	return v, v != ""
}

func (s *sv) usage() error {
	s.flushNow()
	if !s.lsb {
		cli.Usage(s.env.Stderr, s.progname, usageText)
		return exit(ExitUsage)
	}
	cli.Usage(s.env.Stderr, s.progname, usageLSBText)
	return exit(ExitLSBUsage)
}

// fatal is sv.c's fatal(): "fatal: MSG: REASON" on stderr, no program name.
func (s *sv) fatal(msg string, err error) error {
	s.flushNow()
	cli.SaySys(s.env.Stderr, err, "fatal: ", msg, ": ")
	if s.lsb {
		return exit(ExitLSBFatal)
	}
	return exit(ExitFatal)
}

// cd changes into a service, under $SVDIR or else from the original
// directory, as sv.c does with chdir($SVDIR), chdir(name) or, after
// fchdir(curdir), chdir(name). $SVDIR is opened once (O_PATH) and entered
// with fchdir, which checks what chdir checks. An exit error is fatal;
// others are chdir's.
func (s *sv) cd(name string, underSVDIR bool) error {
	if underSVDIR {
		if err := s.toSVDIR(); err != nil {
			return err
		}
	} else if err := s.back(); err != nil {
		return err
	}
	err := s.c.chdir(name)
	if err == nil { // a failed chdir stays where it was
		s.atOrig, s.atSvdir = false, false
	}
	return err
}

// toSVDIR changes into $SVDIR, unless already there. An exit error is
// fatal; others are chdir's.
func (s *sv) toSVDIR() error {
	if s.atSvdir {
		return nil
	}
	if s.svfd == -1 && s.svErr == nil {
		if err := s.back(); err != nil {
			return err
		}
		s.svfd, s.svErr = s.c.open(s.svdir, unix.O_PATH|unix.O_DIRECTORY)
	}
	if s.svErr != nil {
		return s.svErr
	}
	if err := fchdir(s.svfd); err != nil {
		return err
	}
	s.atOrig, s.atSvdir = false, true
	return nil
}

// back returns to the original directory (sv.c: fchdir(curdir)); it is
// done lazily, only where the original directory matters.
func (s *sv) back() error {
	if s.atOrig {
		return nil
	}
	if err := fchdir(s.curdir); err != nil {
		return s.fatal("unable to change to original directory", err)
	}
	s.atOrig, s.atSvdir = true, false
	return nil
}

func (s *sv) outs(str string) { s.stdout = append(s.stdout, str...) }

// flush ends a piece of output where sv.c flushes stdout. While batching
// it is written later, in one go.
func (s *sv) flush(str string) {
	s.outs(str)
	if !s.batch || len(s.stdout) >= stdoutFlush {
		s.flushNow()
	}
}

// stdoutFlush is how much batched output sv holds before writing it.
const stdoutFlush = 8192

func (s *sv) flushNow() {
	if len(s.stdout) > 0 {
		s.env.Stdout.Write(s.stdout)
		s.stdout = s.stdout[:0]
	}
}

// warn2 writes one message to stderr at once, as sv.c's outs2...flush2,
// after what sv.c would have written to stdout before it. What is in the
// stdout buffer but not yet flushed in sv.c's sense goes out too: only
// the same bytes in the same order matter.
func (s *sv) warn2(pieces ...string) {
	s.flushNow()
	cli.Say(s.env.Stderr, pieces...)
}

// out is sv.c's out(): PREFIX SERVICE[/log]: MSG[: REASON], flushed.
func (s *sv) out(prefix, msg string, err error) {
	s.outs(prefix)
	s.outs(s.services[s.cur])
	if s.islog {
		s.outs("/log")
	}
	s.outs(": ")
	s.outs(msg)
	if err != nil {
		s.outs(": ")
		s.outs(cli.ErrStr(err))
	}
	s.flush("\n")
}

func (s *sv) fail(msg string, err error) { s.rc++; s.out("fail: ", msg, err) }
func (s *sv) warn(msg string, err error) { s.rc++; s.out("warning: ", msg, err) }
func (s *sv) ok(msg string)              { s.out("ok: ", msg, nil) }

// notRunning is what sv says when nothing reads supervise/ok: fine for an
// exit command, a failure otherwise.
func (s *sv) notRunning(cmd byte) {
	if cmd == 'x' {
		s.ok("runsv not running")
	} else {
		s.fail("runsv not running", nil)
	}
}

// statusGet is sv.c's svstatus_get: 1 with s.raw filled in, 0 when runsv
// is not running, -1 on any other error (reported, counted).
func (s *sv) statusGet() int {
	if err := s.probe(); err != nil {
		if err == unix.ENXIO {
			s.notRunning(s.plan.Acts[0])
			return 0
		}
		if s.c.pre != "" {
			return slow
		}
		s.warn("unable to open supervise/ok", err)
		return -1
	}
	n, err := s.readStatus()
	if s.c.pre != "" && (err != nil || n != supervise.StatusSize) {
		return slow
	}
	switch {
	case n == -2:
		s.warn("unable to open supervise/status", err)
		return -1
	case err != nil:
		s.warn("unable to read supervise/status", err)
		return -1
	case n != supervise.StatusSize:
		s.warn("unable to read supervise/status: bad format", nil)
		return -1
	}
	return 1
}

// Paths sv opens inside a service directory.
const (
	okPath      = supervise.Dir + "/" + supervise.OKFIFO
	statusPath  = supervise.Dir + "/" + supervise.StatusFile
	controlPath = supervise.Dir + "/" + supervise.ControlFIFO
)

// probe is supervise.ProbeOK for the service in the working directory:
// ENXIO means no runsv holds supervise/ok open.
func (s *sv) probe() error {
	fd, err := s.openTemp(okPath, unix.O_WRONLY)
	if err != nil {
		return err
	}
	s.cl.close(fd)
	return nil
}

// openTemp opens a file that is closed again right after use, with
// s.cl.close. If the process is out of descriptors it closes the ones
// still held in the batch and tries again.
func (s *sv) openTemp(path string, flags int) (int, error) {
	fd, err := s.c.open(path, flags)
	if (err == unix.EMFILE || err == unix.ENFILE) && s.cl.n > 0 {
		s.cl.flush()
		fd, err = s.c.open(path, flags)
	}
	return fd, err
}

// readStatus does sv.c's one read(2) of up to 20 bytes into s.raw. A short
// read leaves the rest of s.raw as it was. n is -2 when open fails.
func (s *sv) readStatus() (int, error) {
	return s.readStatusInto(s.raw[:])
}

func (s *sv) readStatusInto(b []byte) (int, error) {
	fd, err := s.openTemp(statusPath, unix.O_RDONLY)
	if err != nil {
		return -2, err
	}
	n, err := read(fd, b)
	s.cl.close(fd)
	return n, err
}

// decoded is the status in s.raw.
func (s *sv) decoded() supervise.Status {
	st, _ := supervise.Decode(s.raw[:])
	return st
}

// statusPrint is sv.c's svstatus_print: the status line for s.raw, named
// name, into the stdout buffer. It returns 1 if there is a pid, 2 if not,
// 0 when ./down cannot be stat'ed (then nothing is printed).
func (s *sv) statusPrint(name string) int {
	normallyUp := false
	if err := s.c.stat("down"); err != nil {
		if err != unix.ENOENT {
			if s.c.pre != "" {
				return slow
			}
			s.warn2("warning: ", "unable to stat ", s.services[s.cur], "/down: ", cli.ErrStr(err))
			return 0
		}
		normallyUp = true
	}
	var r int
	s.stdout, r = AppendStatus(s.stdout, name, &s.raw, taiSec(s.tnow), normallyUp)
	return r
}

// control is sv.c's control(): send acts unless the service already wants
// what the first byte asks for. 1 sent, 0 skipped, -1 failed.
func (s *sv) control(acts string) (int, error) {
	if s.statusGet() <= 0 {
		return -1, nil
	}
	// sv.c: if (svstatus[17] == *a) if (*a != 'd' || svstatus[18] == 1)
	// return(0); /* once w/o term */
	if s.raw[17] == acts[0] && (acts[0] != 'd' || s.raw[18] == 1) {
		return 0, nil
	}
	err := supervise.SendControl(supervise.Dir, acts)
	if err == nil {
		return 1, nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Op == "open" {
		if errors.Is(err, unix.ENXIO) {
			s.notRunning(acts[0])
		} else {
			s.warn("unable to open supervise/control", err)
		}
		return -1, nil
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		err = nil // a short write: sv.c has no errno to print
	}
	s.warn("unable to write to supervise/control", err)
	return -1, nil
}

// status is sv.c's status(): the service's line, then "; " and its log's.
// In LSB mode it ends sv with 0 (pid), 3 (no pid) or 4 (unknown); the log's
// result overwrites the service's, a bug Debian keeps.
func (s *sv) status() (int, error) {
	r := s.statusGet()
	switch r {
	case slow:
		return 0, errSlow
	case -1:
		if s.lsb {
			return 0, exit(ExitLSBUnknown)
		}
		return 0, nil
	case 0:
		return 0, nil
	}
	r = s.statusPrint(s.services[s.cur])
	if r == slow {
		return 0, errSlow
	}
	s.islog = true
	s.atOrig = false
	err := s.c.chdir("log") // in the fast path: NAME/log, from $SVDIR
	s.c.pre = ""
	if err == nil {
		s.atSvdir = false
	}
	if err != nil {
		if err != unix.ENOENT {
			s.outs("; ")
			s.warn("unable to change directory", err)
		} else {
			s.outs("\n")
		}
	} else {
		s.outs("; ")
		// sv.c tests svstatus_get() for non-zero, so after a warning
		// (-1) it still prints whatever is left in svstatus.
		if s.statusGet() != 0 {
			r = s.statusPrint("log")
			s.outs("\n")
		}
	}
	s.islog = false
	s.flush("")
	if s.lsb {
		return 0, lsbStatusExit(r)
	}
	return r, nil
}

// The fast path of sv status. sv.c changes into each service and back
// (fchdir, chdir NAME) and then into its log (chdir log). For a name under
// $SVDIR, statusFast instead stays in $SVDIR and opens NAME/supervise/ok,
// NAME/supervise/status and stats NAME/down, and changes into NAME/log
// only if there is one: one or two system calls fewer per service.
//
// It reports only what it can report exactly as sv.c would. That the ok
// FIFO opened, or failed with ENXIO (no runsv), proves the lookup went
// through NAME, so chdir(NAME) would have succeeded: from there on the
// outcomes are sv.c's, and chdir(NAME/log) from $SVDIR fails or succeeds
// as chdir(log) in NAME does. Anything else (a failed probe, an unreadable
// or short status, an unstattable down) returns errSlow before anything
// is printed, and the service is done again the exact way, chdir first,
// so every error names the same call and errno as sv.c's.
func (s *sv) statusFast(name string) (int, error) {
	if err := s.toSVDIR(); err != nil {
		var e exit
		if errors.As(err, &e) {
			return 0, err
		}
		return 0, errSlow // cd reports it
	}
	s.c.pre = name
	r, err := s.status()
	s.c.pre = ""
	return r, err
}

// slow is what statusGet and statusPrint return in the fast path for an
// outcome only the exact path reports, and errSlow what status returns.
const slow = -2

var errSlow = errors.New("sv: status fast path: do it the exact way")

// taiSec is t in TAI64 seconds, the unit of sv.c's tnow and tstart
// comparisons.
func taiSec(t time.Time) uint64 { return tai64n.FromUnix(t.Unix(), 0).Sec }

// lsbStatusExit is the init-script exit code for svstatus_print's result.
func lsbStatusExit(r int) error {
	switch r {
	case 1:
		return exit(ExitLSBRunning)
	case 2:
		return exit(ExitLSBNotRunning)
	}
	return exit(ExitLSBUnknown)
}
