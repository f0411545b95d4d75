package runsvdir

import (
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
	"unsafe"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/reexec"
	"golang.org/x/sys/unix"
)

// Timing. runit checks dir's mtime at most once a second, sleeping 5
// seconds when nothing is pending and 1 second when a check is due. gorunit
// keeps that rhythm without inotify; with dir watched, the periodic check
// is only a fallback (for changes no event tells of, such as a mount over
// dir) and comes every minute, which keeps runsvdir's idle CPU below
// runit's: each wake-up of a Go process costs more than one of runit's.
const (
	idleCheck    = 5 * time.Second
	watchedCheck = 60 * time.Second
	retryCheck   = 1 * time.Second
	restartDelay = 1 * time.Second // a runsv is started at most once a second per service
	logMark      = 900 * time.Second
	warpSlack    = 3 * time.Second
)

// ident is a service's identity: device and inode of its directory.
type ident struct{ dev, ino uint64 }

// slot is a service runsvdir knows about.
type slot struct {
	pid     int       // its runsv, 0 when none
	started time.Time // when its runsv was last started
	seen    bool      // found by the scan in progress
}

// daemon is runsvdir's state; only the event loop touches it.
type daemon struct {
	stderr     io.Writer
	svdir      string
	newSession bool
	path       string   // PATH searched for runsv
	environ    []string // passed to every runsv unchanged
	files      []uintptr

	curdir int // runsvdir's own cwd, returned to after each scan

	svc map[ident]*slot

	// What the last successful stat of dir saw.
	mtime    int64
	dev, ino uint64
	check    bool // runit's check flag: rescan at the next check

	nextCheck time.Time // next stat of dir
	rescanAt  time.Time // a scan is due then (zero: none)
	forced    bool      // the due scan is an ALRM one
	lastCheck time.Time // wall clock of the last check, for the time-warp warning

	w *watcher

	renamed bool // executed again through /proc/self/exe: named "exe"

	log      *title
	logW     int // write end of the log pipe
	logStamp time.Time
}

// newDaemon makes runsvdir's state. environ is what every runsv gets (nil
// when env has no Environ).
func newDaemon(env cli.Env, o opts, environ []string) *daemon {
	d := &daemon{
		stderr:     env.Stderr,
		svdir:      o.dir,
		newSession: o.newSession,
		svc:        make(map[ident]*slot),
		check:      true,
		curdir:     -1,
		environ:    environ,
	}
	if p, ok := lookupEnv(d.environ, "PATH"); ok {
		d.path = p
	} else if env.Environ == nil && env.Getenv != nil && env.Getenv("PATH") != "" {
		d.path = env.Getenv("PATH")
	} else {
		d.path = defaultPath
	}
	d.files = []uintptr{fdOf(env.Stdin), fdOf(env.Stdout), fdOf(env.Stderr)}
	return d
}

// fdOf is the descriptor behind a stream, or -1 (closed in the child) when
// the stream is not a file. cli.FdOf leaves the file's blocking mode alone
// (runsvdir's fd 2 may be the non-blocking log pipe).
func fdOf(v any) uintptr {
	fd, ok := cli.FdOf(v)
	if !ok {
		return ^uintptr(0)
	}
	return uintptr(fd)
}

func (d *daemon) warn(pieces ...string) {
	cli.Say(d.stderr, append([]string{"runsvdir ", d.svdir, ": warning: "}, pieces...)...)
}

func (d *daemon) warnSys(err error, pieces ...string) {
	cli.SaySys(d.stderr, err, append([]string{"runsvdir ", d.svdir, ": warning: "}, append(pieces, ": ")...)...)
}

func (d *daemon) fatalSys(err error, pieces ...string) {
	cli.SaySys(d.stderr, err, append([]string{"runsvdir ", d.svdir, ": fatal: "}, append(pieces, ": ")...)...)
}

// main is runsvdir after argument parsing: set up, then the event loop.
func (d *daemon) main(env cli.Env, o opts) int {
	// SIGCHLD has a channel of its own: a burst of children exiting must
	// not fill the channel and crowd out a TERM or HUP. One pending CHLD
	// is enough, as reap collects every exited child.
	sigc, chldc := make(chan os.Signal, 8), make(chan os.Signal, 1)
	signal.Notify(sigc, unix.SIGTERM, unix.SIGHUP, unix.SIGALRM)
	signal.Notify(chldc, unix.SIGCHLD)
	defer signal.Stop(sigc)
	defer signal.Stop(chldc)

	var logc chan []byte
	if o.hasLog {
		var ok bool
		if logc, ok = d.setupLog(env, o); !ok {
			d.warn("log service disabled.")
		}
	}

	fd, err := unix.Open(".", unix.O_RDONLY|unix.O_NDELAY|unix.O_CLOEXEC, 0)
	if err != nil {
		d.fatalSys(err, "unable to open current directory")
		return ExitFatal
	}
	d.curdir = fd
	defer unix.Close(fd)

	scanc, checkc := make(chan struct{}, 1), make(chan struct{}, 1)
	if w, err := newWatcher(); err == nil {
		d.w = w
		go w.read(scanc, checkc)
		defer w.f.Close()
	} else {
		d.warnSys(err, "unable to initialize inotify instance")
	}
	// Every thread runsvdir will need, before its first fork (see
	// goruntime.go); then the name the re-execution took away.
	warmThreads()
	if d.renamed {
		reexec.SetComm(env.Args)
	}
	return d.loop(sigc, chldc, scanc, checkc, logc)
}

// loop is the one event loop: signals, inotify tokens, log bytes and one
// timer. Children are reaped here and nowhere else.
func (d *daemon) loop(sigc, chldc <-chan os.Signal, scanc, checkc <-chan struct{}, logc <-chan []byte) int {
	now := time.Now()
	d.nextCheck = now
	d.lastCheck = now.Round(0) // wall clock only
	if d.log != nil {
		d.logStamp = now
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now = time.Now()
		d.due(now)
		timer.Reset(d.deadline().Sub(now))
		select {
		case <-chldc:
			d.reap()
		case s := <-sigc:
			switch s {
			case unix.SIGTERM:
				return ExitTERM
			case unix.SIGHUP:
				for _, s := range d.svc {
					if s.pid != 0 {
						unix.Kill(s.pid, unix.SIGTERM)
					}
				}
				return ExitHUP
			case unix.SIGALRM:
				d.forced = true
				d.scanSoon(time.Now())
			}
		case <-scanc:
			d.scanSoon(time.Now())
		case <-checkc:
			d.nextCheck = time.Now()
		case b := <-logc:
			d.log.add(b)
		case <-timer.C:
		}
	}
}

// scanSoon makes a scan due at t unless one is due earlier.
func (d *daemon) scanSoon(t time.Time) {
	if d.rescanAt.IsZero() || t.Before(d.rescanAt) {
		d.rescanAt = t
	}
}

// deadline is when the loop next has something to do.
func (d *daemon) deadline() time.Time {
	t := d.nextCheck
	if !d.rescanAt.IsZero() && d.rescanAt.Before(t) {
		t = d.rescanAt
	}
	if d.log != nil && d.logStamp.Before(t) {
		t = d.logStamp
	}
	return t
}

// due does whatever is due at now: a scan that was asked for, runit's
// periodic check of dir, the log's '.'.
func (d *daemon) due(now time.Time) {
	wall := now.Round(0)
	if wall.Before(d.lastCheck.Add(-warpSlack)) {
		// The clock went back: runit resets its stamps. Timers here run
		// on the monotonic clock; only the warning remains.
		d.warn("time warp: resetting time stamp.")
		d.lastCheck = wall
	}
	if !d.rescanAt.IsZero() && !now.Before(d.rescanAt) {
		d.rescanAt = time.Time{}
		forced := d.forced
		d.forced = false
		d.scan(now, forced)
		d.lastCheck = wall
	} else if !now.Before(d.nextCheck) {
		d.checkDir(now)
		d.lastCheck = wall
	}
	if d.log != nil && !now.Before(d.logStamp) {
		unix.Write(d.logW, []byte{'.'}) // a full pipe drops it, as in runit
		d.logStamp = now.Add(logMark)
	}
}

// checkDir is runit's periodic check: stat dir and scan when a check is
// pending or dir's mtime, inode or device changed.
func (d *daemon) checkDir(now time.Time) {
	var st unix.Stat_t
	if err := unix.Stat(d.svdir, &st); err != nil {
		d.warnSys(err, "unable to stat ", d.svdir)
		d.check = true
		d.nextCheck = now.Add(retryCheck)
		return
	}
	if d.check || int64(st.Mtim.Sec) != d.mtime || st.Ino != d.ino || st.Dev != d.dev {
		d.scan(now, false)
		return
	}
	d.nextCheck = now.Add(d.period())
}

// period is the time to the next periodic check when nothing is pending.
func (d *daemon) period() time.Duration {
	if d.w != nil && d.w.wd >= 0 {
		return watchedCheck
	}
	return idleCheck
}

// reap collects every exited child. A runsv that belonged to a service
// leaves it without one; a rescan starts it again, at most once a second.
func (d *daemon) reap() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
		for _, s := range d.svc {
			if s.pid == pid {
				s.pid = 0
				d.scanSoon(s.started.Add(restartDelay))
				break
			}
		}
	}
}

// setupLog makes fd 2 the write end of a pipe whose read end feeds the
// display (runsvdir.c's setup_log). It returns the channel the reader
// posts to and false when the log is disabled.
func (d *daemon) setupLog(env cli.Env, o opts) (chan []byte, bool) {
	if len(o.log) < 7 {
		d.warn("log must have at least seven characters.")
		return nil, false
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		d.warn("unable to create pipe for log.")
		return nil, false
	}
	if fd := d.files[2]; fd != ^uintptr(0) {
		// dup3 leaves the new fd 2 inheritable; the pipe's own two ends
		// stay close-on-exec. Both ends are non-blocking, as runit's are,
		// so a full pipe costs a writer its line, never a hang.
		if err := unix.Dup3(p[1], int(fd), 0); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			d.warn("unable to set filedescriptor for log.")
			return nil, false
		}
	} else {
		d.files[2] = uintptr(p[1])
	}
	d.log = newTitle(o.log)
	d.logW = p[1]
	r := os.NewFile(uintptr(p[0]), "log pipe")
	c := make(chan []byte, 16)
	go readLog(r, c)
	return c, true
}

// readLog posts what the log pipe delivers.
func readLog(r *os.File, c chan<- []byte) {
	rc, err := r.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 4096)
	for {
		n, err := readRaw(rc, buf)
		if n > 0 {
			c <- append([]byte(nil), buf[:n]...)
		}
		if err != nil {
			return
		}
	}
}

// readRaw reads once from a non-blocking descriptor in the runtime's
// poller, waiting in the poller until it is readable. The read is a raw
// system call, which never gives up the P, so the reading goroutine
// never holds an M of its own (see goruntime.go). End of file is io.EOF.
func readRaw(rc syscall.RawConn, b []byte) (int, error) {
	var n int
	var errno syscall.Errno
	err := rc.Read(func(fd uintptr) bool {
		for {
			r, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			switch e {
			case unix.EINTR:
				continue
			case unix.EAGAIN:
				return false
			}
			n, errno = int(r), e
			return true
		}
	})
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, errno
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}
