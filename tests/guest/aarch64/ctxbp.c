/* SPDX-License-Identifier: MIT */
/*
 * Context-aware breakpoints at EL1 and EL0 (Arm ARM D2.9/D2.10, DBGBCR.BT):
 * ID_AA64DFR0 says 6 breakpoints, the last 2 (4 and 5) context-aware, and
 * 4 watchpoints; unlinked address breakpoints on either kind; a linked
 * address breakpoint (BT 0001) fires only while CONTEXTIDR_EL1 matches its
 * linked context breakpoint (BT 0011, whose own PMC does not matter), not
 * when that one is disabled, an address breakpoint, or not context-aware
 * (LBN 1: CONSTRAINED UNPREDICTABLE, Tessera and QEMU behave as disabled);
 * a linked watchpoint (WT 1) the same way.
 *
 * Built twice: ctxbp_oracle.c defines ORACLE_SUBSET for the cases QEMU 7.2
 * implements (it runs on both emulators and must pass on both); the rest
 * (Tessera only: QEMU 7.2 logs unlinked context breakpoints as
 * unimplemented) checks the unlinked context ID breakpoint (BT 0010) at
 * EL0 and EL1, that links to it generate nothing, that a context type on a
 * breakpoint that is not context-aware and the EL2/VHE types on a CPU
 * without EL2 are reserved (disabled).  ctxbp_el2.c has the EL2 types.
 */
#include "common/dbg.h"

/* The breakpoint target. */
static uint64_t __attribute__((noipa, aligned(16))) target(uint64_t x)
{
    asm volatile("");
    return x * 7 + 1;
}

static volatile uint64_t cell[2] __attribute__((aligned(16)));

static uint64_t __attribute__((noipa)) el0_store(uint64_t v) { cell[0] = v; return v; }

/* Disarm everything with PSTATE.D set (tests unmask it where EL1 should
 * take a breakpoint), forget the exceptions taken, set the context. */
static void reset(uint64_t contextidr)
{
    debug_mask();
    dbg_disarm_all();
    rec.n = 0;
    sysreg_write(contextidr_el1, contextidr);
    isb();
}

static void check_ids(void)
{
    uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);
    CHECK_EQ((dfr0 >> 12) & 0xf, DBG_NUM_BRPS - 1);       /* BRPs */
    CHECK_EQ((dfr0 >> 28) & 0xf, 1);                      /* CTX_CMPs: 2 */
    CHECK_EQ((dfr0 >> 20) & 0xf, DBG_NUM_WRPS - 1);       /* WRPs */
    /* The context-aware breakpoints' value registers keep all 64 bits. */
    set_bvr(5, 0x123456789abcdef3ull);
    CHECK_EQ(get_bvr(5), 0x123456789abcdef3ull);
    set_bvr(5, 0);
    set_bcr(4, BCR(3, 0x3, 0) | (0xfull << 16));
    CHECK_EQ(get_bcr(4), BCR(3, 0x3, 0) | (0xfull << 16));
    set_bcr(4, 0);
}

static void test_unlinked_address(void)
{
    uint64_t fn = (uint64_t)target;
    static const unsigned which[] = {0, 3, 4, 5};
    for (unsigned i = 0; i < 4; i++) {
        unsigned n = which[i];
        reset(0x1234);
        set_bvr(n, fn);
        set_bcr(n, BCR(3, 0, 0));
        isb();
        debug_unmask();
        CHECK_EQ(target(2), 15);
        CHECK_EQ(rec.n, 1);
        CHECK_EQ(rec.esr[0], ESR_BP_SAME);
        CHECK_EQ(rec.elr[0], fn);
    }
}

static void test_linked_address(void)
{
    uint64_t fn = (uint64_t)target;
    /* Breakpoint 0: address, linked to 4: context ID 0x1234 (PMC 00:
     * the linked breakpoint's privilege fields are not used). */
    reset(0x5678);
    set_bvr(0, fn);
    set_bvr(4, 0x1234);
    set_bcr(4, BCR(0, 0x3, 0));
    set_bcr(0, BCR(3, 0x1, 4));
    isb();
    debug_unmask();
    CHECK_EQ(target(1), 8);
    CHECK_EQ(rec.n, 0);
    sysreg_write(contextidr_el1, 0x1234);
    isb();
    CHECK_EQ(target(1), 8);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], ESR_BP_SAME);
    CHECK_EQ(rec.elr[0], fn);
    /* At EL0: EC 0x30, and again only with the context. */
    reset(0x1234);
    set_bcr(4, BCR(3, 0x3, 0));
    set_bcr(0, BCR(2, 0x1, 4));
    isb();
    CHECK_EQ(run_el0(target, 3), 22);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], ESR_BP_LOWER);
    CHECK_EQ(rec.elr[0], fn);
    reset(0x1235);
    set_bcr(4, BCR(3, 0x3, 0));
    set_bcr(0, BCR(2, 0x1, 4));
    isb();
    CHECK_EQ(run_el0(target, 3), 22);
    CHECK_EQ(rec.n, 0);
    /* The context breakpoint disabled: nothing. */
    reset(0x1234);
    set_bcr(4, BCR(3, 0x3, 0) & ~1ull);
    set_bcr(0, BCR(3, 0x1, 4));
    isb();
    debug_unmask();
    CHECK_EQ(target(1), 8);
    CHECK_EQ(rec.n, 0);
    /* Linked to an address breakpoint (elsewhere): nothing. */
    set_bvr(4, fn + 64);
    set_bcr(4, BCR(3, 0x0, 0));
    isb();
    CHECK_EQ(target(1), 8);
    CHECK_EQ(rec.n, 0);
    /* LBN 1 is not context-aware (a context type there is reserved too). */
    reset(0x1234);
    set_bvr(1, 0x1234);
    set_bcr(1, BCR(3, 0x3, 0));
    set_bcr(0, BCR(3, 0x1, 1));
    isb();
    debug_unmask();
    CHECK_EQ(target(1), 8);
    CHECK_EQ(rec.n, 0);
    /* Breakpoint 5 linked to breakpoint 4 works as well. */
    reset(0x1234);
    set_bvr(5, fn);
    set_bvr(4, 0x1234);
    set_bcr(4, BCR(3, 0x3, 0));
    set_bcr(5, BCR(3, 0x1, 4));
    isb();
    debug_unmask();
    CHECK_EQ(target(1), 8);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.elr[0], fn);
}

static void test_linked_watchpoint(void)
{
    uint64_t base = (uint64_t)&cell[0];
    /* Watchpoint 2: stores to cell[0], linked to breakpoint 5 (0x2468). */
    reset(0);
    set_bvr(5, 0x2468);
    set_bcr(5, BCR(3, 0x3, 0));
    set_wvr(2, base);
    set_wcr(2, WCR(3, 2, 5, 1));
    isb();
    debug_unmask();
    cell[0] = 1;
    CHECK_EQ(rec.n, 0);
    sysreg_write(contextidr_el1, 0x2468);
    isb();
    cell[0] = 2;
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], ESR_WP_STORE_SAME);
    CHECK_EQ(rec.far[0], base);
    CHECK_EQ(cell[0], 2);
    /* From EL0 (EC 0x34); not with another context. */
    reset(0x2468);
    set_bcr(5, BCR(3, 0x3, 0));
    set_wcr(2, WCR(2, 2, 5, 1));
    isb();
    CHECK_EQ(run_el0(el0_store, 3), 3);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], ESR_WP_STORE_LOWER);
    CHECK_EQ(rec.far[0], base);
    reset(0x2469);
    set_bcr(5, BCR(3, 0x3, 0));
    set_wcr(2, WCR(2, 2, 5, 1));
    isb();
    CHECK_EQ(run_el0(el0_store, 4), 4);
    CHECK_EQ(rec.n, 0);
    CHECK_EQ(cell[0], 4);
    /* Linked to breakpoint 2 (not context-aware): nothing. */
    reset(0x2468);
    set_bvr(2, 0x2468);
    set_bcr(2, BCR(3, 0x3, 0));
    set_wcr(2, WCR(3, 2, 2, 1));
    isb();
    debug_unmask();
    cell[0] = 5;
    CHECK_EQ(rec.n, 0);
    /* An unlinked watchpoint still fires whatever the context. */
    reset(0x7);
    set_wvr(3, base);
    set_wcr(3, WCR(3, 2, 0, 0));
    isb();
    debug_unmask();
    cell[0] = 6;
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], ESR_WP_STORE_SAME);
}

#ifndef ORACLE_SUBSET
/* EL1 code reached with the unlinked context breakpoint armed: the first
 * instruction after unmasking PSTATE.D takes it. */
asm(".text\n"
    ".balign 16\n"
    ".global ctx_el1\n"
    "ctx_el1:\n"
    "  msr daifclr, #8\n"
    ".global ctx_el1_hit\n"
    "ctx_el1_hit:\n"
    "  add x0, x0, #1\n"
    "  msr daifset, #8\n"
    "  ret\n");
uint64_t ctx_el1(uint64_t x);
extern char ctx_el1_hit[];

static void test_unlinked_context(void)
{
    uint64_t fn = (uint64_t)target;
    /* Breakpoint 4, context ID 0xabcd, EL0 only: the first EL0
     * instruction with the context takes it. */
    reset(0);
    set_bvr(4, 0xabcd);
    set_bcr(4, BCR(2, 0x2, 0));
    isb();
    CHECK_EQ(run_el0(target, 4), 29);
    CHECK_EQ(rec.n, 0);
    reset(0xabcd);
    set_bcr(4, BCR(2, 0x2, 0));
    isb();
    CHECK_EQ(run_el0(target, 4), 29);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], ESR_BP_LOWER);
    CHECK_EQ(rec.elr[0], fn);
    /* All 32 bits compare (bits 1:0 too); bits 63:32 do not. */
    reset(0xabcf);
    set_bvr(4, 0x5500000000abcfull);
    set_bcr(4, BCR(2, 0x2, 0));
    isb();
    CHECK_EQ(run_el0(target, 4), 29);
    CHECK_EQ(rec.n, 1);
    reset(0xabcd);
    set_bcr(4, BCR(2, 0x2, 0));
    isb();
    CHECK_EQ(run_el0(target, 4), 29);
    CHECK_EQ(rec.n, 0);
    /* At EL1 with KDE: the instruction after unmasking D. */
    reset(0xabcd);
    set_bvr(4, 0xabcd);
    set_bcr(4, BCR(1, 0x2, 0));
    isb();
    CHECK_EQ(ctx_el1(1), 2);
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], ESR_BP_SAME);
    CHECK_EQ(rec.elr[0], (uint64_t)ctx_el1_hit);
    /* EL1-only at EL0: nothing. */
    reset(0xabcd);
    set_bcr(4, BCR(1, 0x2, 0));
    isb();
    CHECK_EQ(run_el0(target, 4), 29);
    CHECK_EQ(rec.n, 0);
    /* A linked address breakpoint naming an unlinked context breakpoint
     * (which itself matches nowhere: PMC 00) generates nothing. */
    reset(0xabcd);
    set_bcr(4, BCR(0, 0x2, 0));
    set_bvr(0, fn);
    set_bcr(0, BCR(3, 0x1, 4));
    isb();
    debug_unmask();
    CHECK_EQ(target(1), 8);
    CHECK_EQ(rec.n, 0);
}

static void test_reserved_types(void)
{
    /* A context type on breakpoint 0 (not context-aware) is reserved:
     * disabled. */
    reset(0xabcc);
    set_bvr(0, 0xabcc);
    set_bcr(0, BCR(3, 0x2, 0));
    isb();
    CHECK_EQ(run_el0(target, 1), 8);
    CHECK_EQ(ctx_el1(1), 2);
    CHECK_EQ(rec.n, 0);
    /* Without EL2: VMID (1000), VMID + context (1010), CONTEXTIDR_EL1
     * (0110: FEAT_VHE), CONTEXTIDR_EL2 (1100) are reserved; 010x
     * (address mismatch) is AArch32's. */
    static const unsigned bts[] = {0x8, 0xa, 0x6, 0xc, 0xe, 0x4};
    uint64_t fn = (uint64_t)target;
    for (unsigned i = 0; i < sizeof(bts) / sizeof(bts[0]); i++) {
        reset(0xabcc);
        set_bvr(4, bts[i] == 0x4 ? fn + 8 : 0xabcc);
        set_bcr(4, BCR(3, bts[i], 0));
        isb();
        CHECK_EQ(run_el0(target, 1), 8);
        CHECK_EQ(ctx_el1(1), 2);
        CHECK_EQ(rec.n, 0);
    }
}

/* STTR/LDTR at EL1 are EL0 accesses for watchpoints (AArch64.CheckWatchpoint
 * takes the access's privilege, not PSTATE.EL): a watchpoint for EL0 only
 * (PAC 10) fires on them and not on STR/LDR; one for EL1 only (PAC 01) the
 * other way round.  (QEMU 7.2 matches them as EL1 accesses.) */
static void test_unprivileged_watchpoint(void)
{
    uint64_t base = (uint64_t)&cell[1], v;
    reset(0);
    set_wvr(1, base);
    set_wcr(1, WCR(2, 3, 0, 0));
    isb();
    debug_unmask();
    cell[1] = 1;
    v = cell[1];
    CHECK_EQ(v, 1);
    CHECK_EQ(rec.n, 0);
    asm volatile("sttr %0, [%1]" :: "r"(2ull), "r"(base) : "memory");
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], ESR_WP_STORE_SAME);
    CHECK_EQ(rec.far[0], base);
    CHECK_EQ(cell[1], 2);
    reset(0);
    set_wcr(1, WCR(2, 3, 0, 0));
    isb();
    debug_unmask();
    asm volatile("ldtr %0, [%1]" : "=r"(v) : "r"(base) : "memory");
    CHECK_EQ(v, 2);
    CHECK_EQ(rec.n, 1);
    reset(0);
    set_wcr(1, WCR(1, 3, 0, 0));
    isb();
    debug_unmask();
    asm volatile("sttr %0, [%1]" :: "r"(3ull), "r"(base) : "memory");
    asm volatile("ldtr %0, [%1]" : "=r"(v) : "r"(base) : "memory");
    CHECK_EQ(v, 3);
    CHECK_EQ(rec.n, 0);
    cell[1] = 4;
    CHECK_EQ(rec.n, 1);
    CHECK_EQ(rec.esr[0], ESR_WP_STORE_SAME);
}
#endif

int main(void)
{
    debug_hook = dbg_hook;
    sysreg_write(oslar_el1, 0);                  /* the OS lock is set at reset */
    sysreg_write(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
    isb();
    check_ids();
    test_unlinked_address();
    test_linked_address();
    test_linked_watchpoint();
#ifndef ORACLE_SUBSET
    test_unlinked_context();
    test_reserved_types();
    test_unprivileged_watchpoint();
#endif
    debug_mask();
    dbg_disarm_all();
    return failures;
}
