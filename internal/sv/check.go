package sv

import (
	"syscall"

	"github.com/gorunit/gorunit/internal/cli"
	"golang.org/x/sys/unix"
)

// check is sv.c's check(): whether the service (the working directory)
// has reached every condition in acts, tested left to right. 1: done (and
// "ok: STATUS" printed), 0: not yet, -1: give up (already reported).
//
//	u  pid, state run, ./check passes
//	d  no pid, state down
//	x  runsv gone (never while it runs)
//	C  ./check passes if there is a pid (so a down service passes: 2.1.2)
//	t,k  down and want down; or a run stamped no earlier than sv's start
//	     second, not got TERM, ./check passes
//	o  not (down and stamped before sv started) and not (pid, want up)
//	p  no pid, or paused;  c  no pid, or not paused
//	anything else passes
func (s *sv) check(acts string) int {
	r := s.statusGet()
	if r == -1 {
		return -1
	}
	for i := 0; i < len(acts); i++ {
		a := acts[i]
		if r == 0 {
			if a == 'x' {
				return 1
			}
			return -1
		}
		st := s.decoded()
		pid := st.PID != 0
		switch a {
		case 'x':
			return 0
		case 'u':
			if !pid || s.raw[19] != 1 {
				return 0
			}
			if !s.checkScript() {
				return 0
			}
		case 'd':
			if pid || s.raw[19] != 0 {
				return 0
			}
		case 'C':
			if pid && !s.checkScript() {
				return 0
			}
		case 't', 'k':
			if !pid && s.raw[17] == 'd' {
				break
			}
			if taiSec(s.tstart) > st.Stamp.Sec || !pid || s.raw[18] != 0 || !s.checkScript() {
				return 0
			}
		case 'o':
			if (!pid && taiSec(s.tstart) > st.Stamp.Sec) || (pid && s.raw[17] != 'd') {
				return 0
			}
		case 'p':
			if pid && s.raw[16] == 0 {
				return 0
			}
		case 'c':
			if pid && s.raw[16] != 0 {
				return 0
			}
		}
	}
	s.outs("ok: ")
	s.statusPrint(s.services[s.cur])
	s.flush("\n")
	return 1
}

// checkScript is sv.c's checkscript(): no ./check passes; otherwise run it
// as "./check" with stdout closed and pass on exit code 0. As in sv.c, a
// ./check that cannot be executed passes (its child prints a warning and
// exits 0), and so does one killed by a signal (wait_exitcode is w>>8).
func (s *sv) checkScript() bool {
	var st unix.Stat_t
	if err := unix.Stat("check", &st); err != nil {
		if err == unix.ENOENT {
			return true
		}
		s.warn2("warning: ", "unable to stat ", s.services[s.cur], "/check: ", cli.ErrStr(err))
		return false
	}
	// ./check gets sv's stdin and stderr; its stdout is closed (sv.c).
	files := []uintptr{fdOrClosed(s.env.Stdin), ^uintptr(0), fdOrClosed(s.env.Stderr)}
	environ := syscall.Environ()
	if s.env.Environ != nil {
		environ = s.env.Environ()
	}
	pid, err := syscall.ForkExec("check", []string{"./check"}, &syscall.ProcAttr{Files: files, Env: environ})
	if err != nil {
		s.warn2("warning: ", "unable to run ", s.services[s.cur], "/check: ", cli.ErrStr(err))
		return true
	}
	var w unix.WaitStatus
	for {
		_, err = unix.Wait4(pid, &w, 0, nil)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		s.warn2("warning: ", "unable to wait for child ", s.services[s.cur], "/check: ", cli.ErrStr(err))
		return false
	}
	return uint32(w)>>8 == 0
}

// fdOrClosed is the descriptor behind a stream, or -1, which closes that
// descriptor in the child, when the stream is not a file.
func fdOrClosed(stream any) uintptr {
	if fd, ok := cli.FdOf(stream); ok {
		return uintptr(fd)
	}
	return ^uintptr(0)
}
