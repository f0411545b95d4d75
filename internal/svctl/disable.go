package svctl

import (
	"errors"
	"os"
)

// disable stops the service, then its log, removes the link and waits for
// runsv to exit: the howto's `sv down NAME NAME/log; rm LINK`, with every
// wait bounded. With -S the sysvinit twin is enabled and started again
// afterwards.
//
// A service that does not stop in time leaves the link in place and the
// service and log wanted as before (-k kills it instead): disable either
// completes or changes nothing that matters.
func (c *command) disable() int {
	sv, err := c.lookup()
	if err != nil {
		return c.fail("%s", err)
	}
	var tw twin
	if c.sysv {
		if tw, err = c.firstTwin(); err != nil {
			return c.fail("-S: %s", err)
		}
	}
	if sv.linked {
		if _, err := os.Stat(sv.link); err != nil {
			c.say("%s -> %s is dangling", sv.link, sv.target)
			if err := c.unlink(sv); err != nil {
				return c.fail("%s", err)
			}
			return c.giveBack(tw)
		}
	} else if _, err := os.Stat(sv.dir); err != nil {
		return c.fail("no such service: no link %s and no directory %s", sv.link, sv.dir)
	} else if notRunning(sv.main().alive()) {
		c.say("not enabled (no link %s) and no runsv running: nothing to do", sv.link)
		if !c.sysv {
			return ExitOK
		}
		return c.giveBack(tw)
	}

	undo, err := c.downAll(sv, c.kill)
	if err != nil {
		if c.interrupted {
			err = errInterrupted
		}
		return c.fail("%s; the link is still in place", err)
	}
	if c.pollIntr() {
		undo()
		return c.fail("interrupted; the link is still in place")
	}
	if sv.linked {
		if err := c.unlink(sv); err != nil {
			undo()
			return c.fail("%s", err)
		}
	} else {
		c.say("not linked in %s", c.linkDir)
	}
	// From here on the link is gone, which is what disable is for; an
	// interrupt only cuts the wait short.
	if err := c.exitRunsv(sv); err != nil {
		more := ""
		if c.sysv {
			more = "; -S not done: run gorunit disable -S " + c.name + " again"
		}
		if errors.Is(err, errInterrupted) {
			return c.fail("interrupted while waiting for runsv to exit; the link is removed%s", more)
		}
		return c.fail("%s; the link is removed%s", err, more)
	}
	return c.giveBack(tw)
}

// giveBack is -S: enable and start the sysvinit twin again.
func (c *command) giveBack(tw twin) int {
	if !c.sysv {
		if !c.dryRun {
			c.say("disabled")
		}
		return ExitOK
	}
	c.step("enable twin")
	if err := c.enableTwin(tw); err != nil {
		return c.fail("%s", err)
	}
	if err := c.invokeRcD(tw, "start"); err != nil {
		return c.fail("%s", err)
	}
	if !c.dryRun {
		c.say("disabled; sysvinit script %s enabled and started", tw.path)
	}
	return ExitOK
}
