/* SPDX-License-Identifier: MIT */
/*
 * Start-up and exception vectors of the aarch64 guest tests.  CPU 0 starts
 * here at EL1 (or EL2 with virtualization=on) with the MMU off; the others
 * stay powered off.  Every vector saves x0-x18, x29, x30, calls
 * exc_dispatch(kind, frame) and returns with ERET.
 */
    .section .text.boot, "ax"
    .global _start
_start:
    ldr     x0, =__stack_top
    mov     sp, x0
    adr     x0, vectors
    mrs     x1, CurrentEL
    cmp     x1, #8
    b.eq    1f
    msr     vbar_el1, x0
    b       2f
1:  msr     vbar_el2, x0
2:  isb
    ldr     x0, =__bss_start
    ldr     x1, =__bss_end
3:  cmp     x0, x1
    b.hs    4f
    str     xzr, [x0], #8
    b       3b
4:  bl      main
    bl      test_exit
5:  b       5b

/*
 * Secondary CPUs (PSCI CPU_ON with entry = secondary_entry, context = the
 * top of their stack): vectors, stack, secondary_main(), then CPU_OFF.
 */
    .global secondary_entry
secondary_entry:
    mov     sp, x0
    adr     x1, vectors
    mrs     x2, CurrentEL
    cmp     x2, #8
    b.eq    1f
    msr     vbar_el1, x1
    b       2f
1:  msr     vbar_el2, x1
2:  isb
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    bl      secondary_main
    bl      psci_cpu_off
3:  b       3b

/* Vector entry: 32 instructions at most. */
    .macro VENTRY kind
    .balign 0x80
    sub     sp, sp, #(22 * 8)
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    mov     x0, #\kind
    b       exc_common
    .endm

    .text
    .balign 0x800
    .global vectors
vectors:
    VENTRY 0        /* current EL, SP0: sync */
    VENTRY 1
    VENTRY 2
    VENTRY 3
    VENTRY 0        /* current EL, SPx */
    VENTRY 1
    VENTRY 2
    VENTRY 3
    VENTRY 0x10     /* lower EL, AArch64 */
    VENTRY 0x11
    VENTRY 0x12
    VENTRY 0x13
    VENTRY 0x20     /* lower EL, AArch32: never used */
    VENTRY 0x21
    VENTRY 0x22
    VENTRY 0x23

exc_common:
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x29, [sp, #144]
    str     x30, [sp, #160]
    mov     x1, sp
    bl      exc_dispatch
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x29, [sp, #144]
    ldr     x30, [sp, #160]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #(22 * 8)
    eret

/*
 * uint64_t run_el0(uint64_t (*fn)(uint64_t), uint64_t arg): run fn(arg) at
 * EL0 (EL1 only) on the EL0 stack; fn returns into an SVC #0xffff that
 * brings us back here with fn's result.
 */
    .global run_el0
run_el0:
    ldr     x9, =el0_ctx
    stp     x19, x20, [x9, #0]
    stp     x21, x22, [x9, #16]
    stp     x23, x24, [x9, #32]
    stp     x25, x26, [x9, #48]
    stp     x27, x28, [x9, #64]
    stp     x29, x30, [x9, #80]
    mov     x10, sp
    str     x10, [x9, #96]
    msr     elr_el1, x0
    mov     x0, x1
    mov     x10, #0x3c0         /* EL0t, DAIF masked */
    ldr     x11, =el0_spsr_extra
    ldr     x11, [x11]
    orr     x10, x10, x11
    msr     spsr_el1, x10
    ldr     x10, =__el0_stack_top
    msr     sp_el0, x10
    adr     x30, el0_exit
    eret
el0_exit:
    svc     #0xffff

/*
 * uint64_t run_el1(uint64_t (*fn)(uint64_t), uint64_t arg): from EL2, run
 * fn(arg) at EL1h on the lower stack; fn returns into HVC #0xffff.
 */
    .global run_el1
run_el1:
    ldr     x9, =el0_ctx
    stp     x19, x20, [x9, #0]
    stp     x21, x22, [x9, #16]
    stp     x23, x24, [x9, #32]
    stp     x25, x26, [x9, #48]
    stp     x27, x28, [x9, #64]
    stp     x29, x30, [x9, #80]
    mov     x10, sp
    str     x10, [x9, #96]
    msr     elr_el2, x0
    mov     x0, x1
    mov     x10, #0x3c5         /* EL1h, DAIF masked */
    msr     spsr_el2, x10
    ldr     x10, =__el0_stack_top
    msr     sp_el1, x10
    adr     x10, vectors
    msr     vbar_el1, x10
    adr     x30, el1_exit
    eret
el1_exit:
    hvc     #0xffff

/* Called by exc_dispatch with EL0's x0: unwind to run_el0's caller. */
    .global el0_return
el0_return:
    ldr     x9, =el0_ctx
    ldp     x19, x20, [x9, #0]
    ldp     x21, x22, [x9, #16]
    ldp     x23, x24, [x9, #32]
    ldp     x25, x26, [x9, #48]
    ldp     x27, x28, [x9, #64]
    ldp     x29, x30, [x9, #80]
    ldr     x10, [x9, #96]
    mov     sp, x10
    ret

    .bss
    .balign 16
el0_ctx:
    .skip   112
