package logdir

import (
	"syscall"

	"github.com/gorunit/gorunit/internal/cname"
)

// processorStart runs the processor on the rotated @….u file: /bin/sh -c
// with cwd the log directory, stdin the .u file, stdout the .t file, fd 4
// state (created empty when missing), fd 5 newstate, stderr svlogd's
// (svlogd.c processorstart). runit opens the files in the child and dies
// there with "svlogd: fatal: …", which counts as a failed run; gorunit
// opens them before forking, prints the same message and retries after a
// pause rather than in a tight loop.
func (d *Dir) processorStart() {
	if !d.Config.HasProcessor {
		return
	}
	if d.ppid != 0 {
		d.say("svlogd: warning: processor already running: ", d.Name)
		return
	}
	for {
		pid, what, err := d.forkProcessor()
		if err == nil {
			d.ppid = pid
			return
		}
		if d.removed(err) {
			d.giveUp()
			return
		}
		d.say("svlogd: fatal: ", what, ": ", d.Name, ": ", ErrText(err))
		d.say("svlogd: warning: processor failed, restart: ", d.Name)
		t := d.named('t')
		cname.Unlink(d.fddir, t[:])
		d.opt.Sleep(PauseTime)
	}
}

// named is d.fnsave with another suffix.
func (d *Dir) named(suffix byte) [28]byte {
	n := d.fnsave
	n[26] = suffix
	return n
}

func (d *Dir) forkProcessor() (pid int, what string, err error) {
	d.info("processing: ", d.Name, "/", cname.String(d.fnsave[:]))
	// syscall.ForkExec copies the argument and environment strings.
	d.opt.Garbage += 1024 + len(d.Name) + len(d.Config.Processor)
	for _, kv := range d.opt.Environ {
		d.opt.Garbage += len(kv) + 24
	}
	t := d.named('t')
	var fds [4]int
	for i := range fds {
		fds[i] = -1
	}
	defer func() {
		for _, fd := range fds {
			if fd >= 0 {
				syscall.Close(fd)
			}
		}
	}()
	const rd = syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	const trunc = syscall.O_WRONLY | syscall.O_NONBLOCK | syscall.O_TRUNC | syscall.O_CREAT | syscall.O_CLOEXEC
	if fds[0], err = cname.Open(d.fddir, d.fnsave[:], rd, 0); err != nil {
		return 0, "unable to open input for processor", err
	}
	if fds[1], err = cname.Open(d.fddir, t[:], trunc, 0o644); err != nil {
		return 0, "unable to open output for processor", err
	}
	if fds[2], err = syscall.Openat(d.fddir, "state", rd, 0); err != nil {
		if err != syscall.ENOENT {
			return 0, "unable to open state for processor", err
		}
		fd, err := syscall.Openat(d.fddir, "state", trunc, 0o644)
		if err != nil {
			return 0, "unable to create empty state for processor", err
		}
		syscall.Close(fd)
		if fds[2], err = syscall.Openat(d.fddir, "state", rd, 0); err != nil {
			return 0, "unable to open state for processor", err
		}
	}
	if fds[3], err = syscall.Openat(d.fddir, "newstate", trunc, 0o644); err != nil {
		return 0, "unable to open newstate for processor", err
	}
	// The input is read by the processor from its start.
	none := ^uintptr(0)
	pid, err = syscall.ForkExec("/bin/sh", []string{"sh", "-c", d.Config.Processor}, &syscall.ProcAttr{
		Dir:   d.Name,
		Env:   d.opt.Environ,
		Files: []uintptr{uintptr(fds[0]), uintptr(fds[1]), 2, none, uintptr(fds[2]), uintptr(fds[3])},
	})
	if err != nil {
		return 0, "unable to run processor", err
	}
	return pid, "", nil
}

// Processor is the pid of the running processor, 0 if none.
func (d *Dir) Processor() int { return d.ppid }

// Reaped tells d that child pid exited with status ws; it reports whether
// pid was d's processor (svlogd.c sig_child_handler).
func (d *Dir) Reaped(pid int, ws syscall.WaitStatus) bool {
	if pid == 0 || pid != d.ppid {
		return false
	}
	d.ppid = 0
	d.processorDone(ws)
	return true
}

// WaitProcessor blocks until the running processor has succeeded,
// restarting it whenever it fails (svlogd.c: while (!processorstop(ld))).
func (d *Dir) WaitProcessor() {
	for d.ppid != 0 {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(d.ppid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || pid != d.ppid {
			if err == syscall.ECHILD {
				// Reaped elsewhere: nothing left to wait for.
				d.ppid = 0
				return
			}
			d.pause(err, "error waiting for processor")
			continue
		}
		d.ppid = 0
		d.processorDone(ws)
	}
}

// processorDone is svlogd.c's processorstop after the wait. runit's
// wait_exitcode is wstat>>8, so a processor killed by a signal counts as
// a success.
func (d *Dir) processorDone(ws syscall.WaitStatus) {
	if d.fddir < 0 {
		return
	}
	if int(ws)>>8 != 0 {
		d.say("svlogd: warning: processor failed, restart: ", d.Name)
		t := d.named('t')
		cname.Unlink(d.fddir, t[:])
		d.processorStart()
		return
	}
	t, s := d.named('t'), d.named('s')
	for {
		err := cname.Rename(d.fddir, t[:], d.fddir, s[:])
		if err == nil {
			break
		}
		if !d.retry(err, "unable to rename processed") {
			return
		}
	}
	for {
		err := syscall.Fchmodat(d.fddir, cname.String(s[:]), 0o744, 0)
		if err == nil {
			break
		}
		if !d.retry(err, "unable to set mode of processed") {
			return
		}
	}
	d.opt.Garbage += 32
	if err := cname.Unlink(d.fddir, d.fnsave[:]); err != nil {
		d.say("svlogd: warning: unable to unlink: ", d.Name, "/", cname.String(d.fnsave[:]))
	}
	for {
		err := cname.Rename(d.fddir, cNewstate, d.fddir, cState)
		if err == nil {
			break
		}
		if !d.retry(err, "unable to rename state") {
			return
		}
	}
	d.info("processed: ", d.Name, "/", cname.String(s[:]))
}
