package runsv

import (
	"github.com/gorunit/gorunit/internal/supervise"
	"golang.org/x/sys/unix"
)

func (r *runsv) main() int {
	ev := notify()
	defaultSignals()
	if err := r.setup(); err != nil {
		return ExitFatal
	}
	return r.loop(ev)
}

// loop is runsv.c's main loop. Each iteration: start the log and the
// service if they should run; wait for an event; reap; read one byte from
// each control FIFO; turn SIGTERM into x; exit when the service wants to
// exit and is down (after the log has seen EOF and exited).
//
// runit's poll returns at once while a control FIFO holds bytes; here a
// byte read in one iteration means the next one does not wait, so each
// byte still gets an iteration of its own.
func (r *runsv) loop(ev *events) int {
	main, log := &r.svd[0], &r.svd[1]
	busy := true
	for {
		if r.haslog && log.pid == 0 && log.want == supervise.WantUp {
			r.startservice(log)
		}
		if main.pid == 0 && (main.want == supervise.WantUp || main.state == supervise.Finish) {
			r.startservice(main)
		}

		if !busy {
			select {
			case <-ev.chld:
			case <-ev.term:
				r.sigterm = true
			case <-ev.io:
			}
		}
		// Like draining the self-pipe: whatever else is pending is
		// looked at in this same iteration.
		select {
		case <-ev.term:
			r.sigterm = true
		default:
		}
		select {
		case <-ev.chld:
		default:
		}
		select {
		case <-ev.io:
		default:
		}

		r.reap()

		busy = false
		if c, ok := r.readControl(main); ok {
			r.ctrl(main, c)
			busy = true
		}
		if r.haslog {
			if c, ok := r.readControl(log); ok {
				r.ctrl(log, c)
				busy = true
			}
		}

		if r.sigterm {
			r.ctrl(main, supervise.CtlExit)
			r.sigterm = false
		}

		if main.want == supervise.WantExit && main.state == supervise.Down {
			if log.pid == 0 {
				return ExitOK
			}
			if log.want != supervise.WantExit {
				log.want = supervise.WantExit
				r.updateStatus(log)
				// The log sees EOF once the service and its children
				// have closed their copies too.
				if err := unix.Close(r.logpipe[1]); err != nil {
					r.warn(err, "unable to close logpipe[1]")
				}
				if err := unix.Close(r.logpipe[0]); err != nil {
					r.warn(err, "unable to close logpipe[0]")
				}
				r.logpipe = [2]int{-1, -1}
			}
		}
	}
}

// readControl reads one byte from s's control FIFO, if there is one.
func (r *runsv) readControl(s *service) (byte, bool) {
	var b [1]byte
	for {
		n, err := unix.Read(s.fdctl, b[:])
		if err == unix.EINTR {
			continue
		}
		return b[0], n == 1
	}
}
