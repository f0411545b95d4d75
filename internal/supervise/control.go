package supervise

// Control bytes runsv reads from supervise/control (runit 2.1.2 runsv.c
// ctrl). Anything else is ignored.
const (
	CtlUp    = 'u'
	CtlDown  = 'd'
	CtlOnce  = 'o'
	CtlExit  = 'x'
	CtlTerm  = 't'
	CtlKill  = 'k'
	CtlPause = 'p'
	CtlCont  = 'c'
	CtlHup   = 'h'
	CtlAlrm  = 'a'
	CtlInt   = 'i'
	CtlQuit  = 'q'
	CtlUsr1  = '1'
	CtlUsr2  = '2'
)

// IsControl reports whether runsv acts on control byte c.
func IsControl(c byte) bool {
	switch c {
	case CtlUp, CtlDown, CtlOnce, CtlExit, CtlTerm, CtlKill, CtlPause, CtlCont,
		CtlHup, CtlAlrm, CtlInt, CtlQuit, CtlUsr1, CtlUsr2:
		return true
	}
	return false
}
