/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 backend's self-loop stub moves (xg_loop_moves): from random
 * register caches at the loop's goto_tb to random loop-head caches, the
 * moves simulated on a register file and env must leave every head
 * register holding its guest register's current value and env current for
 * every global no register keeps, reading no register after it was
 * overwritten and loading nothing stale.
 */
#include <check.h>
#include <string.h>

#include "tests/tcg/toy_cpu.h"

#if defined(__x86_64__)
#define tessera_module tcg_x86_64_module_desc
#include "plugins/accel/tcg-x86_64/backend.c"
#include "plugins/accel/tcg-x86_64/disas.c"
#include "plugins/accel/tcg-x86_64/emit.c"
#include "plugins/accel/tcg-x86_64/gen.c"
#include "plugins/accel/tcg-x86_64/mem.c"
#include "plugins/accel/tcg-x86_64/regs.c"
#undef tessera_module

enum { NGLOBALS = 10 };

/* Globals 1..NGLOBALS (value of global t: 1000 + t); register k of @from
 * holds from[k].temp (-1: nothing); a dirty one's env copy is stale. */
static void check_moves(const XCacheReg *from, const XCacheReg *head)
{
    int64_t reg[X86_NCACHE];          /* the global whose value each register holds, -1 */
    bool env_ok[NGLOBALS + 1];
    for (unsigned t = 0; t <= NGLOBALS; t++) {
        env_ok[t] = true;
    }
    for (unsigned k = 0; k < X86_NCACHE; k++) {
        reg[k] = from[k].temp;
        if (from[k].temp >= 0 && from[k].dirty) {
            env_ok[from[k].temp] = false;
        }
    }
    XLoopMove mv[3 * X86_NCACHE];
    unsigned n = xg_loop_moves(from, head, mv);
    for (unsigned i = 0; i < n; i++) {
        switch (mv[i].kind) {
        case XLM_STORE:
            ck_assert_int_eq(reg[mv[i].src], from[mv[i].src].temp);  /* not overwritten */
            env_ok[from[mv[i].src].temp] = true;
            break;
        case XLM_MOV:
            ck_assert_int_eq(reg[mv[i].src], from[mv[i].src].temp);
            reg[mv[i].dst] = reg[mv[i].src];
            break;
        default:
            ck_assert_msg(env_ok[head[mv[i].dst].temp], "loads stale global %d",
                          (int)head[mv[i].dst].temp);
            reg[mv[i].dst] = head[mv[i].dst].temp;
            break;
        }
    }
    for (unsigned k = 0; k < X86_NCACHE; k++) {
        if (head[k].temp >= 0) {
            ck_assert_int_eq(reg[k], head[k].temp);
        }
    }
    /* A dirty global the head does not hold is home. */
    for (unsigned t = 1; t <= NGLOBALS; t++) {
        bool held = false;
        for (unsigned k = 0; k < X86_NCACHE; k++) {
            held |= head[k].temp == (int64_t)t;
        }
        ck_assert_msg(held || env_ok[t], "global %u left stale", t);
    }
}

/* @c: X86_NCACHE entries holding distinct random globals (or none). */
static void random_cache(GRand *r, XCacheReg *c, bool dirty)
{
    int perm[NGLOBALS];
    for (unsigned t = 0; t < NGLOBALS; t++) {
        perm[t] = (int)t + 1;
    }
    for (unsigned t = NGLOBALS - 1; t > 0; t--) {
        unsigned j = (unsigned)g_rand_int_range(r, 0, (gint32)t + 1);
        int x = perm[t];
        perm[t] = perm[j];
        perm[j] = x;
    }
    for (unsigned k = 0; k < X86_NCACHE; k++) {
        c[k] = (XCacheReg){ .reg = xg_cache_regs[k], .temp = -1 };
        if (g_rand_int_range(r, 0, 5)) {
            c[k].temp = perm[k];
            c[k].global = true;
            c[k].i64 = true;
            c[k].dirty = dirty && g_rand_boolean(r);
        }
    }
}

START_TEST(test_loop_moves_random)
{
    GRand *r = g_rand_new_with_seed(20261207);
    unsigned cycles = 0;
    for (unsigned i = 0; i < 200000; i++) {
        XCacheReg from[X86_NCACHE], head[X86_NCACHE];
        random_cache(r, from, true);
        if (g_rand_boolean(r)) {
            random_cache(r, head, false);
        } else {
            /* A permutation of from's globals: cycles between registers. */
            for (unsigned k = 0; k < X86_NCACHE; k++) {
                head[k] = from[k];
            }
            for (unsigned k = X86_NCACHE - 1; k > 0; k--) {
                unsigned j = (unsigned)g_rand_int_range(r, 0, (gint32)k + 1);
                int64_t t = head[k].temp;
                head[k].temp = head[j].temp;
                head[j].temp = t;
            }
        }
        check_moves(from, head);
        XLoopMove mv[3 * X86_NCACHE];
        unsigned n = xg_loop_moves(from, head, mv);
        for (unsigned m = 0; m < n; m++) {
            cycles += mv[m].kind == XLM_STORE && xg_head_index(head, from[mv[m].src].temp) >= 0;
        }
    }
    /* The permutations did make cycles to break. */
    ck_assert_uint_gt(cycles, 1000);
    g_rand_free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tcg-x86-loop");
    TCase *tc = tcase_create("/tcg/x86/loop");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_loop_moves_random);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}

#else
int main(void)
{
    return 0;
}
#endif
