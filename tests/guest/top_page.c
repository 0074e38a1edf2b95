/* SPDX-License-Identifier: MIT */
/*
 * Code at the top of the 64-bit address space (issue 17, class 1): the
 * translator once computed the end of the last page as 2^64 = 0, built an
 * empty block and aborted the emulator.  Here the guest
 *  - in M-mode jumps to -2, -4 and the start of the last page, where
 *    nothing is mapped: instruction access fault (1), mtval = mepc = the
 *    address;
 *  - in S-mode under Sv39 maps the last virtual page and page 0 and runs
 *    code that crosses from 0xffff_ffff_ffff_fffe to 0 (pc wraps modulo
 *    2^64), both at an instruction boundary and inside a 4-byte instruction;
 *  - unmaps either page: instruction page fault (12) with the address of
 *    the part that is missing, epc at the instruction's start.
 */
#include "common/test.h"

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define SATP_SV39 (8ul << 60)
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_FETCH_PAGE 12
#define TOP_PAGE 0xfffffffffffff000ul

/* Instruction encodings written into the two pages. */
#define ADDI_A0_ZERO(imm) (((uint32_t)(imm) << 20) | (10u << 7) | 0x13u)
#define ADDI_A0_A0(imm) (((uint32_t)(imm) << 20) | (10u << 15) | (10u << 7) | 0x13u)
#define C_ADDI_A0(imm) ((uint16_t)(0x0501u | ((imm) << 2)))
#define C_JR_RA 0x8082u

static uint64_t *top_leaf;   /* level-0 table whose last entry maps TOP_PAGE */
static uint64_t *zero_leaf;  /* level-0 table whose first entry maps VA 0 */
static uint8_t *top_page, *zero_page;

static uint64_t pte(void *pa, uint64_t flags)
{
    return ((uint64_t)pa >> 12 << 10) | flags | PTE_V;
}

/* Call @va with a0 = 0; returns a0.  A fetch fault there returns to the
 * caller through the trap handler (it resumes at ra). */
static uint64_t call_at(uint64_t va)
{
    register uint64_t a0 asm("a0") = 0;
    asm volatile("jalr ra, 0(%1)" : "+r"(a0) : "r"(va) : "ra", "memory");
    return a0;
}

static void expect_fetch_fault(uint64_t va, uint64_t cause, uint64_t tval, uint64_t epc)
{
    uint64_t n = last_trap.count;
    call_at(va);
    CHECK_EQ(last_trap.count, n + 1);
    CHECK_EQ(last_trap.cause, cause);
    CHECK_EQ(last_trap.tval, tval);
    CHECK_EQ(last_trap.epc, epc);
}

static void test_m_mode_unmapped_top(void)
{
    expect_fetch_fault(-2ul, CAUSE_FETCH_ACCESS, -2ul, -2ul);
    expect_fetch_fault(-4ul, CAUSE_FETCH_ACCESS, -4ul, -4ul);
    expect_fetch_fault(TOP_PAGE, CAUSE_FETCH_ACCESS, TOP_PAGE, TOP_PAGE);
    /* Again: nothing about the first attempts may have been cached. */
    expect_fetch_fault(-2ul, CAUSE_FETCH_ACCESS, -2ul, -2ul);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void build_tables(void)
{
    uint64_t *root = alloc_page();
    /* RAM (code, data, stack) identity-mapped by a gigapage. */
    root[2] = (0x80000000ul >> 12 << 10) | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_V;
    uint64_t *l1 = alloc_page();
    root[0] = pte(l1, 0);
    zero_leaf = alloc_page();
    l1[0] = pte(zero_leaf, 0);
    uint64_t *top_l1 = alloc_page();
    root[511] = pte(top_l1, 0);
    top_leaf = alloc_page();
    top_l1[511] = pte(top_leaf, 0);
    top_page = alloc_page();
    zero_page = alloc_page();
    csr_write(satp, SATP_SV39 | ((uint64_t)root >> 12));
}

static void map(int top, int zero)
{
    top_leaf[511] = top ? pte(top_page, PTE_R | PTE_X | PTE_A) : 0;
    zero_leaf[0] = zero ? pte(zero_page, PTE_R | PTE_X | PTE_A) : 0;
    asm volatile("sfence.vma\n fence.i" ::: "memory");
}

/* -8: addi a0,zero,5; -4: c.addi a0,1; -2: addi a0,a0,16 (its upper half
 * at VA 0); 2: c.jr ra.  a0 = 22. */
static void write_crossing_code(void)
{
    put32(top_page + 0xff8, ADDI_A0_ZERO(5));
    put16(top_page + 0xffc, C_ADDI_A0(1));
    uint32_t crossing = ADDI_A0_A0(16);
    put16(top_page + 0xffe, (uint16_t)crossing);
    put16(zero_page + 0, (uint16_t)(crossing >> 16));
    put16(zero_page + 2, C_JR_RA);
}

/* -4: addi a0,zero,7; 0: c.addi a0,3; 2: c.jr ra.  a0 = 10. */
static void write_boundary_code(void)
{
    put32(top_page + 0xffc, ADDI_A0_ZERO(7));
    put16(zero_page + 0, C_ADDI_A0(3));
    put16(zero_page + 2, C_JR_RA);
}

/* -2: c.addi a0,1; 0: c.jr ra.  a0 = 1. */
static void write_last_parcel_code(void)
{
    put16(top_page + 0xffe, C_ADDI_A0(1));
    put16(zero_page + 0, C_JR_RA);
}

static void test_s_mode_wraps_to_zero(void)
{
    build_tables();

    write_crossing_code();
    map(1, 1);
    switch_mode(PRV_S);
    uint64_t crossing = call_at(-8ul);
    uint64_t crossing_again = call_at(-8ul);   /* from the cached block */
    back_to_m();
    CHECK_EQ(crossing, 22);
    CHECK_EQ(crossing_again, 22);

    write_boundary_code();
    map(1, 1);
    switch_mode(PRV_S);
    uint64_t boundary = call_at(-4ul);
    back_to_m();
    CHECK_EQ(boundary, 10);

    write_last_parcel_code();
    map(1, 1);
    switch_mode(PRV_S);
    uint64_t last = call_at(-2ul);
    back_to_m();
    CHECK_EQ(last, 1);

    /* Top page missing: the fetch at -2 faults. */
    map(0, 1);
    switch_mode(PRV_S);
    expect_fetch_fault(-2ul, CAUSE_FETCH_PAGE, -2ul, -2ul);
    back_to_m();

    /* Page 0 missing: the second half of the instruction at -2 faults;
     * tval is the address of that half (0), epc the instruction's start. */
    write_crossing_code();
    map(1, 0);
    switch_mode(PRV_S);
    uint64_t n = last_trap.count;
    uint64_t partial = call_at(-8ul);
    back_to_m();
    CHECK_EQ(last_trap.count, n + 1);
    CHECK_EQ(last_trap.cause, CAUSE_FETCH_PAGE);
    CHECK_EQ(last_trap.tval, 0);
    CHECK_EQ(last_trap.epc, -2ul);
    CHECK_EQ(partial, 6);    /* the two instructions before it ran */

    csr_write(satp, 0);
    asm volatile("sfence.vma" ::: "memory");
}

int main(void)
{
    test_m_mode_unmapped_top();
    test_s_mode_wraps_to_zero();
    return failures;
}
