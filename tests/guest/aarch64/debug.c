/* SPDX-License-Identifier: MIT */
/*
 * Self-hosted debug at EL1 and EL0: the OS lock (set at reset, OSLSR_EL1),
 * hardware breakpoints (DBGBVR0/DBGBCR0: EC 0x31 from EL1 with
 * MDSCR_EL1.KDE and PSTATE.D clear, EC 0x30 from EL0, PMC selecting the
 * ELs, nothing with MDE, KDE or the OS lock off), watchpoints
 * (DBGWVR0/DBGWCR0: load/store selection, byte address select, MASK
 * ranges, ESR WnR and DFSC 0x22, FAR the accessed address, the access not
 * done) and software step (MDSCR_EL1.SS: EC 0x32 after each EL0
 * instruction with ISV and EX for a load-exclusive, EC 0x33 at EL1 with
 * KDE, an immediate step exception with ISV = 0 after an ERET with
 * SPSR.SS = 0, stepping ended by masking PSTATE.D).
 */
#include "common/test.h"

#define MDSCR_SS (1ull << 0)
#define MDSCR_KDE (1ull << 13)
#define MDSCR_MDE (1ull << 15)
#define SPSR_SS (1ull << 21)
/* DBGBCR: E, PMC (bits 2:1) 01 EL1, 10 EL0, 11 both; BAS = 1111. */
#define BCR(pmc) (1ull | ((uint64_t)(pmc) << 1) | (0xfull << 5))
/* DBGWCR: E, PAC, LSC (bits 4:3) 01 load, 10 store, BAS (12:5), MASK (28:24). */
#define WCR(pac, lsc, bas, mask) \
    (1ull | ((uint64_t)(pac) << 1) | ((uint64_t)(lsc) << 3) | ((uint64_t)(bas) << 5) | \
     ((uint64_t)(mask) << 24))

/* Records of the debug exceptions taken (volatile: written by the
 * exception handler behind the compiler's back). */
static volatile struct {
    unsigned n;
    uint64_t esr[16];
    uint64_t elr[16];
    uint64_t far[16];
    bool restep;        /* software step: step the next instruction too */
    uint64_t stop_at;   /* ... unless it is this one */
} rec;

static uint64_t hook(uint64_t esr, uint64_t elr)
{
    if (rec.n < 16) {
        rec.esr[rec.n] = esr;
        rec.elr[rec.n] = elr;
        rec.far[rec.n] = sysreg_read(far_el1);
    }
    rec.n++;
    unsigned ec = ESR_EC(esr);
    if (ec == 0x30 || ec == 0x31) {
        sysreg_write(dbgbcr0_el1, 0);          /* run the instruction this time */
    } else if (ec == 0x34 || ec == 0x35) {
        sysreg_write(dbgwcr0_el1, 0);
    } else if (rec.restep && elr != rec.stop_at) {
        sysreg_write(spsr_el1, sysreg_read(spsr_el1) | SPSR_SS);
    } else {
        /* Stop stepping (with MDSCR_EL1.SS still set, PSTATE.SS = 0 would
         * take the step exception again at once). */
        sysreg_write(mdscr_el1, sysreg_read(mdscr_el1) & ~MDSCR_SS);
        sysreg_write(spsr_el1, sysreg_read(spsr_el1) & ~SPSR_SS);
    }
    asm volatile("isb");
    return elr;                                /* resume at the instruction */
}

static void reset_rec(void)
{
    rec.n = 0;
    rec.restep = false;
    rec.stop_at = 0;
}

static void set_mdscr(uint64_t v)
{
    sysreg_write(mdscr_el1, v);
    asm volatile("isb");
}

static void debug_unmask(void) { asm volatile("msr daifclr, #8" ::: "memory"); }
static void debug_mask(void) { asm volatile("msr daifset, #8" ::: "memory"); }

/* The breakpoint target. */
static uint64_t __attribute__((noipa, aligned(16))) target(uint64_t x)
{
    asm volatile("");
    return x * 7 + 1;
}

/* One 64-byte DC ZVA block. */
static volatile uint64_t cell[8] __attribute__((aligned(64)));

static uint64_t __attribute__((noipa)) el0_load(uint64_t i) { return cell[i]; }
static uint64_t __attribute__((noipa)) el0_store(uint64_t v) { cell[1] = v; return v; }

static void test_os_lock(void)
{
    uint64_t oslsr = sysreg_read(oslsr_el1);
    CHECK_EQ(oslsr & 0xa, 0xa);                /* OSLM = 0b10, OSLK set at reset */
    sysreg_write(oslar_el1, 0);
    asm volatile("isb");
    CHECK_EQ(sysreg_read(oslsr_el1) & 0xa, 0x8);
}

static void test_breakpoints(void)
{
    uint64_t fn = (uint64_t)target;
    sysreg_write(dbgbvr0_el1, fn);
    /* Armed for EL0 and EL1, MDE and KDE set, PSTATE.D clear: EC 0x31. */
    reset_rec();
    sysreg_write(dbgbcr0_el1, BCR(3));
    set_mdscr(MDSCR_MDE | MDSCR_KDE);
    debug_unmask();
    CHECK_EQ(target(2), 15);
    debug_mask();
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], (0x31ull << 26) | (1ull << 25) | 0x22);
    CHECK_EQ(rec.elr[0], fn);
    /* PSTATE.D masks it at EL1, so does KDE clear, MDE clear, EL0-only PMC. */
    reset_rec();
    sysreg_write(dbgbcr0_el1, BCR(3));
    asm volatile("isb");
    CHECK_EQ(target(3), 22);
    set_mdscr(MDSCR_MDE);
    debug_unmask();
    CHECK_EQ(target(3), 22);
    set_mdscr(MDSCR_KDE);
    CHECK_EQ(target(3), 22);
    set_mdscr(MDSCR_MDE | MDSCR_KDE);
    sysreg_write(dbgbcr0_el1, BCR(2));
    asm volatile("isb");
    CHECK_EQ(target(3), 22);
    /* The OS lock disables debug exceptions. */
    sysreg_write(dbgbcr0_el1, BCR(1));
    sysreg_write(oslar_el1, 1);
    asm volatile("isb");
    CHECK_EQ(target(3), 22);
    sysreg_write(oslar_el1, 0);
    asm volatile("isb");
    CHECK_EQ(target(4), 29);
    debug_mask();
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(ESR_EC(rec.esr[0]), 0x31);
    /* EL0: EC 0x30 whatever PSTATE.D says (the debug target EL1 is
     * higher); KDE not needed; an EL1-only breakpoint does not fire. */
    reset_rec();
    set_mdscr(MDSCR_MDE);
    sysreg_write(dbgbcr0_el1, BCR(2));
    asm volatile("isb");
    CHECK_EQ(run_el0(target, 5), 36);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], (0x30ull << 26) | (1ull << 25) | 0x22);
    CHECK_EQ(rec.elr[0], fn);
    sysreg_write(dbgbcr0_el1, BCR(1));
    asm volatile("isb");
    CHECK_EQ(run_el0(target, 5), 36);
    CHECK_EQ(rec.n, 1);
    sysreg_write(dbgbcr0_el1, 0);
    set_mdscr(0);
}

static void test_watchpoints(void)
{
    uint64_t base = (uint64_t)&cell[0];
    set_mdscr(MDSCR_MDE | MDSCR_KDE);
    debug_unmask();
    /* Stores to bytes 0-3 of cell[0]: a load does not hit, neither does
     * a store to bytes 4-7; a store to byte 2 does, not done yet. */
    reset_rec();
    sysreg_write(dbgwvr0_el1, base);
    sysreg_write(dbgwcr0_el1, WCR(3, 2, 0x0f, 0));
    asm volatile("isb");
    cell[0] = 0x1111;
    CHECK_EQ(rec.n, 1);                         /* the first store hit */
    CHECK_EQ(rec.esr[0], (0x35ull << 26) | (1ull << 25) | (1u << 6) | 0x22);
    CHECK_EQ(rec.far[0], base);
    CHECK_EQ(cell[0], 0x1111);                  /* done on the second try */
    sysreg_write(dbgwcr0_el1, WCR(3, 2, 0x0f, 0));
    asm volatile("isb");
    uint64_t v = cell[0];
    CHECK_EQ(v, 0x1111);
    ((volatile uint32_t *)cell)[1] = 5;
    CHECK_EQ(rec.n, 1);
    ((volatile uint8_t *)cell)[2] = 0x22;
    CHECK_EQ(rec.n, 2);
    CHECK_EQ(rec.far[1], base + 2);
    CHECK_EQ(cell[0], 0x0000000500221111ull);
    /* Loads of a 32-byte MASK range: cell[3] hits with WnR = 0. */
    reset_rec();
    sysreg_write(dbgwcr0_el1, WCR(3, 1, 0xff, 5));
    asm volatile("isb");
    cell[3] = 9;
    CHECK_EQ(rec.n, 0);
    CHECK_EQ(cell[3], 9);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], (0x35ull << 26) | (1ull << 25) | 0x22);
    CHECK_EQ(rec.far[0], base + 24);
    /* EL0 loads and stores: EC 0x34. */
    reset_rec();
    sysreg_write(dbgwcr0_el1, WCR(2, 3, 0xff, 0));
    sysreg_write(dbgwvr0_el1, base + 8);
    asm volatile("isb");
    CHECK_EQ(run_el0(el0_load, 0), cell[0]);
    CHECK_EQ(rec.n, 0);
    CHECK_EQ(run_el0(el0_load, 1), 0);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], (0x34ull << 26) | (1ull << 25) | 0x22);
    CHECK_EQ(rec.far[0], base + 8);
    sysreg_write(dbgwcr0_el1, WCR(2, 3, 0xff, 0));
    asm volatile("isb");
    CHECK_EQ(run_el0(el0_store, 77), 77);
    CHECK_EQ(rec.n, 2);
    CHECK_EQ(rec.esr[1], (0x34ull << 26) | (1ull << 25) | (1u << 6) | 0x22);
    CHECK_EQ(rec.far[1], base + 8);
    CHECK_EQ(cell[1], 77);
    /* DC ZVA over a watched byte counts as a store (PSTATE.D is set again
     * since the exception that returned from EL0). */
    debug_unmask();
    reset_rec();
    sysreg_write(dbgwcr0_el1, 0);
    asm volatile("isb");
    cell[2] = 0x55;
    sysreg_write(dbgwvr0_el1, base + 16);
    sysreg_write(dbgwcr0_el1, WCR(3, 2, 0x01, 0));
    asm volatile("isb");
    asm volatile("dc zva, %0" :: "r"(base) : "memory");
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], (0x35ull << 26) | (1ull << 25) | (1u << 6) | 0x22);
    CHECK(rec.far[0] >= base && rec.far[0] < base + 64);
    CHECK_EQ(cell[2], 0);                       /* zeroed on the second try */
    /* EL1-only watchpoint: EL0 accesses pass. */
    sysreg_write(dbgwvr0_el1, base + 8);
    sysreg_write(dbgwcr0_el1, WCR(1, 3, 0xff, 0));
    asm volatile("isb");
    CHECK_EQ(run_el0(el0_load, 1), 0);          /* DC ZVA cleared the 77 */
    CHECK_EQ(rec.n, 1);
    sysreg_write(dbgwcr0_el1, 0);
    debug_mask();
    set_mdscr(0);
}

/* EL0 code to step: ELRs of the step exceptions are its addresses. */
asm(".text\n"
    ".balign 16\n"
    ".global step_el0\n"
    "step_el0:\n"
    "  mov x1, x0\n"
    "  add x0, x0, #3\n"
    "  ldxr x2, [x1]\n"
    "  clrex\n"
    "  ret\n");
uint64_t step_el0(uint64_t x);

/* EL1 stepping: ERET to the code below with SPSR.SS set and D clear; the
 * hook stops stepping at step_el1_stop.  (Stepping MSR DAIFSet, #8 is
 * left out: the state machine says D masked makes stepping inactive, no
 * step exception; QEMU 7.2 takes one after it.) */
asm(".text\n"
    ".balign 16\n"
    ".global step_el1\n"
    "step_el1:\n"
    "  adr x1, 1f\n"
    "  msr elr_el1, x1\n"
    "  mov x2, #(0x5 | 0x1c0)\n"
    "  orr x2, x2, #(1 << 21)\n"
    "  msr spsr_el1, x2\n"
    "  eret\n"
    "1: mov x0, #5\n"
    "  add x0, x0, #1\n"
    "  nop\n"
    ".global step_el1_stop\n"
    "step_el1_stop:\n"
    "  add x0, x0, #1\n"
    "  ret\n");
uint64_t step_el1(void);
extern char step_el1_stop[];

static void test_step(void)
{
    static uint64_t word __attribute__((aligned(16))) = 0;
    uint64_t fn = (uint64_t)step_el0;
    /* EL0, stepped from its first instruction until the SVC that brings
     * us back: one step exception after each instruction (ELR the next
     * one), ISV set, EX for the LDXR. */
    reset_rec();
    rec.restep = true;
    set_mdscr(MDSCR_SS);
    el0_spsr_extra = SPSR_SS;
    CHECK_EQ(run_el0((uint64_t (*)(uint64_t))step_el0, (uint64_t)&word), (uint64_t)&word + 3);
    el0_spsr_extra = 0;
    CHECK_EQ(rec.n, 5);
    for (unsigned i = 0; i < 4; i++) {
        CHECK_EQ(rec.elr[i], fn + 4 * (i + 1));
        CHECK_EQ(rec.esr[i], (0x32ull << 26) | (1ull << 25) | (1ull << 24) |
                             (i == 2 ? 1u << 6 : 0) | 0x22);
    }
    /* After RET: the instruction at the EL0 return address (the SVC). */
    CHECK_EQ(ESR_EC(rec.esr[4]), 0x32);
    /* ERET with SPSR.SS = 0 while MDSCR_EL1.SS is set: the step exception
     * is taken before the first instruction, ISV = 0. */
    reset_rec();
    CHECK_EQ(run_el0((uint64_t (*)(uint64_t))step_el0, (uint64_t)&word), (uint64_t)&word + 3);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.elr[0], fn);
    CHECK_EQ(rec.esr[0], (0x32ull << 26) | (1ull << 25) | 0x22);
    /* EL1 with KDE: EC 0x33 after mov, add, nop. */
    reset_rec();
    rec.restep = true;
    rec.stop_at = (uint64_t)step_el1_stop;
    set_mdscr(MDSCR_SS | MDSCR_KDE);
    CHECK_EQ(step_el1(), 7);
    set_mdscr(0);
    CHECK_EQ(rec.n, 3);
    for (unsigned i = 0; i < 3 && i < rec.n; i++) {
        CHECK_EQ(ESR_EC(rec.esr[i]), 0x33);
        CHECK_EQ(rec.esr[i] & 0x1ffffff, (1u << 24) | 0x22);
        CHECK_EQ(rec.elr[i], (uint64_t)step_el1_stop - 8 + 4 * i);
    }
    /* Without KDE nothing is stepped at EL1. */
    reset_rec();
    rec.restep = true;
    set_mdscr(MDSCR_SS);
    CHECK_EQ(step_el1(), 7);
    set_mdscr(0);
    CHECK_EQ(rec.n, 0);
}

int main(void)
{
    debug_hook = hook;
    uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);
    CHECK((dfr0 & 0xf) >= 6);                   /* Debug v8 */
    CHECK((dfr0 >> 12) & 0xf);                  /* 2 or more breakpoints */
    CHECK((dfr0 >> 20) & 0xf);                  /* 2 or more watchpoints */
    test_os_lock();
    test_breakpoints();
    test_watchpoints();
    test_step();
    return failures;
}
