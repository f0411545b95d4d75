package runsv

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// errLogPipe means the log pipe was already closed (runsv is exiting)
// when a child needed it: runit's child fails to dup it and exits 111.
var errLogPipe = errors.New("log pipe closed")

// spawn forks and execs argv with cwd dir ("" for the service directory),
// stdin and stdout on the given descriptors and runsv's stderr. The child
// gets runsv's environment, default signal handling and runsv's initial
// signal mask. Every other descriptor runsv holds is close-on-exec.
func (r *runsv) spawn(path string, argv []string, dir string, stdin, stdout int) (int, error) {
	if stdin < 0 || stdout < 0 {
		return 0, errLogPipe
	}
	return syscall.ForkExec(path, argv, &syscall.ProcAttr{
		Dir:   dir,
		Env:   r.environ,
		Files: []uintptr{uintptr(stdin), uintptr(stdout), 2},
	})
}

// isForkError tells a failure to fork (runit warns and retries) from a
// failure of the child to exec (runit's child prints it and exits 111).
// Go's ForkExec reports both as the error of one call.
func isForkError(err error) bool {
	return errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.ENOMEM) ||
		errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE)
}

// wait4 is the one place runsv reaps children: pid -1 with WNOHANG from
// the loop, or one control script's pid, blocking, from custom.
func wait4(pid, options int) (int, unix.WaitStatus, error) {
	for {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(pid, &ws, options, nil)
		if err == unix.EINTR {
			continue
		}
		return wpid, ws, err
	}
}

// waitPID waits for the control script pid, as runit's wait_pid does. A
// service child that exits meanwhile stays a zombie until reap.
func (r *runsv) waitPID(pid int) (unix.WaitStatus, error) {
	_, ws, err := wait4(pid, 0)
	return ws, err
}

// reap collects every child that has exited and updates the services, as
// runsv.c's wait_nohang loop does. Children that are not a service's
// current pid (control scripts are waited for elsewhere; an old child
// replaced after k) are just reaped.
func (r *runsv) reap() {
	for {
		pid, ws, err := wait4(-1, unix.WNOHANG)
		if err != nil || pid <= 0 {
			return
		}
		switch {
		case pid == r.svd[0].pid:
			r.childExited(&r.svd[0], ws)
		case r.haslog && pid == r.svd[1].pid:
			r.childExited(&r.svd[1], ws)
		}
	}
}
