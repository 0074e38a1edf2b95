/* SPDX-License-Identifier: MIT */
/*
 * The A64 table (plugins/cpu/arm/a64.decode) and its generated decoder:
 * words produced by the GNU assembler (aarch64-linux-gnu-as, listed below
 * with their source) decode to the intended row with the right operands,
 * every row decodes its own pattern, and encodings of what is not
 * implemented (SVE, FEAT_SB) decode to nothing.  AdvSIMD data processing
 * is one row per class whose validity arm_simd_exec decides (test_arm_cpu).  The generator itself
 * refuses overlapping rows when the table is built.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/cpu/arm/a64.decode.h"
#include "plugins/cpu/arm/cpu.h"

typedef struct Known {
    uint32_t word;
    const char *row;
} Known;

static const Known known[] = {
    { 0x10000201, "adr" },  /* adr x1, .+64 */
    { 0x90000002, "adrp" },  /* adrp x2, .+0x3000 */
    { 0x91003020, "add_i" },  /* add x0, x1, #12 */
    { 0x31400483, "adds_i" },  /* adds w3, w4, #1, lsl #12 */
    { 0xd10043ff, "sub_i" },  /* sub sp, sp, #16 */
    { 0xf1001cc5, "subs_i" },  /* subs x5, x6, #7 */
    { 0x92401c20, "and_i" },  /* and x0, x1, #0xff */
    { 0x32000462, "orr_i" },  /* orr w2, w3, #0x3 */
    { 0xd201f0a4, "eor_i" },  /* eor x4, x5, #0xaaaaaaaaaaaaaaaa */
    { 0xf24000e6, "ands_i" },  /* ands x6, x7, #0x1 */
    { 0x928000a0, "movn" },  /* movn x0, #5 */
    { 0x52a000e1, "movz" },  /* movz w1, #7, lsl #16 */
    { 0xf2e00122, "movk" },  /* movk x2, #9, lsl #48 */
    { 0x93431c20, "sbfm" },  /* sbfm x0, x1, #3, #7 */
    { 0x33041462, "bfm" },  /* bfm w2, w3, #4, #5 */
    { 0xd37ceca4, "ubfm" },  /* ubfm x4, x5, #60, #59 */
    { 0x93c21c20, "extr" },  /* extr x0, x1, x2, #7 */
    { 0x14000002, "b" },  /* b .+8 */
    { 0x97ffffff, "bl" },  /* bl .-4 */
    { 0x34000060, "cbz" },  /* cbz w0, .+12 */
    { 0xb5000081, "cbnz" },  /* cbnz x1, .+16 */
    { 0x361800a2, "tbz" },  /* tbz w2, #3, .+20 */
    { 0xb747ffc3, "tbnz" },  /* tbnz x3, #40, .-8 */
    { 0x540000c1, "b_cond" },  /* b.ne .+24 */
    { 0xd4000021, "svc" },  /* svc #1 */
    { 0xd4000042, "hvc" },  /* hvc #2 */
    { 0xd4000063, "smc" },  /* smc #3 */
    { 0xd4200080, "brk" },  /* brk #4 */
    { 0xd44000a0, "hlt" },  /* hlt #5 */
    { 0xd503201f, "hint" },  /* nop */
    { 0xd503207f, "hint" },  /* wfi */
    { 0xd503203f, "hint" },  /* yield */
    { 0xd5033f5f, "clrex" },  /* clrex */
    { 0xd5033f9f, "dsb" },  /* dsb sy */
    { 0xd5033bbf, "dmb" },  /* dmb ish */
    { 0xd5033fdf, "isb" },  /* isb */
    { 0xd50342df, "msr_i" },  /* msr daifset, #2 */
    { 0xd50041bf, "msr_i" },  /* msr spsel, #1 */
    { 0xd5087500, "sys" },  /* sys #0, c7, c5, #0, x0 */
    { 0xd508831f, "sys" },  /* tlbi vmalle1is */
    { 0xd5181000, "msr" },  /* msr sctlr_el1, x0 */
    { 0xd5382001, "mrs" },  /* mrs x1, ttbr0_el1 */
    { 0xd61f0040, "br" },  /* br x2 */
    { 0xd63f0060, "blr" },  /* blr x3 */
    { 0xd65f03c0, "ret" },  /* ret */
    { 0xd69f03e0, "eret" },  /* eret */
    { 0x58000040, "ldr_lit" },  /* ldr x0, .+8 */
    { 0x18ffffc1, "ldr_lit" },  /* ldr w1, .-8 */
    { 0x98000022, "ldr_lit" },  /* ldrsw x2, .+4 */
    { 0xd8000020, "ldr_lit" },  /* prfm pldl1keep, .+4 */
    { 0xc8007c41, "stxr" },  /* stxr w0, x1, [x2] */
    { 0x8803fca4, "stlxr" },  /* stlxr w3, w4, [x5] */
    { 0x085f7ce6, "ldxr" },  /* ldxrb w6, [x7] */
    { 0x485ffd28, "ldaxr" },  /* ldaxrh w8, [x9] */
    { 0xc8200861, "stxp" },  /* stxp w0, x1, x2, [x3] */
    { 0x882498e5, "stlxp" },  /* stlxp w4, w5, w6, [x7] */
    { 0xc87f2548, "ldxp" },  /* ldxp x8, x9, [x10] */
    { 0x887fb1ab, "ldaxp" },  /* ldaxp w11, w12, [x13] */
    { 0x48207c82, "casp" },  /* casp x0, x1, x2, x3, [x4] */
    { 0xc89ffc41, "stlr" },  /* stlr x1, [x2] */
    { 0x88dffc83, "ldar" },  /* ldar w3, [x4] */
    { 0xc8e0fc41, "cas" },  /* casal x0, x1, [x2] */
    { 0xa9bf07e0, "stp" },  /* stp x0, x1, [sp, #-16]! */
    { 0x28c10c82, "ldp" },  /* ldp w2, w3, [x4], #8 */
    { 0x694118e5, "ldp" },  /* ldpsw x5, x6, [x7, #8] */
    { 0xf85f8c20, "ldst_imm" },  /* ldr x0, [x1, #-8]! */
    { 0x38001462, "ldst_imm" },  /* strb w2, [x3], #1 */
    { 0xf84008a4, "ldst_imm" },  /* ldtr x4, [x5] */
    { 0xb85fd0e6, "ldst_imm" },  /* ldur w6, [x7, #-3] */
    { 0xf8627820, "ldst_reg" },  /* ldr x0, [x1, x2, lsl #3] */
    { 0x7825c883, "ldst_reg" },  /* strh w3, [x4, w5, sxtw] */
    { 0xf947fce6, "ldst_uimm" },  /* ldr x6, [x7, #4088] */
    { 0x39c00528, "ldst_uimm" },  /* ldrsb w8, [x9, #1] */
    { 0xf8bfc020, "ldapr" },  /* ldapr x0, [x1] */
    { 0xf8e08041, "swp" },  /* swpal x0, x1, [x2] */
    { 0xb82300a4, "ldop" },  /* ldadd w3, w4, [x5] */
    { 0xf8664107, "ldop" },  /* ldsmaxl x6, x7, [x8] */
    { 0x8a020c20, "and_r" },  /* and x0, x1, x2, lsl #3 */
    { 0x0a250083, "bic_r" },  /* bic w3, w4, w5 */
    { 0xaac810e6, "orr_r" },  /* orr x6, x7, x8, ror #4 */
    { 0xaa220020, "orn_r" },  /* orn x0, x1, x2 */
    { 0x4a850883, "eor_r" },  /* eor w3, w4, w5, asr #2 */
    { 0xca2800e6, "eon_r" },  /* eon x6, x7, x8 */
    { 0xea020020, "ands_r" },  /* ands x0, x1, x2 */
    { 0x6a250083, "bics_r" },  /* bics w3, w4, w5 */
    { 0x8b421420, "add_r" },  /* add x0, x1, x2, lsr #5 */
    { 0x2b050083, "adds_r" },  /* adds w3, w4, w5 */
    { 0xcb0800e6, "sub_r" },  /* sub x6, x7, x8 */
    { 0xeb82fc20, "subs_r" },  /* subs x0, x1, x2, asr #63 */
    { 0x8b214be0, "add_x" },  /* add x0, sp, w1, uxtw #2 */
    { 0xab24e062, "adds_x" },  /* adds x2, x3, x4, sxtx */
    { 0xcb2563ff, "sub_x" },  /* sub sp, sp, x5, uxtx */
    { 0x6b2800e6, "subs_x" },  /* subs w6, w7, w8, uxtb */
    { 0x9a020020, "adc" },  /* adc x0, x1, x2 */
    { 0x3a050083, "adcs" },  /* adcs w3, w4, w5 */
    { 0xda0800e6, "sbc" },  /* sbc x6, x7, x8 */
    { 0x7a0b0149, "sbcs" },  /* sbcs w9, w10, w11 */
    { 0xba410004, "ccmn_r" },  /* ccmn x0, x1, #4, eq */
    { 0x7a431040, "ccmp_r" },  /* ccmp w2, w3, #0, ne */
    { 0xba458881, "ccmn_i" },  /* ccmn x4, #5, #1, hi */
    { 0x7a5fb8c8, "ccmp_i" },  /* ccmp w6, #31, #8, lt */
    { 0x9a820020, "csel" },  /* csel x0, x1, x2, eq */
    { 0x1a851483, "csinc" },  /* csinc w3, w4, w5, ne */
    { 0xda88a0e6, "csinv" },  /* csinv x6, x7, x8, ge */
    { 0x5a8bb549, "csneg" },  /* csneg w9, w10, w11, lt */
    { 0x9b020c20, "madd" },  /* madd x0, x1, x2, x3 */
    { 0x1b069ca4, "msub" },  /* msub w4, w5, w6, w7 */
    { 0x9b220c20, "smaddl" },  /* smaddl x0, w1, w2, x3 */
    { 0x9b269ca4, "smsubl" },  /* smsubl x4, w5, w6, x7 */
    { 0x9b4a7d28, "smulh" },  /* smulh x8, x9, x10 */
    { 0x9bad398b, "umaddl" },  /* umaddl x11, w12, w13, x14 */
    { 0x9bb1ca0f, "umsubl" },  /* umsubl x15, w16, w17, x18 */
    { 0x9bd57e93, "umulh" },  /* umulh x19, x20, x21 */
    { 0x1ac20820, "udiv" },  /* udiv w0, w1, w2 */
    { 0x9ac50c83, "sdiv" },  /* sdiv x3, x4, x5 */
    { 0x9ac820e6, "lslv" },  /* lslv x6, x7, x8 */
    { 0x1acb2549, "lsrv" },  /* lsrv w9, w10, w11 */
    { 0x9ace29ac, "asrv" },  /* asrv x12, x13, x14 */
    { 0x1ad12e0f, "rorv" },  /* rorv w15, w16, w17 */
    { 0x1ac24020, "crc32" },  /* crc32b w0, w1, w2 */
    { 0x9ac55c83, "crc32" },  /* crc32cx w3, w4, x5 */
    { 0xdac00020, "rbit" },  /* rbit x0, x1 */
    { 0x5ac00462, "rev16" },  /* rev16 w2, w3 */
    { 0xdac008a4, "rev32" },  /* rev32 x4, x5 */
    { 0x5ac008e6, "rev32" },  /* rev w6, w7 */
    { 0xdac00d28, "rev64" },  /* rev x8, x9 */
    { 0xdac0116a, "clz" },  /* clz x10, x11 */
    { 0x5ac015ac, "cls" },  /* cls w12, w13 */
    { 0x1e622820, "fp_2src" },  /* fadd d0, d1, d2 */
    { 0x1e250883, "fp_2src" },  /* fmul s3, s4, s5 */
    { 0x1e61c0e6, "fp_1src" },  /* fsqrt d6, d7 */
    { 0x1e624128, "fp_1src" },  /* fcvt s8, d9 */
    { 0x1e67416a, "fp_1src" },  /* frintx d10, d11 */
    { 0x1e202198, "fp_cmp" },  /* fcmpe s12, #0.0 */
    { 0x1e6e15a4, "fp_ccmp" },  /* fccmp d13, d14, #4, ne */
    { 0x1e31ce0f, "fp_csel" },  /* fcsel s15, s16, s17, gt */
    { 0x1e7e9012, "fp_imm" },  /* fmov d18, #-1.25 */
    { 0x1f555a93, "fp_3src" },  /* fmadd d19, d20, d21, d22 */
    { 0x1f39eb17, "fp_3src" },  /* fnmsub s23, s24, s25, s26 */
    { 0x9e78039b, "fp_int" },  /* fcvtzs x27, d28 */
    { 0x1e2303dd, "fp_int" },  /* ucvtf s29, w30 */
    { 0x9eae0041, "fp_int" },  /* fmov x1, v2.d[1] */
    { 0x9e670083, "fp_int" },  /* fmov d3, x4 */
    { 0x3dc008c5, "ldst_uimm_v" },  /* ldr q5, [x6, #32] */
    { 0xbc004507, "ldst_imm_v" },  /* str s7, [x8], #4 */
    { 0xadff2be9, "ldp_v" },  /* ldp q9, q10, [sp, #-32]! */
    { 0x5c00004b, "ldr_lit_v" },  /* ldr d11, .+8 */
    { 0x3c2e69ac, "ldst_reg_v" },  /* str b12, [x13, x14] */
};

static const char *row_name(uint32_t word, a64_args *a)
{
    int row = a64_decode_lookup(word, 0, a);
    return row < 0 ? "(none)" : a64_rows[row].name;
}

START_TEST(test_known_encodings)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        a64_args a;
        ck_assert_msg(!strcmp(row_name(known[i].word, &a), known[i].row),
                      "0x%08x decodes to %s, expected %s", known[i].word,
                      row_name(known[i].word, &a), known[i].row);
    }
}
END_TEST

START_TEST(test_operands)
{
    a64_args a;
    ck_assert_int_eq(a64_decode_lookup(0x91003020, 0, &a), A64_ROW_ADD_I);  /* add x0, x1, #12 */
    ck_assert_int_eq(a.addi.rd, 0);
    ck_assert_int_eq(a.addi.rn, 1);
    ck_assert_int_eq(a.addi.imm, 12);
    ck_assert_int_eq(a.addi.sf, 1);
    ck_assert_int_eq(a64_decode_lookup(0x31400483, 0, &a), A64_ROW_ADDS_I); /* adds w3, w4, #1, lsl #12 */
    ck_assert_int_eq(a.addi.sh, 1);
    ck_assert_int_eq(a.addi.sf, 0);
    ck_assert_int_eq(a64_decode_lookup(0xb747ffc3, 0, &a), A64_ROW_TBNZ);   /* tbnz x3, #40, .-8 */
    ck_assert_int_eq(a.tb.bitpos, 40);
    ck_assert_int_eq(a.tb.imm, -8);
    ck_assert_int_eq(a64_decode_lookup(0x97ffffff, 0, &a), A64_ROW_BL);     /* bl .-4 */
    ck_assert_int_eq(a.b.imm, -4);
    ck_assert_int_eq(a64_decode_lookup(0x18ffffc1, 0, &a), A64_ROW_LDR_LIT); /* ldr w1, .-8 */
    ck_assert_int_eq(a.lit.imm, -8);
    ck_assert_int_eq(a.lit.size, 0);
    ck_assert_int_eq(a64_decode_lookup(0xa9bf07e0, 0, &a), A64_ROW_STP);    /* stp x0, x1, [sp, #-16]! */
    ck_assert_int_eq(a.ldp.imm, -2);
    ck_assert_int_eq(a.ldp.idx, 3);
    ck_assert_int_eq(a.ldp.opc, 2);
    ck_assert_int_eq(a.ldp.rn, 31);
    ck_assert_int_eq(a64_decode_lookup(0xd5181000, 0, &a), A64_ROW_MSR);    /* msr sctlr_el1, x0 */
    ck_assert_uint_eq(a.sys.sysreg, ARM_SYSREG_ENC(3, 0, 1, 0, 0));
    ck_assert_int_eq(a64_decode_lookup(0xd508831f, 0, &a), A64_ROW_SYS);    /* tlbi vmalle1is */
    ck_assert_uint_eq(a.sys.sysreg, ARM_SYSREG_ENC(1, 0, 8, 3, 0));
    ck_assert_int_eq(a.sys.rt, 31);
    ck_assert_int_eq(a64_decode_lookup(0x7a5fb8c8, 0, &a), A64_ROW_CCMP_I); /* ccmp w6, #31, #8, lt */
    ck_assert_int_eq(a.ccmp.rm, 31);
    ck_assert_int_eq(a.ccmp.nzcv, 8);
    ck_assert_int_eq(a.ccmp.cond, 11);
    ck_assert_int_eq(a64_decode_lookup(0x5a8bb549, 0, &a), A64_ROW_CSNEG);  /* csneg w9, w10, w11, lt */
    ck_assert_int_eq(a.csel.cond, 11);
    ck_assert_int_eq(a64_decode_lookup(0xf8664107, 0, &a), A64_ROW_LDOP);   /* ldsmaxl x6, x7, [x8] */
    ck_assert_int_eq(a.lse.opc, 4);
    ck_assert_int_eq(a.lse.r, 1);
    ck_assert_int_eq(a.lse.a, 0);
    ck_assert_int_eq(a.lse.rs, 6);
    ck_assert_int_eq(a.lse.rt, 7);
    ck_assert_int_eq(a64_decode_lookup(0x7825c883, 0, &a), A64_ROW_LDST_REG); /* strh w3, [x4, w5, sxtw] */
    ck_assert_int_eq(a.ldstr.option, 6);
    ck_assert_int_eq(a.ldstr.s, 0);
    ck_assert_int_eq(a.ldstr.size, 1);
    ck_assert_int_eq(a64_decode_lookup(0xb85fd0e6, 0, &a), A64_ROW_LDST_IMM); /* ldur w6, [x7, #-3] */
    ck_assert_int_eq(a.ldst.imm, -3);
    ck_assert_int_eq(a.ldst.idx, 0);
}
END_TEST

START_TEST(test_rows_decode_their_pattern)
{
    for (int i = 0; i < A64_NUM_ROWS; i++) {
        const A64RowInfo *r = &a64_rows[i];
        ck_assert_msg((r->match & ~r->mask) == 0, "row %s: match outside mask", r->name);
        a64_args a;
        int got = a64_decode_lookup(r->match, 0, &a);
        if (r->group == 0) {
            ck_assert_msg(got == i, "row %s: its pattern decodes to %d", r->name, got);
        } else {
            ck_assert_msg(got >= 0 && a64_rows[got].group == r->group,
                          "row %s: its pattern leaves its group", r->name);
        }
        /* Any word the row matches decodes to a row matching it. */
        uint32_t w = r->match | (0x5a5a5a5au & ~r->mask);
        got = a64_decode_lookup(w, 0, &a);
        ck_assert_msg(got >= 0 && (w & a64_rows[got].mask) == a64_rows[got].match,
                      "row %s: 0x%08x decodes to a row that does not match it", r->name, w);
    }
}
END_TEST

START_TEST(test_unimplemented_is_undefined)
{
    static const uint32_t words[] = {
        0x04a00000,   /* an SVE encoding */
        0xd50330ff,   /* sb: FEAT_SB is not implemented */
        0x00000000,   /* udf #0 */
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        a64_args a;
        ck_assert_msg(a64_decode_lookup(words[i], 0, &a) < 0, "0x%08x decodes to %s",
                      words[i], row_name(words[i], &a));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arm-decode");
    TCase *tc = tcase_create("a64");
    tcase_add_test(tc, test_known_encodings);
    tcase_add_test(tc, test_operands);
    tcase_add_test(tc, test_rows_decode_their_pattern);
    tcase_add_test(tc, test_unimplemented_is_undefined);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
