package runsv

import (
	"errors"

	"github.com/gorunit/gorunit/internal/cli"
	"golang.org/x/sys/unix"
)

// errExit carries a fatal error's exit out of setup.
var errExit = errors.New("fatal")

func (r *runsv) fatal(err error, msg ...string) error {
	r.fatalMsg(err, msg...)
	return errExit
}

func (r *runsv) fatalx(msg ...string) error {
	cli.Say(r.env.Stderr, append([]string{"runsv ", r.dir, ": fatal: "}, msg...)...)
	return errExit
}

// setup is the start-up half of runsv.c's main, in its order: the
// service dir, ./down, ./log and its pipe, supervise/ (also through a
// symlink), the locks, the control FIFOs with the first status writes,
// and the ok FIFOs.
func (r *runsv) setup() error {
	if err := unix.Chdir(r.dir); err != nil {
		return r.fatal(err, "unable to change to directory")
	}
	r.pidchanged = true // runsv.c starts with pidchanged = 1
	r.svd[0] = newService(false)
	r.svd[0].start = r.stamp()
	var st unix.Stat_t
	if unix.Stat("down", &st) == nil {
		r.svd[0].want = 'd'
	}

	r.logpipe = [2]int{-1, -1}
	if err := unix.Stat("log", &st); err != nil {
		if err != unix.ENOENT {
			// runsv.c's message ends in ": " before the reason's own ": ".
			r.warn(err, "unable to stat() ./log: ")
		}
	} else if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		r.warnx("./log: not a directory.")
	} else {
		r.haslog = true
		r.svd[1] = newService(true)
		r.svd[1].start = r.stamp()
		if unix.Stat("log/down", &st) == nil {
			r.svd[1].want = 'd'
		}
		// The log pipe is made once and both ends stay open in runsv,
		// so either side can restart without losing a line.
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			return r.fatal(err, "unable to create log pipe")
		}
		r.logpipe = p
	}

	if err := r.mkSupervise("supervise", ""); err != nil {
		return err
	}
	fd, err := openAppend("supervise/lock")
	if err != nil {
		return r.fatal(err, "unable to open supervise/lock")
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return r.fatal(err, "unable to lock supervise/lock")
	}
	r.svd[0].fdlock = fd
	if r.haslog {
		if err := r.mkSupervise("log/supervise", "log"); err != nil {
			return err
		}
		fd, err := openAppend("log/supervise/lock")
		if err != nil {
			return r.fatal(err, "unable to open log/supervise/lock")
		}
		// Blocking, as in runsv.c: the main lock already says we own
		// this service.
		if err := flockRetry(fd, unix.LOCK_EX); err != nil {
			return r.fatal(err, "unable to lock log/supervise/lock")
		}
		r.svd[1].fdlock = fd
	}
	r.stopOrphans()

	if err := r.openControl(&r.svd[0], "supervise/control"); err != nil {
		return err
	}
	r.updateStatus(&r.svd[0])
	if r.haslog {
		if err := r.openControl(&r.svd[1], "log/supervise/control"); err != nil {
			return err
		}
		r.updateStatus(&r.svd[1])
	}

	if err := r.openOK("supervise/ok"); err != nil {
		return err
	}
	if r.haslog {
		if err := r.openOK("log/supervise/ok"); err != nil {
			return err
		}
	}
	return nil
}

// mkSupervise makes the supervise directory name (0700). If name is a
// symlink, it makes the link's target instead, relative to base (the
// directory holding the link) when relative.
func (r *runsv) mkSupervise(name, base string) error {
	if unix.Mkdir(name, 0o700) == nil {
		return nil
	}
	var buf [256]byte
	n, err := unix.Readlink(name, buf[:])
	if err != nil {
		if err != unix.ENOENT && err != unix.EINVAL {
			return r.fatal(err, "unable to readlink ./", name)
		}
		return nil
	}
	if n == len(buf) {
		return r.fatalx("unable to readlink ./", name, ": ", "name too long")
	}
	target := string(buf[:n])
	if base != "" && target[0] != '/' {
		target = base + "/" + target
	}
	unix.Mkdir(target, 0o700)
	return nil
}

// openControl makes and opens a control FIFO: for reading, and also for
// writing so that runsv never sees end of file. The read end raises SIGIO
// when a byte arrives.
func (r *runsv) openControl(s *service, name string) error {
	unix.Mkfifo(name, 0o600)
	var st unix.Stat_t
	if err := unix.Stat(name, &st); err != nil {
		return r.fatal(err, "unable to stat ", name)
	}
	// runit 2.1.2 stats supervise/control for the log too (a typo fixed
	// upstream in 2025) and then spins on a regular file; gorunit checks
	// the log's own FIFO (see docs/COMPATIBILITY.md).
	if st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return r.fatalx(name, " exists but is not a fifo")
	}
	fd, err := unix.Open(name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return r.fatal(err, "unable to open ", name)
	}
	s.fdctl = fd
	if fd, err = unix.Open(name, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err != nil {
		return r.fatal(err, "unable to open ", name)
	}
	s.fdctlw = fd
	if err := asyncIO(s.fdctl); err != nil {
		return r.fatal(err, "unable to open ", name)
	}
	return nil
}

// asyncIO asks the kernel to send runsv SIGIO when fd becomes readable.
func asyncIO(fd int) error {
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETOWN, unix.Getpid()); err != nil {
		return err
	}
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, fl|unix.O_ASYNC)
	return err
}

// openOK makes the ok FIFO and holds it open for reading for good: while
// runsv lives, opening it for writing without blocking succeeds.
func (r *runsv) openOK(name string) error {
	unix.Mkfifo(name, 0o600)
	if _, err := unix.Open(name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err != nil {
		return r.fatal(err, "unable to read ", name)
	}
	return nil
}

// openAppend is runit's open_append: created 0600 (less the umask).
func openAppend(name string) (int, error) {
	return unix.Open(name, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_APPEND|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
}

func flockRetry(fd, how int) error {
	for {
		err := unix.Flock(fd, how)
		if err != unix.EINTR {
			return err
		}
	}
}
