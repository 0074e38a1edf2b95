/* SPDX-License-Identifier: MIT */
/*
 * aarch64 guest test library: PL011 output, checks, exception recording,
 * EL0 calls, power off through PSCI.  Each test's main() returns the number
 * of failed checks; test_exit prints PASSED or FAILED and powers off.
 */
#ifndef AARCH64_GUEST_TEST_H
#define AARCH64_GUEST_TEST_H

#include <stdbool.h>
#include <stdint.h>

#define UART_BASE 0x09000000ul

typedef struct ExcFrame {
    uint64_t x[19];
    uint64_t x29, x30;
    uint64_t pad;
} ExcFrame;

/* The last exception taken. */
typedef struct ExcRecord {
    volatile uint64_t count;
    volatile uint64_t kind;        /* vector: 0-3 current EL, 0x10-0x13 lower EL */
    volatile uint64_t esr;
    volatile uint64_t prev_esr;    /* ESR of the synchronous exception before */
    volatile uint64_t far;
    volatile uint64_t elr;
    volatile uint64_t spsr;
} ExcRecord;

extern ExcRecord last_exc;
extern int failures;
/* Interrupt hook (kind 1 IRQ, 2 FIQ, 3 SError); must silence or mask the source. */
extern void (*irq_hook)(int kind);
/* Debug exception hook (EC 0x30-0x35): returns the address to resume at. */
extern uint64_t (*debug_hook)(uint64_t esr, uint64_t elr);
/* Bits or'ed into the SPSR run_el0 returns to EL0 with (e.g. SS). */
extern uint64_t el0_spsr_extra;

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xc4000003u
#define PSCI_AFFINITY_INFO 0xc4000004u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_FEATURES 0x8400000au

uint64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
void psci_cpu_off(void) __attribute__((noreturn));
/* PSCI CPU_ON of CPU @cpu (Aff0) at secondary_main(cpu) on @stack_top. */
int start_cpu(unsigned cpu, void *stack_top);
/* Provided by tests that start other CPUs. */
void secondary_main(unsigned cpu);
void puts_uart(const char *s);
void print_hex(uint64_t v);
void test_exit(int failures);
uint64_t run_el0(uint64_t (*fn)(uint64_t), uint64_t arg);
/* From EL2: run fn(arg) at EL1h. */
uint64_t run_el1(uint64_t (*fn)(uint64_t), uint64_t arg);
unsigned current_el(void);
void check_failed(const char *file, int line, const char *expr, uint64_t a, uint64_t b);

#define CHECK(cond) \
    do { if (!(cond)) check_failed(__FILE__, __LINE__, #cond, 0, 0); } while (0)
#define CHECK_EQ(a, b) \
    do { uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
         if (a_ != b_) check_failed(__FILE__, __LINE__, #a " == " #b, a_, b_); } while (0)

#define ESR_EC(esr) (((esr) >> 26) & 0x3f)

/* Run @stmt expecting one synchronous exception with class @ec (the handler
 * resumes after the faulting instruction, or after SVC/HVC/SMC). */
#define EXPECT_EXC(ec_, stmt) \
    do { uint64_t n_ = last_exc.count; stmt; \
         CHECK_EQ(last_exc.count, n_ + 1); CHECK_EQ(ESR_EC(last_exc.esr), (ec_)); } while (0)

#define sysreg_read(r) ({ uint64_t v_; asm volatile("mrs %0, " #r : "=r"(v_) :: "memory"); v_; })
#define sysreg_write(r, v) asm volatile("msr " #r ", %0" :: "r"((uint64_t)(v)) : "memory")

#endif
