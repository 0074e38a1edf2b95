/* SPDX-License-Identifier: MIT */
/*
 * A64 loads and stores: every addressing form (unsigned offset, unscaled,
 * pre/post-index, register offset with extends, literal, unprivileged),
 * sign/zero extension, pairs, exclusives, acquire/release, LSE atomics,
 * CAS and CASP.
 */
#include "common/test.h"

static uint64_t buf[32] __attribute__((aligned(64)));

static void fill(void)
{
    for (int i = 0; i < 32; i++) {
        buf[i] = 0x0706050403020100ull + 0x0808080808080808ull * (uint64_t)i;
    }
}

static void test_addressing(void)
{
    fill();
    uint64_t r, p = (uint64_t)buf, q;
    asm volatile("ldr %0, [%1, #8]" : "=r"(r) : "r"(p));
    CHECK_EQ(r, buf[1]);
    asm volatile("ldur %0, [%1, #-8]" : "=r"(r) : "r"(p + 16));
    CHECK_EQ(r, buf[1]);
    asm volatile("ldrb %w0, [%1, #9]" : "=r"(r) : "r"(p));
    CHECK_EQ(r, 0x09);
    asm volatile("ldrsb %0, [%1]" : "=r"(r) : "r"(p + 31 * 8 + 7));
    CHECK_EQ(r, (uint64_t)(int8_t)0xff);
    asm volatile("ldrsh %w0, [%1, #6]" : "=r"(r) : "r"(p + 31 * 8));
    CHECK_EQ(r, 0xfffffffeu);             /* W destination: zero-extended */
    asm volatile("ldrsw %0, [%1, #4]" : "=r"(r) : "r"(p + 31 * 8));
    CHECK_EQ(r, (uint64_t)(int64_t)(int32_t)0xfffefdfcu);
    asm volatile("ldrh %w0, [%1, #2]" : "=r"(r) : "r"(p));
    CHECK_EQ(r, 0x0302);
    /* pre/post index */
    q = p;
    asm volatile("ldr %0, [%1, #16]!" : "=r"(r), "+r"(q));
    CHECK_EQ(r, buf[2]);
    CHECK_EQ(q, p + 16);
    asm volatile("ldr %0, [%1], #-8" : "=r"(r), "+r"(q));
    CHECK_EQ(r, buf[2]);
    CHECK_EQ(q, p + 8);
    asm volatile("str %1, [%0, #8]!" : "+r"(q) : "r"(0x1111ull) : "memory");
    CHECK_EQ(buf[2], 0x1111);
    CHECK_EQ(q, p + 16);
    asm volatile("strh %w1, [%0], #2" : "+r"(q) : "r"(0xabcdull) : "memory");
    CHECK_EQ(buf[2], 0xabcd);
    CHECK_EQ(q, p + 18);
    /* register offset */
    fill();
    asm volatile("ldr %0, [%1, %2, lsl #3]" : "=r"(r) : "r"(p), "r"(5ull));
    CHECK_EQ(r, buf[5]);
    asm volatile("ldr %0, [%1, %w2, sxtw #3]" : "=r"(r) : "r"(p + 64), "r"(0xffffffffull));
    CHECK_EQ(r, buf[7]);
    asm volatile("ldr %w0, [%1, %w2, uxtw]" : "=r"(r) : "r"(p), "r"(0x100000004ull));
    CHECK_EQ(r, (uint32_t)(buf[0] >> 32));
    asm volatile("ldrb %w0, [%1, %2]" : "=r"(r) : "r"(p), "r"(17ull));
    CHECK_EQ(r, 0x11);
    asm volatile("strb %w0, [%1, %2]" :: "r"(0xeeull), "r"(p), "r"(3ull) : "memory");
    CHECK_EQ(buf[0], 0x07060504ee020100ull);
    /* unscaled negative, W store zero-extension of the register */
    asm volatile("stur %w0, [%1, #-4]" :: "r"(0xdeadbeefcafef00dull), "r"(p + 16) : "memory");
    CHECK_EQ(buf[1] >> 32, 0xcafef00d);
    /* literal */
    asm volatile("ldr %0, 1f\n\tb 2f\n\t.balign 8\n1:\t.quad 0x123456789abcdef0\n2:" : "=r"(r));
    CHECK_EQ(r, 0x123456789abcdef0ull);
    asm volatile("ldrsw %0, 1f\n\tb 2f\n\t.balign 4\n1:\t.word 0x80000000\n2:" : "=r"(r));
    CHECK_EQ(r, 0xffffffff80000000ull);
    asm volatile("prfm pldl1keep, [%0]\n\tprfm pstl2strm, [%0, #64]" :: "r"(p));
    /* LDTR/STTR at EL1: the MMU is off, so EL0 may access this too */
    asm volatile("sttr %1, [%0, #8]\n\tldtr %1, [%0, #8]" :: "r"(p), "r"(77ull) : "memory");
    CHECK_EQ(buf[1], 77);
}

static void test_pairs(void)
{
    fill();
    uint64_t a, b, p = (uint64_t)buf, q = p;
    asm volatile("ldp %0, %1, [%2, #16]" : "=r"(a), "=r"(b) : "r"(p));
    CHECK_EQ(a, buf[2]);
    CHECK_EQ(b, buf[3]);
    asm volatile("ldp %w0, %w1, [%2, #-8]" : "=r"(a), "=r"(b) : "r"(p + 16));
    CHECK_EQ(a, (uint32_t)buf[1]);
    CHECK_EQ(b, buf[1] >> 32);
    asm volatile("ldpsw %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(p + 31 * 8));
    CHECK_EQ(a, (uint64_t)(int64_t)(int32_t)(uint32_t)buf[31]);
    CHECK_EQ(b, (uint64_t)(int64_t)(int32_t)(buf[31] >> 32));
    asm volatile("stp %1, %2, [%0, #32]!" : "+r"(q) : "r"(1ull), "r"(2ull) : "memory");
    CHECK_EQ(q, p + 32);
    CHECK_EQ(buf[4], 1);
    CHECK_EQ(buf[5], 2);
    asm volatile("stp %w1, %w2, [%0], #-16" : "+r"(q) : "r"(3ull), "r"(4ull) : "memory");
    CHECK_EQ(q, p + 16);
    CHECK_EQ(buf[4], 0x400000003ull);
    asm volatile("ldnp %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(p + 32));
    CHECK_EQ(a, 0x400000003ull);
    CHECK_EQ(b, 2);
    asm volatile("stnp %1, %2, [%0]" :: "r"(p), "r"(5ull), "r"(6ull) : "memory");
    CHECK_EQ(buf[0], 5);
    CHECK_EQ(buf[1], 6);
}

static void test_exclusive(void)
{
    fill();
    uint64_t p = (uint64_t)buf, v, st;
    asm volatile("ldxr %0, [%2]\n\tadd %0, %0, #1\n\tstxr %w1, %0, [%2]"
                 : "=&r"(v), "=&r"(st) : "r"(p) : "memory");
    CHECK_EQ(st, 0);
    CHECK_EQ(buf[0], 0x0706050403020101ull);
    /* A store-exclusive with no preceding load-exclusive fails. */
    asm volatile("clrex\n\tstxr %w0, %1, [%2]" : "=&r"(st) : "r"(9ull), "r"(p) : "memory");
    CHECK_EQ(st, 1);
    CHECK_EQ(buf[0], 0x0706050403020101ull);
    /* A different address fails. */
    asm volatile("ldxr %0, [%2]\n\tstxr %w1, %0, [%3]"
                 : "=&r"(v), "=&r"(st) : "r"(p), "r"(p + 8) : "memory");
    CHECK_EQ(st, 1);
    /* Byte, halfword, word and acquire/release forms. */
    asm volatile("ldaxrb %w0, [%2]\n\tadd %w0, %w0, #2\n\tstlxrb %w1, %w0, [%2]"
                 : "=&r"(v), "=&r"(st) : "r"(p + 8) : "memory");
    CHECK_EQ(st, 0);
    CHECK_EQ(buf[1] & 0xff, 0x0a);
    asm volatile("ldxrh %w0, [%2]\n\tstxrh %w1, %w3, [%2]"
                 : "=&r"(v), "=&r"(st) : "r"(p + 16), "r"(0xbeefull) : "memory");
    CHECK_EQ(st, 0);
    CHECK_EQ(v, 0x1110);
    CHECK_EQ(buf[2] & 0xffff, 0xbeef);
    /* Pairs: two W and two X registers. */
    uint64_t lo, hi;
    asm volatile("ldxp %w0, %w1, [%3]\n\tstxp %w2, %w1, %w0, [%3]"
                 : "=&r"(lo), "=&r"(hi), "=&r"(st) : "r"(p + 24) : "memory");
    CHECK_EQ(st, 0);
    CHECK_EQ(lo, 0x1b1a1918);
    CHECK_EQ(buf[3], 0x1b1a19181f1e1d1cull);
    asm volatile("ldaxp %0, %1, [%3]\n\tstlxp %w2, %1, %0, [%3]"
                 : "=&r"(lo), "=&r"(hi), "=&r"(st) : "r"(p + 32) : "memory");
    CHECK_EQ(st, 0);
    CHECK_EQ(buf[4], 0x2f2e2d2c2b2a2928ull);
    CHECK_EQ(buf[5], 0x2726252423222120ull);
    /* Unaligned exclusive: alignment fault (data abort, DFSC 0x21). */
    EXPECT_EXC(0x25, asm volatile("ldxr %0, [%1]" : "=r"(v) : "r"(p + 4)));
    CHECK_EQ(last_exc.esr & 0x3f, 0x21);
    CHECK_EQ(last_exc.far, p + 4);
    /* Load-acquire / store-release / LDAPR. */
    asm volatile("stlr %1, [%0]\n\tldar %1, [%0]" :: "r"(p), "r"(42ull) : "memory");
    CHECK_EQ(buf[0], 42);
    asm volatile("stlrh %w1, [%0]\n\tldarh %w1, [%0]" :: "r"(p + 8), "r"(0x1234ull) : "memory");
    CHECK_EQ(buf[1] & 0xffff, 0x1234);
    asm volatile("ldapr %0, [%1]" : "=r"(v) : "r"(p));
    CHECK_EQ(v, 42);
}

static void test_lse(void)
{
    fill();
    uint64_t p = (uint64_t)buf, old;
    buf[0] = 10;
    asm volatile("ldadd %1, %0, [%2]" : "=r"(old) : "r"(5ull), "r"(p) : "memory");
    CHECK_EQ(old, 10);
    CHECK_EQ(buf[0], 15);
    asm volatile("ldclral %1, %0, [%2]" : "=r"(old) : "r"(0x5ull), "r"(p) : "memory");
    CHECK_EQ(old, 15);
    CHECK_EQ(buf[0], 10);
    asm volatile("ldeora %1, %0, [%2]" : "=r"(old) : "r"(0xffull), "r"(p) : "memory");
    CHECK_EQ(buf[0], 0xf5);
    asm volatile("ldsetl %1, %0, [%2]" : "=r"(old) : "r"(0x100ull), "r"(p) : "memory");
    CHECK_EQ(buf[0], 0x1f5);
    asm volatile("stadd %0, [%1]" :: "r"(1ull), "r"(p) : "memory");
    CHECK_EQ(buf[0], 0x1f6);
    buf[1] = 0x0000000080000001ull;
    asm volatile("ldsmax %w1, %w0, [%2]" : "=r"(old) : "r"(5ull), "r"(p + 8) : "memory");
    CHECK_EQ(old, 0x80000001u);              /* zero-extended old value */
    CHECK_EQ(buf[1], 5);                     /* 5 > INT32_MIN+1 */
    asm volatile("ldsminb %w1, %w0, [%2]" : "=r"(old) : "r"(0x80ull), "r"(p + 8) : "memory");
    CHECK_EQ(old, 5);
    CHECK_EQ(buf[1], 0x80);
    asm volatile("ldumax %1, %0, [%2]" : "=r"(old) : "r"(UINT64_MAX), "r"(p + 16) : "memory");
    CHECK_EQ(buf[2], UINT64_MAX);
    asm volatile("lduminh %w1, %w0, [%2]" : "=r"(old) : "r"(3ull), "r"(p + 16) : "memory");
    CHECK_EQ(old, 0xffff);
    CHECK_EQ(buf[2], 0xffffffffffff0003ull);
    asm volatile("swpal %1, %0, [%2]" : "=r"(old) : "r"(7ull), "r"(p + 16) : "memory");
    CHECK_EQ(old, 0xffffffffffff0003ull);
    CHECK_EQ(buf[2], 7);
    /* CAS: success and failure (Rs receives the old value either way). */
    uint64_t cmp = 7;
    asm volatile("casal %0, %1, [%2]" : "+r"(cmp) : "r"(8ull), "r"(p + 16) : "memory");
    CHECK_EQ(cmp, 7);
    CHECK_EQ(buf[2], 8);
    cmp = 7;
    asm volatile("cas %0, %1, [%2]" : "+r"(cmp) : "r"(9ull), "r"(p + 16) : "memory");
    CHECK_EQ(cmp, 8);
    CHECK_EQ(buf[2], 8);
    cmp = 0x38;
    asm volatile("casb %w0, %w1, [%2]" : "+r"(cmp) : "r"(0x99ull), "r"(p + 24) : "memory");
    CHECK_EQ(cmp, 0x18);
    /* CASP with register pairs. */
    buf[4] = 1;
    buf[5] = 2;
    register uint64_t s0 asm("x4") = 1, s1 asm("x5") = 2, t0 asm("x6") = 3, t1 asm("x7") = 4;
    asm volatile("caspal x4, x5, x6, x7, [%4]" : "+r"(s0), "+r"(s1) : "r"(t0), "r"(t1),
                 "r"(p + 32) : "memory");
    CHECK_EQ(s0, 1);
    CHECK_EQ(s1, 2);
    CHECK_EQ(buf[4], 3);
    CHECK_EQ(buf[5], 4);
    s0 = 1;
    s1 = 2;
    asm volatile("casp x4, x5, x6, x7, [%4]" : "+r"(s0), "+r"(s1) : "r"(t0), "r"(t1),
                 "r"(p + 32) : "memory");
    CHECK_EQ(s0, 3);
    CHECK_EQ(s1, 4);
    buf[6] = 0x0000000200000001ull;
    register uint64_t w0 asm("x8") = 1, w1 asm("x9") = 2, n0 asm("x10") = 5, n1 asm("x11") = 6;
    asm volatile("casp w8, w9, w10, w11, [%4]" : "+r"(w0), "+r"(w1) : "r"(n0), "r"(n1),
                 "r"(p + 48) : "memory");
    CHECK_EQ(buf[6], 0x0000000600000005ull);
    CHECK_EQ(w0, 1);
    CHECK_EQ(w1, 2);
}

int main(void)
{
    test_addressing();
    test_pairs();
    test_exclusive();
    test_lse();
    return failures;
}
