/* SPDX-License-Identifier: MIT */
/*
 * A machine-timer interrupt that is always pending: the loop enables
 * interrupts (mstatus.MIE) at its top, the handler returns with them off
 * (clears MPIE), so after "loop" an interrupt is due before every
 * instruction until the handler runs.  The gdbstub tests single-step
 * here, with interrupts masked (the default) and with them let in.
 */
#define CLINT_MTIMECMP 0x2004000

    .section .text.init
    .globl _start
_start:
    la t0, handler
    csrw mtvec, t0
    li t1, CLINT_MTIMECMP
    sd zero, 0(t1)
    li t0, 0x80
    csrs mie, t0
    li a1, 0
    .globl loop
loop:
    csrsi mstatus, 8
    .globl body
body:
    addi a1, a1, 1
    addi a2, a2, 1
    j loop

    .align 4
    .globl handler
handler:
    addi a3, a3, 1
    li t0, 0x80
    csrc mstatus, t0
    mret
