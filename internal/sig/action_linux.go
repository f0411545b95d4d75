//go:build !(mips || mipsle || mips64 || mips64le)

package sig

// The kernel's signal ABI outside MIPS: struct sigaction starts with the
// handler, sigset_t is 64 bits, SIG_BLOCK and SIG_UNBLOCK are 0 and 1.
const (
	actHandler = 0
	sigsetSize = 8
	sigBlock   = 0
	sigUnblock = 1
)
