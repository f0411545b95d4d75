package logdir

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gorunit/gorunit/internal/cli"
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
		d.opt.Say("svlogd: warning: processor already running: ", d.Name)
		return
	}
	for {
		pid, what, err := d.forkProcessor()
		if err == nil {
			d.ppid = pid
			return
		}
		d.opt.Say("svlogd: fatal: ", what, ": ", d.Name, ": ", cli.ErrStr(err))
		d.opt.Say("svlogd: warning: processor failed, restart: ", d.Name)
		unix.Unlinkat(d.fddir, d.tname(), 0)
		d.opt.Sleep(PauseTime)
	}
}

func (d *Dir) tname() string { return d.fnsave[:26] + "t" }

func (d *Dir) forkProcessor() (pid int, what string, err error) {
	d.info("processing: ", d.Name, "/", d.fnsave)
	var fds [4]int
	for i := range fds {
		fds[i] = -1
	}
	defer func() {
		for _, fd := range fds {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
	}()
	const rd = unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC
	const trunc = unix.O_WRONLY | unix.O_NONBLOCK | unix.O_TRUNC | unix.O_CREAT | unix.O_CLOEXEC
	if fds[0], err = unix.Openat(d.fddir, d.fnsave, rd, 0); err != nil {
		return 0, "unable to open input for processor", err
	}
	if fds[1], err = unix.Openat(d.fddir, d.tname(), trunc, 0o644); err != nil {
		return 0, "unable to open output for processor", err
	}
	if fds[2], err = unix.Openat(d.fddir, "state", rd, 0); err != nil {
		if !errors.Is(err, unix.ENOENT) {
			return 0, "unable to open state for processor", err
		}
		fd, err := unix.Openat(d.fddir, "state", trunc, 0o644)
		if err != nil {
			return 0, "unable to create empty state for processor", err
		}
		unix.Close(fd)
		if fds[2], err = unix.Openat(d.fddir, "state", rd, 0); err != nil {
			return 0, "unable to open state for processor", err
		}
	}
	if fds[3], err = unix.Openat(d.fddir, "newstate", trunc, 0o644); err != nil {
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
func (d *Dir) Reaped(pid int, ws unix.WaitStatus) bool {
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
		var ws unix.WaitStatus
		pid, err := unix.Wait4(d.ppid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid != d.ppid {
			if err == unix.ECHILD {
				// Reaped elsewhere: nothing left to wait for.
				d.ppid = 0
				return
			}
			d.pause("error waiting for processor", err)
			continue
		}
		d.ppid = 0
		d.processorDone(ws)
	}
}

// processorDone is svlogd.c's processorstop after the wait. runit's
// wait_exitcode is wstat>>8, so a processor killed by a signal counts as
// a success.
func (d *Dir) processorDone(ws unix.WaitStatus) {
	if d.fddir < 0 {
		return
	}
	if int(ws)>>8 != 0 {
		d.opt.Say("svlogd: warning: processor failed, restart: ", d.Name)
		unix.Unlinkat(d.fddir, d.tname(), 0)
		d.processorStart()
		return
	}
	s := d.fnsave[:26] + "s"
	for {
		err := unix.Renameat(d.fddir, d.tname(), d.fddir, s)
		if err == nil {
			break
		}
		d.pause("unable to rename processed", err)
	}
	for {
		err := unix.Fchmodat(d.fddir, s, 0o744, 0)
		if err == nil {
			break
		}
		d.pause("unable to set mode of processed", err)
	}
	if err := unix.Unlinkat(d.fddir, d.fnsave, 0); err != nil {
		d.opt.Say("svlogd: warning: unable to unlink: ", d.Name, "/", d.fnsave)
	}
	for {
		err := unix.Renameat(d.fddir, "newstate", d.fddir, "state")
		if err == nil {
			break
		}
		d.pause("unable to rename state", err)
	}
	d.info("processed: ", d.Name, "/", s)
}
