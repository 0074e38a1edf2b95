/* SPDX-License-Identifier: MIT */
/*
 * Entry for the SDK guest program: keep the device tree the board passes
 * in a1, then continue at the common start-up code (common/crt.S), which
 * calls main().  Linked with -e sdk_start.
 */
    .section .text.sdk_start
    .globl sdk_start
sdk_start:
    la t0, boot_fdt
    sd a1, 0(t0)
    j _start

/* In .data, not .bss: _start clears .bss after this store. */
    .section .data
    .balign 8
    .globl boot_fdt
boot_fdt:
    .dword 0
