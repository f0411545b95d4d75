package sig

import (
	"syscall"
	"unsafe"
)

// Default gives each of sigs its default action (SIG_DFL), in place of the
// runtime's handler: a runit tool leaves signals at their default where Go
// would catch and ignore them (runsv's USR1) or a write to a closed pipe
// must end the process (SIGPIPE). Failures are ignored: the runtime's
// handling then stays.
func Default(sigs ...syscall.Signal) { setAction(0, sigs) }

// Ignore sets each of sigs to SIG_IGN, which survives execve (svlogd uses
// it for the moment it executes itself again).
func Ignore(sigs ...syscall.Signal) { setAction(1, sigs) }

func setAction(handler uintptr, sigs []syscall.Signal) {
	// struct sigaction as the kernel takes it, with no flags and an empty
	// mask: large enough for every port's layout.
	var act [8]uint64
	*(*uintptr)(unsafe.Add(unsafe.Pointer(&act), actHandler)) = handler
	for _, s := range sigs {
		syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(s), uintptr(unsafe.Pointer(&act)), 0, sigsetSize, 0, 0)
	}
}

// Unblock takes sigs out of the calling thread's signal mask.
func Unblock(sigs ...syscall.Signal) {
	var set [2]uint64
	for _, s := range sigs {
		set[(s-1)/64] |= 1 << ((s - 1) % 64)
	}
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigUnblock, uintptr(unsafe.Pointer(&set)), 0, sigsetSize, 0, 0)
}

// Blocked reports whether the calling thread blocks s (true when the mask
// cannot be read).
func Blocked(s syscall.Signal) bool {
	var set [2]uint64
	_, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0, 0, uintptr(unsafe.Pointer(&set)), sigsetSize, 0, 0)
	return e != 0 || set[(s-1)/64]&(1<<((s-1)%64)) != 0
}
