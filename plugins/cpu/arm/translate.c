/* SPDX-License-Identifier: MIT */
/*
 * A64 translator: the one place that says what each instruction does, as
 * IR emitted through the builder the engine hands us (ir.h).  Decoding is
 * the generated a64_decode() of a64.decode, which calls one trans_<row>
 * per matched row; those are here and in the included parts
 * translate-mem.c.inc (loads, stores, exclusives, atomics),
 * translate-sys.c.inc (branches, exceptions, system instructions) and
 * translate-fp.c.inc (scalar floating point, SIMD&FP loads/stores), which
 * must share this translation unit with the generated dispatcher.
 *
 * Flags live in four globals (see CPUARMState): N = bit 63 of nf, Z =
 * (zf == 0), C = cf, V = bit 63 of vf; 32-bit operations sign-extend nf/vf
 * and zero-extend zf from bit 31.
 *
 * Blocks end at control transfers, exception-generating instructions,
 * system-register writes that change translation or interrupt state,
 * ISB, WFI and ERET.
 */
#include "plugins/cpu/arm/fpu.h"
#include "plugins/cpu/arm/simd.h"
#include "plugins/cpu/arm/translate.h"

typedef struct DisasContext {
    IrBuilder *b;
    ARMCPU *cpu;
    const TcgEngineOps *engine;
    uint64_t pc;            /* this instruction */
    uint64_t next_pc;
    uint32_t insn;
    unsigned el;
    int mem_idx;
    bool align;             /* SCTLR_ELx.A: every access must be aligned */
    unsigned fp_trap_el;    /* FP/SIMD accesses trap to this EL (0: allowed) */
    bool ended;             /* the block's last op has been emitted */
    unsigned btype;         /* PSTATE.BTYPE at the block's start */
    unsigned cur_btype;     /* PSTATE.BTYPE as the code emitted so far leaves it */
    bool bt;                /* SCTLR_ELx.BT: PACIxSP is no landing pad for BTYPE 11 */
    int guarded;            /* the block's page is a BTI guarded page (-1: not
                             * looked up yet; ctx_guarded() walks on first use) */
    bool uao;               /* PSTATE.UAO: LDTR/STTR use this EL's permissions */
    bool e2h;               /* HCR_EL2.E2H: VHE register redirection */
    bool dbg_wp;            /* guest watchpoints armed: check every access */
    bool ss_active;         /* software step: one instruction, no chaining */
    bool room_after;        /* the block has room for an instruction after this one */
    unsigned slot;          /* next free goto_tb slot */
} DisasContext;

#include "plugins/cpu/arm/a64.trans.h"

/* ---- small emitters ---------------------------------------------------------- */

static IrTemp cst(DisasContext *ctx, uint64_t v)
{
    return ir_const_i64(ctx->b, v);
}

static IrTemp tmp(DisasContext *ctx)
{
    return ir_temp_new_i64(ctx->b);
}

/* Register r as a source, 31 = XZR. */
static IrTemp gpr(DisasContext *ctx, int r)
{
    return r == 31 ? cst(ctx, 0) : IR_GLOBAL(ARM_GLOBAL_X(r));
}

/* Register r as a source, 31 = SP. */
static IrTemp gpr_sp(int r)
{
    return IR_GLOBAL(r == 31 ? ARM_GLOBAL_SP : ARM_GLOBAL_X(r));
}

/* Destination r, 31 = XZR (written to a scratch temp). */
static IrTemp gpr_dst(DisasContext *ctx, int r)
{
    return r == 31 ? tmp(ctx) : IR_GLOBAL(ARM_GLOBAL_X(r));
}

static IrTemp pc_global(void)
{
    return IR_GLOBAL(ARM_GLOBAL_PC);
}

#define NF IR_GLOBAL(ARM_GLOBAL_NF)
#define ZF IR_GLOBAL(ARM_GLOBAL_ZF)
#define CF IR_GLOBAL(ARM_GLOBAL_CF)
#define VF IR_GLOBAL(ARM_GLOBAL_VF)

static void *helper_fn(void *fn)
{
    return fn;
}

/* Write @v to rd (31 per @sp: SP or discarded), zero-extended from 32 bits
 * when !sf. */
static void set_reg(DisasContext *ctx, int rd, bool sp, bool sf, IrTemp v)
{
    if (rd == 31 && !sp) {
        return;
    }
    IrTemp d = sp ? gpr_sp(rd) : gpr_dst(ctx, rd);
    if (sf) {
        ir_mov_i64(ctx->b, d, v);
    } else {
        ir_ext32u_i64(ctx->b, d, v);
    }
}

/*
 * The output of the last op computing rd: rd's global itself for a 64-bit
 * result (no MOV from a temp afterwards), else a temp (XZR, or the 32-bit
 * zero-extension still to come).  Only for sequences whose ops after the
 * one writing it read no source register (they may read the result).
 * reg_done() then completes the write.
 */
static bool reg_direct(int rd, bool sp, bool sf)
{
    return sf && (rd != 31 || sp);
}

static IrTemp reg_out(DisasContext *ctx, int rd, bool sp, bool sf)
{
    return !reg_direct(rd, sp, sf) ? tmp(ctx) : sp ? gpr_sp(rd) : IR_GLOBAL(ARM_GLOBAL_X(rd));
}

static void reg_done(DisasContext *ctx, int rd, bool sp, bool sf, IrTemp res)
{
    if (!reg_direct(rd, sp, sf)) {
        set_reg(ctx, rd, sp, sf, res);
    }
}

static bool same_page(DisasContext *ctx, uint64_t dest)
{
    return (dest & TCG_PAGE_MASK) == (ctx->b->pc_first & TCG_PAGE_MASK);
}

/* The TB flags env has after the code emitted so far: the block's own,
 * except PSTATE.BTYPE, which the first instruction clears and BR/BLR set
 * (a jump-cache probe must not pick a block translated for another BTYPE). */
static uint64_t lookup_flags(const DisasContext *ctx)
{
    return (ctx->b->flags & ~TB_FLAG_BTYPE_MASK) |
           (uint64_t)ctx->cur_btype << TB_FLAG_BTYPE_SHIFT;
}

/* Jump to a known pc, chaining through the next free slot when allowed. */
static void gen_goto(DisasContext *ctx, uint64_t dest)
{
    IrBuilder *b = ctx->b;
    if (ctx->ss_active) {
        /* Stepping: back to the loop, whose next block takes the step. */
        ir_movi_i64(b, pc_global(), dest);
        ir_exit_tb(b, IR_EXIT_NO_CHAIN);
    } else if (same_page(ctx, dest)) {
        unsigned slot = ctx->slot++;
        g_assert(slot < IR_MAX_GOTO_TB);
        ir_goto_tb(b, slot);
        ir_movi_i64(b, pc_global(), dest);
        ir_exit_tb(b, slot);
    } else {
        ir_movi_i64(b, pc_global(), dest);
        ir_lookup_and_goto_ptr_flags(b, lookup_flags(ctx));
    }
}

/* End the block after this instruction (TB flags or interrupts changed). */
static void gen_end_no_chain(DisasContext *ctx)
{
    ir_movi_i64(ctx->b, pc_global(), ctx->next_pc);
    ir_exit_tb(ctx->b, IR_EXIT_NO_CHAIN);
    ctx->ended = true;
}

/* Raise a synchronous exception with @syndrome at this instruction. */
static void gen_exception(DisasContext *ctx, uint64_t syndrome)
{
    ir_call2(ctx->b, helper_fn(arm_helper_exception), IR_CALL_NO_WRITE_GLOBALS, IR_NO_TEMP,
             IR_TEMP_ENV, cst(ctx, syndrome));
    ir_exit_tb(ctx->b, IR_EXIT_NO_CHAIN);
    ctx->ended = true;
}

static void gen_undef(DisasContext *ctx)
{
    gen_exception(ctx, arm_syndrome(EC_UNCATEGORIZED, 0));
}

/* FP access trap (EC 0x07) when FP is disabled at this EL; true: go on. */
static bool fp_access_check(DisasContext *ctx)
{
    if (!ctx->fp_trap_el) {
        return true;
    }
    ir_call3(ctx->b, helper_fn(arm_helper_exception_to), IR_CALL_NO_WRITE_GLOBALS, IR_NO_TEMP,
             IR_TEMP_ENV, cst(ctx, arm_syndrome(EC_FP_ACCESS, 1u << 24 | 0xeu << 20)),
             cst(ctx, ctx->fp_trap_el));
    ir_exit_tb(ctx->b, IR_EXIT_NO_CHAIN);
    ctx->ended = true;
    return false;
}

/* ---- conditions ----------------------------------------------------------------- */

typedef struct Cmp {
    IrCond c;
    IrTemp a;
    IrTemp b;
} Cmp;

static IrCond invert(IrCond c)
{
    static const IrCond inv[] = {
        [IR_COND_EQ] = IR_COND_NE, [IR_COND_NE] = IR_COND_EQ,
        [IR_COND_LT] = IR_COND_GE, [IR_COND_GE] = IR_COND_LT,
        [IR_COND_LE] = IR_COND_GT, [IR_COND_GT] = IR_COND_LE,
        [IR_COND_LTU] = IR_COND_GEU, [IR_COND_GEU] = IR_COND_LTU,
        [IR_COND_LEU] = IR_COND_GTU, [IR_COND_GTU] = IR_COND_LEU,
        [IR_COND_ALWAYS] = IR_COND_NEVER, [IR_COND_NEVER] = IR_COND_ALWAYS,
    };
    return inv[c];
}

/* A64 condition @cond (ConditionHolds) as a comparison. */
static void gen_cmp(DisasContext *ctx, unsigned cond, Cmp *c)
{
    IrBuilder *b = ctx->b;
    IrTemp t;
    c->b = cst(ctx, 0);
    switch (cond >> 1) {
    case 0: /* EQ: Z */
        c->c = IR_COND_EQ;
        c->a = ZF;
        break;
    case 1: /* CS: C */
        c->c = IR_COND_NE;
        c->a = CF;
        break;
    case 2: /* MI: N */
        c->c = IR_COND_LT;
        c->a = NF;
        break;
    case 3: /* VS: V */
        c->c = IR_COND_LT;
        c->a = VF;
        break;
    case 4: /* HI: C && !Z */
        t = tmp(ctx);
        ir_neg_i64(b, t, CF);
        ir_and_i64(b, t, t, ZF);
        c->c = IR_COND_NE;
        c->a = t;
        break;
    case 5: /* GE: N == V */
        t = tmp(ctx);
        ir_xor_i64(b, t, NF, VF);
        c->c = IR_COND_GE;
        c->a = t;
        break;
    case 6: /* GT: !Z && N == V */
        t = tmp(ctx);
        ir_xor_i64(b, t, NF, VF);
        ir_sari_i64(b, t, t, 63);
        ir_andc_i64(b, t, ZF, t);
        c->c = IR_COND_NE;
        c->a = t;
        break;
    default: /* AL, NV */
        c->c = IR_COND_ALWAYS;
        c->a = c->b;
        return;
    }
    if (cond & 1) {
        c->c = invert(c->c);
    }
}

/* ---- flags ------------------------------------------------------------------------ */

static void set_nz(DisasContext *ctx, bool sf, IrTemp res)
{
    if (sf) {
        ir_mov_i64(ctx->b, NF, res);
        ir_mov_i64(ctx->b, ZF, res);
    } else {
        ir_ext32s_i64(ctx->b, NF, res);
        ir_ext32u_i64(ctx->b, ZF, res);
    }
}

static void set_logic_flags(DisasContext *ctx, bool sf, IrTemp res)
{
    set_nz(ctx, sf, res);
    ir_movi_i64(ctx->b, CF, 0);
    ir_movi_i64(ctx->b, VF, 0);
}

/* res = a + b + carry_in (carry_in: a temp holding 0/1, or 0 for none),
 * setting NZCV. */
static IrTemp gen_add_flags(DisasContext *ctx, bool sf, IrTemp a, IrTemp b2, IrTemp carry)
{
    IrBuilder *b = ctx->b;
    IrTemp res = tmp(ctx), t = tmp(ctx), x = tmp(ctx);
    if (sf) {
        IrTemp c1 = tmp(ctx);
        if (carry) {
            ir_add_i64(b, t, a, carry);
            ir_setcond_i64(b, IR_COND_LTU, c1, t, a);
            ir_add_i64(b, res, t, b2);
            ir_setcond_i64(b, IR_COND_LTU, x, res, t);
            ir_or_i64(b, CF, c1, x);
        } else {
            ir_add_i64(b, res, a, b2);
            ir_setcond_i64(b, IR_COND_LTU, CF, res, a);
        }
        ir_xor_i64(b, t, res, a);
        ir_xor_i64(b, x, a, b2);
        ir_andc_i64(b, VF, t, x);
        set_nz(ctx, true, res);
        return res;
    }
    IrTemp a32 = tmp(ctx), b32 = tmp(ctx);
    ir_ext32u_i64(b, a32, a);
    ir_ext32u_i64(b, b32, b2);
    ir_add_i64(b, res, a32, b32);
    if (carry) {
        ir_add_i64(b, res, res, carry);
    }
    ir_shri_i64(b, CF, res, 32);
    ir_xor_i64(b, t, res, a32);
    ir_xor_i64(b, x, a32, b32);
    ir_andc_i64(b, t, t, x);
    ir_ext32s_i64(b, VF, t);
    set_nz(ctx, false, res);
    return res;
}

/* res = a - b, setting NZCV (C = no borrow). */
static IrTemp gen_sub_flags(DisasContext *ctx, bool sf, IrTemp a, IrTemp b2)
{
    IrBuilder *b = ctx->b;
    IrTemp res = tmp(ctx), t = tmp(ctx), x = tmp(ctx);
    IrTemp a32 = a, b32 = b2;
    if (!sf) {
        a32 = tmp(ctx);
        b32 = tmp(ctx);
        ir_ext32u_i64(b, a32, a);
        ir_ext32u_i64(b, b32, b2);
    }
    ir_sub_i64(b, res, a32, b32);
    ir_setcond_i64(b, IR_COND_GEU, CF, a32, b32);
    ir_xor_i64(b, t, a32, b32);
    ir_xor_i64(b, x, a32, res);
    ir_and_i64(b, t, t, x);
    if (sf) {
        ir_mov_i64(b, VF, t);
    } else {
        ir_ext32s_i64(b, VF, t);
    }
    set_nz(ctx, sf, res);
    return res;
}

/* ---- operands --------------------------------------------------------------------- */

enum { SHIFT_LSL, SHIFT_LSR, SHIFT_ASR, SHIFT_ROR };

/* Rm shifted by @amount (already checked < datasize), at the width sf says. */
static IrTemp gen_shifted(DisasContext *ctx, bool sf, int rm, unsigned type, unsigned amount)
{
    IrBuilder *b = ctx->b;
    IrTemp src = gpr(ctx, rm), r = tmp(ctx);
    if (amount == 0) {
        return src;
    }
    if (sf) {
        IrTemp n = cst(ctx, amount);
        switch (type) {
        case SHIFT_LSL: ir_shl_i64(b, r, src, n); break;
        case SHIFT_LSR: ir_shr_i64(b, r, src, n); break;
        case SHIFT_ASR: ir_sar_i64(b, r, src, n); break;
        default: ir_rotr_i64(b, r, src, n); break;
        }
        return r;
    }
    IrTemp s32 = ir_temp_new_i32(b), r32 = ir_temp_new_i32(b), n = ir_const_i32(b, amount);
    ir_extrl_i64_i32(b, s32, src);
    switch (type) {
    case SHIFT_LSL: ir_shl_i32(b, r32, s32, n); break;
    case SHIFT_LSR: ir_shr_i32(b, r32, s32, n); break;
    case SHIFT_ASR: ir_sar_i32(b, r32, s32, n); break;
    default: ir_rotr_i32(b, r32, s32, n); break;
    }
    ir_extu_i32_i64(b, r, r32);
    return r;
}

/* ExtendReg: Rm extended per @option then shifted left by @shift. */
static IrTemp gen_extended(DisasContext *ctx, int rm, unsigned option, unsigned shift)
{
    IrBuilder *b = ctx->b;
    IrTemp src = gpr(ctx, rm), r = tmp(ctx);
    switch (option) {
    case 0: ir_ext8u_i64(b, r, src); break;
    case 1: ir_ext16u_i64(b, r, src); break;
    case 2: ir_ext32u_i64(b, r, src); break;
    case 4: ir_ext8s_i64(b, r, src); break;
    case 5: ir_ext16s_i64(b, r, src); break;
    case 6: ir_ext32s_i64(b, r, src); break;
    default: ir_mov_i64(b, r, src); break;
    }
    if (shift) {
        ir_shli_i64(b, r, r, shift);
    }
    return r;
}

/* ---- data processing: immediate --------------------------------------------------- */

static bool trans_adr(DisasContext *ctx, arg_adr *a)
{
    set_reg(ctx, (int)a->rd, false, true, cst(ctx, ctx->pc + (uint64_t)a->imm));
    return true;
}

static bool trans_adrp(DisasContext *ctx, arg_adr *a)
{
    set_reg(ctx, (int)a->rd, false, true,
            cst(ctx, (ctx->pc & ~0xfffull) + (uint64_t)a->imm));
    return true;
}

static bool gen_addsub_i(DisasContext *ctx, arg_addi *a, bool sub, bool flags)
{
    uint64_t imm = (uint64_t)a->imm << (a->sh ? 12 : 0);
    IrTemp src = gpr_sp((int)a->rn), res;
    if (flags) {
        res = sub ? gen_sub_flags(ctx, a->sf, src, cst(ctx, imm))
                  : gen_add_flags(ctx, a->sf, src, cst(ctx, imm), 0);
        set_reg(ctx, (int)a->rd, false, a->sf, res);
    } else {
        res = reg_out(ctx, (int)a->rd, true, a->sf);
        ir_addi_i64(ctx->b, res, src, sub ? -(int64_t)imm : (int64_t)imm);
        reg_done(ctx, (int)a->rd, true, a->sf, res);
    }
    return true;
}

static bool trans_add_i(DisasContext *ctx, arg_addi *a) { return gen_addsub_i(ctx, a, false, false); }
static bool trans_adds_i(DisasContext *ctx, arg_addi *a) { return gen_addsub_i(ctx, a, false, true); }
static bool trans_sub_i(DisasContext *ctx, arg_addi *a) { return gen_addsub_i(ctx, a, true, false); }
static bool trans_subs_i(DisasContext *ctx, arg_addi *a) { return gen_addsub_i(ctx, a, true, true); }

static uint64_t replicate(uint64_t v, unsigned esize)
{
    for (unsigned w = esize; w < 64; w *= 2) {
        v |= v << w;
    }
    return v;
}

bool arm_decode_bit_masks(bool sf, unsigned n, unsigned imms, unsigned immr, uint64_t *out)
{
    unsigned combined = (n << 6) | (~imms & 0x3f);
    if (!sf && n) {
        return false;
    }
    if (combined == 0) {
        return false;
    }
    unsigned len = 31 - (unsigned)__builtin_clz(combined);
    if (len < 1) {
        return false;
    }
    unsigned esize = 1u << len, levels = esize - 1;
    unsigned s = imms & levels, r = immr & levels;
    if (s == levels) {
        return false;              /* all-ones element is reserved */
    }
    uint64_t welem = (s + 1 == 64) ? UINT64_MAX : (1ull << (s + 1)) - 1;
    uint64_t emask = esize == 64 ? UINT64_MAX : (1ull << esize) - 1;
    if (r) {
        welem = ((welem >> r) | (welem << (esize - r))) & emask;
    }
    uint64_t m = replicate(welem, esize);
    *out = sf ? m : (m & 0xffffffffull);
    return true;
}

typedef void (*BinOp)(IrBuilder *b, IrTemp d, IrTemp x, IrTemp y);

static bool gen_logic_i(DisasContext *ctx, arg_logi *a, BinOp op, bool flags)
{
    uint64_t imm;
    if (!arm_decode_bit_masks(a->sf, (a->imm >> 12) & 1, a->imm & 0x3f, (a->imm >> 6) & 0x3f,
                              &imm)) {
        return false;
    }
    IrTemp res = reg_out(ctx, (int)a->rd, !flags, a->sf);
    op(ctx->b, res, gpr(ctx, (int)a->rn), cst(ctx, imm));
    if (flags) {
        set_logic_flags(ctx, a->sf, res);
    }
    reg_done(ctx, (int)a->rd, !flags, a->sf, res);
    return true;
}

static bool trans_and_i(DisasContext *ctx, arg_logi *a) { return gen_logic_i(ctx, a, ir_and_i64, false); }
static bool trans_orr_i(DisasContext *ctx, arg_logi *a) { return gen_logic_i(ctx, a, ir_or_i64, false); }
static bool trans_eor_i(DisasContext *ctx, arg_logi *a) { return gen_logic_i(ctx, a, ir_xor_i64, false); }
static bool trans_ands_i(DisasContext *ctx, arg_logi *a) { return gen_logic_i(ctx, a, ir_and_i64, true); }

static bool trans_movn(DisasContext *ctx, arg_movw *a)
{
    if (!a->sf && a->hw > 1) {
        return false;
    }
    set_reg(ctx, (int)a->rd, false, a->sf, cst(ctx, ~((uint64_t)a->imm << (16 * a->hw))));
    return true;
}

static bool trans_movz(DisasContext *ctx, arg_movw *a)
{
    if (!a->sf && a->hw > 1) {
        return false;
    }
    set_reg(ctx, (int)a->rd, false, a->sf, cst(ctx, (uint64_t)a->imm << (16 * a->hw)));
    return true;
}

static bool trans_movk(DisasContext *ctx, arg_movw *a)
{
    if (!a->sf && a->hw > 1) {
        return false;
    }
    IrTemp r = tmp(ctx);
    ir_deposit(ctx->b, IR_I64, r, gpr(ctx, (int)a->rd), cst(ctx, (uint64_t)a->imm),
               16 * (unsigned)a->hw, 16);
    set_reg(ctx, (int)a->rd, false, a->sf, r);
    return true;
}

static bool bf_valid(arg_bf *a)
{
    return a->sf == a->n && (a->sf || (a->immr < 32 && a->imms < 32));
}

static bool trans_sbfm(DisasContext *ctx, arg_bf *a)
{
    if (!bf_valid(a)) {
        return false;
    }
    unsigned size = a->sf ? 64 : 32, r = (unsigned)a->immr, s = (unsigned)a->imms;
    IrTemp src = gpr(ctx, (int)a->rn), res = reg_out(ctx, (int)a->rd, false, a->sf);
    if (s >= r) {
        ir_sextract(ctx->b, IR_I64, res, src, r, s - r + 1);
    } else {
        ir_sextract(ctx->b, IR_I64, res, src, 0, s + 1);
        ir_shli_i64(ctx->b, res, res, size - r);
    }
    reg_done(ctx, (int)a->rd, false, a->sf, res);
    return true;
}

static bool trans_ubfm(DisasContext *ctx, arg_bf *a)
{
    if (!bf_valid(a)) {
        return false;
    }
    unsigned size = a->sf ? 64 : 32, r = (unsigned)a->immr, s = (unsigned)a->imms;
    IrTemp src = gpr(ctx, (int)a->rn), res = reg_out(ctx, (int)a->rd, false, a->sf);
    if (s >= r) {
        ir_extract(ctx->b, IR_I64, res, src, r, s - r + 1);
    } else {
        ir_extract(ctx->b, IR_I64, res, src, 0, s + 1);
        ir_shli_i64(ctx->b, res, res, size - r);
    }
    reg_done(ctx, (int)a->rd, false, a->sf, res);
    return true;
}

static bool trans_bfm(DisasContext *ctx, arg_bf *a)
{
    if (!bf_valid(a)) {
        return false;
    }
    unsigned size = a->sf ? 64 : 32, r = (unsigned)a->immr, s = (unsigned)a->imms;
    IrTemp src = gpr(ctx, (int)a->rn), dst = gpr(ctx, (int)a->rd);
    IrTemp res = reg_out(ctx, (int)a->rd, false, a->sf);
    if (s >= r) {
        IrTemp f = tmp(ctx);
        ir_shri_i64(ctx->b, f, src, r);
        ir_deposit(ctx->b, IR_I64, res, dst, f, 0, s - r + 1);
    } else {
        ir_deposit(ctx->b, IR_I64, res, dst, src, size - r, s + 1);
    }
    reg_done(ctx, (int)a->rd, false, a->sf, res);
    return true;
}

static bool trans_extr(DisasContext *ctx, arg_extr *a)
{
    unsigned size = a->sf ? 64 : 32, lsb = (unsigned)a->imms;
    if (a->sf != a->n || lsb >= size) {
        return false;
    }
    IrBuilder *b = ctx->b;
    IrTemp lo = gpr(ctx, (int)a->rm), hi = gpr(ctx, (int)a->rn), res = tmp(ctx);
    if (lsb == 0) {
        ir_mov_i64(b, res, lo);
    } else if (a->sf) {
        IrTemp t = tmp(ctx);
        ir_shri_i64(b, res, lo, lsb);
        ir_shli_i64(b, t, hi, 64 - lsb);
        ir_or_i64(b, res, res, t);
    } else {
        /* (hi:lo)[lsb+31:lsb] of the 64-bit concatenation of two W regs. */
        IrTemp cat = tmp(ctx);
        ir_deposit(b, IR_I64, cat, lo, hi, 32, 32);
        ir_shri_i64(b, res, cat, lsb);
    }
    set_reg(ctx, (int)a->rd, false, a->sf, res);
    return true;
}

/* ---- data processing: register ------------------------------------------------------ */

static bool gen_logic_r(DisasContext *ctx, arg_rrs *a, BinOp op, bool flags)
{
    if (!a->sf && a->imm >= 32) {
        return false;
    }
    IrTemp y = gen_shifted(ctx, a->sf, (int)a->rm, (unsigned)a->shift, (unsigned)a->imm);
    IrTemp res = reg_out(ctx, (int)a->rd, false, a->sf);
    op(ctx->b, res, gpr(ctx, (int)a->rn), y);
    if (flags) {
        set_logic_flags(ctx, a->sf, res);
    }
    reg_done(ctx, (int)a->rd, false, a->sf, res);
    return true;
}

static bool trans_and_r(DisasContext *ctx, arg_rrs *a) { return gen_logic_r(ctx, a, ir_and_i64, false); }
static bool trans_bic_r(DisasContext *ctx, arg_rrs *a) { return gen_logic_r(ctx, a, ir_andc_i64, false); }
static bool trans_orr_r(DisasContext *ctx, arg_rrs *a) { return gen_logic_r(ctx, a, ir_or_i64, false); }
static bool trans_orn_r(DisasContext *ctx, arg_rrs *a) { return gen_logic_r(ctx, a, ir_orc_i64, false); }
static bool trans_eor_r(DisasContext *ctx, arg_rrs *a) { return gen_logic_r(ctx, a, ir_xor_i64, false); }
static bool trans_eon_r(DisasContext *ctx, arg_rrs *a) { return gen_logic_r(ctx, a, ir_eqv_i64, false); }
static bool trans_ands_r(DisasContext *ctx, arg_rrs *a) { return gen_logic_r(ctx, a, ir_and_i64, true); }
static bool trans_bics_r(DisasContext *ctx, arg_rrs *a) { return gen_logic_r(ctx, a, ir_andc_i64, true); }

static bool gen_addsub(DisasContext *ctx, int rd, int rn, bool sp, bool sf, IrTemp y, bool sub,
                       bool flags)
{
    IrTemp x = sp ? gpr_sp(rn) : gpr(ctx, rn), res;
    if (flags) {
        res = sub ? gen_sub_flags(ctx, sf, x, y) : gen_add_flags(ctx, sf, x, y, 0);
        set_reg(ctx, rd, false, sf, res);
    } else {
        res = reg_out(ctx, rd, sp, sf);
        if (sub) {
            ir_sub_i64(ctx->b, res, x, y);
        } else {
            ir_add_i64(ctx->b, res, x, y);
        }
        reg_done(ctx, rd, sp, sf, res);
    }
    return true;
}

static bool gen_addsub_r(DisasContext *ctx, arg_rrs *a, bool sub, bool flags)
{
    if (a->shift == SHIFT_ROR || (!a->sf && a->imm >= 32)) {
        return false;
    }
    IrTemp y = gen_shifted(ctx, a->sf, (int)a->rm, (unsigned)a->shift, (unsigned)a->imm);
    return gen_addsub(ctx, (int)a->rd, (int)a->rn, false, a->sf, y, sub, flags);
}

static bool trans_add_r(DisasContext *ctx, arg_rrs *a) { return gen_addsub_r(ctx, a, false, false); }
static bool trans_adds_r(DisasContext *ctx, arg_rrs *a) { return gen_addsub_r(ctx, a, false, true); }
static bool trans_sub_r(DisasContext *ctx, arg_rrs *a) { return gen_addsub_r(ctx, a, true, false); }
static bool trans_subs_r(DisasContext *ctx, arg_rrs *a) { return gen_addsub_r(ctx, a, true, true); }

static bool gen_addsub_x(DisasContext *ctx, arg_rrx *a, bool sub, bool flags)
{
    if (a->imm > 4) {
        return false;
    }
    IrTemp y = gen_extended(ctx, (int)a->rm, (unsigned)a->option, (unsigned)a->imm);
    return gen_addsub(ctx, (int)a->rd, (int)a->rn, true, a->sf, y, sub, flags);
}

static bool trans_add_x(DisasContext *ctx, arg_rrx *a) { return gen_addsub_x(ctx, a, false, false); }
static bool trans_adds_x(DisasContext *ctx, arg_rrx *a) { return gen_addsub_x(ctx, a, false, true); }
static bool trans_sub_x(DisasContext *ctx, arg_rrx *a) { return gen_addsub_x(ctx, a, true, false); }
static bool trans_subs_x(DisasContext *ctx, arg_rrx *a) { return gen_addsub_x(ctx, a, true, true); }

static bool gen_adc(DisasContext *ctx, arg_rrr *a, bool sub, bool flags)
{
    IrBuilder *b = ctx->b;
    IrTemp y = gpr(ctx, (int)a->rm), res;
    if (sub) {
        IrTemp ny = tmp(ctx);
        ir_not_i64(b, ny, y);
        y = ny;
    }
    if (flags) {
        res = gen_add_flags(ctx, a->sf, gpr(ctx, (int)a->rn), y, CF);
    } else {
        res = tmp(ctx);
        ir_add_i64(b, res, gpr(ctx, (int)a->rn), y);
        ir_add_i64(b, res, res, CF);
    }
    set_reg(ctx, (int)a->rd, false, a->sf, res);
    return true;
}

static bool trans_adc(DisasContext *ctx, arg_rrr *a) { return gen_adc(ctx, a, false, false); }
static bool trans_adcs(DisasContext *ctx, arg_rrr *a) { return gen_adc(ctx, a, false, true); }
static bool trans_sbc(DisasContext *ctx, arg_rrr *a) { return gen_adc(ctx, a, true, false); }
static bool trans_sbcs(DisasContext *ctx, arg_rrr *a) { return gen_adc(ctx, a, true, true); }

/* CCMN/CCMP: flags of Rn +/- operand when cond holds, else #nzcv. */
static bool gen_ccmp(DisasContext *ctx, arg_ccmp *a, IrTemp y, bool sub)
{
    IrBuilder *b = ctx->b;
    Cmp c;
    IrLabel skip = ir_label_new(b), done = ir_label_new(b);
    gen_cmp(ctx, (unsigned)a->cond, &c);
    if (c.c != IR_COND_ALWAYS) {
        ir_brcond_i64(b, invert(c.c), c.a, c.b, skip);
    }
    if (sub) {
        gen_sub_flags(ctx, a->sf, gpr(ctx, (int)a->rn), y);
    } else {
        gen_add_flags(ctx, a->sf, gpr(ctx, (int)a->rn), y, 0);
    }
    ir_br(b, done);
    ir_set_label(b, skip);
    ir_movi_i64(b, NF, (a->nzcv & 8) ? UINT64_MAX : 0);
    ir_movi_i64(b, ZF, (a->nzcv & 4) ? 0 : 1);
    ir_movi_i64(b, CF, (a->nzcv & 2) ? 1 : 0);
    ir_movi_i64(b, VF, (a->nzcv & 1) ? UINT64_MAX : 0);
    ir_set_label(b, done);
    return true;
}

static bool trans_ccmn_r(DisasContext *ctx, arg_ccmp *a) { return gen_ccmp(ctx, a, gpr(ctx, (int)a->rm), false); }
static bool trans_ccmp_r(DisasContext *ctx, arg_ccmp *a) { return gen_ccmp(ctx, a, gpr(ctx, (int)a->rm), true); }
static bool trans_ccmn_i(DisasContext *ctx, arg_ccmp *a) { return gen_ccmp(ctx, a, cst(ctx, (uint64_t)a->rm), false); }
static bool trans_ccmp_i(DisasContext *ctx, arg_ccmp *a) { return gen_ccmp(ctx, a, cst(ctx, (uint64_t)a->rm), true); }

enum { CSEL_PLAIN, CSEL_INC, CSEL_INV, CSEL_NEG };

static bool gen_csel(DisasContext *ctx, arg_csel *a, int kind)
{
    IrBuilder *b = ctx->b;
    IrTemp y = gpr(ctx, (int)a->rm), res = reg_out(ctx, (int)a->rd, false, a->sf);
    if (kind != CSEL_PLAIN) {
        IrTemp t = tmp(ctx);
        switch (kind) {
        case CSEL_INC: ir_addi_i64(b, t, y, 1); break;
        case CSEL_INV: ir_not_i64(b, t, y); break;
        default: ir_neg_i64(b, t, y); break;
        }
        y = t;
    }
    Cmp c;
    gen_cmp(ctx, (unsigned)a->cond, &c);
    if (c.c == IR_COND_ALWAYS) {
        ir_mov_i64(b, res, gpr(ctx, (int)a->rn));
    } else {
        ir_movcond_i64(b, c.c, res, c.a, c.b, gpr(ctx, (int)a->rn), y);
    }
    reg_done(ctx, (int)a->rd, false, a->sf, res);
    return true;
}

static bool trans_csel(DisasContext *ctx, arg_csel *a) { return gen_csel(ctx, a, CSEL_PLAIN); }
static bool trans_csinc(DisasContext *ctx, arg_csel *a) { return gen_csel(ctx, a, CSEL_INC); }
static bool trans_csinv(DisasContext *ctx, arg_csel *a) { return gen_csel(ctx, a, CSEL_INV); }
static bool trans_csneg(DisasContext *ctx, arg_csel *a) { return gen_csel(ctx, a, CSEL_NEG); }

/* MADD/MSUB and the long forms: ra +/- ext(rn) * ext(rm). */
static bool gen_madd(DisasContext *ctx, arg_r3 *a, bool sub, int ext)
{
    IrBuilder *b = ctx->b;
    IrTemp x = gpr(ctx, (int)a->rn), y = gpr(ctx, (int)a->rm), p = tmp(ctx);
    IrTemp res = reg_out(ctx, (int)a->rd, false, a->sf);
    if (ext) {
        IrTemp x2 = tmp(ctx), y2 = tmp(ctx);
        if (ext > 0) {
            ir_ext32s_i64(b, x2, x);
            ir_ext32s_i64(b, y2, y);
        } else {
            ir_ext32u_i64(b, x2, x);
            ir_ext32u_i64(b, y2, y);
        }
        x = x2;
        y = y2;
    }
    ir_mul_i64(b, p, x, y);
    if (sub) {
        ir_sub_i64(b, res, gpr(ctx, (int)a->ra), p);
    } else {
        ir_add_i64(b, res, gpr(ctx, (int)a->ra), p);
    }
    reg_done(ctx, (int)a->rd, false, a->sf, res);
    return true;
}

static bool trans_madd(DisasContext *ctx, arg_r3 *a) { return gen_madd(ctx, a, false, 0); }
static bool trans_msub(DisasContext *ctx, arg_r3 *a) { return gen_madd(ctx, a, true, 0); }
static bool trans_smaddl(DisasContext *ctx, arg_r3 *a) { return gen_madd(ctx, a, false, 1); }
static bool trans_smsubl(DisasContext *ctx, arg_r3 *a) { return gen_madd(ctx, a, true, 1); }
static bool trans_umaddl(DisasContext *ctx, arg_r3 *a) { return gen_madd(ctx, a, false, -1); }
static bool trans_umsubl(DisasContext *ctx, arg_r3 *a) { return gen_madd(ctx, a, true, -1); }

static bool trans_smulh(DisasContext *ctx, arg_r3 *a)
{
    IrTemp r = tmp(ctx);
    ir_mulsh_i64(ctx->b, r, gpr(ctx, (int)a->rn), gpr(ctx, (int)a->rm));
    set_reg(ctx, (int)a->rd, false, true, r);
    return true;
}

static bool trans_umulh(DisasContext *ctx, arg_r3 *a)
{
    IrTemp r = tmp(ctx);
    ir_muluh_i64(ctx->b, r, gpr(ctx, (int)a->rn), gpr(ctx, (int)a->rm));
    set_reg(ctx, (int)a->rd, false, true, r);
    return true;
}

/* Two-source ops on the width sf says: 32-bit ones on i32 temps. */
static void gen_rrr_op(DisasContext *ctx, arg_rrr *a, BinOp op64, BinOp op32, IrTemp *out32,
                       IrTemp *out)
{
    IrBuilder *b = ctx->b;
    IrTemp res = tmp(ctx);
    if (a->sf) {
        op64(b, res, gpr(ctx, (int)a->rn), gpr(ctx, (int)a->rm));
    } else {
        IrTemp x = ir_temp_new_i32(b), y = ir_temp_new_i32(b), r = ir_temp_new_i32(b);
        ir_extrl_i64_i32(b, x, gpr(ctx, (int)a->rn));
        ir_extrl_i64_i32(b, y, gpr(ctx, (int)a->rm));
        op32(b, r, x, y);
        ir_extu_i32_i64(b, res, r);
        if (out32) {
            *out32 = r;
        }
    }
    *out = res;
}

/* A64 division by zero gives 0 (the IR gives all ones). */
static bool gen_div(DisasContext *ctx, arg_rrr *a, bool is_signed)
{
    IrTemp res, divisor = tmp(ctx);
    gen_rrr_op(ctx, a, is_signed ? ir_div_i64 : ir_divu_i64,
               is_signed ? ir_div_i32 : ir_divu_i32, NULL, &res);
    if (a->sf) {
        ir_mov_i64(ctx->b, divisor, gpr(ctx, (int)a->rm));
    } else {
        ir_ext32u_i64(ctx->b, divisor, gpr(ctx, (int)a->rm));
    }
    ir_movcond_i64(ctx->b, IR_COND_EQ, res, divisor, cst(ctx, 0), cst(ctx, 0), res);
    set_reg(ctx, (int)a->rd, false, a->sf, res);
    return true;
}

static bool trans_udiv(DisasContext *ctx, arg_rrr *a) { return gen_div(ctx, a, false); }
static bool trans_sdiv(DisasContext *ctx, arg_rrr *a) { return gen_div(ctx, a, true); }

static bool gen_shiftv(DisasContext *ctx, arg_rrr *a, BinOp op64, BinOp op32)
{
    IrTemp res;
    gen_rrr_op(ctx, a, op64, op32, NULL, &res);
    set_reg(ctx, (int)a->rd, false, a->sf, res);
    return true;
}

static bool trans_lslv(DisasContext *ctx, arg_rrr *a) { return gen_shiftv(ctx, a, ir_shl_i64, ir_shl_i32); }
static bool trans_lsrv(DisasContext *ctx, arg_rrr *a) { return gen_shiftv(ctx, a, ir_shr_i64, ir_shr_i32); }
static bool trans_asrv(DisasContext *ctx, arg_rrr *a) { return gen_shiftv(ctx, a, ir_sar_i64, ir_sar_i32); }
static bool trans_rorv(DisasContext *ctx, arg_rrr *a) { return gen_shiftv(ctx, a, ir_rotr_i64, ir_rotr_i32); }

static bool trans_crc32(DisasContext *ctx, arg_crc *a)
{
    /* sf must be set exactly for the X form (sz = 3). */
    if ((a->sz == 3) != (a->sf != 0)) {
        return false;
    }
    IrTemp r = tmp(ctx);
    ir_call4(ctx->b, helper_fn(arm_helper_crc32), IR_CALL_PURE, r, gpr(ctx, (int)a->rn),
             gpr(ctx, (int)a->rm), cst(ctx, 1ull << a->sz), cst(ctx, (uint64_t)a->c));
    set_reg(ctx, (int)a->rd, false, false, r);
    return true;
}

static bool trans_rbit(DisasContext *ctx, arg_r1 *a)
{
    IrTemp r = tmp(ctx);
    ir_call1(ctx->b, helper_fn(arm_helper_rbit), IR_CALL_PURE, r, gpr(ctx, (int)a->rn));
    if (!a->sf) {
        ir_shri_i64(ctx->b, r, r, 32);
    }
    set_reg(ctx, (int)a->rd, false, a->sf, r);
    return true;
}

/* Swap the bytes within each 16-bit unit. */
static bool trans_rev16(DisasContext *ctx, arg_r1 *a)
{
    IrBuilder *b = ctx->b;
    IrTemp x = gpr(ctx, (int)a->rn), t1 = tmp(ctx), t2 = tmp(ctx);
    uint64_t m = 0x00ff00ff00ff00ffull;
    ir_shri_i64(b, t1, x, 8);
    ir_andi_i64(b, t1, t1, m);
    ir_andi_i64(b, t2, x, m);
    ir_shli_i64(b, t2, t2, 8);
    ir_or_i64(b, t1, t1, t2);
    set_reg(ctx, (int)a->rd, false, a->sf, t1);
    return true;
}

/* sf = 0: REV Wd (bswap32); sf = 1: REV32 Xd (bswap each 32-bit half). */
static bool trans_rev32(DisasContext *ctx, arg_r1 *a)
{
    IrBuilder *b = ctx->b;
    IrTemp r = tmp(ctx);
    ir_bswap_i64(b, r, gpr(ctx, (int)a->rn));
    ir_rotr_i64(b, r, r, cst(ctx, 32));
    if (!a->sf) {
        ir_ext32u_i64(b, r, r);
    }
    set_reg(ctx, (int)a->rd, false, a->sf, r);
    return true;
}

static bool trans_rev64(DisasContext *ctx, arg_r1 *a)
{
    IrTemp r = tmp(ctx);
    ir_bswap_i64(ctx->b, r, gpr(ctx, (int)a->rn));
    set_reg(ctx, (int)a->rd, false, true, r);
    return true;
}

static bool trans_clz(DisasContext *ctx, arg_r1 *a)
{
    IrBuilder *b = ctx->b;
    IrTemp r = tmp(ctx);
    if (a->sf) {
        ir_clz_i64(b, r, gpr(ctx, (int)a->rn));
    } else {
        IrTemp x = ir_temp_new_i32(b), y = ir_temp_new_i32(b);
        ir_extrl_i64_i32(b, x, gpr(ctx, (int)a->rn));
        ir_clz_i32(b, y, x);
        ir_extu_i32_i64(b, r, y);
    }
    set_reg(ctx, (int)a->rd, false, a->sf, r);
    return true;
}

/* CLS(x) = CLZ(x ^ (x >> 1, arithmetic)) - 1. */
static bool trans_cls(DisasContext *ctx, arg_r1 *a)
{
    IrBuilder *b = ctx->b;
    IrTemp x = tmp(ctx), t = tmp(ctx), r = tmp(ctx);
    if (a->sf) {
        ir_mov_i64(b, x, gpr(ctx, (int)a->rn));
    } else {
        ir_ext32s_i64(b, x, gpr(ctx, (int)a->rn));
        ir_shli_i64(b, x, x, 32);
    }
    ir_sari_i64(b, t, x, 1);
    ir_xor_i64(b, t, t, x);
    if (!a->sf) {
        /* Keep the shifted-in low bits from counting: set bit 31 of t's
         * low half so clz stops within the 32 meaningful bits. */
        ir_ori_i64(b, t, t, 0x80000000ull);
    }
    ir_clz_i64(b, r, t);
    ir_addi_i64(b, r, r, -1);
    set_reg(ctx, (int)a->rd, false, a->sf, r);
    return true;
}

#include "plugins/cpu/arm/translate-sys.c.inc"
#include "plugins/cpu/arm/translate-mem.c.inc"
#include "plugins/cpu/arm/translate-pauth.c.inc"
#include "plugins/cpu/arm/translate-fp.c.inc"
#include "plugins/cpu/arm/translate-simd.c.inc"

/* ---- the block loop --------------------------------------------------------------------- */

unsigned arm_translate(CPUState *cs, IrBuilder *b)
{
    ARMCPU *cpu = arm_cs_cpu(cs);
    DisasContext ctx = {
        .b = b,
        .cpu = cpu,
        .engine = cpu->engine,
        .guarded = -1,
        .el = b->flags & TB_FLAG_EL_MASK,
        .mem_idx = (int)((b->flags & TB_FLAG_MMUIDX_MASK) >> TB_FLAG_MMUIDX_SHIFT),
        .align = (b->flags & TB_FLAG_ALIGN) != 0,
        .fp_trap_el = (unsigned)((b->flags & TB_FLAG_FPTRAP_MASK) >> TB_FLAG_FPTRAP_SHIFT),
        .btype = (unsigned)((b->flags & TB_FLAG_BTYPE_MASK) >> TB_FLAG_BTYPE_SHIFT),
        .cur_btype = (unsigned)((b->flags & TB_FLAG_BTYPE_MASK) >> TB_FLAG_BTYPE_SHIFT),
        .bt = (b->flags & TB_FLAG_BT) != 0,
        .uao = (b->flags & TB_FLAG_UAO) != 0,
        .e2h = (b->flags & TB_FLAG_E2H) != 0,
        .dbg_wp = (b->flags & TB_FLAG_DBG_WP) != 0,
        .ss_active = (b->flags & TB_FLAG_SS_ACTIVE) != 0,
    };
    bool dbg_bp = (b->flags & TB_FLAG_DBG_BP) != 0;
    uint64_t pc = b->pc_first;
    uint64_t page_end = (pc & TCG_PAGE_MASK) + TCG_PAGE_SIZE;

    if (pc & 3) {
        /* PC alignment fault (D1.10.2): FAR holds the pc. */
        ir_insn_start(b, pc, 0, 0);
        ctx.pc = pc;
        ctx.next_pc = pc;
        gen_pc_align_fault(&ctx);
        return 1;
    }
    if (b->flags & TB_FLAG_IL) {
        ir_insn_start(b, pc, 0, 0);
        ctx.pc = pc;
        ctx.next_pc = pc + 4;
        gen_exception(&ctx, arm_syndrome(EC_ILLEGAL_STATE, 0));
        return 4;
    }
    if (ctx.ss_active && !(b->flags & TB_FLAG_PSTATE_SS)) {
        /* Software step active-pending: the step exception comes before
         * this instruction. */
        ir_insn_start(b, pc, 0, 0);
        ir_call1(b, helper_fn(arm_helper_ss_exception), IR_CALL_NO_WRITE_GLOBALS, IR_NO_TEMP,
                 IR_TEMP_ENV);
        ir_exit_tb(b, IR_EXIT_NO_CHAIN);
        return 4;
    }
    /* Software step active-not-pending: exactly one instruction. */
    int max_insns = ctx.ss_active ? 1 : b->max_insns;
    for (int n = 0; ; n++) {
        if (n >= max_insns || pc >= page_end || pc < b->pc_first ||
            (n > 0 && ctx.engine->debug_stop_before && ctx.engine->debug_stop_before(cs, pc))) {
            gen_goto(&ctx, pc);
            break;
        }
        ctx.insn = ctx.engine->fetch_code(cs, pc, 4);
        ir_insn_start(b, pc, 0, 0);
        ctx.pc = pc;
        ctx.next_pc = pc + 4;
        ctx.room_after = n + 1 < max_insns && ctx.next_pc < page_end && ctx.next_pc > pc;
        if (dbg_bp) {
            ir_call2(b, helper_fn(arm_helper_check_bp), IR_CALL_NO_WRITE_GLOBALS, IR_NO_TEMP,
                     IR_TEMP_ENV, cst(&ctx, pc));
        }
        if (ctx.ss_active) {
            /* LDXR/LDAXR/LDXP/LDAXP: the step exception reports EX. */
            bool ldex = (ctx.insn & 0x3fc00000u) == 0x08400000u;
            ir_call2(b, helper_fn(arm_helper_ss_begin), IR_CALL_NO_WRITE_GLOBALS, IR_NO_TEMP,
                     IR_TEMP_ENV, cst(&ctx, ldex));
        }
        if (n == 0 && ctx.btype) {
            /* After an indirect branch: a guarded page wants a landing
             * pad here (Branch Target exception, EC 0x0d, ISS = BTYPE);
             * then BTYPE is 00 again. */
            if (!btype_destination_ok(ctx.insn, ctx.bt, ctx.btype) && ctx_guarded(&ctx)) {
                gen_exception(&ctx, arm_syndrome(EC_BTI, ctx.btype));
                pc = ctx.next_pc;
                break;
            }
            gen_set_btype(&ctx, 0);
        }
        if (!a64_decode(&ctx, ctx.insn, 0)) {
            gen_undef(&ctx);
        }
        pc = ctx.next_pc;
        if (ctx.ended) {
            break;
        }
    }
    return (unsigned)(pc - b->pc_first);
}
