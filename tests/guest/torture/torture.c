/* SPDX-License-Identifier: MIT */
/*
 * Torture program for the riscv virt and spike boards (built per board by
 * tests/guest/build.py --torture, run by tests/functional/test_torture.py
 * with -smp 4).  All harts run every phase at once, in M-mode, with
 * barriers between phases:
 *
 *   mmio        random reads and writes of every width (1, 2, 4, 8 bytes)
 *               at random offsets of every device region of the board, of
 *               unmapped space and of a RAM scratch area;
 *   misaligned  every width at every misaligned offset of the same places,
 *               loads, stores, AMOs and LR/SC;
 *   jump        jumps into every device region, unmapped space and the
 *               top of the address space (whatever runs there ends in a
 *               trap; the handler resumes after the jump);
 *   smc         self-modifying code: each hart rewrites and runs a private
 *               code buffer (checked) and a shared one all harts rewrite
 *               at once (result checked to be within what any mix gives);
 *   timer       mtimecmp 0 (fires at once), all-ones (never fires), and a
 *               near deadline, as 64-bit and as 32-bit halves.
 *
 * Every access may trap (access fault 5/7, fetch fault 1, misaligned 4/6,
 * illegal instruction 2 ...); the handler counts traps by cause and goes
 * on.  Writes that would end the run (the virt test device's exit codes,
 * HTIF's exit and syscall commands) are never made.  At the end hart 0
 * prints the trap counts and "TORTURE PASSED" (or "TORTURE FAILED: ...")
 * and every hart idles, so the host can check the monitor still answers.
 */
#include <stdint.h>

#ifndef NHARTS
#define NHARTS 4
#endif
#define ITERATIONS 20000

typedef struct Region {
    const char *name;
    uint64_t base, size;
} Region;

#define CLINT_BASE 0x2000000ull
#define CLINT_MSIP(h) (CLINT_BASE + 4 * (h))
#define CLINT_MTIMECMP(h) (CLINT_BASE + 0x4000 + 8 * (h))
#define CLINT_MTIME (CLINT_BASE + 0xbff8)

/* RAM the mmio and misaligned phases may scribble on. */
static uint8_t scratch[0x4000] __attribute__((aligned(64)));

#ifdef BOARD_SPIKE
#define BOARD "spike"
volatile uint64_t tohost __attribute__((section(".tohost"), aligned(64)));
volatile uint64_t fromhost __attribute__((section(".tohost"), aligned(64)));
static const Region devices[] = {
    { "mrom", 0x1000, 0xf000 },
    { "clint", CLINT_BASE, 0x10000 },
    { "htif-window", 0x1000000, 0x1000 },
};
#else
#define BOARD "virt"
#define UART_BASE 0x10000000ull
#define TEST_BASE 0x100000ull
static const Region devices[] = {
    { "mrom", 0x1000, 0xf000 },
    { "test", TEST_BASE, 0x1000 },
    { "rtc", 0x101000, 0x1000 },
    { "clint", CLINT_BASE, 0x10000 },
    { "plic", 0xc000000, 0x600000 },
    { "uart0", UART_BASE, 0x100 },
    { "virtio", 0x10001000, 0x8000 },
    { "user", 0x10010000, 0x10000 },
};
#endif

/* Zeros (illegal instructions) to jump into; never written. */
static uint32_t jump_pad[4];

static const Region unmapped[] = {
    { "zero", 0x0, 0x1000 },
    { "low", 0x3000000, 0x1000 },
    { "mid", 0x40000000, 0x1000 },
    { "above-ram", 0x100000000ull, 0x1000 },
    { "high", 0x7ffffffff000ull, 0x1000 },
    { "top", 0xfffffffffffff000ull, 0x1000 },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- harts, traps ------------------------------------------------------ */

typedef struct JumpCtx {
    uint64_t ra, sp, gp, tp, s[12];
    uint64_t resume;
    volatile uint64_t armed;
} JumpCtx;

typedef struct Hart {
    uint64_t traps[16];
    uint64_t foreign;       /* traps outside our code, resumed */
    uint64_t timer_irqs;
    uint64_t other_irqs;
    uint64_t rng;
    JumpCtx jump;
} __attribute__((aligned(64))) Hart;

static Hart harts[NHARTS];
static volatile uint32_t failures;
static const char *volatile first_failure;
extern char _text_start[], _text_end[];
void torture_jump(uint64_t target, JumpCtx *ctx);

typedef struct Frame {
    uint64_t x[32];
    uint64_t epc;
    uint64_t pad;
} Frame;

static inline uint64_t hartid(void)
{
    uint64_t v;
    asm volatile("csrr %0, mhartid" : "=r"(v));
    return v;
}

static void fail(const char *what)
{
    if (__atomic_fetch_add(&failures, 1, __ATOMIC_SEQ_CST) == 0) {
        first_failure = what;
    }
}

#define CHECK(cond) do { if (!(cond)) fail(#cond); } while (0)

static inline void w64(uint64_t a, uint64_t v) { *(volatile uint64_t *)a = v; }
static inline void w32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint64_t r64(uint64_t a) { return *(volatile uint64_t *)a; }

void torture_trap(Frame *f, uint64_t cause);
void torture_trap(Frame *f, uint64_t cause)
{
    uint64_t h = hartid();
    Hart *me = &harts[h];
    if ((int64_t)cause < 0) {
        uint64_t irq = cause & 0xff;
        if (irq == 7) {
            w64(CLINT_MTIMECMP(h), ~0ull);
            me->timer_irqs++;
        } else {
            /* Software or external: the phases never enable these; a
             * random write may still make one pending.  Mask it. */
            asm volatile("csrc mie, %0" :: "r"(1ull << irq));
            me->other_irqs++;
        }
        return;
    }
    me->traps[cause & 15]++;
    uint64_t epc = f->epc;
    if (me->jump.armed) {
        /* Whatever we jumped into trapped: back to after the jump. */
        JumpCtx *c = &me->jump;
        f->x[1] = c->ra;
        f->x[2] = c->sp;
        f->x[3] = c->gp;
        f->x[4] = c->tp;
        f->x[8] = c->s[0];
        f->x[9] = c->s[1];
        for (int i = 2; i < 12; i++) {
            f->x[16 + i] = c->s[i];
        }
        f->epc = c->resume;
        c->armed = 0;
        me->foreign++;
        return;
    }
    if (epc < (uint64_t)_text_start || epc >= (uint64_t)_text_end || cause == 1) {
        fail("trap outside the program with no jump armed");
        f->epc = f->x[1];
        return;
    }
    /* Our own access trapped: skip it. */
    uint16_t insn = *(volatile uint16_t *)epc;
    f->epc = epc + ((insn & 3) == 3 ? 4 : 2);
}

static uint64_t rnd(void)
{
    Hart *me = &harts[hartid()];
    uint64_t x = me->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    me->rng = x;
    return x;
}

static volatile uint32_t barrier_count, barrier_gen;

static void barrier(void)
{
    uint32_t gen = __atomic_load_n(&barrier_gen, __ATOMIC_SEQ_CST);
    if (__atomic_add_fetch(&barrier_count, 1, __ATOMIC_SEQ_CST) == NHARTS) {
        __atomic_store_n(&barrier_count, 0, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&barrier_gen, 1, __ATOMIC_SEQ_CST);
    } else {
        while (__atomic_load_n(&barrier_gen, __ATOMIC_SEQ_CST) == gen) {
        }
    }
}

/* ---- console --------------------------------------------------------- */

static volatile uint32_t console_lock;

#ifdef BOARD_SPIKE
static void putc_raw(char c)
{
    for (int i = 0; i < 100000 && tohost; i++) {
    }
    tohost = (1ull << 56) | (1ull << 48) | (uint8_t)c;
}

static void console_reset(void)
{
}
#else
static void putc_raw(char c)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
    for (int i = 0; i < 100000 && !(uart[5] & 0x20); i++) {
    }
    uart[0] = (uint8_t)c;
}

/* The mmio phase wrote random values into the UART's registers: back to
 * 8N1, no divisor latch, no loopback, FIFOs on. */
static void console_reset(void)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
    uart[3] = 0x03;
    uart[1] = 0x00;
    uart[4] = 0x00;
    uart[2] = 0x07;
}
#endif

static void puts_(const char *s)
{
    while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE)) {
    }
    for (; *s; s++) {
        putc_raw(*s);
    }
    __atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

static void putu(uint64_t v)
{
    char buf[24];
    int i = 23;
    buf[i] = 0;
    do {
        buf[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    puts_(buf + i);
}

/* ---- accesses ------------------------------------------------------- */

static uint64_t load(uint64_t a, unsigned width)
{
    uint64_t v = 0;
    switch (width) {
    case 1: asm volatile("lbu %0, 0(%1)" : "=r"(v) : "r"(a) : "memory"); break;
    case 2: asm volatile("lhu %0, 0(%1)" : "=r"(v) : "r"(a) : "memory"); break;
    case 4: asm volatile("lwu %0, 0(%1)" : "=r"(v) : "r"(a) : "memory"); break;
    default: asm volatile("ld %0, 0(%1)" : "=r"(v) : "r"(a) : "memory"); break;
    }
    return v;
}

static void store(uint64_t a, unsigned width, uint64_t v)
{
    switch (width) {
    case 1: asm volatile("sb %0, 0(%1)" :: "r"(v), "r"(a) : "memory"); break;
    case 2: asm volatile("sh %0, 0(%1)" :: "r"(v), "r"(a) : "memory"); break;
    case 4: asm volatile("sw %0, 0(%1)" :: "r"(v), "r"(a) : "memory"); break;
    default: asm volatile("sd %0, 0(%1)" :: "r"(v), "r"(a) : "memory"); break;
    }
}

/* A value safe to write at @a: never one that ends the run. */
static uint64_t safe_value(uint64_t a, uint64_t v)
{
#ifdef BOARD_SPIKE
    uint64_t th = (uint64_t)&tohost;
    if (a + 8 > th && a < th + 8) {
        /* HTIF commands: the console device only (putc/getc). */
        return (1ull << 56) | (v & ((1ull << 49) - 1));
    }
    if (a >= 0x1000000 && a < 0x1001000) {
        return (1ull << 56) | (v & ((1ull << 49) - 1));   /* window: same rule */
    }
#else
    if (a >= TEST_BASE && a < TEST_BASE + 0x1000) {
        uint16_t lo = (uint16_t)v;
        if (lo == 0x3333 || lo == 0x5555 || lo == 0x7777) {
            v ^= 1;    /* not an exit, pass or reset code */
        }
    }
#endif
    return v;
}

static void poke(uint64_t a, unsigned width, int write)
{
    if (write) {
        store(a, width, safe_value(a, rnd()));
    } else {
        (void)load(a, width);
    }
}

/* A device region, an unmapped range or the scratch RAM. */
static Region pick_region(void)
{
    uint64_t n = rnd() % (N(devices) + N(unmapped) + 1);
    if (n < N(devices)) {
        return devices[n];
    }
    n -= N(devices);
    if (n < N(unmapped)) {
        return unmapped[n];
    }
    return (Region){ "scratch", (uint64_t)scratch, sizeof(scratch) };
}

/* ---- phases --------------------------------------------------------- */

static void phase_mmio(void)
{
    for (int i = 0; i < ITERATIONS; i++) {
        Region r = pick_region();
        unsigned width = 1u << (rnd() % 4);
        uint64_t off = (rnd() % r.size) & ~(uint64_t)(width - 1);
        poke(r.base + off, width, rnd() & 1);
    }
}

static void phase_misaligned(void)
{
    for (int i = 0; i < ITERATIONS / 8; i++) {
        Region r = pick_region();
        uint64_t base = r.base + (rnd() % (r.size - 16) & ~7ull);
        for (unsigned off = 1; off < 8; off++) {
            for (unsigned width = 2; width <= 8; width <<= 1) {
                poke(base + off, width, rnd() & 1);
            }
        }
        uint64_t a = base + 1 + rnd() % 3, v = 0;
        if (a >= (uint64_t)scratch && a < (uint64_t)scratch + sizeof(scratch)) {
            /* Misaligned AMOs and LR/SC: misaligned-address traps (4/6) or
             * access faults; never silently done elsewhere. */
            asm volatile("amoadd.w %0, %1, (%2)" : "=r"(v) : "r"(1), "r"(a) : "memory");
            asm volatile("amoswap.d %0, %1, (%2)" : "=r"(v) : "r"(v), "r"(a) : "memory");
            asm volatile("lr.d %0, (%1)" : "=r"(v) : "r"(a) : "memory");
            asm volatile("sc.d %0, %1, (%2)" : "=r"(v) : "r"(v), "r"(a) : "memory");
        } else {
            asm volatile("amoor.w %0, %1, (%2)" : "=r"(v) : "r"(0), "r"(a & ~3ull) : "memory");
            asm volatile("lr.w %0, (%1)" : "=r"(v) : "r"(a & ~3ull) : "memory");
        }
    }
}

static void phase_jump(void)
{
    Hart *me = &harts[hartid()];
    for (int round = 0; round < 16; round++) {
        for (unsigned i = 0; i < N(devices) + N(unmapped); i++) {
            const Region *r = i < N(devices) ? &devices[i] : &unmapped[i - N(devices)];
            uint64_t off = (rnd() % r->size) & ~1ull;
            if (r->base == 0x1000 && off < 0x100) {
                off += 0x800;    /* not the reset trampoline: it restarts the program */
            }
            torture_jump(r->base + off, &me->jump);
        }
        /* The last bytes of the address space (issue 17 class 1). */
        torture_jump(0xfffffffffffffffeull, &me->jump);
        torture_jump(0xfffffffffffffffcull, &me->jump);
        torture_jump((uint64_t)jump_pad, &me->jump);       /* RAM: zeros, illegal */
    }
}

#define INSN_ADDI_A0_1 0x00150513u
#define INSN_ADDI_A0_2 0x00250513u
#define INSN_RET 0x00008067u
#define SMC_WORDS 64

static uint32_t smc_private[NHARTS][SMC_WORDS] __attribute__((aligned(64)));
static uint32_t smc_shared[SMC_WORDS] __attribute__((aligned(64)));

typedef uint64_t (*SmcFn)(uint64_t);

static void phase_smc(void)
{
    uint64_t h = hartid();
    uint32_t *mine = smc_private[h];
    for (int i = 0; i < 1000; i++) {
        unsigned n = 1 + rnd() % (SMC_WORDS - 1);
        unsigned twos = 0;
        for (unsigned k = 0; k < n; k++) {
            int two = rnd() & 1;
            twos += two;
            mine[k] = two ? INSN_ADDI_A0_2 : INSN_ADDI_A0_1;
        }
        mine[n] = INSN_RET;
        asm volatile("fence.i" ::: "memory");
        uint64_t got = ((SmcFn)(uintptr_t)mine)(0);
        CHECK(got == n + twos);
        /* The shared buffer: everyone rewrites it at once; any mix of its
         * words is one or two per word before the final ret. */
        for (unsigned k = 0; k < 8; k++) {
            unsigned w = rnd() % (SMC_WORDS - 1);
            __atomic_store_n(&smc_shared[w], rnd() & 1 ? INSN_ADDI_A0_2 : INSN_ADDI_A0_1,
                             __ATOMIC_RELAXED);
        }
        if (rnd() & 1) {
            asm volatile("fence.i" ::: "memory");
        }
        got = ((SmcFn)(uintptr_t)smc_shared)(0);
        CHECK(got >= SMC_WORDS - 1 && got <= 2 * (SMC_WORDS - 1));
    }
}

static void wait_timer(uint64_t before, uint64_t loops)
{
    Hart *me = &harts[hartid()];
    for (uint64_t i = 0; i < loops && me->timer_irqs == before; i++) {
        asm volatile("nop");
    }
}

static void phase_timer(void)
{
    uint64_t h = hartid();
    Hart *me = &harts[h];
    asm volatile("csrw mie, %0" :: "r"(1ull << 7));
    asm volatile("csrs mstatus, %0" :: "r"(1ull << 3));
    for (int i = 0; i < 50; i++) {
        uint64_t n = me->timer_irqs;
        if (i & 1) {
            w32(CLINT_MTIMECMP(h) + 4, 0);      /* halves: high then low */
            w32(CLINT_MTIMECMP(h), 0);
        } else {
            w64(CLINT_MTIMECMP(h), 0);
        }
        wait_timer(n, 1000000);
        CHECK(me->timer_irqs == n + 1);         /* compare 0 fires at once */
    }
    uint64_t n = me->timer_irqs;
    w32(CLINT_MTIMECMP(h), ~0u);
    w32(CLINT_MTIMECMP(h) + 4, ~0u);
    wait_timer(n, 20000);
    CHECK(me->timer_irqs == n);                 /* all-ones never fires */
    w64(CLINT_MTIMECMP(h), r64(CLINT_MTIME) + 100);
    wait_timer(n, 10000000);
    CHECK(me->timer_irqs == n + 1);             /* a near deadline does */
    asm volatile("csrc mstatus, %0" :: "r"(1ull << 3));
    asm volatile("csrw mie, zero");
    w64(CLINT_MTIMECMP(h), ~0ull);
}

typedef struct Phase {
    const char *name;
    void (*run)(void);
} Phase;

static const Phase phases[] = {
    { "mmio", phase_mmio },
    { "misaligned", phase_misaligned },
    { "jump", phase_jump },
    { "smc", phase_smc },
    { "timer", phase_timer },
};

static void report(void)
{
    console_reset();
    uint64_t traps[16], foreign = 0, timer = 0, other = 0;
    for (int c = 0; c < 16; c++) {
        traps[c] = 0;
    }
    for (int h = 0; h < NHARTS; h++) {
        for (int c = 0; c < 16; c++) {
            traps[c] += harts[h].traps[c];
        }
        foreign += harts[h].foreign;
        timer += harts[h].timer_irqs;
        other += harts[h].other_irqs;
    }
    puts_("torture " BOARD ": traps by cause:");
    for (int c = 0; c < 16; c++) {
        if (traps[c]) {
            puts_(" ");
            putu(c);
            puts_("=");
            putu(traps[c]);
        }
    }
    puts_("; resumed after jumps ");
    putu(foreign);
    puts_("; timer irqs ");
    putu(timer);
    puts_("; other irqs ");
    putu(other);
    puts_("\n");
    if (failures) {
        puts_("TORTURE FAILED: ");
        putu(failures);
        puts_(" check(s), first: ");
        puts_(first_failure);
        puts_("\n");
    } else {
        puts_("TORTURE PASSED\n");
    }
}

void torture_main(uint64_t h);
void torture_main(uint64_t h)
{
    harts[h].rng = 0x9e3779b97f4a7c15ull * (h + 1);
    w64(CLINT_MTIMECMP(h), ~0ull);
    if (h == 0) {
        for (unsigned k = 0; k < SMC_WORDS - 1; k++) {
            smc_shared[k] = INSN_ADDI_A0_1;
        }
        smc_shared[SMC_WORDS - 1] = INSN_RET;
    }
    barrier();
    asm volatile("fence.i" ::: "memory");
    for (unsigned p = 0; p < N(phases); p++) {
        if (h == 0 && p == N(phases) - 1) {
            w64(CLINT_MTIME, 0);      /* the mmio phase may have set it anywhere */
        }
        barrier();
        phases[p].run();
        barrier();
        if (h == 0) {
            console_reset();
            puts_("phase ");
            puts_(phases[p].name);
            puts_(" done\n");
        }
    }
    barrier();
    if (h == 0) {
        report();
    }
    for (;;) {
        asm volatile("wfi");
    }
}
