/* SPDX-License-Identifier: MIT */
/*
 * Every hart counts in its own slot of "counters" forever, with its hart id
 * in a0: the gdbstub tests stop it with Ctrl-C and look at each thread.
 */
    .section .text.init
    .globl _start
_start:
    csrr a0, mhartid
    la t0, counters
    slli t1, a0, 3
    add t0, t0, t1
    li a1, 0
    .globl spin_loop
spin_loop:
    addi a1, a1, 1
    sd a1, 0(t0)
    j spin_loop

    .bss
    .align 3
    .globl counters
counters:
    .zero 64
