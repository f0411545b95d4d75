//go:build !svlogd_sigwait

#include "textflag.h"

// sigHandler is called by the kernel with the C calling convention, the
// signal number in R0 and the return address (the restorer) in R30. It
// sets bit 1<<signo of ·pending and writes one byte to ·wakeFd. The
// kernel saved every register and restores them at rt_sigreturn.
TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	MOVD	$1, R1
	LSL	R0, R1, R1
	MOVD	$·pending(SB), R2
again:
	LDAXR	(R2), R3
	ORR	R1, R3, R3
	STLXR	R3, (R2), R4
	CBNZ	R4, again
	MOVW	·wakeFd(SB), R0
	MOVD	$·wakeByte(SB), R1
	MOVD	$1, R2
	MOVD	$64, R8	// SYS_write
	SVC
	RET

// sigRestorer is where sigHandler returns.
TEXT ·sigRestorer(SB),NOSPLIT|NOFRAME,$0
	MOVD	$139, R8	// SYS_rt_sigreturn
	SVC

// func handlerPCs() (handler, restorer uintptr)
TEXT ·handlerPCs(SB),NOSPLIT,$0-16
	MOVD	$·sigHandler(SB), R0
	MOVD	R0, handler+0(FP)
	MOVD	$·sigRestorer(SB), R0
	MOVD	R0, restorer+8(FP)
	RET
