// Package stack grows the main goroutine's stack from the 2 kB every
// goroutine starts with straight to the 8 kB runsv's loop needs, before
// any other package's initialisation can grow it step by step.
//
// The runtime keeps goroutine stacks of each size (2, 4, 8 and 16 kB) in
// 32-kB spans, and carving a span writes a free-list link into each stack
// in it, so the first stack of a size a process uses makes a whole span
// resident for good. Without this package the main goroutine grows to 4 kB
// in internal/godebug's init (which package time imports) and to 8 kB in
// runsv: the span of 4-kB stacks then costs every runsv 32 kB for a stack
// nobody uses any more (docs/BENCHMARKS.md). The collector would shrink the
// 8-kB stack back only while the goroutine runs Go code; an idle runsv's
// loop waits in a system call, where stacks are never shrunk.
//
// Go initialises a package once its imports are, in import path order:
// this one imports nothing and its path sorts before every standard
// package with an init that grows the stack (TestLeanTools in cmd/gorunit
// checks that it imports nothing).
package stack

var _ = grow()

// grow's frame does not fit in 4 kB, so the runtime's morestack doubles the
// stack twice at once (newstack doubles until the frame fits).
//
//go:noinline
func grow() int {
	var frame [5 << 10]byte
	return use(frame[:])
}

//go:noinline
func use(b []byte) int { return len(b) }
