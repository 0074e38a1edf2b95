/* SPDX-License-Identifier: MIT */
/*
 * SMP atomics: NHARTS harts (run with -smp NHARTS) start together and
 * hammer shared words with
 * every AMO at both widths, LR/SC increment loops, and two spinlocks (one
 * amoswap.w.aq/.rl, one LR/SC) around plain increments, ITER rounds each.
 * Hart 0 then checks every final value exactly, and that the old values
 * amoadd.w returned were all distinct (their sum is 0 + 1 + ... + N-1).
 * Prints "SMP ATOMICS PASSED" and exits through sifive_test with 0x5555,
 * or names each wrong value and exits with status 1.
 */
#include <stdint.h>

#ifndef NHARTS
#define NHARTS 4
#endif
#ifndef ITER
#define ITER 100000
#endif
_Static_assert(NHARTS * 16 <= 64, "one 16-bit field of the bit words per hart");

#define UART ((volatile uint8_t *)0x10000000ul)
#define TEST_DEV ((volatile uint32_t *)0x100000ul)
#define LINE __attribute__((aligned(64)))

#define AMO(insn, addr, v) ({ uint64_t r_; asm volatile(insn " %0, %2, (%1)" : "=r"(r_) : "r"(addr), "r"((uint64_t)(v)) : "memory"); r_; })

static volatile uint32_t cnt_w LINE;
static volatile uint64_t cnt_d LINE;
static volatile uint64_t cnt_lrsc LINE;
static volatile uint32_t cnt_lrsc_w LINE;
static volatile uint64_t bits LINE;
static volatile uint64_t and_d LINE = ~0ull;
static volatile uint64_t xor_d LINE;
static volatile int64_t max_d LINE = INT64_MIN;
static volatile int64_t min_d LINE = INT64_MAX;
static volatile uint32_t minu_w LINE = 0xffffffffu;
static volatile uint32_t maxu_w LINE;
static volatile int32_t min_w LINE = INT32_MAX;
static volatile int32_t max_w LINE = INT32_MIN;
static volatile uint32_t lock_swap LINE;
static volatile uint64_t plain LINE;
static volatile uint64_t lock_lrsc LINE;
static volatile uint64_t plain2 LINE;
static volatile uint32_t started LINE;
static volatile uint32_t arrived LINE;
static uint64_t add_olds[NHARTS] LINE;
static uint64_t local_xor[NHARTS] LINE;

static void putc_(char c)
{
    while (!(UART[5] & 0x20)) {
    }
    UART[0] = (uint8_t)c;
}

static void puts_(const char *s)
{
    while (*s) {
        putc_(*s++);
    }
}

static void puthex(uint64_t v)
{
    puts_("0x");
    for (int i = 60; i >= 0; i -= 4) {
        putc_("0123456789abcdef"[(v >> i) & 15]);
    }
}

static uint64_t mix(uint64_t h, uint64_t i)
{
    uint64_t x = ((h << 32) | i) * 0x9e3779b97f4a7c15ull;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    return x ^ (x >> 32);
}

static void lrsc_add_d(volatile uint64_t *p, uint64_t v)
{
    uint64_t old, fail;
    do {
        asm volatile("lr.d %0, (%2)\n add %0, %0, %3\n sc.d %1, %0, (%2)"
                     : "=&r"(old), "=&r"(fail) : "r"(p), "r"(v) : "memory");
    } while (fail);
}

static void lrsc_add_w(volatile uint32_t *p, uint64_t v)
{
    uint64_t old, fail;
    do {
        asm volatile("lr.w %0, (%2)\n addw %0, %0, %3\n sc.w %1, %0, (%2)"
                     : "=&r"(old), "=&r"(fail) : "r"(p), "r"(v) : "memory");
    } while (fail);
}

static void swap_lock(void)
{
    while (AMO("amoswap.w.aq", &lock_swap, 1)) {
    }
}

static void swap_unlock(void)
{
    AMO("amoswap.w.rl", &lock_swap, 0);
}

static void lrsc_lock(void)
{
    uint64_t v, fail;
    for (;;) {
        asm volatile("lr.d.aq %0, (%1)" : "=&r"(v) : "r"(&lock_lrsc) : "memory");
        if (v) {
            continue;
        }
        asm volatile("sc.d %0, %1, (%2)" : "=&r"(fail) : "r"(1ul), "r"(&lock_lrsc) : "memory");
        if (!fail) {
            return;
        }
    }
}

static void lrsc_unlock(void)
{
    asm volatile("fence rw, w" ::: "memory");
    lock_lrsc = 0;
}

static int failures;

static void expect(const char *what, uint64_t got, uint64_t want)
{
    if (got != want) {
        puts_("FAIL ");
        puts_(what);
        puts_(": ");
        puthex(got);
        puts_(" expected ");
        puthex(want);
        putc_('\n');
        failures++;
    }
}

static void check(void)
{
    const uint64_t n = (uint64_t)NHARTS * ITER;
    uint64_t want_bits = 0, want_xor = 0, olds = 0, want_d = 0;
    int64_t want_max = INT64_MIN, want_min = INT64_MAX;
    uint32_t want_minu = 0xffffffffu, want_maxu = 0;
    int32_t want_min_w = INT32_MAX, want_max_w = INT32_MIN;
    for (uint64_t h = 0; h < NHARTS; h++) {
        want_bits |= 0xffffull << (16 * h);
        want_d += (h + 1) * ITER;
        olds += add_olds[h];
        for (uint64_t i = 0; i < ITER; i++) {
            uint64_t v = mix(h, i);
            want_xor ^= v;
            want_max = (int64_t)v > want_max ? (int64_t)v : want_max;
            want_min = (int64_t)v < want_min ? (int64_t)v : want_min;
            want_minu = (uint32_t)v < want_minu ? (uint32_t)v : want_minu;
            want_maxu = (uint32_t)(v >> 32) > want_maxu ? (uint32_t)(v >> 32) : want_maxu;
            want_min_w = (int32_t)(v >> 16) < want_min_w ? (int32_t)(v >> 16) : want_min_w;
            want_max_w = (int32_t)(v >> 8) > want_max_w ? (int32_t)(v >> 8) : want_max_w;
        }
        expect("per-hart xor", local_xor[h], local_xor[h]);
    }
    expect("amoadd.w counter", cnt_w, (uint32_t)n);
    expect("amoadd.w old values (sum)", olds, n * (n - 1) / 2);
    expect("amoadd.d counter", cnt_d, want_d);
    expect("lr.d/sc.d counter", cnt_lrsc, n);
    expect("lr.w/sc.w counter", cnt_lrsc_w, (uint32_t)n);
    expect("amoor.d bits", bits, want_bits);
    expect("amoand.d bits", and_d, ~want_bits);
    expect("amoxor.d", xor_d, want_xor);
    expect("amomax.d", (uint64_t)max_d, (uint64_t)want_max);
    expect("amomin.d", (uint64_t)min_d, (uint64_t)want_min);
    expect("amominu.w", minu_w, want_minu);
    expect("amomaxu.w", maxu_w, want_maxu);
    expect("amomin.w", (uint32_t)min_w, (uint32_t)want_min_w);
    expect("amomax.w", (uint32_t)max_w, (uint32_t)want_max_w);
    expect("amoswap.w spinlock counter", plain, n);
    expect("lr/sc spinlock counter", plain2, (uint64_t)NHARTS * (ITER / 8));
}

void smp_main(uint64_t h);
void smp_main(uint64_t h)
{
    uint64_t olds = 0, x = 0;
    if (h < NHARTS) {
        /* Start together, so that the harts' loops overlap. */
        AMO("amoadd.w", &started, 1);
        while (started != NHARTS) {
        }
        for (uint64_t i = 0; i < ITER; i++) {
            uint64_t v = mix(h, i);
            olds += (uint32_t)AMO("amoadd.w", &cnt_w, 1);
            AMO("amoadd.d", &cnt_d, h + 1);
            lrsc_add_d(&cnt_lrsc, 1);
            lrsc_add_w(&cnt_lrsc_w, 1);
            AMO("amoor.d", &bits, 1ull << (16 * h + (i & 15)));
            AMO("amoand.d", &and_d, ~(1ull << (16 * h + (i & 15))));
            AMO("amoxor.d", &xor_d, v);
            x ^= v;
            AMO("amomax.d", &max_d, v);
            AMO("amomin.d", &min_d, v);
            AMO("amominu.w", &minu_w, (uint32_t)v);
            AMO("amomaxu.w", &maxu_w, v >> 32);
            AMO("amomin.w", &min_w, (int64_t)(int32_t)(v >> 16));
            AMO("amomax.w", &max_w, v >> 8);     /* upper bits of rs2 ignored */
            swap_lock();
            plain++;
            swap_unlock();
            if ((i & 7) == 7) {
                lrsc_lock();
                plain2++;
                lrsc_unlock();
            }
        }
        add_olds[h] = olds;
        local_xor[h] = x;
        AMO("amoadd.w.rl", &arrived, 1);
    }
    if (h != 0) {
        for (;;) {
            asm volatile("wfi");
        }
    }
    while (arrived != NHARTS) {
    }
    asm volatile("fence" ::: "memory");
    check();
    if (failures) {
        puts_("SMP ATOMICS FAILED\n");
        *TEST_DEV = (1u << 16) | 0x3333;
    } else {
        puts_("SMP ATOMICS PASSED\n");
        *TEST_DEV = 0x5555;
    }
    for (;;) {
    }
}
