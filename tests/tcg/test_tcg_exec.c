/* SPDX-License-Identifier: MIT */
/*
 * The TCG engine running a toy guest on the interpreter (and, through
 * test_tcg_x86_exec.c, on the x86-64 backend): block chaining,
 * the block cache and its invalidation by guest stores, precise exceptions,
 * MMIO, interrupts reaching a vCPU spinning in chained blocks, WFI, pause
 * and resume, and atomics across vCPU threads.
 */
#include <string.h>

#include "tests/tcg/toy_cpu.h"

#define CODE 0x1000
#define HANDLER 0x8000
#define DATA 0x9000
#define RUN_MS 5000

static ToyHarness *h;

static void setup1(void)
{
    h = toy_setup(1, "backend=interp");
}

static void teardown(void)
{
    toy_teardown(h);
    h = NULL;
}

static ToyEnv *env0(void)
{
    return &h->cpus[0]->env;
}

static void load_handler(void)
{
    uint32_t w = toy_insn(TOY_HALT, 0, 0, 0);
    toy_load(h, HANDLER, &w, 1);
}

static uint64_t ram_u64(uint64_t addr)
{
    uint64_t v;
    memcpy(&v, h->ram_ptr + addr, 8);
    return GUINT64_FROM_LE(v);
}

/* ---- execution ------------------------------------------------------------------ */

/* At CODE: r2 = n + (n - 1) + ... + 1 (r1 counts down to 0), then HALT;
 * six instructions, the first being LI r1, n. */
/* Run @prog from CODE with the handler loaded and r5 pointing past the
 * fault limit (LD through r5 faults with cause 13, tval 0x90008). */
static void run_load_fault(const uint32_t *prog, unsigned n)
{
    toy_load(h, CODE, prog, n);
    load_handler();
    env0()->fault_limit = 0x80000;
    env0()->r[5] = 0x90000;
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
}

static void load_sum_loop(int n)
{
    const uint32_t prog[] = {
        toy_insn(TOY_LI, 1, 0, n),
        toy_insn(TOY_LI, 2, 0, 0),
        toy_insn(TOY_ADD, 2, 2, 1),          /* loop: r2 += r1 */
        toy_insn(TOY_ADDI, 1, 1, -1),
        toy_insn(TOY_BNE, 1, 0, -2),
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, CODE, prog, G_N_ELEMENTS(prog));
}

START_TEST(test_loop_sum)
{
    load_sum_loop(100);
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[2], 5050);
    ck_assert_uint_eq(env0()->r[1], 0);
    ck_assert_uint_eq(env0()->pc, CODE + 6 * 4);
    /* The loop body is translated once, not per iteration. */
    ck_assert_int_le(env0()->translations, 4);
}
END_TEST

/* Side exits: blocks that go on past a conditional branch (BNEX), with
 * guest registers kept in host registers across it; both ways, chained. */
START_TEST(test_side_exits)
{
    const uint32_t prog[] = {
        toy_insn(TOY_LI, 1, 0, 0),
        toy_insn(TOY_LI, 2, 0, 0),
        toy_insn(TOY_LI, 5, 0, 5),
        toy_insn(TOY_LI, 7, 0, 7),
        toy_insn(TOY_ADDI, 1, 1, 1),         /* loop: i++ */
        toy_insn(TOY_BNEX, 1, 5, 4),         /* i != 5: to (a) */
        toy_insn(TOY_ADDI, 2, 2, 100),       /* i == 5 only */
        toy_insn(TOY_BNEX, 1, 7, 2),         /* i != 7 (always here): to (b) */
        toy_insn(TOY_ADDI, 2, 2, 1000),      /* never */
        toy_insn(TOY_ADD, 2, 2, 1),          /* (a), (b): sum += i */
        toy_insn(TOY_BNEX, 1, 7, 2),         /* i != 7: to (c) */
        toy_insn(TOY_ADDI, 2, 2, 10000),     /* i == 7 only */
        toy_insn(TOY_LI, 6, 0, 20),          /* (c) */
        toy_insn(TOY_BNE, 1, 6, -9),         /* to the loop while i != 20 */
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, CODE, prog, G_N_ELEMENTS(prog));
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[1], 20);
    ck_assert_uint_eq(env0()->r[2], 210 + 100 + 10000);
    ck_assert_uint_eq(env0()->pc, CODE + 15 * 4);
    /* Chained: the blocks are translated once, not per iteration. */
    ck_assert_int_le(env0()->translations, 8);
}
END_TEST

/* Self loops (a block jumping to its own start, linked to itself): guest
 * registers rotating through each other every turn (the loop head's
 * registers come back permuted) and a Fibonacci pair, exact after many
 * turns, translated once. */
START_TEST(test_self_loop_rotates_registers)
{
    const uint32_t prog[] = {
        toy_insn(TOY_LI, 1, 0, 1),
        toy_insn(TOY_LI, 2, 0, 2),
        toy_insn(TOY_LI, 3, 0, 3),
        toy_insn(TOY_LI, 6, 0, 0),
        toy_insn(TOY_LI, 7, 0, 1),
        toy_insn(TOY_LI, 10, 0, 3001),
        toy_insn(TOY_J, 0, 0, 1),
        toy_insn(TOY_ADD, 4, 1, 0),          /* loop (CODE + 28): t = r1 */
        toy_insn(TOY_ADD, 1, 2, 0),          /* r1 = r2 */
        toy_insn(TOY_ADD, 2, 3, 0),          /* r2 = r3 */
        toy_insn(TOY_ADD, 3, 4, 0),          /* r3 = t */
        toy_insn(TOY_ADD, 8, 6, 7),          /* (r6, r7) = (r7, r6 + r7) mod 2^64 */
        toy_insn(TOY_ADD, 6, 7, 0),
        toy_insn(TOY_ADD, 7, 8, 0),
        toy_insn(TOY_ADDI, 10, 10, -1),
        toy_insn(TOY_BNE, 10, 0, -8),        /* to the loop while r10 != 0 */
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, CODE, prog, G_N_ELEMENTS(prog));
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    /* 3001 turns: the rotation by one, 3001 = 1 (mod 3). */
    ck_assert_uint_eq(env0()->r[1], 2);
    ck_assert_uint_eq(env0()->r[2], 3);
    ck_assert_uint_eq(env0()->r[3], 1);
    uint64_t a = 0, b = 1;
    for (int i = 0; i < 3001; i++) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    ck_assert_uint_eq(env0()->r[6], a);
    ck_assert_uint_eq(env0()->r[7], b);
    ck_assert_uint_eq(env0()->r[10], 0);
    ck_assert_int_le(env0()->translations, 4);
}
END_TEST

/* A load faulting in the middle of a self loop's turn is precise: the
 * registers the turn changed before it (left dirty in host registers by
 * the loads before it) are in env, nothing after it. */
START_TEST(test_self_loop_fault_precise)
{
    const uint32_t prog[] = {
        toy_insn(TOY_ADDI, 2, 2, 1),         /* loop (CODE): turns */
        toy_insn(TOY_LD, 4, 5, 0),           /* faults at 0x80000 */
        toy_insn(TOY_ADD, 3, 3, 4),
        toy_insn(TOY_ADDI, 5, 5, 8),
        toy_insn(TOY_BNE, 5, 0, -4),
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, CODE, prog, G_N_ELEMENTS(prog));
    load_handler();
    for (unsigned i = 0; i < 64; i++) {
        uint64_t v = GUINT64_TO_LE(i + 1);
        memcpy(h->ram_ptr + 0x80000 - 512 + 8 * i, &v, 8);
    }
    env0()->fault_limit = 0x80000;
    env0()->r[5] = 0x80000 - 512;
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[2], 65);
    ck_assert_uint_eq(env0()->r[3], 64 * 65 / 2);
    ck_assert_uint_eq(env0()->r[5], 0x80000);
    ck_assert_uint_eq(env0()->cause, 13);
    ck_assert_uint_eq(env0()->tval, 0x80000);
    ck_assert_uint_eq(env0()->epc, CODE + 4);
    ck_assert_int_eq(env0()->exceptions, 1);
}
END_TEST

/* A fault after a side exit in the same block is precise: what the block
 * did before it is in the registers, nothing after it. */
START_TEST(test_precise_fault_after_side_exit)
{
    const uint32_t prog[] = {
        toy_insn(TOY_LI, 1, 0, 7),
        toy_insn(TOY_BNEX, 1, 1, 10),        /* never taken: the block goes on */
        toy_insn(TOY_ADDI, 3, 1, 2),
        toy_insn(TOY_LD, 4, 5, 8),           /* faults */
        toy_insn(TOY_LI, 3, 0, 99),
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    run_load_fault(prog, G_N_ELEMENTS(prog));
    ck_assert_uint_eq(env0()->r[3], 9);
    ck_assert_uint_eq(env0()->cause, 13);
    ck_assert_uint_eq(env0()->epc, CODE + 12);
    ck_assert_int_eq(env0()->exceptions, 1);
}
END_TEST

START_TEST(test_indirect_jump)
{
    const uint32_t prog[] = {
        toy_insn(TOY_LI, 7, 0, 0x1100),
        toy_insn(TOY_JR, 0, 7, 0),
    };
    const uint32_t target[] = {
        toy_insn(TOY_LI, 2, 0, 42),
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, CODE, prog, 2);
    toy_load(h, 0x1100, target, 2);
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[2], 42);
}
END_TEST

START_TEST(test_guest_store_invalidates_code)
{
    const uint32_t callee[] = { toy_insn(TOY_LI, 3, 0, 1), toy_insn(TOY_HALT, 0, 0, 0) };
    toy_load(h, 0x2000, callee, 2);
    env0()->pc = 0x2000;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[3], 1);

    /* The guest rewrites the first instruction of the translated block. */
    const uint32_t writer[] = {
        toy_insn(TOY_SW, 4, 5, 0),           /* *(u32 *)r5 = r4 */
        toy_insn(TOY_LI, 6, 0, 0x2000),
        toy_insn(TOY_JR, 0, 6, 0),
    };
    toy_load(h, CODE, writer, 3);
    env0()->r[4] = toy_insn(TOY_LI, 3, 0, 2);
    env0()->r[5] = 0x2000;
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[3], 2);
}
END_TEST

START_TEST(test_store_to_same_page_data)
{
    /* Data next to code on one page: stores are slow but correct. */
    const uint32_t prog[] = {
        toy_insn(TOY_LI, 1, 0, 20),
        toy_insn(TOY_LI, 5, 0, CODE + 0x800),
        toy_insn(TOY_ST, 1, 5, 0),           /* loop: store r1 */
        toy_insn(TOY_ADDI, 1, 1, -1),
        toy_insn(TOY_BNE, 1, 0, -2),
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, CODE, prog, G_N_ELEMENTS(prog));
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(ram_u64(CODE + 0x800), 1);
    ck_assert_uint_eq(env0()->r[1], 0);
}
END_TEST

START_TEST(test_invalidate_phys_range)
{
    const uint32_t v1[] = { toy_insn(TOY_LI, 3, 0, 1), toy_insn(TOY_HALT, 0, 0, 0) };
    const uint32_t v2[] = { toy_insn(TOY_LI, 3, 0, 2) };
    toy_load(h, 0x2000, v1, 2);
    env0()->pc = 0x2000;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[3], 1);

    /* Written behind the engine's back: the cached block still runs. */
    toy_load(h, 0x2000, v2, 1);
    env0()->pc = 0x2000;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[3], 1);

    /* Until the range is invalidated. */
    env0()->engine->tb_invalidate_phys_range(&h->cpus[0]->parent_obj, 0x2000, 4);
    env0()->pc = 0x2000;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[3], 2);
}
END_TEST

START_TEST(test_fence_i_sees_code_written_behind_engine)
{
    /* A (0x1000) jumps to B (0x1040), chained after the first runs. */
    const uint32_t a[] = { toy_insn(TOY_J, 0, 0, 16) };
    const uint32_t b1[] = { toy_insn(TOY_LI, 3, 0, 1), toy_insn(TOY_HALT, 0, 0, 0) };
    const uint32_t b2[] = { toy_insn(TOY_LI, 3, 0, 2) };
    const uint32_t c[] = {
        toy_insn(TOY_FENCEI, 0, 0, 0),
        toy_insn(TOY_LI, 6, 0, 0x1000),
        toy_insn(TOY_JR, 0, 6, 0),
    };
    toy_load(h, 0x1000, a, 1);
    toy_load(h, 0x1040, b1, 2);
    toy_load(h, 0x1800, c, 3);
    for (int i = 0; i < 3; i++) {
        env0()->pc = 0x1000;
        ck_assert(toy_run_until_done(h, 1, RUN_MS));
        ck_assert_uint_eq(env0()->r[3], 1);
    }
    /* As a device would by DMA: the engine sees no store. */
    toy_load(h, 0x1040, b2, 1);
    env0()->pc = 0x1000;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[3], 1);
    /* fence.i, then through A's chain to B. */
    env0()->pc = 0x1800;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[3], 2);
}
END_TEST

START_TEST(test_chain_unlinked_when_target_rewritten)
{
    /* A (0x1000) jumps to B (0x1040): chained once both have run. */
    const uint32_t a[] = { toy_insn(TOY_J, 0, 0, 16) };
    const uint32_t b1[] = { toy_insn(TOY_LI, 3, 0, 1), toy_insn(TOY_HALT, 0, 0, 0) };
    toy_load(h, 0x1000, a, 1);
    toy_load(h, 0x1040, b1, 2);
    for (int i = 0; i < 3; i++) {
        env0()->pc = 0x1000;
        ck_assert(toy_run_until_done(h, 1, RUN_MS));
        ck_assert_uint_eq(env0()->r[3], 1);
    }
    /* The guest rewrites B, then enters A again: A's link to B must be gone. */
    const uint32_t writer[] = {
        toy_insn(TOY_SW, 4, 5, 0),
        toy_insn(TOY_LI, 6, 0, 0x1000),
        toy_insn(TOY_JR, 0, 6, 0),
    };
    toy_load(h, 0x1800, writer, 3);
    env0()->r[4] = toy_insn(TOY_LI, 3, 0, 2);
    env0()->r[5] = 0x1040;
    env0()->pc = 0x1800;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[3], 2);
    /* And the new B is chained again and stays correct. */
    for (int i = 0; i < 3; i++) {
        env0()->r[3] = 0;
        env0()->pc = 0x1000;
        ck_assert(toy_run_until_done(h, 1, RUN_MS));
        ck_assert_uint_eq(env0()->r[3], 2);
    }
}
END_TEST

START_TEST(test_indirect_loop_counts_and_exits)
{
    /* A loop closed by an indirect jump (lookup_and_goto_ptr every turn). */
    const uint32_t prog[] = {
        toy_insn(TOY_LI, 1, 0, 3000),
        toy_insn(TOY_LI, 6, 0, CODE + 12),
        toy_insn(TOY_LI, 7, 0, CODE + 28),
        toy_insn(TOY_ADDI, 1, 1, -1),        /* CODE + 12 */
        toy_insn(TOY_ADDI, 2, 2, 1),
        toy_insn(TOY_BNE, 1, 0, 2),          /* to CODE + 28 while r1 != 0 */
        toy_insn(TOY_HALT, 0, 0, 0),
        toy_insn(TOY_JR, 0, 6, 0),           /* CODE + 28 */
    };
    toy_load(h, CODE, prog, G_N_ELEMENTS(prog));
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[2], 3000);
    ck_assert_uint_eq(env0()->r[1], 0);
    ck_assert_int_le(env0()->translations, 6);
}
END_TEST

/* ---- exceptions ------------------------------------------------------------------- */

START_TEST(test_precise_load_fault)
{
    const uint32_t prog[] = {
        toy_insn(TOY_LI, 1, 0, 7),
        toy_insn(TOY_LD, 2, 5, 8),
        toy_insn(TOY_LI, 3, 0, 9),
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    run_load_fault(prog, G_N_ELEMENTS(prog));
    ck_assert_uint_eq(env0()->r[1], 7);
    ck_assert_uint_eq(env0()->r[3], 0);
    ck_assert_uint_eq(env0()->cause, 13);
    ck_assert_uint_eq(env0()->tval, 0x90008);
    ck_assert_uint_eq(env0()->epc, CODE + 4);
    ck_assert_int_eq(env0()->exceptions, 1);
}
END_TEST

START_TEST(test_precise_store_fault_and_helper_raise)
{
    const uint32_t prog[] = {
        toy_insn(TOY_LI, 1, 0, 1),
        toy_insn(TOY_ECALL, 0, 0, 0),
        toy_insn(TOY_LI, 1, 0, 2),
    };
    toy_load(h, CODE, prog, G_N_ELEMENTS(prog));
    load_handler();
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->cause, 11);
    ck_assert_uint_eq(env0()->epc, CODE + 4);
    ck_assert_uint_eq(env0()->r[1], 1);

    const uint32_t prog2[] = {
        toy_insn(TOY_LI, 1, 0, 3),
        toy_insn(TOY_ADDI, 2, 2, 1),
        toy_insn(TOY_ST, 1, 5, 0),
        toy_insn(TOY_LI, 1, 0, 4),
    };
    toy_load(h, 0x1100, prog2, G_N_ELEMENTS(prog2));
    env0()->fault_limit = 0x80000;
    env0()->r[5] = 0xa0000;
    env0()->r[2] = 0;
    env0()->pc = 0x1100;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->cause, 15);
    ck_assert_uint_eq(env0()->epc, 0x1100 + 8);
    ck_assert_uint_eq(env0()->r[1], 3);
    ck_assert_uint_eq(env0()->r[2], 1);
}
END_TEST

START_TEST(test_fetch_fault)
{
    load_handler();
    env0()->fault_limit = 0x80000;
    env0()->pc = 0x90000;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->cause, 12);
    ck_assert_uint_eq(env0()->epc, 0x90000);
}
END_TEST

START_TEST(test_misaligned_and_page_crossing)
{
    const uint32_t prog[] = {
        toy_insn(TOY_LD, 2, 5, 0),           /* crosses into the next page */
        toy_insn(TOY_ST, 3, 6, 0),           /* likewise */
        toy_insn(TOY_LDA, 4, 7, 0),          /* misaligned, must be aligned */
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, CODE, prog, G_N_ELEMENTS(prog));
    load_handler();
    for (unsigned i = 0; i < 16; i++) {
        h->ram_ptr[0x9ffc + i] = (uint8_t)(0x10 + i);
    }
    env0()->r[5] = 0x9ffd;
    env0()->r[3] = 0x0102030405060708ull;
    env0()->r[6] = 0xbffa;
    env0()->r[7] = 0x9004;
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[2], 0x1817161514131211ull);
    ck_assert_uint_eq(ram_u64(0xbffa), 0x0102030405060708ull);
    ck_assert_uint_eq(env0()->cause, 4);
    ck_assert_uint_eq(env0()->epc, CODE + 8);
}
END_TEST

/* ---- devices and interrupts ---------------------------------------------------- */

START_TEST(test_mmio)
{
    const uint32_t prog[] = {
        toy_insn(TOY_SW, 1, 5, 8),
        toy_insn(TOY_LD, 2, 5, 16),
        toy_insn(TOY_LBU, 3, 5, 3),
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, CODE, prog, G_N_ELEMENTS(prog));
    env0()->r[1] = 0xdeadbeefcafef00dull;
    env0()->r[5] = TOY_MMIO_BASE;
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_int_eq(h->mmio_writes, 1);
    ck_assert_int_eq(h->mmio_reads, 2);
    ck_assert_uint_eq(env0()->r[2], 0x1122334455667788ull ^ 16);
    ck_assert_uint_eq(env0()->r[3], (0x1122334455667788ull ^ 3) & 0xff);
    ck_assert_uint_eq(h->mmio_last_addr, 3);
}
END_TEST

START_TEST(test_mmio_write_value)
{
    const uint32_t prog[] = { toy_insn(TOY_SW, 1, 5, 8), toy_insn(TOY_HALT, 0, 0, 0) };
    toy_load(h, CODE, prog, 2);
    env0()->r[1] = 0xdeadbeefcafef00dull;
    env0()->r[5] = TOY_MMIO_BASE;
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(h->mmio_last_addr, 8);
    ck_assert_uint_eq(h->mmio_last_val, 0xcafef00d);
    ck_assert_uint_eq(h->mmio_last_size, 4);
}
END_TEST

/* Wait (at most 10 s: a loaded host may not run the vCPU thread for a
 * while) until *@v exceeds @min; the callers then assert what they need. */
static void wait_above(const uint64_t *v, uint64_t min)
{
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (__atomic_load_n(v, __ATOMIC_RELAXED) <= min && g_get_monotonic_time() < end) {
        g_usleep(100);
    }
}

START_TEST(test_interrupt_stops_chained_loop)
{
    const uint32_t prog[] = { toy_insn(TOY_ADDI, 1, 1, 1), toy_insn(TOY_J, 0, 0, -1) };
    toy_load(h, CODE, prog, 2);
    load_handler();
    env0()->pc = CODE;
    env0()->done = 0;
    h->cpus[0]->parent_obj.halted = false;
    toy_resume(h);
    wait_above(&env0()->r[1], 1000);
    ck_assert_int_eq(env0()->done, 0);
    toy_interrupt(h, 0);
    gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (!__atomic_load_n(&env0()->done, __ATOMIC_SEQ_CST) && g_get_monotonic_time() < end) {
        g_usleep(100);
    }
    toy_pause(h);
    ck_assert_int_eq(env0()->done, 1);
    ck_assert_int_eq(env0()->interrupts, 1);
    ck_assert(env0()->epc == CODE || env0()->epc == CODE + 4);
    ck_assert_uint_gt(env0()->r[1], 1000);
}
END_TEST

START_TEST(test_interrupt_stops_indirect_loop)
{
    /* Spinning through lookup_and_goto_ptr only (no goto_tb). */
    const uint32_t prog[] = {
        toy_insn(TOY_LI, 6, 0, CODE + 4),
        toy_insn(TOY_ADDI, 1, 1, 1),         /* CODE + 4 */
        toy_insn(TOY_JR, 0, 6, 0),
    };
    toy_load(h, CODE, prog, 3);
    load_handler();
    env0()->pc = CODE;
    env0()->done = 0;
    h->cpus[0]->parent_obj.halted = false;
    toy_resume(h);
    wait_above(&env0()->r[1], 1000);
    ck_assert_int_eq(env0()->done, 0);
    toy_interrupt(h, 0);
    gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (!__atomic_load_n(&env0()->done, __ATOMIC_SEQ_CST) && g_get_monotonic_time() < end) {
        g_usleep(100);
    }
    toy_pause(h);
    ck_assert_int_eq(env0()->done, 1);
    ck_assert_int_eq(env0()->interrupts, 1);
    ck_assert(env0()->epc == CODE + 4 || env0()->epc == CODE + 8);
    ck_assert_uint_gt(env0()->r[1], 1000);
}
END_TEST

START_TEST(test_wfi_sleeps_until_interrupt)
{
    const uint32_t prog[] = { toy_insn(TOY_WFI, 0, 0, 0), toy_insn(TOY_HALT, 0, 0, 0) };
    toy_load(h, CODE, prog, 2);
    load_handler();
    env0()->pc = CODE;
    env0()->done = 0;
    h->cpus[0]->parent_obj.halted = false;
    toy_resume(h);
    gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!__atomic_load_n(&h->cpus[0]->parent_obj.halted, __ATOMIC_SEQ_CST) &&
           g_get_monotonic_time() < until) {
        g_usleep(100);
    }
    ck_assert_int_eq(env0()->done, 0);
    ck_assert(h->cpus[0]->parent_obj.halted);
    toy_interrupt(h, 0);
    gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (!__atomic_load_n(&env0()->done, __ATOMIC_SEQ_CST) && g_get_monotonic_time() < end) {
        g_usleep(100);
    }
    toy_pause(h);
    ck_assert_int_eq(env0()->done, 1);
    ck_assert_uint_eq(env0()->epc, CODE + 4);
}
END_TEST

START_TEST(test_pause_parks_spinning_vcpu)
{
    const uint32_t prog[] = { toy_insn(TOY_ADDI, 1, 1, 1), toy_insn(TOY_J, 0, 0, -1) };
    toy_load(h, CODE, prog, 2);
    env0()->pc = CODE;
    for (int round = 0; round < 3; round++) {
        uint64_t before = env0()->r[1];
        toy_resume(h);
        wait_above(&env0()->r[1], before);
        toy_pause(h);
        uint64_t n = env0()->r[1];
        g_usleep(5000);
        ck_assert_uint_eq(env0()->r[1], n);     /* really stopped */
        ck_assert(env0()->pc == CODE || env0()->pc == CODE + 4);
    }
    ck_assert_uint_gt(env0()->r[1], 0);
}
END_TEST

/* ---- several vCPUs ----------------------------------------------------------------- */

START_TEST(test_smp_atomic_add)
{
    enum { NCPU = 3, ITER = 20000 };
    h = toy_setup(NCPU, NULL);
    const uint32_t prog[] = {
        toy_insn(TOY_AMOADD, 7, 5, 6),       /* loop: *(r5) += r6 */
        toy_insn(TOY_ADDI, 1, 1, -1),
        toy_insn(TOY_BNE, 1, 0, -2),
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, CODE, prog, G_N_ELEMENTS(prog));
    for (unsigned i = 0; i < NCPU; i++) {
        ToyEnv *e = &h->cpus[i]->env;
        e->pc = CODE;
        e->r[1] = ITER;
        e->r[5] = DATA;
        e->r[6] = 1;
    }
    ck_assert(toy_run_until_done(h, (1u << NCPU) - 1, 20000));
    ck_assert_uint_eq(ram_u64(DATA), (uint64_t)NCPU * ITER);
}
END_TEST

START_TEST(test_smp_code_patched_by_other_vcpu)
{
    h = toy_setup(2, NULL);
    /* cpu0 spins through the block at 0x2000 until it sets r3 = 2. */
    const uint32_t spin[] = {
        toy_insn(TOY_LI, 8, 0, 0x2000),
        toy_insn(TOY_LI, 9, 0, 2),
        toy_insn(TOY_JR, 0, 8, 0),           /* 0x1008 */
        toy_insn(TOY_BNE, 3, 9, -1),         /* 0x100c: back to the JR */
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    const uint32_t callee[] = {
        toy_insn(TOY_LI, 3, 0, 1),           /* patched to LI r3, 2 */
        toy_insn(TOY_LI, 6, 0, 0x100c),
        toy_insn(TOY_JR, 0, 6, 0),
    };
    /* cpu1 waits a while, then patches it. */
    const uint32_t patcher[] = {
        toy_insn(TOY_ADDI, 1, 1, -1),
        toy_insn(TOY_BNE, 1, 0, -1),
        toy_insn(TOY_SW, 4, 5, 0),
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, 0x1000, spin, G_N_ELEMENTS(spin));
    toy_load(h, 0x2000, callee, G_N_ELEMENTS(callee));
    toy_load(h, 0x3000, patcher, G_N_ELEMENTS(patcher));
    ToyEnv *e0 = &h->cpus[0]->env, *e1 = &h->cpus[1]->env;
    e0->pc = 0x1000;
    e1->pc = 0x3000;
    e1->r[1] = 20000;
    e1->r[4] = toy_insn(TOY_LI, 3, 0, 2);
    e1->r[5] = 0x2000;
    ck_assert(toy_run_until_done(h, 3, 20000));
    ck_assert_uint_eq(e0->r[3], 2);
}
END_TEST

/* cpu0 spins in a self loop (linked to itself) until another vCPU
 * rewrites the loop's first instruction: the invalidation must take the
 * loop off its own link so that cpu0 sees the new code. */
START_TEST(test_smp_self_loop_patched_by_other_vcpu)
{
    h = toy_setup(2, NULL);
    const uint32_t spin[] = {
        toy_insn(TOY_LI, 9, 0, 2),
        toy_insn(TOY_J, 0, 0, 1),
        toy_insn(TOY_LI, 3, 0, 1),           /* 0x1008: patched to LI r3, 2 */
        toy_insn(TOY_ADDI, 1, 1, 1),
        toy_insn(TOY_BNE, 3, 9, -2),         /* back to 0x1008 */
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    const uint32_t patcher[] = {
        toy_insn(TOY_ADDI, 1, 1, -1),
        toy_insn(TOY_BNE, 1, 0, -1),
        toy_insn(TOY_SW, 4, 5, 0),
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, 0x1000, spin, G_N_ELEMENTS(spin));
    toy_load(h, 0x3000, patcher, G_N_ELEMENTS(patcher));
    ToyEnv *e0 = &h->cpus[0]->env, *e1 = &h->cpus[1]->env;
    e0->pc = 0x1000;
    e1->pc = 0x3000;
    e1->r[1] = 20000;
    e1->r[4] = toy_insn(TOY_LI, 3, 0, 2);
    e1->r[5] = 0x1008;
    ck_assert(toy_run_until_done(h, 3, 20000));
    ck_assert_uint_eq(e0->r[3], 2);
    ck_assert_uint_gt(e0->r[1], 0);
    ck_assert_uint_eq(e0->pc, 0x1018);
}
END_TEST

/* Stands for another vCPU storing to 0x2000 while cpu0 translates it,
 * before the page is known to hold code (so the store invalidates
 * nothing): the bytes change right after the translator read them. */
static void patch_while_translating(ToyEnv *env, uint64_t pc, void *opaque)
{
    int *patched = opaque;
    if (pc == 0x2000 && !*patched) {
        *patched = 1;
        toy_load(h, 0x2000, (const uint32_t[]){ toy_insn(TOY_LI, 3, 0, 2) }, 1);
    }
}

START_TEST(test_code_written_during_translation)
{
    h = toy_setup(1, NULL);
    const uint32_t spin[] = {
        toy_insn(TOY_LI, 8, 0, 0x2000),
        toy_insn(TOY_LI, 9, 0, 2),
        toy_insn(TOY_JR, 0, 8, 0),           /* 0x1008 */
        toy_insn(TOY_BNE, 3, 9, -1),         /* 0x100c: back to the JR */
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    const uint32_t callee[] = {
        toy_insn(TOY_LI, 3, 0, 1),           /* becomes LI r3, 2 mid-translation */
        toy_insn(TOY_LI, 6, 0, 0x100c),
        toy_insn(TOY_JR, 0, 6, 0),
    };
    toy_load(h, 0x1000, spin, G_N_ELEMENTS(spin));
    toy_load(h, 0x2000, callee, G_N_ELEMENTS(callee));
    ToyEnv *e = &h->cpus[0]->env;
    int patched = 0;
    e->on_fetch = patch_while_translating;
    e->on_fetch_opaque = &patched;
    e->pc = 0x1000;
    /* The block translated from the old bytes may run once; after that
     * the new code must be seen, with no fence.i. */
    ck_assert(toy_run_until_done(h, 1, 20000));
    ck_assert_int_eq(patched, 1);
    ck_assert_uint_eq(e->r[3], 2);
}
END_TEST

START_TEST(test_chaining_off_same_result)
{
    h = toy_setup(1, "backend=interp,chain=off");
    load_sum_loop(50);
    env0()->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(env0()->r[2], 1275);
}
END_TEST

/* ---- translations shared between vCPUs (tb-share.c) ------------------------------- */

/* Backends with export_code/clone (x86-64) share blocks between vCPUs; the
 * interpreter does not, so there every vCPU translates for itself. */
static bool backend_shares(void)
{
    return toy_accel(h)->bops->clone != NULL;
}

START_TEST(test_smp_translation_shared)
{
    h = toy_setup(2, "backend=interp");
    ck_assert(!toy_accel(h)->shared == !backend_shares());
    ToyEnv *e0 = &h->cpus[0]->env, *e1 = &h->cpus[1]->env;
    load_sum_loop(100);                 /* its LI r1 is rewritten below */
    e0->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(e0->r[2], 5050);
    int first = e0->translations;
    ck_assert_int_gt(first, 0);
    /* cpu1 runs the same code: copies of cpu0's blocks, same result. */
    e1->pc = CODE;
    ck_assert(toy_run_until_done(h, 2, RUN_MS));
    ck_assert_uint_eq(e1->r[2], 5050);
    ck_assert_uint_eq(e1->pc, CODE + 6 * 4);
    ck_assert_int_eq(e1->translations, backend_shares() ? 0 : first);
    /* A guest store from cpu0 rewrites the first instruction: both
     * vCPUs' blocks go, and cpu1 runs the new code. */
    const uint32_t patcher[] = {
        toy_insn(TOY_SW, 4, 5, 0),
        toy_insn(TOY_HALT, 0, 0, 0),
    };
    toy_load(h, 0x3000, patcher, G_N_ELEMENTS(patcher));
    e0->pc = 0x3000;
    e0->r[4] = toy_insn(TOY_LI, 1, 0, 10);
    e0->r[5] = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    e1->pc = CODE;
    ck_assert(toy_run_until_done(h, 2, RUN_MS));
    ck_assert_uint_eq(e1->r[2], 55);
}
END_TEST

START_TEST(test_smp_shared_entry_not_used_for_changed_code)
{
    h = toy_setup(2, "backend=interp");
    ToyEnv *e0 = &h->cpus[0]->env, *e1 = &h->cpus[1]->env;
    load_sum_loop(100);                 /* its LI r1 is rewritten below */
    e0->pc = CODE;
    ck_assert(toy_run_until_done(h, 1, RUN_MS));
    ck_assert_uint_eq(e0->r[2], 5050);
    /* Memory changes behind the engine (no store through it, so nothing
     * is invalidated): cpu1 has no block there, and the one kept for
     * sharing was made from other bytes, so cpu1 translates the new ones. */
    toy_load(h, CODE, (const uint32_t[]){ toy_insn(TOY_LI, 1, 0, 10) }, 1);
    e1->pc = CODE;
    ck_assert(toy_run_until_done(h, 2, RUN_MS));
    ck_assert_uint_eq(e1->r[2], 55);
    ck_assert_int_gt(e1->translations, 0);
}
END_TEST

static Suite *tcg_exec_suite(void)
{
    Suite *s = suite_create("tcg-exec");
    TCase *tc = tcase_create("/tcg/exec");
    tcase_add_checked_fixture(tc, setup1, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_loop_sum);
    tcase_add_test(tc, test_side_exits);
    tcase_add_test(tc, test_self_loop_rotates_registers);
    tcase_add_test(tc, test_indirect_jump);
    tcase_add_test(tc, test_misaligned_and_page_crossing);
    tcase_add_test(tc, test_mmio);
    tcase_add_test(tc, test_mmio_write_value);
    suite_add_tcase(s, tc);

    tc = tcase_create("/tcg/cache");
    tcase_add_checked_fixture(tc, setup1, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_guest_store_invalidates_code);
    tcase_add_test(tc, test_store_to_same_page_data);
    tcase_add_test(tc, test_invalidate_phys_range);
    tcase_add_test(tc, test_fence_i_sees_code_written_behind_engine);
    tcase_add_test(tc, test_chain_unlinked_when_target_rewritten);
    tcase_add_test(tc, test_indirect_loop_counts_and_exits);
    suite_add_tcase(s, tc);

    tc = tcase_create("/tcg/exceptions");
    tcase_add_checked_fixture(tc, setup1, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_precise_load_fault);
    tcase_add_test(tc, test_precise_fault_after_side_exit);
    tcase_add_test(tc, test_self_loop_fault_precise);
    tcase_add_test(tc, test_precise_store_fault_and_helper_raise);
    tcase_add_test(tc, test_fetch_fault);
    suite_add_tcase(s, tc);

    tc = tcase_create("/tcg/runstate");
    tcase_add_checked_fixture(tc, setup1, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_interrupt_stops_chained_loop);
    tcase_add_test(tc, test_interrupt_stops_indirect_loop);
    tcase_add_test(tc, test_wfi_sleeps_until_interrupt);
    tcase_add_test(tc, test_pause_parks_spinning_vcpu);
    suite_add_tcase(s, tc);

    tc = tcase_create("/tcg/smp");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_smp_atomic_add);
    tcase_add_test(tc, test_smp_code_patched_by_other_vcpu);
    tcase_add_test(tc, test_smp_self_loop_patched_by_other_vcpu);
    tcase_add_test(tc, test_code_written_during_translation);
    tcase_add_test(tc, test_chaining_off_same_result);
    tcase_add_test(tc, test_smp_translation_shared);
    tcase_add_test(tc, test_smp_shared_entry_not_used_for_changed_code);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tcg_exec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
