//go:build !(riscv64 || loong64)

package logdir

import "syscall"

const sysRenameat = syscall.SYS_RENAMEAT
