package svctl

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/supervise"
)

// enable moves NAME from sysvinit to runit: the sysvinit twin (if enabled
// or running) is disabled and stopped, the service directory is linked into
// the link directory, and enable waits for runsv, the log and the service
// to run. If the service does not come up (or enable is interrupted), every
// step is undone in reverse, so the daemon is never left running twice or
// not at all: the twin is started and enabled again.
func (c *command) enable() int {
	sv, err := c.lookup()
	if err != nil {
		return c.fail("%s", err)
	}
	if !sv.linked {
		sv.target = sv.dir
	} else if _, err := os.Stat(sv.link); err != nil {
		return c.fail("%s -> %s is dangling: remove it first (gorunit disable %s)", sv.link, sv.target, c.name)
	}
	if err := checkRunnable(sv.dir); err != nil {
		return c.fail("refusing to enable: %s", err)
	}
	if others := otherLinks(c.linkDir, c.name, sv.dir); len(others) > 0 {
		return c.fail("refusing to enable: %s is already linked in %s as %s", sv.dir, c.linkDir, strings.Join(others, ", "))
	}
	supervised := sv.main().alive() == nil
	if supervised && !sv.linked {
		return c.fail("refusing to enable: a runsv already supervises %s without a link %s (wait for it to exit, or gorunit disable %s)", sv.dir, sv.link, c.name)
	}

	// Undo steps, run in reverse on failure.
	var undo []func() error
	rollback := func() {
		if len(undo) == 0 {
			return
		}
		c.say("rolling back")
		restore := c.ignoreIntr()
		defer restore()
		for i := len(undo) - 1; i >= 0; i-- {
			if err := undo[i](); err != nil {
				c.warn("rollback: %s", err)
			}
		}
	}
	failed := func(err error) int {
		if c.pollIntr() || errors.Is(err, errInterrupted) {
			err = errInterrupted
		}
		code := c.fail("%s", err)
		rollback()
		return code
	}

	// A twin's status may describe the runit-supervised daemon itself when
	// they share a pidfile (ssh's /run/sshd.pid): once runit runs it, only
	// the start links are the twin's.
	// Stop first, then disable: undone in reverse, the start links are back
	// before the start, which invoke-rc.d refuses (exit 0, nothing
	// started) while the current runlevel has the script's K link.
	for _, t := range c.twins(supervised) {
		if t.running {
			c.say("sysvinit script %s says the daemon is running", t.path)
			c.step("stop twin")
			if err := c.stopTwin(t); err != nil {
				return failed(err)
			}
			undo = append(undo, func() error { return c.invokeRcD(t, "start") })
		}
		if len(t.enabled) > 0 {
			c.say("sysvinit script %s is enabled: %s", t.path, strings.Join(t.enabled, " "))
			c.step("disable twin")
			if err := c.disableTwin(t); err != nil {
				return failed(err)
			}
			undo = append(undo, func() error { return c.enableTwin(t) })
			if c.pollIntr() {
				return failed(errInterrupted)
			}
		}
		if len(t.enabled) == 0 && !t.running {
			c.say("sysvinit script %s is neither enabled nor running", t.path)
		}
		if c.pollIntr() {
			return failed(errInterrupted)
		}
	}

	if sv.linked {
		c.say("already linked: %s -> %s", sv.link, sv.target)
		if supervised {
			if err := c.upAll(sv, &undo); err != nil {
				return failed(err)
			}
		}
	} else {
		if err := c.link(sv); err != nil {
			return failed(err)
		}
		undo = append(undo, func() error { return c.takeDown(sv) })
	}
	if err := c.waitUp(sv); err != nil {
		return failed(err)
	}
	if c.dryRun {
		return ExitOK
	}
	c.say("enabled: %s", statusLine(sv))
	return ExitOK
}

// takeDown undoes a link: stop service and log, remove the link, and have
// runsv exit, killing what does not stop in time.
func (c *command) takeDown(sv *service) error {
	if _, err := c.downAll(sv, true); err != nil {
		c.warn("%s", err)
	}
	if err := c.unlink(sv); err != nil {
		return err
	}
	return c.exitRunsv(sv)
}

// upAll wants up, log first, what an operator downed with sv down: enable
// means running. A side with a down file is left as its author meant it.
func (c *command) upAll(sv *service, undo *[]func() error) error {
	sides := sv.sides()
	for i := len(sides) - 1; i >= 0; i-- { // the log first
		s := sides[i]
		st, err := s.status()
		if err != nil || st.Want == supervise.WantUp || s.normallyDown() {
			continue
		}
		if c.dryRun {
			c.would("start the %s (now %s)", s.label, describe(st, time.Now()))
			continue
		}
		if err := s.send("u"); err != nil {
			return fmt.Errorf("unable to control %s: %s", s.label, cli.ErrStr(err))
		}
		c.say("%s was wanted down: sent up", s.label)
		*undo = append(*undo, func() error { return s.send("d") })
	}
	return nil
}
