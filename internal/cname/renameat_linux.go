//go:build !(riscv64 || loong64)

package cname

import "syscall"

const sysRenameat = syscall.SYS_RENAMEAT
