package svctl

import (
	"os"
)

// reset is the howto's "state smasher" done right: stop the service, then
// its log; remove the link; wait (bounded, through supervise/ok, not `ps |
// grep`) for runsv to exit; remove exactly the persistent state runit keeps
// (removeState); link again; wait for runsv, the log and the service; show
// the service's process tree.
//
// Once the link is removed it is always put back, whatever happens: on a
// failure or an interrupt before the state is gone, nothing is removed and
// the service is brought back as it was.
func (c *command) reset() int {
	sv, err := c.lookup()
	if err != nil {
		return c.fail("%s", err)
	}
	if !sv.linked {
		return c.fail("not enabled: no link %s (gorunit enable %s links it)", sv.link, c.name)
	}
	if _, err := os.Stat(sv.link); err != nil {
		return c.fail("%s -> %s is dangling", sv.link, sv.target)
	}
	if err := checkRunnable(sv.dir); err != nil {
		return c.fail("refusing to reset: %s", err)
	}

	undo, err := c.downAll(sv, c.kill)
	if err != nil {
		if c.interrupted {
			err = errInterrupted
		}
		return c.fail("%s; nothing removed", err)
	}
	if c.pollIntr() {
		undo()
		return c.fail("interrupted; nothing removed")
	}
	if err := c.unlink(sv); err != nil {
		undo()
		return c.fail("%s", err)
	}
	relink := func() error {
		restore := c.ignoreIntr()
		defer restore()
		return c.link(sv)
	}
	if err := c.exitRunsv(sv); err != nil || c.pollIntr() {
		if err == nil || c.interrupted {
			// runsv was told to exit: let it finish (it does at once, the
			// service being down), so that the restored link gets a fresh
			// runsv wanting everything up.
			restore := c.ignoreIntr()
			c.waitExit(sv)
			restore()
			err = errInterrupted
		}
		if lerr := relink(); lerr != nil {
			c.fail("%s", lerr)
		}
		if sv.main().alive() == nil {
			undo() // the old runsv stays: want up again what it had stopped
		}
		return c.fail("%s; link restored, nothing removed", err)
	}
	serr := c.removeState(sv) // quick, and not cut short by an interrupt
	if err := relink(); err != nil {
		return c.fail("%s", err)
	}
	if serr != nil {
		return c.fail("%s; link restored", serr)
	}
	if c.pollIntr() {
		return c.fail("interrupted after the state was removed; link restored")
	}
	if err := c.waitUp(sv); err != nil {
		return c.fail("%s", err)
	}
	if c.dryRun {
		return ExitOK
	}
	c.say("reset: %s", statusLine(sv))
	procs, err := readProcs(procRoot)
	if err != nil {
		c.warn("unable to read %s: %s", procRoot, err)
		return ExitOK
	}
	if top, ok := findRunsv(procs, sv); ok {
		tree(c.out, procs, top)
	} else {
		c.warn("runsv not found in %s", procRoot)
	}
	return ExitOK
}
