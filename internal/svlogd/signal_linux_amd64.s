//go:build !svlogd_sigwait

#include "textflag.h"

// sigHandler is called by the kernel with the C calling convention, the
// signal number in DI. It sets bit 1<<signo of ·pending and writes one
// byte to ·wakeFd. The kernel saved every register and restores them at
// rt_sigreturn, so it may clobber any.
TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	MOVQ	DI, CX
	MOVQ	$1, AX
	SHLQ	CX, AX
	LOCK
	ORQ	AX, ·pending(SB)
	MOVL	·wakeFd(SB), DI
	LEAQ	·wakeByte(SB), SI
	MOVQ	$1, DX
	MOVQ	$1, AX	// SYS_write
	SYSCALL
	RET

// sigRestorer is where sigHandler returns (x86-64 requires SA_RESTORER).
TEXT ·sigRestorer(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$15, AX	// SYS_rt_sigreturn
	SYSCALL
	INT	$3	// not reached

// func handlerPCs() (handler, restorer uintptr)
TEXT ·handlerPCs(SB),NOSPLIT,$0-16
	MOVQ	$·sigHandler(SB), AX
	MOVQ	AX, handler+0(FP)
	MOVQ	$·sigRestorer(SB), AX
	MOVQ	AX, restorer+8(FP)
	RET
