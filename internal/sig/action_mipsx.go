//go:build mips || mipsle || mips64 || mips64le

package sig

import "unsafe"

// MIPS: struct sigaction starts with an int of flags before the handler
// (which is aligned as a pointer), sigset_t is 128 bits, SIG_BLOCK and SIG_UNBLOCK are 1 and 2.
const (
	actHandler = unsafe.Sizeof(uintptr(0))
	sigsetSize = 16
	sigBlock   = 1
	sigUnblock = 2
)
