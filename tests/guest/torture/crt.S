/* SPDX-License-Identifier: MIT */
/*
 * Start-up for the torture programs: every hart comes here (a0 = hartid)
 * and gets a stack of its own; hart 0 clears .bss and lets the others go.
 * All traps of all harts go through trap_entry, which saves the registers
 * on the trapping hart's stack and calls torture_trap(frame, mcause), which
 * may change the frame's mepc.  The trap stack is the hart's own stack: a
 * trap taken while sp is garbage (foreign code ran) uses the per-hart
 * trap stack in mscratch instead.
 */
#define FRAME_SIZE (34 * 8)
#define STACK_SIZE 0x4000

    .section .text.init, "ax"
    .globl _start
_start:
    csrr a0, mhartid
    li t1, MAX_HARTS
    bgeu a0, t1, park
    /* sp = _stacks_top - hartid * 2 * STACK_SIZE; trap stack just below. */
    la sp, _stacks_top
    li t1, 2 * STACK_SIZE
    mul t1, t1, a0
    sub sp, sp, t1
    li t1, STACK_SIZE
    sub t2, sp, t1
    csrw mscratch, t2
    la t0, trap_entry
    csrw mtvec, t0
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
    call torture_main
park:
    wfi
    j park

/* The trap stack (mscratch) always: the interrupted code may have had any
 * sp (foreign code, a jump with a clobbered stack). */
    .align 4
trap_entry:
    csrrw sp, mscratch, sp
    addi sp, sp, -FRAME_SIZE
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\n, (\n * 8)(sp)
    .endr
    csrr t0, mscratch           /* the interrupted sp */
    sd t0, (2 * 8)(sp)
    addi t0, sp, FRAME_SIZE
    csrw mscratch, t0           /* nested traps (none expected) get a fresh frame */
    csrr t0, mepc
    sd t0, (32 * 8)(sp)
    mv a0, sp
    csrr a1, mcause
    call torture_trap
    ld t0, (32 * 8)(sp)
    csrw mepc, t0
    ld t0, (2 * 8)(sp)
    csrw mscratch, t0           /* becomes sp again below */
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\n, (\n * 8)(sp)
    .endr
    addi sp, sp, FRAME_SIZE
    csrrw sp, mscratch, sp
    mret

    .data
    .align 3
    .globl bss_ready
bss_ready:
    .word 0
