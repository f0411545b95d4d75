//go:build mips || mipsle || mips64 || mips64le

package cli

// sigUnblock is rt_sigprocmask's SIG_UNBLOCK on MIPS.
const sigUnblock = 2
