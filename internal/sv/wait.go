package sv

import (
	"time"
	"unsafe"

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
// watches each service's supervise directory (inotify; a 10 ms poll of
// supervise/ok and supervise/status where that is not possible) and checks a
// service again as soon as its status changes. So sv notices success as
// soon as runsv records it instead of up to 420 ms later; what it prints is
// the same. A ./check script that fails is retried at the 420 ms rounds,
// or sooner when the status changes.

// fastPoll is the interval for services that cannot be watched.
const fastPoll = 10 * time.Millisecond

func (s *sv) waitAll() error {
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
			dirty, tick := s.watch.wait(d, s.needPoll())
			for i := range s.services {
				if err := s.again(i, dirty[i], tick); err != nil {
					return err
				}
			}
		}
		if !s.anyActive() {
			return nil
		}
		s.tnow = time.Now()
	}
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
func (s *sv) enter(i int) bool {
	name := s.services[i]
	var err error
	if name[0] != '/' && name[0] != '.' {
		err = unix.Chdir(s.svdir)
		if err == nil {
			err = unix.Chdir(name)
		}
	} else {
		err = unix.Chdir(name)
	}
	if err != nil {
		s.fail("unable to change to service directory", err)
		s.active[i] = false
		return false
	}
	return true
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
		if s.enter(i) {
			s.watch.add(i)
			if !s.watch.watched[i] {
				s.watch.last[i] = s.fingerprint()
			}
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

// again checks service i between two rounds, after its supervise
// directory changed (dirty), or on a poll tick when it cannot be watched
// and its status is different, or while runsv has not taken its command.
// It never times a service out: only rounds do.
func (s *sv) again(i int, dirty, tick bool) error {
	if !s.active[i] {
		return nil
	}
	pending := s.sent != nil && s.sent[i].pending
	if !dirty && !(tick && (pending || !s.watch.watched[i])) {
		return nil
	}
	s.cur = i
	if s.enter(i) {
		fp := s.fingerprint()
		changed := fp != s.watch.last[i]
		s.watch.last[i] = fp
		if (dirty || changed || pending) && s.taken(i) {
			s.tnow = time.Now()
			if s.check(s.plan.Acts) != 0 {
				s.active[i] = false
			}
		}
	}
	return s.back()
}

// needPoll tells whether some active service needs the fast poll: it
// cannot be watched, or runsv has not taken its command yet.
func (s *sv) needPoll() bool {
	for i, a := range s.active {
		if a && (!s.watch.watched[i] || s.sent != nil && s.sent[i].pending) {
			return true
		}
	}
	return false
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
	s.watch.rewritten[i] = false
}

// taken tells whether runsv has taken the command sv wrote to service i
// (the working directory), so that its status is worth checking. sv.c
// checks at once and can see the status from before the command: for
// "restart" of a service started in the same second that reads as done.
// Taken means: nothing is left in the control FIFO, and the status has
// been rewritten since (or settleGrace passed, or runsv is gone), or
// drainMax passed.
func (s *sv) taken(i int) bool {
	if s.sent == nil || !s.sent[i].pending {
		return true
	}
	if time.Since(s.sent[i].at) > drainMax {
		s.sent[i].pending = false
		return true
	}
	fd, err := unix.Open("supervise/control", unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err == nil {
		n, err := unix.IoctlGetInt(fd, unix.TIOCINQ)
		unix.Close(fd)
		if err == nil && n > 0 {
			return false
		}
	}
	var b [supervise.StatusSize]byte
	cur := ""
	if fd, err := unix.Open("supervise/status", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err == nil {
		n, _ := readEINTR(fd, b[:])
		unix.Close(fd)
		cur = string(b[:max(n, 0)])
	}
	if s.watch.rewritten[i] || cur != s.sent[i].before || time.Since(s.sent[i].at) > settleGrace {
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
	if err := probe(); err != nil {
		fp = append(fp, 'n')
	} else {
		fp = append(fp, 'y')
	}
	fd, err := unix.Open("supervise/status", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err == nil {
		var st [20]byte
		n, _ := readEINTR(fd, st[:])
		unix.Close(fd)
		fp = append(fp, byte(n+1))
		if n > 0 {
			fp = append(fp, st[:n]...)
		}
	}
	return string(fp)
}

func probe() error {
	fd, err := unix.Open("supervise/ok", unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	unix.Close(fd)
	return nil
}

// watcher tells which services' supervise directories changed.
type watcher struct {
	fd      int // inotify; -1 when unavailable
	wds     map[int32][]int
	watched []bool
	last    []string // fingerprints for polling
	// rewritten: supervise/status was replaced or written since markSent.
	rewritten []bool
	buf       []byte
}

// Events that mean a service may have changed: runsv renames a new
// supervise/status into place, or runsv exits and its read end of
// supervise/ok is closed. sv's own probes of ok (opened for writing) do
// not match; its reads of status match the mask but not the filter.
const watchMask = unix.IN_MOVED_TO | unix.IN_CLOSE_NOWRITE | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF

func newWatcher(n int) *watcher {
	w := &watcher{fd: -1, wds: map[int32][]int{}, watched: make([]bool, n),
		last: make([]string, n), rewritten: make([]bool, n)}
	if fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK); err == nil {
		w.fd = fd
		w.buf = make([]byte, 4096)
	}
	return w
}

func (w *watcher) close() {
	if w.fd != -1 {
		unix.Close(w.fd)
		w.fd = -1
	}
}

// add watches the supervise directory of service i (the working directory).
func (w *watcher) add(i int) {
	if w.fd == -1 || w.watched[i] {
		return
	}
	wd, err := unix.InotifyAddWatch(w.fd, "supervise", watchMask)
	if err != nil {
		return
	}
	w.watched[i] = true
	w.wds[int32(wd)] = append(w.wds[int32(wd)], i)
}

// wait blocks up to d for a change. dirty marks services whose directory
// reported a relevant event; tick says the fast-poll interval passed (only
// asked for when some service needs polling).
func (w *watcher) wait(d time.Duration, needPoll bool) (dirty []bool, tick bool) {
	dirty = make([]bool, len(w.watched))
	if needPoll && d > fastPoll {
		d = fastPoll
		tick = true
	}
	if w.fd == -1 {
		time.Sleep(d)
		return dirty, tick
	}
	deadline := time.Now().Add(d)
	fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return dirty, tick
		}
		n, err := unix.Poll(fds, int((left+time.Millisecond-1)/time.Millisecond))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			time.Sleep(left)
			return dirty, tick
		}
		if n == 0 {
			return dirty, tick
		}
		// sv's own reads of supervise/ also make events: keep waiting
		// until one matters.
		if w.drain(dirty) {
			return dirty, false
		}
	}
}

// drain reads the pending events, marks the services they concern and
// tells whether any was relevant.
func (w *watcher) drain(dirty []bool) (any bool) {
	mark := func(wd int32) {
		for _, i := range w.wds[wd] {
			dirty[i] = true
			any = true
		}
	}
	for {
		n, err := unix.Read(w.fd, w.buf)
		if err != nil || n <= 0 {
			return any
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&w.buf[off]))
			end := min(off+unix.SizeofInotifyEvent+int(ev.Len), n)
			name := cstring(w.buf[off+unix.SizeofInotifyEvent : end])
			off = end
			switch {
			case ev.Mask&unix.IN_Q_OVERFLOW != 0:
				for i := range dirty {
					dirty[i] = true
					w.rewritten[i] = true
				}
				any = true
			case ev.Mask&(unix.IN_IGNORED|unix.IN_DELETE_SELF|unix.IN_MOVE_SELF) != 0:
				mark(ev.Wd)
				if ev.Mask&unix.IN_IGNORED != 0 {
					for _, i := range w.wds[ev.Wd] {
						w.watched[i] = false
					}
					delete(w.wds, ev.Wd)
				}
			case name == "status" && ev.Mask&unix.IN_MOVED_TO != 0:
				mark(ev.Wd)
				for _, i := range w.wds[ev.Wd] {
					w.rewritten[i] = true
				}
			case name == "ok" && ev.Mask&unix.IN_CLOSE_NOWRITE != 0:
				mark(ev.Wd)
			}
		}
	}
}

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
