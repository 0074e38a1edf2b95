/* SPDX-License-Identifier: MIT */
/*
 * Start-up and trap entry for the guest tests.  Both M- and S-mode traps
 * save every register into a frame and call trap_handler(frame, from_s),
 * which may change the frame (epc, a0...) before xRET.
 */
#define FRAME_SIZE (34 * 8)

    .section .text.init
    .globl _start
_start:
    la sp, _stack_top
    la t0, m_trap_entry
    csrw mtvec, t0
    la t0, s_trap_entry
    csrw stvec, t0
    /* Clear .bss. */
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call runtime_init
    call main
    call test_exit
3:  j 3b

.macro SAVE_AND_CALL from_s, epc_csr, ret
    addi sp, sp, -FRAME_SIZE
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\n, (\n * 8)(sp)
    .endr
    addi t0, sp, FRAME_SIZE
    sd t0, (2 * 8)(sp)
    csrr t0, \epc_csr
    sd t0, (32 * 8)(sp)
    mv a0, sp
    li a1, \from_s
    call trap_handler
    ld t0, (32 * 8)(sp)
    csrw \epc_csr, t0
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\n, (\n * 8)(sp)
    .endr
    addi sp, sp, FRAME_SIZE
    \ret
.endm

    .align 6
    .globl m_trap_entry
m_trap_entry:
    SAVE_AND_CALL 0, mepc, mret

    .align 6
    .globl s_trap_entry
s_trap_entry:
    SAVE_AND_CALL 1, sepc, sret

/* Vectored mode table (mtvec = table | 1): every slot goes to the same
 * handler; the handler reads mcause. */
    .align 8
    .globl m_vector_table
m_vector_table:
    .rept 16
    j m_vector_slot
    .endr
m_vector_slot:
    SAVE_AND_CALL 2, mepc, mret

/* switch_mode(mode): continue in @mode (0 U, 1 S) right after the call. */
    .globl switch_mode
switch_mode:
    li t0, (3 << 11)
    csrc mstatus, t0
    slli a0, a0, 11
    csrs mstatus, a0
    csrw mepc, ra
    mret

/* back_to_m(): ecall with a7 = magic; the M handler resumes in M. */
    .globl back_to_m
back_to_m:
    li a7, 0x7e57
    ecall
    ret
