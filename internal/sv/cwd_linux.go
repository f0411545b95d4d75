package sv

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// withPrivateCwd runs f on a goroutine locked to an OS thread that has its
// own working directory (unshare(CLONE_FS)), so sv can chdir into each
// service as sv.c does (which keeps chdir's exact errors and search-
// permission checks) without moving anyone else's working directory. The
// goroutine never unlocks: when it ends, the Go runtime ends the thread
// and the private directory with it. If the kernel refuses the unshare,
// the chdirs are process-wide, which only matters to in-process callers.
func withPrivateCwd(f func() int) int {
	ch := make(chan int, 1)
	go func() {
		runtime.LockOSThread()
		unix.Unshare(unix.CLONE_FS)
		ch <- f()
	}()
	return <-ch
}
