// Package sig delivers signals to a loop that waits for them, without
// package os/signal.
//
// runsv's and svlogd's event loops wait for signals (SIGCHLD, SIGTERM,
// SIGIO, SIGHUP, SIGALRM), and a system runs one runsv and one svlogd per
// service, so what each costs in memory counts. os/signal needs package os
// and a goroutine of its own that sits in the runtime's signal_recv, which
// holds an OS thread for good; together about 55 kB of private memory per
// process (docs/BENCHMARKS.md). Here the loop's own goroutine calls
// signal_recv: Wait blocks the loop until a signal arrives, and no other
// goroutine or thread is involved.
//
// signal_enable and signal_recv are the runtime's side of os/signal, which
// the runtime hands to os/signal with push linknames; the linker lets any
// package refer to such a symbol. Do not use this package and os/signal in
// the same process: the runtime supports one receiver.
package sig

import (
	"syscall"
	_ "unsafe" // for go:linkname
)

//go:linkname signalEnable os/signal.signal_enable
func signalEnable(uint32)

//go:linkname signalRecv os/signal.signal_recv
func signalRecv() uint32

// Catch makes the runtime queue each of sigs for Wait instead of acting on
// it. A signal caught once stays caught.
func Catch(sigs ...syscall.Signal) {
	for _, s := range sigs {
		signalEnable(uint32(s))
	}
}

// Wait returns the next caught signal, blocking until one arrives. Several
// deliveries of one signal between two calls come back as one, as the
// kernel's pending bit does for a C program; signals already pending come
// back lowest number first, each from its own call.
func Wait() syscall.Signal {
	return syscall.Signal(signalRecv())
}
