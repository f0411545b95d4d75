//go:build riscv64 || loong64

package cname

import "syscall"

// These kernels have renameat2 only.
const sysRenameat = syscall.SYS_RENAMEAT2
