/* SPDX-License-Identifier: MIT */
/*
 * Pointer authentication at EL1 (MMU off, so TCR_EL1 still places the PAC:
 * T0SZ 16, i.e. PAC bits 54:48 and, without TBI, 63:56): PACIA/PACIB/
 * PACDA/PACDB/PACGA against the architected QARMA5 values (taken from the
 * oracle), AUT* round trips, failures (without FEAT_FPAC, as QEMU 7.2's max:
 * the pointer gets the error code keynumber:NOT(keynumber) in bits 62:61,
 * or 54:53 with TBI, and using it faults; with FEAT_PAuth2 and FEAT_FPAC,
 * APA/API >= 4 as Tessera's max: the PAC is XORed into the pointer, AUT*
 * raise the PAC fail exception EC 0x1c with ISS data:keyB, and the
 * combined forms fault on the non-canonical pointer), XPACI/XPACD, the hint forms (PACIASP/AUTIASP,
 * PACIA1716), BLRAA/BRAA/RETAA, LDRAA/LDRAB, disabled keys (SCTLR_EL1.EnIA
 * clear: a NOP).  With the IMPLEMENTATION DEFINED algorithm (API, GPI) the
 * round trips and failures are checked and the values must differ from
 * QARMA5's; with pauth=off (no APA/API) PACIA is UNDEFINED and the hint
 * forms are NOPs.
 */
#include "common/test.h"

asm(".arch armv8.3-a");

#define SCTLR_EN (1ull << 31 | 1ull << 30 | 1ull << 27 | 1ull << 13)
#define PTR 0x0000000040123450ull
#define MOD 0x0123456789abcdefull

static void set_keys(void)
{
    sysreg_write(S3_0_C2_C1_0, 0x0011223344556677ull);   /* APIAKeyLo */
    sysreg_write(S3_0_C2_C1_1, 0x8899aabbccddeeffull);   /* APIAKeyHi */
    sysreg_write(S3_0_C2_C1_2, 0x1111111111111111ull);   /* APIBKeyLo */
    sysreg_write(S3_0_C2_C1_3, 0x2222222222222222ull);   /* APIBKeyHi */
    sysreg_write(S3_0_C2_C2_0, 0x3333333333333333ull);   /* APDAKeyLo */
    sysreg_write(S3_0_C2_C2_1, 0x4444444444444444ull);   /* APDAKeyHi */
    sysreg_write(S3_0_C2_C2_2, 0x5555555555555555ull);   /* APDBKeyLo */
    sysreg_write(S3_0_C2_C2_3, 0x6666666666666666ull);   /* APDBKeyHi */
    sysreg_write(S3_0_C2_C3_0, 0xec2802d4e0a488e9ull);   /* APGAKeyLo */
    sysreg_write(S3_0_C2_C3_1, 0x84be85ce9804e94bull);   /* APGAKeyHi */
    asm volatile("isb");
}

#define PAC_OP(name, insn) \
    static uint64_t name(uint64_t p, uint64_t m) \
    { asm volatile(insn " %0, %1" : "+r"(p) : "r"(m)); return p; }
PAC_OP(pacia, "pacia")
PAC_OP(pacib, "pacib")
PAC_OP(pacda, "pacda")
PAC_OP(pacdb, "pacdb")
PAC_OP(autia, "autia")
PAC_OP(autib, "autib")
PAC_OP(autda, "autda")
PAC_OP(autdb, "autdb")

static uint64_t pacga(uint64_t n, uint64_t m)
{
    uint64_t d;
    asm volatile("pacga %0, %1, %2" : "=r"(d) : "r"(n), "r"(m));
    return d;
}

static uint64_t xpaci(uint64_t p)
{
    asm volatile("xpaci %0" : "+r"(p));
    return p;
}

static uint64_t xpacd(uint64_t p)
{
    asm volatile("xpacd %0" : "+r"(p));
    return p;
}

static uint64_t pacia1716(uint64_t p, uint64_t m)
{
    register uint64_t x17 asm("x17") = p;
    register uint64_t x16 asm("x16") = m;
    asm volatile("hint #8" : "+r"(x17) : "r"(x16));       /* PACIA1716 */
    return x17;
}

static uint64_t __attribute__((noinline)) leaf(uint64_t x)
{
    return x * 3;
}

/* A function that signs its return address and returns with RETAA. */
asm(".text\n"
    ".global signed_fn\n"
    "signed_fn:\n"
    "  paciasp\n"
    "  add x0, x0, #7\n"
    "  retaa\n");
uint64_t signed_fn(uint64_t x);

static uint64_t call_blraa(uint64_t fn, uint64_t mod, uint64_t arg)
{
    register uint64_t x0 asm("x0") = arg;
    asm volatile("blraa %1, %2"
                 : "+r"(x0) : "r"(fn), "r"(mod)
                 : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
                   "x13", "x14", "x15", "x16", "x17", "x30", "memory");
    return x0;
}

static uint64_t ldraa(uint64_t p)
{
    uint64_t v;
    asm volatile("ldraa %0, [%1, #8]" : "=r"(v) : "r"(p) : "memory");
    return v;
}

static uint64_t ldrab_wb(uint64_t *p)
{
    uint64_t v, q = *p;
    asm volatile("ldrab %0, [%1, #-8]!" : "=r"(v), "+r"(q) :: "memory");
    *p = q;
    return v;
}

/* AUTIA at EL0 with the wrong modifier (the register keeps @p when it
 * faults). */
static uint64_t el0_autia_bad(uint64_t p)
{
    asm volatile("autia %0, %1" : "+r"(p) : "r"(MOD + 1));
    return p;
}

static uint64_t data[4] = { 0x11, 0x22, 0x33, 0x44 };

static void test_off(void)
{
    /* No FEAT_PAuth: PACIA is UNDEFINED, the hint space a NOP. */
    uint64_t p = PTR;
    EXPECT_EXC(0x00, p = pacia(p, MOD));
    CHECK_EQ(pacia1716(PTR, MOD), PTR);
    CHECK_EQ(p, PTR);
}

int main(void)
{
    uint64_t isar1 = sysreg_read(id_aa64isar1_el1);
    unsigned apa = (isar1 >> 4) & 0xf, api = (isar1 >> 8) & 0xf;
    unsigned gpa = (isar1 >> 24) & 0xf, gpi = (isar1 >> 28) & 0xf;
    if (!apa && !api) {
        CHECK_EQ(gpa | gpi, 0);
        test_off();
        return failures;
    }
    /* One algorithm with its generic form: PAuth (1) or PAuth2 + FPAC (4). */
    CHECK(apa == 0 || api == 0);
    unsigned level = apa + api;
    CHECK(level == 1 || level == 4);
    bool fpac = level >= 4;
    CHECK_EQ(apa ? gpa : gpi, 1);
    bool qarma = apa != 0;
    set_keys();
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) | SCTLR_EN);
    asm volatile("isb");

    uint64_t ia = pacia(PTR, MOD), ib = pacib(PTR, MOD);
    uint64_t da = pacda(PTR, MOD), db = pacdb(PTR, MOD);
    uint64_t ga = pacga(PTR, MOD);
    /* Only the PAC field changes: bits 63:56 and 54:48. */
    uint64_t field = 0xff7f000000000000ull;
    CHECK_EQ(ia & ~field, PTR);
    CHECK_EQ(db & ~field, PTR);
    CHECK_EQ(ga & 0xffffffffull, 0);
    CHECK(ia != ib && ia != da && da != db);
    /* A pointer with bad extension bits (bit 48 set): PAC bit 62 inverted
     * (PAuth), the PAC XORed into the bad bits (PAuth2); authenticating
     * fails either way. */
    uint64_t bad = pacia(0x0001000040123450ull, MOD);
    CHECK_EQ(bad & 0x0000ffffffffffffull, PTR);
    if (fpac) {
        CHECK_EQ(bad, ia ^ (1ull << 48));
        uint64_t r = 0;
        EXPECT_EXC(0x1c, r = autia(bad, MOD));
        CHECK_EQ(r, bad);
        CHECK_EQ(last_exc.esr & 0x1ffffff, 0);
        CHECK_EQ(last_exc.esr >> 25 & 1, 1);
    } else {
        CHECK_EQ(autia(bad, MOD) & (3ull << 61), 1ull << 61);
    }
    /* QARMA5 values (from the oracle); the IMPLEMENTATION DEFINED
     * algorithm must give others. */
    static const uint64_t q[6] = {
        0x781e000040123450ull, 0x9d75000040123450ull, 0x7f65000040123450ull,
        0x0170000040123450ull, 0x99aede4d00000000ull, 0x381e000040123450ull,
    };
    const uint64_t got[6] = { ia, ib, da, db, ga, bad };
    for (int i = 0; i < (fpac ? 5 : 6); i++) {
        if (qarma) {
            CHECK_EQ(got[i], q[i]);
        } else {
            CHECK(got[i] != q[i]);
        }
    }
    /* Round trips. */
    CHECK_EQ(autia(ia, MOD), PTR);
    CHECK_EQ(autib(ib, MOD), PTR);
    CHECK_EQ(autda(da, MOD), PTR);
    CHECK_EQ(autdb(db, MOD), PTR);
    CHECK_EQ(xpaci(ia), PTR);
    CHECK_EQ(xpacd(db), PTR);
    uint64_t up = 0xffff800000001000ull;
    CHECK_EQ(autia(pacia(up, 5), 5), up);
    if (fpac) {
        /* Failures fault: ISS bit 1 data key, bit 0 key B; the register
         * is not written. */
        const uint64_t in[4] = { ia, ib, ia, da };
        for (unsigned i = 0; i < 4; i++) {
            uint64_t r = 0;
            switch (i) {
            case 0: EXPECT_EXC(0x1c, r = autia(in[i], MOD + 1)); break;
            case 1: EXPECT_EXC(0x1c, r = autib(in[i], 0)); break;
            case 2: EXPECT_EXC(0x1c, r = autda(in[i], MOD)); break;
            default: EXPECT_EXC(0x1c, r = autdb(in[i], MOD)); break;
            }
            CHECK_EQ(last_exc.esr & 0x1ffffff, i);
            CHECK_EQ(r, in[i]);
        }
        uint64_t pu = pacia(up, 5), r = 0;
        EXPECT_EXC(0x1c, r = autia(pu, 6));
        CHECK_EQ(r, pu);
        CHECK_EQ(last_exc.kind, 0);         /* taken at EL1 from EL1 */
        /* At EL0 the fault is taken to EL1 from the lower EL (then the
         * SVC that returns from EL0). */
        uint64_t n0 = last_exc.count;
        CHECK_EQ(run_el0(el0_autia_bad, ia), ia);
        CHECK_EQ(last_exc.count, n0 + 2);
        CHECK_EQ(ESR_EC(last_exc.prev_esr), 0x1c);
        CHECK_EQ(last_exc.kind, 0x10);
    } else {
        /* Failures: error code in bits 62:61 (A: 01, B: 10). */
        CHECK_EQ(autia(ia, MOD + 1), PTR | (1ull << 61));
        CHECK_EQ(autib(ib, 0), PTR | (2ull << 61));
        CHECK_EQ(autda(ia, MOD), PTR | (1ull << 61));
        CHECK_EQ(autdb(da, MOD), PTR | (2ull << 61));
        /* Upper-half pointer: the field is filled with ones again. */
        CHECK_EQ(autia(pacia(up, 5), 6), (up & ~(3ull << 61)) | (1ull << 61));
    }
    /* PACIA1716 is PACIA x17, x16. */
    CHECK_EQ(pacia1716(PTR, MOD), ia);
    /* TBI0: the top byte stays, PAC in 54:48, error code in 54:53. */
    sysreg_write(tcr_el1, 1ull << 37);
    asm volatile("isb");
    uint64_t tagged = PTR | (0x5aull << 56);
    uint64_t t = pacia(tagged, MOD);
    CHECK_EQ(t & ~0x007f000000000000ull, tagged);
    CHECK_EQ(autia(t, MOD), tagged);
    if (fpac) {
        EXPECT_EXC(0x1c, t = autia(t, 0));
        CHECK_EQ(t & ~0x007f000000000000ull, tagged);
    } else {
        CHECK_EQ(autia(t, 0), tagged | (1ull << 53));
    }
    sysreg_write(tcr_el1, 0);
    asm volatile("isb");
    /* Combined forms. */
    CHECK_EQ(signed_fn(1), 8);
    uint64_t fn = pacia((uint64_t)leaf, 0x77);
    CHECK_EQ(call_blraa(fn, 0x77, 5), 15);
    /* BLRAA with the wrong modifier: the corrupted target faults (address
     * size, level 0: the MMU is off) with FAR the corrupted address. */
    uint64_t n = last_exc.count;
    call_blraa(fn, 0x78, 5);
    CHECK_EQ(last_exc.count, n + 1);
    CHECK_EQ(last_exc.esr, 0x86000000ull);
    if (fpac) {
        /* No FPACCOMBINE: the combined form branches to the pointer with
         * the PAC XORed out (non-canonical) and faults there. */
        uint64_t want = fn ^ (pacia((uint64_t)leaf, 0x78) & 0xff7f000000000000ull);
        CHECK_EQ(last_exc.far, want);
        CHECK(want != (uint64_t)leaf);
    } else {
        CHECK_EQ(last_exc.far, (uint64_t)leaf | (1ull << 61));
    }
    /* LDRAA / LDRAB. */
    uint64_t dp = pacda((uint64_t)data, 0);
    CHECK_EQ(ldraa(dp), 0x22);
    uint64_t cell = pacdb((uint64_t)&data[2], 0);
    uint64_t slot = cell;
    CHECK_EQ(ldrab_wb(&slot), 0x22);
    CHECK_EQ(slot, (uint64_t)&data[1]);
    EXPECT_EXC(0x25, ldraa(cell));
    CHECK_EQ(last_exc.esr & 0x3f, 0);
    if (fpac) {
        uint64_t want = cell ^ (pacda((uint64_t)&data[2], 0) & 0xff7f000000000000ull);
        CHECK_EQ(last_exc.far, want + 8);
    } else {
        CHECK_EQ(last_exc.far, ((uint64_t)&data[2] | (1ull << 61)) + 8);
    }
    /* Disabled key: PACIA and AUTIA do nothing. */
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) & ~(1ull << 31));
    asm volatile("isb");
    CHECK_EQ(pacia(PTR, MOD), PTR);
    CHECK_EQ(autia(ia, MOD), ia);
    CHECK_EQ(pacib(PTR, MOD), ib);
    return failures;
}
