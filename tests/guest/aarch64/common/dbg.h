/* SPDX-License-Identifier: MIT */
/*
 * Breakpoint and watchpoint register access by number for the debug
 * tests (ctxbp*.c): DBGBVR/DBGBCR 0-5, DBGWVR/DBGWCR 0-3 (the numbers
 * ID_AA64DFR0 advertises), with a record of the debug exceptions taken.
 */
#ifndef AARCH64_GUEST_DBG_H
#define AARCH64_GUEST_DBG_H

#include "common/test.h"

#define MDSCR_KDE (1ull << 13)
#define MDSCR_MDE (1ull << 15)
#define MDCR_EL2_TDE (1ull << 8)
#define HCR_EL2_E2H (1ull << 34)

/* DBGBCR: E, PMC (2:1), BAS = 1111 (8:5), HMC (13), LBN (19:16), BT (23:20). */
#define BCR(pmc, bt, lbn) \
    (1ull | ((uint64_t)(pmc) << 1) | (0xfull << 5) | ((uint64_t)(lbn) << 16) | \
     ((uint64_t)(bt) << 20))
#define BCR_HMC (1ull << 13)
/* DBGWCR: E, PAC (2:1), LSC (4:3), BAS = all 8 bytes, LBN (19:16), WT (20). */
#define WCR(pac, lsc, lbn, wt) \
    (1ull | ((uint64_t)(pac) << 1) | ((uint64_t)(lsc) << 3) | (0xffull << 5) | \
     ((uint64_t)(lbn) << 16) | ((uint64_t)(wt) << 20))

#define ESR_BP_LOWER ((0x30ull << 26) | (1ull << 25) | 0x22)
#define ESR_BP_SAME ((0x31ull << 26) | (1ull << 25) | 0x22)
#define ESR_WP_STORE_SAME ((0x35ull << 26) | (1ull << 25) | (1u << 6) | 0x22)
#define ESR_WP_STORE_LOWER ((0x34ull << 26) | (1ull << 25) | (1u << 6) | 0x22)

#define DBG_NUM_BRPS 6
#define DBG_NUM_WRPS 4

static inline void set_bvr(unsigned n, uint64_t v)
{
    switch (n) {
    case 0: sysreg_write(dbgbvr0_el1, v); break;
    case 1: sysreg_write(dbgbvr1_el1, v); break;
    case 2: sysreg_write(dbgbvr2_el1, v); break;
    case 3: sysreg_write(dbgbvr3_el1, v); break;
    case 4: sysreg_write(dbgbvr4_el1, v); break;
    case 5: sysreg_write(dbgbvr5_el1, v); break;
    }
}

static inline uint64_t get_bvr(unsigned n)
{
    switch (n) {
    case 0: return sysreg_read(dbgbvr0_el1);
    case 1: return sysreg_read(dbgbvr1_el1);
    case 2: return sysreg_read(dbgbvr2_el1);
    case 3: return sysreg_read(dbgbvr3_el1);
    case 4: return sysreg_read(dbgbvr4_el1);
    default: return sysreg_read(dbgbvr5_el1);
    }
}

static inline void set_bcr(unsigned n, uint64_t v)
{
    switch (n) {
    case 0: sysreg_write(dbgbcr0_el1, v); break;
    case 1: sysreg_write(dbgbcr1_el1, v); break;
    case 2: sysreg_write(dbgbcr2_el1, v); break;
    case 3: sysreg_write(dbgbcr3_el1, v); break;
    case 4: sysreg_write(dbgbcr4_el1, v); break;
    case 5: sysreg_write(dbgbcr5_el1, v); break;
    }
}

static inline uint64_t get_bcr(unsigned n)
{
    switch (n) {
    case 0: return sysreg_read(dbgbcr0_el1);
    case 1: return sysreg_read(dbgbcr1_el1);
    case 2: return sysreg_read(dbgbcr2_el1);
    case 3: return sysreg_read(dbgbcr3_el1);
    case 4: return sysreg_read(dbgbcr4_el1);
    default: return sysreg_read(dbgbcr5_el1);
    }
}

static inline void set_wvr(unsigned n, uint64_t v)
{
    switch (n) {
    case 0: sysreg_write(dbgwvr0_el1, v); break;
    case 1: sysreg_write(dbgwvr1_el1, v); break;
    case 2: sysreg_write(dbgwvr2_el1, v); break;
    case 3: sysreg_write(dbgwvr3_el1, v); break;
    }
}

static inline void set_wcr(unsigned n, uint64_t v)
{
    switch (n) {
    case 0: sysreg_write(dbgwcr0_el1, v); break;
    case 1: sysreg_write(dbgwcr1_el1, v); break;
    case 2: sysreg_write(dbgwcr2_el1, v); break;
    case 3: sysreg_write(dbgwcr3_el1, v); break;
    }
}

static inline void dbg_disarm_all(void)
{
    for (unsigned n = 0; n < DBG_NUM_BRPS; n++) {
        set_bcr(n, 0);
    }
    for (unsigned n = 0; n < DBG_NUM_WRPS; n++) {
        set_wcr(n, 0);
    }
    asm volatile("isb");
}

/* Debug exceptions taken (written by the handler). */
static volatile struct {
    unsigned n;
    uint64_t esr[8];
    uint64_t elr[8];
    uint64_t far[8];
} rec;

/* Records the exception and disarms everything, so the instruction runs
 * on the second try. */
static inline uint64_t dbg_hook(uint64_t esr, uint64_t elr)
{
    if (rec.n < 8) {
        rec.esr[rec.n] = esr;
        rec.elr[rec.n] = elr;
        rec.far[rec.n] = current_el() == 2 ? sysreg_read(far_el2) : sysreg_read(far_el1);
    }
    rec.n++;
    dbg_disarm_all();
    return elr;
}

static inline void isb(void) { asm volatile("isb" ::: "memory"); }
static inline void debug_unmask(void) { asm volatile("msr daifclr, #8" ::: "memory"); }
static inline void debug_mask(void) { asm volatile("msr daifset, #8" ::: "memory"); }

#endif
