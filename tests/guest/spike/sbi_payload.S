/* SPDX-License-Identifier: MIT */
/*
 * S-mode payload for the spike board's default firmware (OpenSBI, which
 * finds the HTIF through the device tree): prints through the SBI legacy
 * console and powers off with SBI system reset, which OpenSBI turns into
 * an HTIF exit with status 0.  Linked at 0x80200000 (build by run.py).
 */
#define SBI_LEGACY_PUTCHAR 1
#define SBI_EXT_SRST 0x53525354
#define SBI_SRST_RESET 0
#define SBI_SRST_SHUTDOWN 0
#define SBI_SRST_NO_REASON 0

    .section .text
    .globl _start
_start:
    la s0, message
1:  lbu a0, 0(s0)
    beqz a0, 2f
    li a7, SBI_LEGACY_PUTCHAR
    ecall
    addi s0, s0, 1
    j 1b
2:  li a7, SBI_EXT_SRST
    li a6, SBI_SRST_RESET
    li a0, SBI_SRST_SHUTDOWN
    li a1, SBI_SRST_NO_REASON
    ecall
3:  wfi
    j 3b

    .section .rodata
message:
    .asciz "sbi payload in S-mode\n"
