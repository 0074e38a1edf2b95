/* SPDX-License-Identifier: MIT */
/*
 * BTI and UAO at EL1 with the MMU on (4K pages, 39-bit VA, identity map):
 * one page of landing pads mapped guarded (stage-1 GP bit) and reached by
 * BLR (BTYPE 10), BR from an ordinary page (01), BR x9 / x16 from the
 * guarded page (11 / 01), BLRAA; the Branch Target exception (EC 0x0d,
 * ISS = BTYPE, SPSR.BTYPE) where the pad does not fit, PACIASP as a pad
 * and SCTLR_EL1.BT1, direct calls and returns unchecked.  UAO: LDTR from
 * EL1 to an EL1-only page faults, and with PSTATE.UAO (MSR UAO, #1 or the
 * UAO register) does not (RAM is mapped EL1-only).
 */
#include "common/test.h"

asm(".arch armv8.5-a");

#define D_VALID 1ull
#define D_TABLE 2ull
#define D_AF (1ull << 10)
#define D_SH (3ull << 8)
#define D_AP_EL0 (1ull << 6)
#define D_GP (1ull << 50)
#define RAM 0x40000000ull

/* The guarded page: landing pads only. */
asm(".section .text.zguard, \"ax\"\n"
    ".balign 4096\n"
    "guard_start:\n"
    "g_bti_c:   bti c\n  mov x0, #1\n  ret\n"
    "g_bti_j:   bti j\n  mov x0, #2\n  ret\n"
    "g_plain:   mov x0, #3\n  mov x0, #3\n  ret\n"
    "g_paciasp: paciasp\n  mov x0, #4\n  ret\n"
    "g_bti_jc:  bti jc\n  mov x0, #5\n  ret\n"
    "g_bti:     bti\n  mov x0, #6\n  ret\n"
    "g_tramp9:  bti c\n  br x9\n"
    "g_tramp16: bti c\n  br x16\n"
    "g_fresh:   bti c\n  mov x0, #8\n  ret\n"
    "g_fresh2:  mov x0, #9\n  ret\n"
    ".balign 4096\n"
    ".text\n");
extern char guard_start[], g_bti_c[], g_bti_j[], g_plain[], g_paciasp[], g_bti_jc[], g_bti[];
extern char g_tramp9[], g_tramp16[], g_fresh[], g_fresh2[];

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2io[512] __attribute__((aligned(4096)));
static uint64_t l2[512] __attribute__((aligned(4096)));
static uint64_t l3[512] __attribute__((aligned(4096)));
static uint64_t priv_page[512] __attribute__((aligned(4096)));

#define CLOBBERS "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x10", "x11", "x12", "x13", \
                 "x14", "x15", "x17", "x30", "memory"

static uint64_t call_blr(void *fn)
{
    register uint64_t x0 asm("x0");
    asm volatile("blr %1" : "=r"(x0) : "r"(fn) : CLOBBERS, "x9", "x16");
    return x0;
}

static uint64_t call_br(void *fn)
{
    register uint64_t x0 asm("x0");
    register void *x9 asm("x9") = fn;
    asm volatile("adr x30, 1f\n\tbr x9\n1:" : "=r"(x0), "+r"(x9) :: CLOBBERS, "x16");
    return x0;
}

/* BLR to a guarded trampoline that branches on with BR x9 or BR x16. */
static uint64_t call_tramp(void *tramp, void *fn, bool x16)
{
    register uint64_t x0 asm("x0");
    register void *x9 asm("x9") = fn;
    register void *r16 asm("x16") = fn;
    (void)x16;
    asm volatile("blr %1" : "=r"(x0) : "r"(tramp), "r"(x9), "r"(r16) : CLOBBERS);
    return x0;
}

static void direct_call_plain(void)
{
    asm volatile("bl g_plain" ::: CLOBBERS, "x0", "x9", "x16");
}

static void direct_call_fresh(void)
{
    asm volatile("bl g_fresh" ::: CLOBBERS, "x0", "x9", "x16");
}

static void direct_call_fresh2(void)
{
    asm volatile("bl g_fresh2" ::: CLOBBERS, "x0", "x9", "x16");
}

static void expect_bti(uint64_t got, uint64_t want_ret, unsigned btype, uint64_t n)
{
    CHECK_EQ(got, want_ret);
    CHECK_EQ(last_exc.count, n + 1);
    CHECK_EQ(last_exc.esr, 0x36000000ull | btype);
    CHECK_EQ((last_exc.spsr >> 10) & 3, btype);
}

static void mmu_on(void)
{
    uint64_t guard = (uint64_t)guard_start;
    l1[0] = (uint64_t)l2io | D_VALID | D_TABLE;
    l2io[0x09000000 >> 21] = 0x09000000 | (1 << 2) | D_AF | D_VALID;
    l1[1] = (uint64_t)l2 | D_VALID | D_TABLE;
    for (unsigned i = 0; i < 64; i++) {
        l2[i] = (RAM + ((uint64_t)i << 21)) | D_AF | D_SH | D_VALID;
    }
    /* The 2 MiB holding the guarded page: 4K pages, that one with GP. */
    uint64_t blk = (guard - RAM) >> 21;
    for (unsigned i = 0; i < 512; i++) {
        uint64_t pa = RAM + (blk << 21) + ((uint64_t)i << 12);
        l3[i] = pa | D_AF | D_SH | D_VALID | D_TABLE | (pa == guard ? D_GP : 0);
    }
    l2[blk] = (uint64_t)l3 | D_VALID | D_TABLE;
    sysreg_write(mair_el1, 0x00ff);
    sysreg_write(tcr_el1, 25 | (1 << 8) | (1 << 10) | (3 << 12) | (2ull << 32) | (1ull << 23));
    sysreg_write(ttbr0_el1, l1);
    asm volatile("dsb sy\n\ttlbi vmalle1\n\tdsb sy\n\tisb" ::: "memory");
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) | 1);
    asm volatile("isb");
}

static uint64_t ldtr(uint64_t *p)
{
    uint64_t v;
    asm volatile("ldtr %0, [%1]" : "=r"(v) : "r"(p) : "memory");
    return v;
}

int main(void)
{
    CHECK_EQ(sysreg_read(id_aa64pfr1_el1) & 0xf, 1);          /* BTI */
    CHECK_EQ((sysreg_read(id_aa64mmfr2_el1) >> 4) & 0xf, 1);  /* UAO */
    mmu_on();
    uint64_t n;
    /* BLR: BTYPE 10. */
    n = last_exc.count;
    CHECK_EQ(call_blr(g_bti_c), 1);
    CHECK_EQ(call_blr(g_paciasp), 4);
    CHECK_EQ(call_blr(g_bti_jc), 5);
    CHECK_EQ(last_exc.count, n);
    n = last_exc.count;
    expect_bti(call_blr(g_bti_j), 2, 2, n);
    n = last_exc.count;
    expect_bti(call_blr(g_plain), 3, 2, n);
    n = last_exc.count;
    expect_bti(call_blr(g_bti), 6, 2, n);
    /* BR from an ordinary page: BTYPE 01. */
    n = last_exc.count;
    CHECK_EQ(call_br(g_bti_c), 1);
    CHECK_EQ(call_br(g_bti_j), 2);
    CHECK_EQ(last_exc.count, n);
    expect_bti(call_br(g_plain), 3, 1, n);
    /* BR from the guarded page: x9 gives 11, x16 gives 01. */
    n = last_exc.count;
    CHECK_EQ(call_tramp(g_tramp9, g_bti_j, false), 2);
    CHECK_EQ(call_tramp(g_tramp16, g_bti_c, true), 1);
    CHECK_EQ(call_tramp(g_tramp9, g_paciasp, false), 4);      /* BT1 clear */
    CHECK_EQ(last_exc.count, n);
    expect_bti(call_tramp(g_tramp9, g_bti_c, false), 1, 3, n);
    /* SCTLR_EL1.BT1: PACIASP is no pad for BTYPE 11 any more. */
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) | (1ull << 36));
    asm volatile("isb");
    n = last_exc.count;
    expect_bti(call_tramp(g_tramp9, g_paciasp, false), 4, 3, n);
    n = last_exc.count;
    CHECK_EQ(call_blr(g_paciasp), 4);
    CHECK_EQ(last_exc.count, n);
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) & ~(1ull << 36));
    asm volatile("isb");
    /* Direct branches and returns are not checked. */
    n = last_exc.count;
    direct_call_plain();
    CHECK_EQ(last_exc.count, n);
    /* A pad reached by a direct call (its block translated with BTYPE 00)
     * and then by BLR: the jump-cache probe after BLR must not take the
     * BTYPE-00 block, which would leave PSTATE.BTYPE at 10 past the pad
     * (seen in the SPSR of the next exception).  The second round runs
     * with every block of the sequence already in the jump cache. */
    for (int round = 0; round < 3; round++) {
        direct_call_fresh();
        n = last_exc.count;
        CHECK_EQ(call_blr(g_fresh), 8);
        asm volatile("svc #2");
        CHECK_EQ(last_exc.count, n + 1);
        CHECK_EQ((last_exc.spsr >> 10) & 3, 0);
        /* The same with no pad: BLR must fault however often a direct
         * call ran the block. */
        direct_call_fresh2();
        n = last_exc.count;
        expect_bti(call_blr(g_fresh2), 9, 2, n);
    }

    /* UAO. */
    priv_page[0] = 0x77;
    n = last_exc.count;
    EXPECT_EXC(0x25, ldtr(priv_page));
    CHECK_EQ(last_exc.esr & 0x3f, 0x0f);                      /* permission, level 3 */
    asm volatile("msr uao, #1\n\tisb" ::: "memory");
    CHECK_EQ(sysreg_read(S3_0_C4_C2_4), 1ull << 23);
    n = last_exc.count;
    CHECK_EQ(ldtr(priv_page), 0x77);
    CHECK_EQ(last_exc.count, n);
    sysreg_write(S3_0_C4_C2_4, 0);
    asm volatile("isb");
    EXPECT_EXC(0x25, ldtr(priv_page));
    sysreg_write(S3_0_C4_C2_4, 1ull << 23);
    asm volatile("isb");
    CHECK_EQ(ldtr(priv_page), 0x77);
    /* An exception clears UAO; ERET restores it from SPSR. */
    asm volatile("svc #1");
    CHECK_EQ((last_exc.spsr >> 23) & 1, 1);
    CHECK_EQ(sysreg_read(S3_0_C4_C2_4), 1ull << 23);
    asm volatile("msr uao, #0\n\tisb" ::: "memory");
    return failures;
}
