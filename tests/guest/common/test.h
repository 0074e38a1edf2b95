/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: UART output, checks, trap recording, mode switches.
 * Each test's main() returns the number of failed checks.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <stdint.h>

#define UART_BASE 0x10000000ul
#define TEST_BASE 0x100000ul
#define CLINT_BASE 0x2000000ul
#define CLINT_MSIP (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME (CLINT_BASE + 0xbff8)

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

typedef struct TrapFrame {
    uint64_t x[32];
    uint64_t epc;
    uint64_t pad;
} TrapFrame;

/* The last trap taken (by either handler). */
typedef struct TrapRecord {
    volatile uint64_t count;
    volatile uint64_t cause;
    volatile uint64_t tval;
    volatile uint64_t epc;
    volatile int handled_in_s;     /* 1: stvec handler, 0: mtvec, 2: vectored */
} TrapRecord;

extern TrapRecord last_trap;
extern int failures;
/* Interrupt hook: called for interrupts; must clear the source. */
extern void (*irq_hook)(uint64_t cause, int from_s);

void puts_uart(const char *s);
void print_hex(uint64_t v);
void test_exit(int failures);
void switch_mode(int mode);
void back_to_m(void);
void check_failed(const char *file, int line, const char *expr, uint64_t a, uint64_t b);

#define CHECK(cond) \
    do { if (!(cond)) check_failed(__FILE__, __LINE__, #cond, 0, 0); } while (0)
#define CHECK_EQ(a, b) \
    do { uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
         if (a_ != b_) check_failed(__FILE__, __LINE__, #a " == " #b, a_, b_); } while (0)

/* Expect the statement to trap with @cause (handler skips the instruction). */
#define EXPECT_TRAP(cause_, stmt) \
    do { uint64_t n_ = last_trap.count; stmt; \
         CHECK_EQ(last_trap.count, n_ + 1); CHECK_EQ(last_trap.cause, (cause_)); } while (0)

#define csr_read(csr) ({ uint64_t v_; asm volatile("csrr %0, " #csr : "=r"(v_) :: "memory"); v_; })
#define csr_write(csr, v) asm volatile("csrw " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")
#define csr_set(csr, v) asm volatile("csrs " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")
#define csr_clear(csr, v) asm volatile("csrc " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")

static inline void mmio_write32(uint64_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static inline void mmio_write64(uint64_t addr, uint64_t v) { *(volatile uint64_t *)addr = v; }
static inline uint64_t mmio_read64(uint64_t addr) { return *(volatile uint64_t *)addr; }

/* Page allocator over the free RAM after the image (zeroed pages). */
void *alloc_page(void);

#endif
