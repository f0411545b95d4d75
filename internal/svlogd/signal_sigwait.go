//go:build !(amd64 || arm64) || svlogd_sigwait

package svlogd

import (
	"sync/atomic"
	"syscall"

	"github.com/gorunit/gorunit/internal/sig"
)

// Where svlogd has no signal handler of its own in assembly
// (signal_handler.go), a goroutine waits in the runtime's signal_recv
// (package sig) and does what the handler does. It costs three threads;
// see signal_handler.go.
var pending atomic.Uint64

func catch(w int) error {
	sig.Catch(caught...)
	// The goroutine lives as long as the process; svlogd exits when Main
	// returns, so the pipe stays open for it.
	go func() {
		b := []byte{0}
		for {
			s := sig.Wait()
			pending.Or(1 << s)
			syscall.Write(w, b)
		}
	}()
	return nil
}

func takeSignals() uint32 { return bits(pending.Swap(0)) }
