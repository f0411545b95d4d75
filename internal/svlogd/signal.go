package svlogd

import "syscall"

// svlogd reacts to TERM (finish the line, exit), ALRM (rotate), HUP
// (reopen) and CHLD (a processor ended) while it blocks in poll on stdin,
// as svlogd.c does around its iopause: each signal sets its bit in a word
// and writes a byte to a self-pipe that poll watches with stdin, and the
// loop takes the bits before it reads again.
var caught = []syscall.Signal{syscall.SIGTERM, syscall.SIGALRM, syscall.SIGHUP, syscall.SIGCHLD}

// Signals as bits, taken by the loop.
const (
	sigTerm = 1 << iota
	sigAlrm
	sigHup
	sigChld
)

// bits turns a word of 1<<signo bits into the loop's bits.
func bits(signos uint64) uint32 {
	var b uint32
	for i, s := range caught {
		if signos&(1<<s) != 0 {
			b |= 1 << i
		}
	}
	return b
}

// catchSignals makes the self-pipe and installs the signal handling.
func (l *logger) catchSignals() error {
	p := make([]int, 2)
	if err := syscall.Pipe2(p, syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		return err
	}
	l.sigr, l.sigw = p[0], p[1]
	return catch(l.sigw)
}
