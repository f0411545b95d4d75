package sv

import (
	"errors"
	"time"

	"github.com/gorunit/gorunit/internal/supervise"

	"golang.org/x/sys/unix"
)

// Waiting.
//
// sv.c checks every remaining service, sleeps 420 ms, and again, until each
// has reached its condition or, at the top of a round, more than -w seconds
// have passed since sv started: then it prints "timeout:" (or "kill:" and
// sends 'k'). After a round in which some service timed out it sleeps once
// more before exiting.
//
// gorunit keeps those rounds, and with them every timeout at the same
// moment as sv.c and the trailing sleep, but between two rounds it also
// polls each service's supervise/ok and supervise/status every few
// milliseconds and checks a service again as soon as they change. So sv
// notices success when runsv records it instead of up to 420 ms later;
// what it prints is the same. A ./check script that fails is retried at
// the 420 ms rounds, or sooner when the status changes.
//
// (inotify would spare the polls, but closing an inotify descriptor, or
// exiting with one, waits for an RCU grace period in the kernel: some
// 10 ms more than the poll costs.)

// Poll intervals between rounds: fast while things change, slower when
// they have been quiet for quietAfter. More than pollPer services
// stretch the interval proportionally.
const (
	fastPoll   = time.Millisecond
	slowPoll   = 10 * time.Millisecond
	quietAfter = 500 * time.Millisecond
	pollPer    = 10
)

func (s *sv) waitAll() error {
	changed := time.Now()
	for {
		done, err := s.round()
		if err != nil {
			return err
		}
		if !s.anyActive() {
			if !done {
				time.Sleep(poll) // sv.c sleeps after a round that timed out
			}
			return nil
		}
		next := time.Now().Add(poll)
		for s.anyActive() {
			d := time.Until(next)
			if d <= 0 {
				break
			}
			time.Sleep(min(d, s.interval(changed)))
			for i := range s.services {
				moved, err := s.again(i)
				if err != nil {
					return err
				}
				if moved {
					changed = time.Now()
				}
			}
		}
		if !s.anyActive() {
			return nil
		}
		s.tnow = time.Now()
	}
}

// interval is how long to sleep before polling again.
func (s *sv) interval(changed time.Time) time.Duration {
	d := fastPoll
	if time.Since(changed) > quietAfter {
		d = slowPoll
	}
	n := 0
	for _, a := range s.active {
		if a {
			n++
		}
	}
	if n > pollPer {
		d = d * time.Duration(n) / pollPer
	}
	return d
}

func (s *sv) anyActive() bool {
	for _, a := range s.active {
		if a {
			return true
		}
	}
	return false
}

// enter changes into service i the way sv.c's wait loop does: under
// $SVDIR unless the name starts with "/" or "." (unlike the first pass, a
// trailing "/" does not count here: an upstream inconsistency kept).
func (s *sv) enter(i int) (bool, error) {
	name := s.services[i]
	if err := s.cd(name, name[0] != '/' && name[0] != '.'); err != nil {
		var e exit
		if errors.As(err, &e) {
			return false, err
		}
		s.fail("unable to change to service directory", err)
		s.active[i] = false
		return false, nil
	}
	return true, nil
}

// round is one round of sv.c's wait loop. done is sv.c's done: no service
// was left unfinished in this round (timed-out ones count as unfinished).
func (s *sv) round() (done bool, err error) {
	elapsed := s.tnow.Sub(s.tstart).Seconds()
	done = true
	for i := range s.services {
		if !s.active[i] {
			continue
		}
		s.cur = i
		in, err := s.enter(i)
		if err != nil {
			return false, err
		}
		if in {
			s.last[i] = s.fingerprint()
			// A command runsv has not taken yet defers the check, but
			// never past the round that would time the service out:
			// there sv checks what it sees, as sv.c would.
			if elapsed <= float64(s.wait) && !s.taken(i) {
				done = false
			} else if s.check(s.plan.Acts) != 0 {
				s.active[i] = false
			} else {
				done = false
			}
		}
		if s.active[i] && elapsed > float64(s.wait) {
			if s.plan.Kill {
				s.outs("kill: ")
			} else {
				s.outs("timeout: ")
			}
			if s.statusGet() > 0 {
				s.statusPrint(s.services[i])
				s.rc++
			}
			s.flush("\n")
			if s.plan.Kill {
				if _, err := s.control("k"); err != nil {
					return false, err
				}
			}
			s.active[i] = false
		}
		if err := s.back(); err != nil {
			return false, err
		}
	}
	return done, nil
}

// again checks service i between two rounds, when its status has
// changed since it was last checked, or while runsv has not taken its
// command. It never times a service out: only rounds do. moved tells
// that the status changed.
func (s *sv) again(i int) (moved bool, err error) {
	if !s.active[i] {
		return false, nil
	}
	s.cur = i
	in, err := s.enter(i)
	if err != nil {
		return false, err
	}
	if in {
		fp := s.fingerprint()
		moved = fp != s.last[i]
		s.last[i] = fp
		pending := s.sent != nil && s.sent[i].pending
		if (moved || pending) && s.taken(i) {
			s.tnow = time.Now()
			if s.check(s.plan.Acts) != 0 {
				s.active[i] = false
			}
		}
	}
	return moved, s.back()
}

// sent is a command written to a service's control FIFO.
type sent struct {
	pending bool
	at      time.Time
	before  string // supervise/status before the write
}

// settleGrace is how long sv waits after runsv has read a command for
// the status to change, when the command changes nothing runsv records
// (e.g. term to a service that is down).
const settleGrace = 100 * time.Millisecond

// drainMax is how long sv waits at most for runsv to read a command: a
// bit more than the second runsv may sleep before restarting a service
// (runsv.c's restart throttle), during which it reads nothing.
const drainMax = 1500 * time.Millisecond

// markSent notes that the command was just written to service i (the
// working directory) and s.raw holds the status read before the write.
// Commands whose conditions hold at once (hup, alarm, ...) need no note.
func (s *sv) markSent(i int) {
	switch s.plan.Acts[0] {
	case 'u', 'd', 'o', 'x', 't', 'k', 'p', 'c':
	default:
		return
	}
	s.sent[i] = sent{pending: true, at: time.Now(), before: string(s.raw[:])}
}

// taken tells whether runsv has taken the command sv wrote to service i
// (the working directory), so that its status is worth checking. sv.c
// checks at once and can see the status from before the command: for
// "restart" of a service started in the same second that reads as done.
// Taken means: nothing is left in the control FIFO, and the status has
// changed since (or settleGrace passed, or runsv is gone), or drainMax
// passed.
func (s *sv) taken(i int) bool {
	if s.sent == nil || !s.sent[i].pending {
		return true
	}
	if time.Since(s.sent[i].at) > drainMax {
		s.sent[i].pending = false
		return true
	}
	fd, err := s.c.open(controlPath, unix.O_WRONLY)
	if err == unix.ENXIO { // runsv is gone: nothing more will change
		s.sent[i].pending = false
		return true
	}
	if err == nil {
		n, err := unix.IoctlGetInt(fd, unix.TIOCINQ)
		closeRaw(fd)
		if err == nil && n > 0 {
			return false
		}
	}
	var b [supervise.StatusSize]byte
	cur := ""
	if n, _ := s.readStatusInto(b[:]); n >= 0 {
		cur = string(b[:n])
	}
	if cur != s.sent[i].before || time.Since(s.sent[i].at) > settleGrace {
		s.sent[i].pending = false
		return true
	}
	return false
}

// fingerprint is what a check depends on besides the clock and ./check:
// whether runsv runs, and the status bytes.
func (s *sv) fingerprint() string {
	var b [2 + 20]byte
	fp := b[:0]
	if err := s.probe(); err != nil {
		fp = append(fp, 'n')
	} else {
		fp = append(fp, 'y')
	}
	var st [supervise.StatusSize]byte
	n, _ := s.readStatusInto(st[:])
	fp = append(fp, byte(n+2))
	if n > 0 {
		fp = append(fp, st[:n]...)
	}
	return string(fp)
}
