/* SPDX-License-Identifier: MIT */
/*
 * torture_jump(target, ctx): save ra, sp, gp, tp and s0-s11 into ctx (a
 * JumpCtx, see torture.c), record where to resume, and jump to @target.
 * Whatever runs there ends in a trap (fetch fault, illegal instruction,
 * ...); the trap handler then restores the saved registers and resumes
 * after the jump, so torture_jump returns normally.
 */
    .section .text, "ax"
    .globl torture_jump
torture_jump:
    sd ra, 0(a1)
    sd sp, 8(a1)
    sd gp, 16(a1)
    sd tp, 24(a1)
    sd s0, 32(a1)
    sd s1, 40(a1)
    sd s2, 48(a1)
    sd s3, 56(a1)
    sd s4, 64(a1)
    sd s5, 72(a1)
    sd s6, 80(a1)
    sd s7, 88(a1)
    sd s8, 96(a1)
    sd s9, 104(a1)
    sd s10, 112(a1)
    sd s11, 120(a1)
    la t0, 1f
    sd t0, 128(a1)
    li t0, 1
    sd t0, 136(a1)              /* armed */
    fence
    jr a0
1:  ret
