/* SPDX-License-Identifier: MIT */
/*
 * RISC-V translator: the one place that says what each instruction does,
 * as IR emitted through the builder the engine hands us (ir.h).  The
 * decoder is generated from insn.decode (docs/decoder.md): each table row
 * calls one trans_<name>() below or in trans-*.c.inc with its operands
 * extracted; compressed rows call their 32-bit twin's function.  A trans_
 * function returns false (before emitting anything) when the instruction
 * is illegal in the current state.
 *
 * Blocks end at control transfers, after CSR writes, xRET, fences that
 * affect translation, WFI and anything raising an exception.
 */
#include "plugins/cpu/riscv/decode.h"
#include "plugins/cpu/riscv/fpu.h"
#include "plugins/cpu/riscv/translate.h"

#define ENV_OFF(field) ((ptrdiff_t)offsetof(CPURISCVState, field))
#define INSN_BITS_SPAN(len) ((len) == 2 ? 0xffffu : 0xffffffffu)

typedef struct DisasContext {
    IrBuilder *b;
    RISCVCPU *cpu;
    const TcgEngineOps *engine;
    uint64_t pc;            /* this instruction */
    uint64_t next_pc;
    int priv;
    int mem_idx;
    bool fs_on;
    bool fs_dirty;
    unsigned frm;           /* frm from the TB flags (valid while fs_on) */
    bool ended;             /* the block's last op has been emitted */
    bool room_after;        /* the block has room for an instruction after this one */
    unsigned slot;          /* next free goto_tb slot */
    uint32_t raw;           /* instruction bits (16 or 32) */
    unsigned len;           /* 2 or 4 */
} DisasContext;

#include "plugins/cpu/riscv/insn.trans.h"

/* ---- small emitters ---------------------------------------------------------- */

static IrTemp gpr_src(DisasContext *ctx, int r)
{
    return r ? IR_GLOBAL(RISCV_GLOBAL_X(r)) : ir_const_i64(ctx->b, 0);
}

/* Destination for rd: writes to x0 go to a scratch temp. */
static IrTemp gpr_dst(DisasContext *ctx, int r)
{
    return r ? IR_GLOBAL(RISCV_GLOBAL_X(r)) : ir_temp_new_i64(ctx->b);
}

static IrTemp fpr(int r)
{
    return IR_GLOBAL(RISCV_GLOBAL_F(r));
}

static IrTemp cst(DisasContext *ctx, uint64_t v)
{
    return ir_const_i64(ctx->b, v);
}

static IrTemp pc_global(void)
{
    return IR_GLOBAL(RISCV_GLOBAL_PC);
}

static void *helper_fn(void *fn)
{
    return fn;
}

static bool same_page(DisasContext *ctx, uint64_t dest)
{
    return (dest & TCG_PAGE_MASK) == (ctx->b->pc_first & TCG_PAGE_MASK);
}

/* Jump to a known pc, chaining through the next free slot when allowed. */
static void gen_goto(DisasContext *ctx, uint64_t dest)
{
    IrBuilder *b = ctx->b;
    if (same_page(ctx, dest)) {
        unsigned slot = ctx->slot++;
        g_assert(slot < IR_MAX_GOTO_TB);
        ir_goto_tb(b, slot);
        ir_movi_i64(b, pc_global(), dest);
        ir_exit_tb(b, slot);
    } else {
        ir_movi_i64(b, pc_global(), dest);
        ir_lookup_and_goto_ptr(b);
    }
}

/* End the block after this instruction: the TB flags or interrupt state
 * may have changed. */
static void gen_end_no_chain(DisasContext *ctx)
{
    ir_movi_i64(ctx->b, pc_global(), ctx->next_pc);
    ir_exit_tb(ctx->b, IR_EXIT_NO_CHAIN);
    ctx->ended = true;
}

/* Raise @cause at this instruction (the engine restores the pc). */
static void gen_exception_tval(DisasContext *ctx, uint64_t cause, IrTemp tval)
{
    ir_call3(ctx->b, helper_fn(riscv_helper_raise), IR_CALL_NO_WRITE_GLOBALS, IR_NO_TEMP,
             IR_TEMP_ENV, cst(ctx, cause), tval);
}

static void gen_exception(DisasContext *ctx, uint64_t cause, uint64_t tval)
{
    gen_exception_tval(ctx, cause, cst(ctx, tval));
    ir_exit_tb(ctx->b, IR_EXIT_NO_CHAIN);
    ctx->ended = true;
}

static void gen_illegal(DisasContext *ctx)
{
    gen_exception(ctx, EXCP_ILLEGAL_INST, ctx->raw & INSN_BITS_SPAN(ctx->len));
}

/* Jump targets must be 4-byte aligned without C (IALIGN=32). */
static bool target_misaligned(DisasContext *ctx, uint64_t dest)
{
    return !riscv_has_ext(ctx->cpu, RISCV_EXT_C) && (dest & 3);
}

static IrTemp gen_addr(DisasContext *ctx, int64_t rs1, int64_t imm)
{
    IrTemp a = ir_temp_new_i64(ctx->b);
    ir_addi_i64(ctx->b, a, gpr_src(ctx, rs1), imm);
    return a;
}

/* ---- Sdtrig checks (trigger.c) ------------------------------------------------------- */

enum { TRIG_LOAD = 1, TRIG_STORE = 2 };   /* mcontrol6 load/store bits */

/* Before a load (@data unused) or store of @data at @addr. */
static void gen_trigger_mem(DisasContext *ctx, IrTemp addr, unsigned kind, IrTemp data)
{
    if (ctx->b->flags & TB_FLAG_TRIG_MEM) {
        ir_call4(ctx->b, helper_fn(riscv_helper_trigger_mem), IR_CALL_NO_WRITE_GLOBALS,
                 IR_NO_TEMP, IR_TEMP_ENV, addr, cst(ctx, kind), data);
    }
}

/* After a load, before its value is used: data-match load triggers. */
static void gen_trigger_load_data(DisasContext *ctx, IrTemp addr, IrTemp data)
{
    if (ctx->b->flags & TB_FLAG_TRIG_MEM) {
        ir_call3(ctx->b, helper_fn(riscv_helper_trigger_load_data), IR_CALL_NO_WRITE_GLOBALS,
                 IR_NO_TEMP, IR_TEMP_ENV, addr, data);
    }
}

/* ---- shared shapes of the trans_ functions ------------------------------------------ */

typedef void (*BinOp)(IrBuilder *b, IrTemp d, IrTemp x, IrTemp y);
typedef void (*UnOp)(IrBuilder *b, IrTemp d, IrTemp s);

/* rd = rs1 op rs2 */
static bool gen_r(DisasContext *ctx, arg_r *a, BinOp op)
{
    op(ctx->b, gpr_dst(ctx, a->rd), gpr_src(ctx, a->rs1), gpr_src(ctx, a->rs2));
    return true;
}

/* rd = rs1 op imm (also the shift-immediate forms: imm is the shift amount) */
static bool gen_i(DisasContext *ctx, arg_i *a, BinOp op)
{
    op(ctx->b, gpr_dst(ctx, a->rd), gpr_src(ctx, a->rs1), cst(ctx, a->imm));
    return true;
}

/* rd = op rs1 */
static bool gen_unary(DisasContext *ctx, arg_r *a, UnOp op)
{
    op(ctx->b, gpr_dst(ctx, a->rd), gpr_src(ctx, a->rs1));
    return true;
}

/* 32-bit op on the low halves, result sign-extended (the *W forms). */
static bool gen_w(DisasContext *ctx, int64_t rd, int64_t rs1, IrTemp y64, BinOp op32)
{
    IrBuilder *b = ctx->b;
    IrTemp x = ir_temp_new_i32(b), y = ir_temp_new_i32(b), r = ir_temp_new_i32(b);
    ir_extrl_i64_i32(b, x, gpr_src(ctx, rs1));
    ir_extrl_i64_i32(b, y, y64);
    op32(b, r, x, y);
    ir_exts_i32_i64(b, gpr_dst(ctx, rd), r);
    return true;
}

static bool gen_r_w(DisasContext *ctx, arg_r *a, BinOp op32)
{
    return gen_w(ctx, a->rd, a->rs1, gpr_src(ctx, a->rs2), op32);
}

static bool gen_i_w(DisasContext *ctx, arg_i *a, BinOp op32)
{
    return gen_w(ctx, a->rd, a->rs1, cst(ctx, a->imm), op32);
}

/*
 * The *W forms whose low 32 result bits depend only on the operands' low
 * 32 bits (add, sub, mul, shift left by a constant below 32): a 64-bit op,
 * then sign extension from bit 31, with no i32 temps in between.
 */
static bool gen_w64(DisasContext *ctx, int64_t rd, int64_t rs1, IrTemp y64, BinOp op64)
{
    IrBuilder *b = ctx->b;
    IrTemp r = ir_temp_new_i64(b);
    op64(b, r, gpr_src(ctx, rs1), y64);
    ir_ext32s_i64(b, gpr_dst(ctx, rd), r);
    return true;
}

static bool gen_r_w64(DisasContext *ctx, arg_r *a, BinOp op64)
{
    return gen_w64(ctx, a->rd, a->rs1, gpr_src(ctx, a->rs2), op64);
}

static bool gen_i_w64(DisasContext *ctx, arg_i *a, BinOp op64)
{
    return gen_w64(ctx, a->rd, a->rs1, cst(ctx, a->imm), op64);
}

/* 32-bit unary op, result zero-extended (clzw, ctzw, cpopw). */
static bool gen_unary_w(DisasContext *ctx, arg_r *a, UnOp op32)
{
    IrBuilder *b = ctx->b;
    IrTemp x = ir_temp_new_i32(b), r = ir_temp_new_i32(b);
    ir_extrl_i64_i32(b, x, gpr_src(ctx, a->rs1));
    op32(b, r, x);
    ir_extu_i32_i64(b, gpr_dst(ctx, a->rd), r);
    return true;
}

static bool gen_setcond(DisasContext *ctx, int64_t rd, int64_t rs1, IrCond c, IrTemp y)
{
    ir_setcond_i64(ctx->b, c, gpr_dst(ctx, rd), gpr_src(ctx, rs1), y);
    return true;
}

static bool gen_minmax(DisasContext *ctx, arg_r *a, IrCond c)
{
    IrTemp x = gpr_src(ctx, a->rs1), y = gpr_src(ctx, a->rs2);
    ir_movcond_i64(ctx->b, c, gpr_dst(ctx, a->rd), x, y, x, y);
    return true;
}

/* shNadd / shNadd.uw / add.uw: ((uw ? zext32(rs1) : rs1) << sh) + rs2. */
static bool gen_shadd(DisasContext *ctx, arg_r *a, unsigned sh, bool uw)
{
    IrBuilder *b = ctx->b;
    IrTemp t = ir_temp_new_i64(b);
    if (uw) {
        ir_ext32u_i64(b, t, gpr_src(ctx, a->rs1));
    } else {
        ir_mov_i64(b, t, gpr_src(ctx, a->rs1));
    }
    if (sh) {
        ir_shli_i64(b, t, t, sh);
    }
    ir_add_i64(b, gpr_dst(ctx, a->rd), t, gpr_src(ctx, a->rs2));
    return true;
}

/* Zbs: rd = rs1 op (1 << index), index from rs2 or the immediate. */
static bool gen_bitop(DisasContext *ctx, int64_t rd, int64_t rs1, IrTemp index, BinOp op)
{
    IrTemp m = ir_temp_new_i64(ctx->b);
    ir_shl_i64(ctx->b, m, cst(ctx, 1), index);
    op(ctx->b, gpr_dst(ctx, rd), gpr_src(ctx, rs1), m);
    return true;
}

static bool gen_bext(DisasContext *ctx, int64_t rd, int64_t rs1, IrTemp index)
{
    IrTemp t = ir_temp_new_i64(ctx->b);
    ir_shr_i64(ctx->b, t, gpr_src(ctx, rs1), index);
    ir_andi_i64(ctx->b, gpr_dst(ctx, rd), t, 1);
    return true;
}

/* rd = fn(rs1[, rs2]) through a pure helper. */
static bool gen_pure_call(DisasContext *ctx, arg_r *a, void *fn, bool two)
{
    if (two) {
        ir_call2(ctx->b, fn, IR_CALL_PURE, gpr_dst(ctx, a->rd), gpr_src(ctx, a->rs1),
                 gpr_src(ctx, a->rs2));
    } else {
        ir_call1(ctx->b, fn, IR_CALL_PURE, gpr_dst(ctx, a->rd), gpr_src(ctx, a->rs1));
    }
    return true;
}

/* ---- control transfer -------------------------------------------------------------- */

/*
 * A conditional branch: the block ends with both ways out, or, when it has
 * room and slots for it, the taken way becomes a side exit and the block
 * goes on with the next instruction (its guest registers stay in host
 * registers across the branch).  Two slots stay free for the block's end.
 */
static bool gen_branch(DisasContext *ctx, arg_b *a, IrCond c)
{
    IrBuilder *b = ctx->b;
    uint64_t dest = ctx->pc + a->imm;
    IrTemp x = gpr_src(ctx, a->rs1), y = gpr_src(ctx, a->rs2);
    if (ctx->room_after && ctx->slot + 3 <= IR_MAX_GOTO_TB) {
        IrLabel stay = ir_label_new(b);
        ir_brcond_i64(b, ir_cond_invert(c), x, y, stay);
        if (target_misaligned(ctx, dest)) {
            gen_exception(ctx, EXCP_INST_MISALIGNED, dest);
        } else {
            gen_goto(ctx, dest);
        }
        ir_set_label(b, stay);
        ctx->ended = false;
        return true;
    }
    IrLabel taken = ir_label_new(b);
    ir_brcond_i64(b, c, x, y, taken);
    gen_goto(ctx, ctx->next_pc);
    ir_set_label(b, taken);
    if (target_misaligned(ctx, dest)) {
        gen_exception(ctx, EXCP_INST_MISALIGNED, dest);
    } else {
        gen_goto(ctx, dest);
    }
    ctx->ended = true;
    return true;
}

/* ---- memory ---------------------------------------------------------------------- */

static bool gen_load(DisasContext *ctx, arg_i *a, unsigned memop)
{
    IrTemp addr = gen_addr(ctx, a->rs1, a->imm);
    if (ctx->b->flags & TB_FLAG_TRIG_MEM) {
        IrTemp v = ir_temp_new_i64(ctx->b);
        gen_trigger_mem(ctx, addr, TRIG_LOAD, addr);
        ir_guest_ld(ctx->b, IR_I64, v, addr, memop, ctx->mem_idx);
        gen_trigger_load_data(ctx, addr, v);
        ir_mov_i64(ctx->b, gpr_dst(ctx, a->rd), v);
        return true;
    }
    ir_guest_ld(ctx->b, IR_I64, gpr_dst(ctx, a->rd), addr, memop, ctx->mem_idx);
    return true;
}

static bool gen_store(DisasContext *ctx, arg_s *a, unsigned memop)
{
    IrTemp addr = gen_addr(ctx, a->rs1, a->imm);
    gen_trigger_mem(ctx, addr, TRIG_STORE, gpr_src(ctx, a->rs2));
    ir_guest_st(ctx->b, IR_I64, gpr_src(ctx, a->rs2), addr, memop, ctx->mem_idx);
    return true;
}

static unsigned amo_memop(unsigned size)
{
    return (size == IR_MO_32 ? IR_MO_SL : IR_MO_UQ) | IR_MO_ALIGN;
}

static bool gen_amo(DisasContext *ctx, arg_r *a, IrAtomicOp op, unsigned size)
{
    IrBuilder *b = ctx->b;
    IrTemp val = gpr_src(ctx, a->rs2);
    if (size == IR_MO_32) {
        /* Sign-extended operands order correctly both signed and unsigned. */
        IrTemp v = ir_temp_new_i64(b);
        ir_ext32s_i64(b, v, val);
        val = v;
    }
    IrTemp old = ir_temp_new_i64(b);
    ir_atomic_rmw(b, IR_I64, op, old, gpr_src(ctx, a->rs1), val, amo_memop(size), ctx->mem_idx);
    ir_mov_i64(b, gpr_dst(ctx, a->rd), old);
    return true;
}

static bool gen_lr(DisasContext *ctx, arg_r *a, unsigned size)
{
    IrBuilder *b = ctx->b;
    IrTemp addr = ir_temp_new_i64(b), val = ir_temp_new_i64(b);
    ir_mov_i64(b, addr, gpr_src(ctx, a->rs1));
    ir_guest_ld(b, IR_I64, val, addr, amo_memop(size), ctx->mem_idx);
    ir_st_i64(b, addr, ENV_OFF(load_res));
    ir_st_i64(b, val, ENV_OFF(load_val));
    ir_mov_i64(b, gpr_dst(ctx, a->rd), val);
    return true;
}

/* sc succeeds when the reservation covers the address and memory still
 * holds the value lr read (compare-and-swap against it). */
static bool gen_sc(DisasContext *ctx, arg_r *a, unsigned size)
{
    IrBuilder *b = ctx->b;
    IrLabel fail = ir_label_new(b), done = ir_label_new(b);
    IrTemp addr = ir_temp_new_i64(b), res = ir_temp_new_i64(b);
    IrTemp expect = ir_temp_new_i64(b), old = ir_temp_new_i64(b), rd = ir_temp_new_i64(b);
    ir_mov_i64(b, addr, gpr_src(ctx, a->rs1));
    ir_ld_i64(b, res, ENV_OFF(load_res));
    ir_brcond_i64(b, IR_COND_NE, addr, res, fail);
    ir_ld_i64(b, expect, ENV_OFF(load_val));
    ir_atomic_cmpxchg(b, IR_I64, old, addr, expect, gpr_src(ctx, a->rs2), amo_memop(size),
                      ctx->mem_idx);
    ir_setcond_i64(b, IR_COND_NE, rd, old, expect);
    ir_br(b, done);
    ir_set_label(b, fail);
    /* Without the reservation sc still raises its misaligned fault. */
    IrLabel aligned = ir_label_new(b);
    IrTemp low = ir_temp_new_i64(b);
    ir_andi_i64(b, low, addr, ir_memop_size(size) - 1);
    ir_brcondi_i64(b, IR_COND_EQ, low, 0, aligned);
    gen_exception_tval(ctx, EXCP_STORE_MISALIGNED, addr);
    ir_set_label(b, aligned);
    ir_movi_i64(b, rd, 1);
    ir_set_label(b, done);
    ir_st_i64(b, cst(ctx, UINT64_MAX), ENV_OFF(load_res));
    ir_mov_i64(b, gpr_dst(ctx, a->rd), rd);
    return true;
}

/* ---- system ---------------------------------------------------------------------- */

typedef enum { CSR_WRITE, CSR_SET, CSR_CLEAR } CsrOp;

/* csrrw/csrrs/csrrc and their immediate forms (@src: rs1 or the uimm).
 * Set and clear with x0 / uimm 0 do not write (no side effects). */
static bool gen_csr(DisasContext *ctx, arg_csr *a, CsrOp op, IrTemp src)
{
    IrBuilder *b = ctx->b;
    bool is_write = op == CSR_WRITE || a->rs1 != 0;
    IrTemp new_val = op == CSR_WRITE ? src : cst(ctx, op == CSR_SET ? UINT64_MAX : 0);
    IrTemp mask = op == CSR_WRITE ? cst(ctx, UINT64_MAX) : src;
    IrTemp old = ir_temp_new_i64(b);
    const IrTemp args[] = { IR_TEMP_ENV, cst(ctx, a->csr), new_val, mask, cst(ctx, ctx->raw),
                            cst(ctx, is_write) };
    ir_call(b, helper_fn(riscv_helper_csr), IR_CALL_NO_WRITE_GLOBALS, old, 6, args);
    ir_mov_i64(b, gpr_dst(ctx, a->rd), old);
    if (is_write) {
        gen_end_no_chain(ctx);
    }
    return true;
}

static bool gen_xret(DisasContext *ctx, void *helper)
{
    ir_call2(ctx->b, helper, IR_CALL_NO_WRITE_GLOBALS, pc_global(), IR_TEMP_ENV,
             cst(ctx, ctx->raw));
    ir_exit_tb(ctx->b, IR_EXIT_NO_CHAIN);
    ctx->ended = true;
    return true;
}

/* ---- the trans_ functions, one per table row ----------------------------------------- */

#include "plugins/cpu/riscv/trans-int.c.inc"
#include "plugins/cpu/riscv/trans-fp.c.inc"

/* ---- the block loop -------------------------------------------------------------------- */

unsigned riscv_translate(CPUState *cs, IrBuilder *b)
{
    RISCVCPU *cpu = riscv_cs_cpu(cs);
    DisasContext ctx = {
        .b = b,
        .cpu = cpu,
        .engine = cpu->engine,
        .priv = b->flags & TB_FLAG_PRIV_MASK,
        .mem_idx = (b->flags & TB_FLAG_MEMIDX_MASK) >> TB_FLAG_MEMIDX_SHIFT,
        .fs_on = (b->flags & TB_FLAG_FS_ON) != 0,
        .fs_dirty = (b->flags & TB_FLAG_FS_DIRTY) != 0,
        .frm = (unsigned)((b->flags & TB_FLAG_FRM_MASK) >> TB_FLAG_FRM_SHIFT),
    };
    uint64_t pc = b->pc_first;
    /*
     * The block stays in its first page.  Count the bytes left in it rather
     * than computing the page's end address: on the last page of the address
     * space that end is 2^64, which wraps to 0 (a guest jumping to -2 once
     * produced an empty block and an assertion failure).  pc itself wraps
     * to 0 after the top page as the ISA says; the subtraction below is
     * modulo 2^64, so it still counts the bytes translated.
     */
    uint64_t page_left = TCG_PAGE_SIZE - (pc & ~TCG_PAGE_MASK);

    for (int n = 0; ; n++) {
        uint64_t used = pc - b->pc_first;
        if (n >= b->max_insns || used >= page_left ||
            (n > 0 && ctx.engine->debug_stop_before && ctx.engine->debug_stop_before(cs, pc))) {
            gen_goto(&ctx, pc);
            break;
        }
        uint32_t raw = ctx.engine->fetch_code(cs, pc, 2);
        int len = riscv_insn_length(raw);
        if (len != 2) {
            if (n > 0 && used + 4 > page_left) {
                gen_goto(&ctx, pc);      /* crosses the page: next block */
                break;
            }
            raw |= ctx.engine->fetch_code(cs, pc + 2, 2) << 16;
        }
        ir_insn_start(b, pc, 0, 0);
        ctx.pc = pc;
        ctx.len = len == 2 ? 2 : 4;      /* longer encodings: illegal, 4 bytes shown */
        ctx.raw = len == 2 ? raw & 0xffff : raw;
        if (b->flags & TB_FLAG_TRIG_EXEC) {
            /* Sdtrig execute triggers fire before the instruction. */
            ir_call3(b, helper_fn(riscv_helper_trigger_exec), IR_CALL_NO_WRITE_GLOBALS,
                     IR_NO_TEMP, IR_TEMP_ENV, cst(&ctx, pc), cst(&ctx, ctx.raw));
        }
        ctx.next_pc = pc + ctx.len;
        ctx.room_after = n + 1 < b->max_insns && used + ctx.len + 4 <= page_left;
        bool ok = len == 2 ? riscv_insn16(&ctx, ctx.raw, cpu->ext) :
                  len == 4 && riscv_insn32(&ctx, raw, cpu->ext);
        if (!ok) {
            gen_illegal(&ctx);
        }
        pc = ctx.next_pc;
        if (ctx.ended) {
            break;
        }
    }
    return pc - b->pc_first;
}
