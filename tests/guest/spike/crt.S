/* SPDX-License-Identifier: MIT */
/*
 * Start-up for the spike programs: hart 0 sets up a stack and the trap
 * vector, clears .bss and calls boot(hartid, fdt) (start.c); other harts
 * park.  Also the M-mode trap entry and the privilege drops used by the
 * virtual-memory variant.
 */
#define FRAME_SIZE (32 * 8)

    .section .text.init, "ax"
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, park
    la sp, _m_stack_top
    la t0, trap_entry
    csrw mtvec, t0
    mv s0, a0
    mv s1, a1
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  mv a0, s0
    mv a1, s1
    call boot
park:
    wfi
    j park

/* Every register saved on the current stack, then m_trap(frame, mcause). */
    .align 4
trap_entry:
    addi sp, sp, -FRAME_SIZE
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\n, (\n * 8)(sp)
    .endr
    mv a0, sp
    csrr a1, mcause
    call m_trap
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\n, (\n * 8)(sp)
    .endr
    addi sp, sp, FRAME_SIZE
    mret

/* enter_supervisor(entry, sp): mret to @entry in S-mode on stack @sp. */
    .globl enter_supervisor
enter_supervisor:
    li t0, (3 << 11)
    csrc mstatus, t0
    li t0, (1 << 11)
    csrs mstatus, t0
    csrw mepc, a0
    mv sp, a1
    mret

/* enter_user(entry, sp): sret to @entry in U-mode on stack @sp. */
    .globl enter_user
enter_user:
    li t0, (1 << 8)
    csrc sstatus, t0
    csrw sepc, a0
    mv sp, a1
    sret
