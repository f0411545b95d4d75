package sig

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// procMask is a signal mask line of /proc/self/status (SigIgn, SigCgt).
func procMask(t *testing.T, field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// The kernel's view of the dispositions: Ignore makes SIGPWR ignored,
// Default neither ignored nor caught (the runtime catches it at start).
// Nothing in the test binary sends SIGPWR.
func TestIgnoreDefault(t *testing.T) {
	bit := uint64(1) << (syscall.SIGPWR - 1)
	Ignore(syscall.SIGPWR)
	if procMask(t, "SigIgn")&bit == 0 || procMask(t, "SigCgt")&bit != 0 {
		t.Error("after Ignore, SIGPWR is not ignored")
	}
	Default(syscall.SIGPWR)
	if procMask(t, "SigIgn")&bit != 0 || procMask(t, "SigCgt")&bit != 0 {
		t.Error("after Default, SIGPWR is ignored or caught")
	}
}

func TestBlockedUnblock(t *testing.T) {
	runtime.LockOSThread() // the mask is the thread's
	defer runtime.UnlockOSThread()
	set := [2]uint64{1 << (syscall.SIGWINCH - 1)}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigBlock, uintptr(unsafe.Pointer(&set)), 0, sigsetSize, 0, 0); e != 0 {
		t.Fatal(e)
	}
	if !Blocked(syscall.SIGWINCH) {
		t.Error("SIGWINCH blocked, Blocked says no")
	}
	Unblock(syscall.SIGWINCH)
	if Blocked(syscall.SIGWINCH) {
		t.Error("after Unblock, SIGWINCH is still blocked")
	}
}
