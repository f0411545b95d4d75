package runsv

import (
	"errors"
	"strconv"
	"syscall"
	"time"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/cname"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/tai64n"
	"golang.org/x/sys/unix"
)

// service is runsv.c's struct svdir: the main service (svd[0]) or its log
// (svd[1]).
type service struct {
	pid    int
	state  supervise.State
	paused bool // C_PAUSE
	term   bool // C_TERM
	want   supervise.Want
	start  tai64n.Stamp // when ./run last started or the service last went down
	wstat  unix.WaitStatus
	islog  bool

	fdlock, fdctl, fdctlw int

	// Paths relative to the service directory, NUL-terminated once
	// (package cname), which the warnings name.
	pidNew, pidFile, statNew, statFile, statusNew, statusFile []byte
}

func newService(islog bool) service {
	p := supervise.Dir + "/"
	if islog {
		p = "log/" + p
	}
	return service{
		islog: islog, want: supervise.WantUp,
		fdlock: -1, fdctl: -1, fdctlw: -1,
		pidNew: cname.Make(p + "pid.new"), pidFile: cname.Make(p + "pid"),
		statNew: cname.Make(p + "stat.new"), statFile: cname.Make(p + "stat"),
		statusNew: cname.Make(p + "status.new"), statusFile: cname.Make(p + "status"),
	}
}

// runsv is the whole supervisor's state.
type runsv struct {
	env        cli.Env
	dir        string
	svd        [2]service
	haslog     bool
	logpipe    [2]int
	pidchanged bool // one flag for both services, as in runsv.c
	sigterm    bool
	wake       func() // ends the loop's next wait at once (see wait)
	environ    []string
	now        func() time.Time
	sleep      func(time.Duration)
	buf        [64]byte
	ctlPath    [len("control/?") + 1]byte // custom's, without allocating
}

func (r *runsv) stamp() tai64n.Stamp { t := r.now(); return tai64n.FromUnix(t.Unix(), t.Nanosecond()) }

func (r *runsv) warn(err error, msg ...string) {
	cli.SaySys(r.env.Stderr, err, append([]string{"runsv ", r.dir, ": warning: "}, append(msg, ": ")...)...)
}

func (r *runsv) warnx(msg ...string) {
	cli.Say(r.env.Stderr, append([]string{"runsv ", r.dir, ": warning: "}, msg...)...)
}

func (r *runsv) fatalMsg(err error, msg ...string) {
	cli.SaySys(r.env.Stderr, err, append([]string{"runsv ", r.dir, ": fatal: "}, append(msg, ": ")...)...)
}

// updateStatus is runsv.c's update_status: pid (only when some pid
// changed), stat and status, each written to NAME.new and renamed over
// NAME. A failure warns and skips what follows, as in C.
func (r *runsv) updateStatus(s *service) {
	if r.pidchanged {
		line := r.buf[:0]
		if s.pid != 0 {
			line = strconv.AppendInt(line, int64(s.pid), 10)
			line = append(line, '\n')
		}
		fd, err := openTrunc(s.pidNew)
		if err != nil {
			r.warn(err, "unable to open ", cname.String(s.pidNew))
			return
		}
		unix.Write(fd, line)
		unix.Close(fd)
		if err := cname.Rename(cname.CWD, s.pidNew, cname.CWD, s.pidFile); err != nil {
			r.warn(err, "unable to rename pid.new to ", cname.String(s.pidFile))
			return
		}
		r.pidchanged = false
	}

	fd, err := openTrunc(s.statNew)
	if err != nil {
		r.warn(err, "unable to open ", cname.String(s.statNew))
		return
	}
	unix.Write(fd, r.statLine(s))
	unix.Close(fd)
	if err := cname.Rename(cname.CWD, s.statNew, cname.CWD, s.statFile); err != nil {
		r.warn(err, "unable to rename stat.new to ", cname.String(s.statFile))
	}

	st := supervise.Status{
		Stamp: s.start, PID: s.pid, Paused: s.paused, Want: s.want,
		Term: s.term, State: s.state,
	}
	var b [supervise.StatusSize]byte
	st.Encode(b[:])
	if fd, err = openTrunc(s.statusNew); err != nil {
		r.warn(err, "unable to open ", cname.String(s.statusNew))
		return
	}
	n, err := unix.Write(fd, b[:])
	if err != nil {
		r.warn(err, "unable to write ", cname.String(s.statusNew))
		unix.Close(fd)
		cname.Unlink(cname.CWD, s.statusNew)
		return
	}
	unix.Close(fd)
	if n < len(b) {
		r.warnx("unable to write ", cname.String(s.statusNew), ": partial write.")
		return
	}
	if err := cname.Rename(cname.CWD, s.statusNew, cname.CWD, s.statusFile); err != nil {
		r.warn(err, "unable to rename status.new to ", cname.String(s.statusFile))
	}
}

// statLine appends the stat file's line to r.buf without allocating;
// supervise.StatLine is the same text.
func (r *runsv) statLine(s *service) []byte {
	b := append(r.buf[:0], s.state.String()...)
	if s.paused {
		b = append(b, ", paused"...)
	}
	if s.term {
		b = append(b, ", got TERM"...)
	}
	if s.state != supervise.Down {
		switch s.want {
		case supervise.WantDown:
			b = append(b, ", want down"...)
		case supervise.WantExit:
			b = append(b, ", want exit"...)
		}
	}
	return append(b, '\n')
}

// openTrunc is runit's open_trunc: write-only, created 0644 (less the
// umask), truncated.
func openTrunc(name []byte) (int, error) {
	return cname.Open(cname.CWD, name, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_TRUNC|unix.O_CREAT|unix.O_CLOEXEC|unix.O_LARGEFILE, 0o644)
}

// custom runs control/<c> if it exists with the owner-execute bit and
// reports whether it handled the command (exit code 0). Never for the log.
// As in runsv.c, a script killed by a signal has exit code 0 and so
// counts as handled.
func (r *runsv) custom(s *service, c byte) bool {
	if s.islog {
		return false
	}
	p := r.ctlPath[:]
	copy(p, "control/")
	p[len(p)-2] = c
	var st syscall.Stat_t
	if err := cname.Stat(cname.CWD, p, &st); err != nil {
		if err != unix.ENOENT {
			r.warn(err, "unable to stat ", cname.String(p))
		}
		return false
	}
	if st.Mode&unix.S_IXUSR == 0 {
		return false
	}
	a := string(p[:len(p)-1])
	stdout := 1
	if r.haslog {
		if r.logpipe[1] < 0 {
			// runit's child fails to dup the closed pipe, warns and
			// runs the script with runsv's stdout.
			r.warn(unix.EBADF, "unable to setup stdout for ", a)
		} else {
			stdout = r.logpipe[1]
		}
	}
	pid, err := r.spawn(a, []string{a}, "", 0, stdout)
	if err != nil {
		if isForkError(err) {
			r.warn(err, "unable to fork for ", a)
			return false
		}
		// The C child dies with this message after a failed exec.
		r.fatalMsg(err, "unable to run control/?")
		return false
	}
	ws, err := r.waitPID(pid)
	if err != nil {
		r.warn(err, "unable to wait for child ", a)
		return false
	}
	return (ws>>8)&0xff == 0
}

// stopservice is runsv.c's stopservice: TERM (unless control/t handled
// it), then for want down or exit a CONT and control/d or control/x, whose
// result does not matter: d and x cannot be overridden.
func (r *runsv) stopservice(s *service) {
	if s.pid != 0 && !r.custom(s, 't') {
		unix.Kill(s.pid, unix.SIGTERM)
		s.term = true
		r.updateStatus(s)
	}
	switch s.want {
	case supervise.WantDown:
		r.kill(s.pid, unix.SIGCONT)
		r.custom(s, 'd')
	case supervise.WantExit:
		r.kill(s.pid, unix.SIGCONT)
		r.custom(s, 'x')
	}
}

// kill signals pid. runsv.c would signal its whole process group for pid
// 0 (kill(0, sig)); that cannot happen in its state table, and here it
// does nothing.
func (r *runsv) kill(pid int, sig unix.Signal) {
	if pid != 0 {
		unix.Kill(pid, sig)
	}
}

// startservice is runsv.c's startservice: ./finish with the last wait
// status if the service is in state finish, else control/u and ./run.
func (r *runsv) startservice(s *service) {
	var argv []string
	if s.state == supervise.Finish {
		code := "-1"
		if !s.wstat.Signaled() {
			code = strconv.Itoa(int(s.wstat>>8) & 0xff)
		}
		argv = []string{"./finish", code, strconv.Itoa(int(s.wstat) & 0xff)}
	} else {
		argv = []string{"./run"}
		r.custom(s, 'u')
	}
	if s.pid != 0 {
		r.stopservice(s) // "should never happen" (runsv.c), but k then u does it
	}

	stdin, stdout, dir := 0, 1, ""
	if r.haslog {
		if s.islog {
			stdin, dir = r.logpipe[0], "./log"
		} else {
			stdout = r.logpipe[1]
		}
	}
	var pid int
	var err error
	for {
		pid, err = r.spawn(argv[0], argv, dir, stdin, stdout)
		if err == nil || !isForkError(err) {
			break
		}
		r.warn(err, "unable to fork, sleeping")
		r.sleep(5 * time.Second)
	}

	if s.state != supervise.Finish {
		s.start = r.stamp()
		s.state = supervise.Run
	}
	s.paused, s.term = false, false
	if err != nil {
		// runsv.c's child prints this and exits 111 when exec fails;
		// Go reports the exec error to the parent instead, and no child
		// is left, so the exit is handled right here as if reaped.
		r.startFailed(s, err)
		return
	}
	s.pid = pid
	r.pidchanged = true
	r.updateStatus(s)
}

// startFailed reports a start whose child could not exec and then handles
// it as a child that exited 111, which is what runit's child does.
func (r *runsv) startFailed(s *service, err error) {
	what := "./run"
	if s.state == supervise.Finish {
		what = "./finish"
	}
	switch {
	case errors.Is(err, errLogPipe) && s.islog:
		r.fatalMsg(unix.EBADF, "unable to setup filedescriptor for ./log/run")
	case errors.Is(err, errLogPipe):
		r.fatalMsg(unix.EBADF, "unable to setup filedescriptor for ", what)
	case s.islog:
		r.fatalMsg(err, "unable to start log/", what)
	default:
		r.fatalMsg(err, "unable to start ", what)
	}
	s.pid = 0
	r.childExited(s, 111<<8)
}

// ctrl is runsv.c's ctrl: one control byte for service s. Unknown bytes
// are ignored.
func (r *runsv) ctrl(s *service, c byte) {
	switch c {
	case supervise.CtlDown:
		s.want = supervise.WantDown
		r.updateStatus(s)
		if s.state == supervise.Run {
			r.stopservice(s)
		}
	case supervise.CtlUp:
		s.want = supervise.WantUp
		r.updateStatus(s)
		if s.state == supervise.Down {
			r.startservice(s)
		}
	case supervise.CtlExit:
		if s.islog {
			break
		}
		s.want = supervise.WantExit
		r.updateStatus(s)
		if s.state == supervise.Run {
			r.stopservice(s)
		}
	case supervise.CtlTerm:
		if s.state == supervise.Run {
			r.stopservice(s)
		}
	case supervise.CtlKill:
		if s.state == supervise.Run && !r.custom(s, c) {
			unix.Kill(s.pid, unix.SIGKILL)
		}
		// runit sets the state down at once, without a status write
		// and without waiting for the child: its exit is still handled
		// as usual later, finish included.
		s.state = supervise.Down
	case supervise.CtlPause:
		if s.state == supervise.Run && !r.custom(s, c) {
			unix.Kill(s.pid, unix.SIGSTOP)
		}
		s.paused = true
		r.updateStatus(s)
	case supervise.CtlCont:
		if s.state == supervise.Run && !r.custom(s, c) {
			unix.Kill(s.pid, unix.SIGCONT)
		}
		s.paused = false
		r.updateStatus(s)
	case supervise.CtlOnce:
		s.want = supervise.WantDown
		r.updateStatus(s)
		if s.state == supervise.Down {
			r.startservice(s)
		}
	case supervise.CtlAlrm, supervise.CtlHup, supervise.CtlInt, supervise.CtlQuit,
		supervise.CtlUsr1, supervise.CtlUsr2:
		if s.state == supervise.Run && !r.custom(s, c) {
			unix.Kill(s.pid, ctlSignal(c))
		}
	}
}

// ctlSignal is the signal a control byte sends (a switch, not a map: a
// map would cost every runsv a few heap pages).
func ctlSignal(c byte) unix.Signal {
	switch c {
	case supervise.CtlAlrm:
		return unix.SIGALRM
	case supervise.CtlHup:
		return unix.SIGHUP
	case supervise.CtlInt:
		return unix.SIGINT
	case supervise.CtlQuit:
		return unix.SIGQUIT
	case supervise.CtlUsr1:
		return unix.SIGUSR1
	}
	return unix.SIGUSR2
}

// childExited is what runsv.c's loop does when it reaps s's child with
// wait status ws.
func (r *runsv) childExited(s *service, ws unix.WaitStatus) {
	s.pid = 0
	r.pidchanged = true
	s.term = false
	if !s.islog {
		s.wstat = ws
		if s.state != supervise.Finish && readable(finishPath) {
			s.state = supervise.Finish
			r.updateStatus(s)
			return
		}
	}
	s.state = supervise.Down
	deadline := s.start // runsv.c: taia_add(&deadline, &s->start, one second)
	deadline.Sec++
	s.start = r.stamp()
	r.updateStatus(s)
	// The whole restart throttle: a run that lasted less than a second
	// is followed by a blocking one-second sleep.
	if s.start.Before(deadline) {
		r.sleep(time.Second)
	}
}

var finishPath = cname.Make("finish")

// readable is runsv.c's test for ./finish: it can be opened for reading.
func readable(name []byte) bool {
	fd, err := cname.Open(cname.CWD, name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_LARGEFILE, 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}
