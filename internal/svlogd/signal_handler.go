//go:build (amd64 || arm64) && !svlogd_sigwait

package svlogd

import (
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/gorunit/gorunit/internal/sig"
)

// On amd64 and arm64 the handler is a few instructions of assembly
// (signal_linux_*.s), installed with rt_sigaction in place of the Go
// runtime's: it sets the signal's bit in pending and writes a byte to
// wakeFd, as a C program's handler would, and no Go code runs. The
// runtime's own way to deliver a signal to a program (os/signal, and
// package sig without os) needs a thread that waits in signal_recv, a
// locked thread that keeps the signal mask (ensureSigM) and the template
// thread that locking starts: three threads, which cost svlogd 90 kB of
// RSS (docs/BENCHMARKS.md). Elsewhere signal_sigwait.go does that.
//
// The runtime never reinstalls its handler for these signals: it does so
// only for os/signal's Notify, Ignore and Reset, which svlogd does not
// link. A forked processor gets the default actions back in the child
// (syscall.ForkExec resets every handler the runtime took at start, and
// execve resets the rest).
var (
	pending  uint64 // 1<<signo for each signal caught; set by the handler
	wakeFd   int32  // the self-pipe's write end
	wakeByte byte
)

// sigHandler and sigRestorer are in assembly; handlerPCs returns their
// addresses for rt_sigaction.
func sigHandler()
func sigRestorer()
func handlerPCs() (handler, restorer uintptr)

const (
	saRestorer = 0x04000000
	saOnstack  = 0x08000000 // the runtime gives every thread a signal stack
	saRestart  = 0x10000000
)

func catch(w int) error {
	wakeFd = int32(w)
	handler, restorer := handlerPCs()
	// struct sigaction as the kernel takes it on amd64 and arm64:
	// handler, flags, restorer, mask (all signals blocked while the
	// handler runs).
	act := [4]uint64{uint64(handler), saOnstack | saRestart | saRestorer, uint64(restorer), ^uint64(0)}
	for _, s := range caught {
		if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(s), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
			return e
		}
	}
	// The runtime unblocks TERM, HUP and CHLD on every thread it makes
	// but keeps ALRM as svlogd inherited it; svlogd.c unblocks all four
	// while it waits. tuneRuntime unblocked them for the svlogd it
	// executes; without that, at least this thread takes ALRM.
	sig.Unblock(caught...)
	return nil
}

// takeSignals returns the loop's bits of the signals caught since the
// last call.
func takeSignals() uint32 {
	return bits(atomic.SwapUint64(&pending, 0))
}
