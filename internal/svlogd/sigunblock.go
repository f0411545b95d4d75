//go:build !(mips || mipsle || mips64 || mips64le)

package svlogd

// sigUnblock is rt_sigprocmask's SIG_UNBLOCK, which package syscall does
// not name.
const sigUnblock = 1
