/* SPDX-License-Identifier: MIT */
/*
 * Bare-metal guest for the SDK's example plugin "example-timer"
 * (sdk/examples/timer-device/example_timer.c) on the riscv virt board, run
 * in M-mode with -bios none and one or more -device example-timer,...
 *
 * It finds the devices the way an OS would: in the device tree the board
 * passes in a1, every node compatible with "tessera,example-timer" gives
 * its registers ("reg") and PLIC source ("interrupts"), and its
 * "interrupt-parent" must be the PLIC node, whose "reg" gives the PLIC.
 * For each timer: check ID, write and read back SCRATCH0, start a one-shot
 * countdown with the interrupt enabled, wait for the PLIC to raise the
 * M-mode external interrupt, claim it, clear STATUS.EXPIRED, complete it.
 * One line per timer, e.g.
 *   example-timer@0x10010000 irq 64: id TIMR, scratch ok, interrupt 64 claimed, status cleared
 * then "timers: N" and PASSED (exit 0 through sifive_test) or FAILED.
 */
#include "common/test.h"

/* example-timer registers and bits. */
#define TIMER_ID 0x00
#define TIMER_CTRL 0x04
#define TIMER_LOAD 0x08
#define TIMER_COUNT 0x0c
#define TIMER_STATUS 0x10
#define TIMER_SCRATCH0 0x20
#define TIMER_ID_VALUE 0x54494d52u
#define CTRL_ENABLE (1u << 0)
#define CTRL_IRQ_ENABLE (1u << 2)
#define STATUS_EXPIRED (1u << 0)
#define TIMER_LOAD_TICKS 1000     /* 1 ms at the default 1 MHz */
#define SCRATCH_PATTERN 0xc0ffee42u

/* PLIC (riscv,plic0), context 0 = hart 0 M-mode. */
#define PLIC_PRIORITY(src) (4ul * (src))
#define PLIC_ENABLE_CTX0 0x2000ul
#define PLIC_THRESHOLD_CTX0 0x200000ul
#define PLIC_CLAIM_CTX0 0x200004ul

#define MIE_MEIE (1ul << 11)
#define MSTATUS_MIE (1ul << 3)
#define CAUSE_INTERRUPT (1ul << 63)
#define IRQ_M_EXT 11

/* Give up waiting after 2 s of mtime (10 MHz on virt). */
#define WAIT_TICKS 20000000ul

/* Flattened device tree (devicetree specification, chapter 5). */
#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define FDT_OFF_STRUCT 8
#define FDT_OFF_STRINGS 12

#define MAX_TIMERS 16

extern uint64_t boot_fdt;   /* start.S */

typedef struct Node {
    int is_timer, is_plic, done;
    uint64_t reg;
    uint32_t irq, parent, phandle;
} Node;

typedef struct Timer {
    uint64_t base;
    uint32_t irq, parent;
} Timer;

static Timer timers[MAX_TIMERS];
static int num_timers;
static uint64_t plic_base;
static uint32_t plic_phandle;

/* What the interrupt handler saw. */
static volatile uint32_t claimed;
static volatile uint32_t status_seen;
static volatile int interrupts;
static const Timer *current;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static unsigned str_len(const char *s)
{
    unsigned n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

/* Does the string list @v (@len bytes) contain @want? */
static int compatible_has(const char *v, uint32_t len, const char *want)
{
    for (uint32_t off = 0; off < len; off += str_len(v + off) + 1) {
        if (str_eq(v + off, want)) {
            return 1;
        }
    }
    return 0;
}

static void print_dec(uint64_t v)
{
    char buf[21];
    int n = 20;
    buf[n] = 0;
    do {
        buf[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    puts_uart(buf + n);
}

/* A node's properties precede its children: keep it when they are done. */
static void node_done(Node *n)
{
    if (n->done) {
        return;
    }
    n->done = 1;
    if (n->is_timer && num_timers < MAX_TIMERS) {
        timers[num_timers++] = (Timer){ .base = n->reg, .irq = n->irq, .parent = n->parent };
    }
    if (n->is_plic) {
        plic_base = n->reg;
        plic_phandle = n->phandle;
    }
}

static void fdt_scan(const uint8_t *fdt)
{
    const uint8_t *p = fdt + be32(fdt + FDT_OFF_STRUCT);
    const char *strings = (const char *)fdt + be32(fdt + FDT_OFF_STRINGS);
    Node n = { .done = 1 };
    for (;;) {
        uint32_t token = be32(p);
        p += 4;
        if (token == FDT_BEGIN_NODE) {
            node_done(&n);
            n = (Node){ 0 };
            p += (str_len((const char *)p) + 4) & ~3u;
        } else if (token == FDT_END_NODE) {
            node_done(&n);
        } else if (token == FDT_PROP) {
            uint32_t len = be32(p);
            const char *name = strings + be32(p + 4);
            const uint8_t *v = p + 8;
            p += 8 + ((len + 3) & ~3u);
            if (str_eq(name, "compatible")) {
                n.is_timer = compatible_has((const char *)v, len, "tessera,example-timer");
                n.is_plic = compatible_has((const char *)v, len, "riscv,plic0");
            } else if (str_eq(name, "reg") && len >= 8) {
                /* /soc has #address-cells = 2. */
                n.reg = (uint64_t)be32(v) << 32 | be32(v + 4);
            } else if (str_eq(name, "interrupts") && len >= 4) {
                n.irq = be32(v);
            } else if (str_eq(name, "interrupt-parent") && len >= 4) {
                n.parent = be32(v);
            } else if (str_eq(name, "phandle") && len >= 4) {
                n.phandle = be32(v);
            }
        } else if (token == FDT_NOP) {
            continue;
        } else {
            return; /* FDT_END, or garbage */
        }
    }
}

static uint32_t reg_read(const Timer *t, unsigned off)
{
    return *(volatile uint32_t *)(t->base + off);
}

static void reg_write(const Timer *t, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(t->base + off) = v;
}

static uint32_t plic_read(uint64_t off)
{
    return *(volatile uint32_t *)(plic_base + off);
}

static void plic_write(uint64_t off, uint32_t v)
{
    *(volatile uint32_t *)(plic_base + off) = v;
}

/* M external interrupt: claim, quiet the timer, complete. */
static void on_interrupt(uint64_t cause, int from_s)
{
    if (cause != (CAUSE_INTERRUPT | IRQ_M_EXT)) {
        puts_uart("unexpected interrupt ");
        print_hex(cause);
        puts_uart("\n");
        csr_clear(mie, ~0ul);
        failures++;
        return;
    }
    uint32_t src = plic_read(PLIC_CLAIM_CTX0);
    claimed = src;
    if (current && src == current->irq) {
        status_seen = reg_read(current, TIMER_STATUS);
        reg_write(current, TIMER_STATUS, STATUS_EXPIRED); /* drops the line */
    }
    if (src) {
        plic_write(PLIC_CLAIM_CTX0, src);
    }
    interrupts++;
}

static void test_timer(const Timer *t)
{
    uint32_t id = reg_read(t, TIMER_ID);
    reg_write(t, TIMER_SCRATCH0, SCRATCH_PATTERN);
    uint32_t scratch = reg_read(t, TIMER_SCRATCH0);
    CHECK_EQ(id, TIMER_ID_VALUE);
    CHECK_EQ(scratch, SCRATCH_PATTERN);
    CHECK_EQ(t->parent, plic_phandle);

    plic_write(PLIC_PRIORITY(t->irq), 1);
    plic_write(PLIC_ENABLE_CTX0 + 4 * (t->irq / 32), 1u << (t->irq % 32));
    plic_write(PLIC_THRESHOLD_CTX0, 0);
    current = t;
    claimed = 0;
    status_seen = 0;
    interrupts = 0;
    csr_set(mie, MIE_MEIE);

    reg_write(t, TIMER_LOAD, TIMER_LOAD_TICKS);
    reg_write(t, TIMER_CTRL, CTRL_ENABLE | CTRL_IRQ_ENABLE);
    uint64_t start = mmio_read64(CLINT_MTIME);
    /* Check and sleep with interrupts masked: WFI still wakes on a pending
     * enabled interrupt, which is then taken in the window below.  (Taking
     * it between the check and the WFI would sleep forever.) */
    while (!interrupts && mmio_read64(CLINT_MTIME) - start < WAIT_TICKS) {
        asm volatile("wfi");
        csr_set(mstatus, MSTATUS_MIE);
        csr_clear(mstatus, MSTATUS_MIE);
    }
    csr_clear(mie, MIE_MEIE);
    plic_write(PLIC_ENABLE_CTX0 + 4 * (t->irq / 32), 0);
    current = 0;

    uint32_t status_after = reg_read(t, TIMER_STATUS);
    uint32_t ctrl_after = reg_read(t, TIMER_CTRL);
    CHECK_EQ(interrupts, 1);
    CHECK_EQ(claimed, t->irq);
    CHECK_EQ(status_seen, STATUS_EXPIRED);
    CHECK_EQ(status_after, 0);
    CHECK_EQ(ctrl_after & CTRL_ENABLE, 0);   /* one-shot: stopped at expiry */
    CHECK_EQ(reg_read(t, TIMER_COUNT), 0);

    char name[5] = { (char)(id >> 24), (char)(id >> 16), (char)(id >> 8), (char)id, 0 };
    puts_uart("example-timer@");
    print_hex(t->base);
    puts_uart(" irq ");
    print_dec(t->irq);
    puts_uart(": id ");
    puts_uart(name);
    puts_uart(scratch == SCRATCH_PATTERN ? ", scratch ok" : ", scratch BAD");
    if (interrupts) {
        puts_uart(", interrupt ");
        print_dec(claimed);
        puts_uart(" claimed");
    } else {
        puts_uart(", no interrupt");
    }
    puts_uart(status_seen == STATUS_EXPIRED && status_after == 0 ? ", status cleared\n"
                                                                 : ", status BAD\n");
}

int main(void)
{
    const uint8_t *fdt = (const uint8_t *)boot_fdt;
    if (!fdt || be32(fdt) != FDT_MAGIC) {
        puts_uart("no device tree in a1\n");
        return 1;
    }
    fdt_scan(fdt);
    CHECK(plic_base != 0);
    irq_hook = on_interrupt;
    for (int i = 0; i < num_timers && plic_base; i++) {
        test_timer(&timers[i]);
    }
    puts_uart("timers: ");
    print_dec((uint64_t)num_timers);
    puts_uart("\n");
    return num_timers == 0;
}
