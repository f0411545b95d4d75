package svctl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/supervise"
)

// The steps disable, reset and enable's rollback share. Each prints what it
// did; with -n each prints what it would do and changes nothing.

// downSide sends d to one side and waits until it is down (no pid, state
// down), as `sv down` does. With kill, a side still up when the wait is over
// gets k and one more wait. It returns whether it sent d to a side that
// wanted up, so the caller can undo it.
func (c *command) downSide(s side, kill bool) (sent bool, err error) {
	if err := s.alive(); err != nil {
		if notRunning(err) {
			c.say("%s: runsv not running", s.label)
			return false, nil
		}
		return false, fmt.Errorf("unable to open %s/ok: %s", s.supervise(), cli.ErrStr(err))
	}
	st, err := s.status()
	if err != nil {
		return false, fmt.Errorf("unable to read %s/status: %s", s.supervise(), cli.ErrStr(err))
	}
	if isDown(st) && st.Want != supervise.WantUp {
		c.say("%s is already down", s.label)
		return false, nil
	}
	if c.dryRun {
		c.would("stop the %s (now %s) and wait up to %s", s.label, describe(st, time.Now()), c.wait)
		return false, nil
	}
	if err := s.send("d"); err != nil {
		return false, fmt.Errorf("unable to control %s: %s", s.label, cli.ErrStr(err))
	}
	sent = st.Want == supervise.WantUp
	down := func() error {
		if err := s.alive(); notRunning(err) {
			return nil // runsv went away: nothing runs
		}
		st, err := s.status()
		if err != nil {
			return err
		}
		if isDown(st) {
			return nil
		}
		return errors.New(describe(st, time.Now()))
	}
	err = c.waitFor(c.wait, down)
	if errors.Is(err, errTimeout) && kill {
		c.say("%s did not stop within %s: sending KILL", s.label, c.wait)
		if err := s.send("k"); err != nil {
			return sent, fmt.Errorf("unable to control %s: %s", s.label, cli.ErrStr(err))
		}
		err = c.waitFor(c.wait, down)
	}
	if err != nil {
		if errors.Is(err, errTimeout) && !kill {
			return sent, fmt.Errorf("%s did not stop: %w (it may ignore TERM: -k sends KILL)", s.label, err)
		}
		return sent, fmt.Errorf("%s did not stop: %w", s.label, err)
	}
	c.say("%s is down", s.label)
	return sent, nil
}

// downAll stops the service, then its log, so the log catches everything
// the service says last (`sv down NAME NAME/log`). On failure or interrupt
// it brings back up, log first, what it had stopped, so nothing is left
// half-done; the returned undo does the same for a later failure.
func (c *command) downAll(sv *service, kill bool) (undo func(), err error) {
	var sent []side
	undo = func() {
		restore := c.ignoreIntr()
		defer restore()
		for i := len(sent) - 1; i >= 0; i-- { // log first, then the service
			s := sent[i]
			if err := s.send("u"); notRunning(err) {
				continue // runsv is gone; a new one starts it as it was
			} else if err != nil {
				c.warn("unable to start the %s again: %s", s.label, cli.ErrStr(err))
				continue
			}
			c.say("%s: sent up again, as it was", s.label)
		}
		sent = nil
	}
	for _, s := range sv.sides() {
		c.step("down " + s.label)
		was, err := c.downSide(s, kill)
		if was {
			sent = append(sent, s)
		}
		if err != nil {
			undo()
			return func() {}, err
		}
	}
	return undo, nil
}

// unlink removes the link, the one thing that makes runsvdir run NAME.
func (c *command) unlink(sv *service) error {
	c.step("unlink")
	if c.dryRun {
		c.would("remove the link %s", sv.link)
		return nil
	}
	if err := os.Remove(sv.link); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("unable to remove %s: %s", sv.link, cli.ErrStr(err))
	}
	c.say("removed the link %s", sv.link)
	return nil
}

// link makes (or restores) the link to the service directory.
func (c *command) link(sv *service) error {
	c.step("link")
	if c.dryRun {
		c.would("link %s -> %s", sv.link, sv.target)
		return nil
	}
	if err := os.Symlink(sv.target, sv.link); err != nil {
		if got, rerr := os.Readlink(sv.link); rerr == nil && got == sv.target {
			return nil // someone put it back already
		}
		return fmt.Errorf("unable to link %s -> %s: %s", sv.link, sv.target, cli.ErrStr(err))
	}
	c.say("linked %s -> %s", sv.link, sv.target)
	return nil
}

// exitRunsv makes the service's runsv exit and waits until it has: runsv
// exits on x once the service is down (runsvdir sends TERM, the same thing,
// when it notices the link is gone; sending x ourselves does not depend on
// how soon that is). The ok FIFO then gives ENXIO.
func (c *command) exitRunsv(sv *service) error {
	c.step("exit runsv")
	m := sv.main()
	if err := m.alive(); err != nil {
		if notRunning(err) {
			// runsvdir saw the link go and stopped runsv already (gorunit's
			// runsvdir notices at once): the same outcome, the same report.
			if !c.dryRun {
				c.say("runsv has exited")
			}
			return nil
		}
		return fmt.Errorf("unable to open %s/ok: %s", m.supervise(), cli.ErrStr(err))
	}
	if c.dryRun {
		c.would("tell runsv to exit and wait up to %s", c.wait)
		return nil
	}
	if err := m.send("x"); err != nil && !notRunning(err) {
		return fmt.Errorf("unable to control runsv: %s", cli.ErrStr(err))
	}
	return c.waitExit(sv)
}

// waitExit waits until the service's runsv has exited.
func (c *command) waitExit(sv *service) error {
	m := sv.main()
	err := c.waitFor(c.wait, func() error {
		if err := m.alive(); err == nil {
			st, _ := m.status()
			return fmt.Errorf("runsv still running, service %s", describe(st, time.Now()))
		} else if !notRunning(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("runsv did not exit: %w", err)
	}
	c.say("runsv has exited")
	return nil
}

// waitUp waits, each wait bounded by -w, until runsv runs, then the log,
// then the service; a side with a down file is only reported. A service
// counts as running once it has been up for a second with the same pid, so
// a run script that exits at once (runsv restarts it every second) fails.
func (c *command) waitUp(sv *service) error {
	c.step("wait up")
	if c.dryRun {
		c.would("wait up to %s for runsv, then the log, then the service to run", c.wait)
		return nil
	}
	m := sv.main()
	err := c.waitFor(c.wait, func() error {
		err := m.alive()
		if notRunning(err) {
			return errors.New("runsv not running")
		}
		return err
	})
	if err != nil {
		if errors.Is(err, errTimeout) {
			if hint := c.runsvdirHint(); hint != "" {
				return fmt.Errorf("runsv did not start: %w (%s)", err, hint)
			}
		}
		return fmt.Errorf("runsv did not start: %w", err)
	}
	c.say("runsv is running")
	sides := []side{m}
	if sv.hasLog() {
		sides = []side{sv.log(), m}
	}
	for _, s := range sides {
		if s.normallyDown() {
			c.say("%s is normally down (%s/down exists): not waiting for it", s.label, s.dir)
			continue
		}
		var last supervise.Status
		var checked time.Time
		var checkErr error
		err := c.waitFor(c.wait, func() error {
			st, err := s.status()
			if err != nil {
				return err
			}
			now := time.Now()
			if st.State != supervise.Run || st.PID == 0 || now.Sub(time.Unix(st.Stamp.Unix(), int64(st.Stamp.Nano))) < time.Second || st.PID != last.PID {
				last = st
				return errors.New(describe(st, now))
			}
			if now.Sub(checked) >= checkEvery {
				checked = now
				checkErr = runCheck(s.dir, c.wait)
			}
			if checkErr != nil {
				return fmt.Errorf("%s, ./check failed: %w", describe(st, now), checkErr)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s is not running: %w", s.label, err)
		}
		c.say("%s is running (pid %d)", s.label, last.PID)
	}
	return nil
}

// checkEvery is how often a failing ./check is run again: sv's 420 ms.
const checkEvery = 420 * time.Millisecond

// runCheck is sv's readiness test (sv.c checkscript): with no ./check the
// service is ready; else ./check runs in the service directory with stdout
// closed, and exit 0 means ready. As with sv, a ./check that cannot be
// executed passes. It is killed after d.
func runCheck(dir string, d time.Duration) error {
	if _, err := os.Stat(filepath.Join(dir, "check")); err != nil {
		return nil
	}
	code, err := spawn([]string{"./check"}, dir, nil, nil, false, d)
	if err != nil {
		if errors.Is(err, errNotStarted) {
			return nil // cannot be executed: passes, as with sv
		}
		return err
	}
	if code != 0 {
		return fmt.Errorf("exit %d", code)
	}
	return nil
}

// statusLine is sv's status line without the name: "run (pid 5) 3s;
// log: run (pid 4) 3s".
func statusLine(sv *service) string {
	now := time.Now()
	var parts []string
	for _, s := range sv.sides() {
		var txt string
		if err := s.alive(); err != nil {
			txt = "runsv not running"
		} else if st, err := s.status(); err != nil {
			txt = "unable to read status: " + cli.ErrStr(err)
		} else {
			txt = describe(st, now)
		}
		if s.label == "log" {
			txt = "log: " + txt
		}
		parts = append(parts, txt)
	}
	return strings.Join(parts, "; ")
}

// runsvdirHint says when no runsvdir watches the link directory, for a
// runsv that never came.
func (c *command) runsvdirHint() string {
	real, err := filepath.EvalSymlinks(c.linkDir)
	if err != nil {
		return ""
	}
	procs, err := readProcs(procRoot)
	if err != nil {
		return ""
	}
	for _, p := range procs {
		if !p.is("runsvdir") {
			continue
		}
		dir, ok := p.runsvdirDir()
		if !ok {
			continue // exiting, or another user's with a relative dir
		}
		if d, err := filepath.EvalSymlinks(dir); err == nil && d == real {
			return ""
		}
	}
	return "no runsvdir seems to run on " + c.linkDir + ": is runit started?"
}
