package runsv

import (
	"github.com/gorunit/gorunit/internal/sig"
	"github.com/gorunit/gorunit/internal/supervise"
	"golang.org/x/sys/unix"
)

func (r *runsv) main() int {
	// runsv.c catches SIGCHLD and SIGTERM before it does anything else.
	sig.Catch(unix.SIGCHLD, unix.SIGTERM, unix.SIGIO)
	r.wake = wakeSelf()
	defaultSignals()
	if err := r.setup(); err != nil {
		return ExitFatal
	}
	startThreads()
	return r.loop()
}

// loop is runsv.c's main loop. Each iteration: start the log and the
// service if they should run; wait for an event; reap; read one byte from
// each control FIFO; turn SIGTERM into x; exit when the service wants to
// exit and is down (after the log has seen EOF and exited).
//
// runit's poll returns at once while a control FIFO holds bytes; here a
// byte read in one iteration means the next one does not block (see
// wait), so each byte still gets an iteration of its own. The first
// iteration does not block either: bytes written before the FIFO had
// O_ASYNC raised no SIGIO.
func (r *runsv) loop() int {
	main, log := &r.svd[0], &r.svd[1]
	busy := true
	for {
		if r.haslog && log.pid == 0 && log.want == supervise.WantUp {
			r.startservice(log)
		}
		if main.pid == 0 && (main.want == supervise.WantUp || main.state == supervise.Finish) {
			r.startservice(main)
		}

		r.wait(busy)
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

// wait is the loop's poll: it returns once there may be something to do,
// having noted a SIGTERM that arrived meanwhile in r.sigterm. If busy (a
// control FIFO may hold more bytes) it does not block.
//
// runsv.c's signal handler sets a flag and writes to a self-pipe, and its
// poll returns at once while a FIFO holds bytes, so every iteration sees a
// SIGTERM that came before it, however busy the FIFOs keep the loop. Here
// signals wait in the runtime's queue, which sig.Wait takes one signal at
// a time (lowest number first) and cannot look at without blocking. So
// wait sends runsv a SIGIO of its own whenever it must not block: when
// busy, and after any signal but SIGIO. That makes the next sig.Wait
// return however the queue looks, without a timer or a second goroutine,
// and a SIGIO too many only makes the loop look at the FIFOs once more,
// which it does every iteration anyway.
//
// wait returns only after sig.Wait has returned SIGIO, the highest of the
// three signals caught: the runtime hands out every signal that was queued
// with it (lower numbers first) before it, so nothing is left over from
// that batch, and the next wait's first sig.Wait takes in everything
// queued since, SIGTERM first (15 is the lowest). A SIGTERM is therefore
// seen in the iteration it arrived before, as in runsv.c, busy or not.
func (r *runsv) wait(busy bool) {
	woken := busy
	if busy {
		r.wake()
	}
	for {
		switch sig.Wait() {
		case unix.SIGTERM:
			r.sigterm = true
		case unix.SIGIO:
			return
		}
		if !woken {
			r.wake()
			woken = true
		}
	}
}

// wakeSelf returns the function that sends runsv the SIGIO that ends its
// wait. When this thread does not block SIGIO (the runtime's threads share
// the mask runsv started with), the signal goes to the calling thread,
// which takes it on its way back from the system call: it is queued before
// sig.Wait looks, so the loop neither sleeps nor wakes another thread.
// Otherwise any thread that takes SIGIO gets it (the runtime keeps one).
func wakeSelf() func() {
	pid := unix.Getpid()
	if !sig.Blocked(unix.SIGIO) {
		return func() {
			if unix.Tgkill(pid, unix.Gettid(), unix.SIGIO) != nil {
				unix.Kill(pid, unix.SIGIO)
			}
		}
	}
	return func() { unix.Kill(pid, unix.SIGIO) }
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
