/* SPDX-License-Identifier: MIT */
/*
 * Start-up for the SMP atomics program: every hart comes here, takes the
 * stack for its hartid and calls smp_main(hartid); hart 0 clears .bss
 * first and releases the others.  Harts past MAX_HARTS park.
 */
#define STACK_SIZE 0x4000

    .section .text.init, "ax"
    .globl _start
_start:
    csrr a0, mhartid
    li t1, MAX_HARTS
    bgeu a0, t1, park
    la sp, _stacks_top
    li t1, STACK_SIZE
    mul t1, t1, a0
    sub sp, sp, t1
    bnez a0, wait_bss
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  fence
    la t0, bss_ready
    li t1, 1
    sw t1, 0(t0)
    j go
wait_bss:
    la t0, bss_ready
3:  lw t1, 0(t0)
    beqz t1, 3b
    fence
go:
    call smp_main
park:
    wfi
    j park

    .section .sdata
    .align 2
bss_ready:
    .word 0
