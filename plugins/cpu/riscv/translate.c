/* SPDX-License-Identifier: MIT */
/*
 * RISC-V translator: the one place that says what each instruction does,
 * as IR emitted through the builder the engine hands us (ir.h).  Decoding
 * comes from insn.def; compressed instructions arrive already expanded to
 * their base operation.
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
    bool ended;             /* the block's last op has been emitted */
    RISCVInsn insn;
} DisasContext;

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

/* Jump to a known pc, chaining through @slot when allowed. */
static void gen_goto(DisasContext *ctx, unsigned slot, uint64_t dest)
{
    IrBuilder *b = ctx->b;
    if (same_page(ctx, dest)) {
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
    gen_exception(ctx, EXCP_ILLEGAL_INST, ctx->insn.raw & INSN_BITS_SPAN(ctx->insn.len));
}

/* Jump targets must be 4-byte aligned without C (IALIGN=32). */
static bool target_misaligned(DisasContext *ctx, uint64_t dest)
{
    return !riscv_has_ext(ctx->cpu, RISCV_EXT_C) && (dest & 3);
}

static IrTemp gen_addr(DisasContext *ctx)
{
    IrTemp a = ir_temp_new_i64(ctx->b);
    ir_addi_i64(ctx->b, a, gpr_src(ctx, ctx->insn.rs1), ctx->insn.imm);
    return a;
}

/* ---- integer ----------------------------------------------------------------- */

typedef void (*BinOp)(IrBuilder *b, IrTemp d, IrTemp x, IrTemp y);

static void gen_binop(DisasContext *ctx, BinOp op, IrTemp y)
{
    op(ctx->b, gpr_dst(ctx, ctx->insn.rd), gpr_src(ctx, ctx->insn.rs1), y);
}

static void gen_binop_r(DisasContext *ctx, BinOp op)
{
    gen_binop(ctx, op, gpr_src(ctx, ctx->insn.rs2));
}

static void gen_binop_i(DisasContext *ctx, BinOp op)
{
    gen_binop(ctx, op, cst(ctx, ctx->insn.imm));
}

/* 32-bit op on the low halves, result sign-extended (the *W forms). */
static void gen_binop_w(DisasContext *ctx, BinOp op32, IrTemp y64)
{
    IrBuilder *b = ctx->b;
    IrTemp x = ir_temp_new_i32(b), y = ir_temp_new_i32(b), r = ir_temp_new_i32(b);
    ir_extrl_i64_i32(b, x, gpr_src(ctx, ctx->insn.rs1));
    ir_extrl_i64_i32(b, y, y64);
    op32(b, r, x, y);
    ir_exts_i32_i64(b, gpr_dst(ctx, ctx->insn.rd), r);
}

typedef void (*UnOp)(IrBuilder *b, IrTemp d, IrTemp s);

static void gen_unop_w(DisasContext *ctx, UnOp op32)
{
    IrBuilder *b = ctx->b;
    IrTemp x = ir_temp_new_i32(b), r = ir_temp_new_i32(b);
    ir_extrl_i64_i32(b, x, gpr_src(ctx, ctx->insn.rs1));
    op32(b, r, x);
    ir_extu_i32_i64(b, gpr_dst(ctx, ctx->insn.rd), r);
}

static void gen_setcond(DisasContext *ctx, IrCond c, IrTemp y)
{
    ir_setcond_i64(ctx->b, c, gpr_dst(ctx, ctx->insn.rd), gpr_src(ctx, ctx->insn.rs1), y);
}

static void gen_minmax(DisasContext *ctx, IrCond c)
{
    IrTemp x = gpr_src(ctx, ctx->insn.rs1), y = gpr_src(ctx, ctx->insn.rs2);
    ir_movcond_i64(ctx->b, c, gpr_dst(ctx, ctx->insn.rd), x, y, x, y);
}

/* shNadd / shNadd.uw / add.uw: ((uw ? zext32(rs1) : rs1) << sh) + rs2. */
static void gen_shadd(DisasContext *ctx, unsigned sh, bool uw)
{
    IrBuilder *b = ctx->b;
    IrTemp t = ir_temp_new_i64(b);
    if (uw) {
        ir_ext32u_i64(b, t, gpr_src(ctx, ctx->insn.rs1));
    } else {
        ir_mov_i64(b, t, gpr_src(ctx, ctx->insn.rs1));
    }
    if (sh) {
        ir_shli_i64(b, t, t, sh);
    }
    ir_add_i64(b, gpr_dst(ctx, ctx->insn.rd), t, gpr_src(ctx, ctx->insn.rs2));
}

/* Zbs: bit index from rs2 or the immediate. */
static IrTemp gen_bit_mask(DisasContext *ctx, IrTemp index)
{
    IrTemp m = ir_temp_new_i64(ctx->b);
    ir_shl_i64(ctx->b, m, cst(ctx, 1), index);
    return m;
}

static void gen_pure_call2(DisasContext *ctx, void *fn, IrTemp x, IrTemp y)
{
    ir_call2(ctx->b, fn, IR_CALL_PURE, gpr_dst(ctx, ctx->insn.rd), x, y);
}

/* ---- control transfer -------------------------------------------------------------- */

static void gen_branch(DisasContext *ctx, IrCond c)
{
    IrBuilder *b = ctx->b;
    uint64_t dest = ctx->pc + ctx->insn.imm;
    IrLabel taken = ir_label_new(b);
    ir_brcond_i64(b, c, gpr_src(ctx, ctx->insn.rs1), gpr_src(ctx, ctx->insn.rs2), taken);
    gen_goto(ctx, 0, ctx->next_pc);
    ir_set_label(b, taken);
    if (target_misaligned(ctx, dest)) {
        gen_exception(ctx, EXCP_INST_MISALIGNED, dest);
    } else {
        gen_goto(ctx, 1, dest);
    }
    ctx->ended = true;
}

static void gen_jal(DisasContext *ctx)
{
    uint64_t dest = ctx->pc + ctx->insn.imm;
    if (target_misaligned(ctx, dest)) {
        gen_exception(ctx, EXCP_INST_MISALIGNED, dest);
        return;
    }
    if (ctx->insn.rd) {
        ir_movi_i64(ctx->b, gpr_dst(ctx, ctx->insn.rd), ctx->next_pc);
    }
    gen_goto(ctx, 0, dest);
    ctx->ended = true;
}

static void gen_jalr(DisasContext *ctx)
{
    IrBuilder *b = ctx->b;
    IrTemp dest = ir_temp_new_i64(b);
    ir_addi_i64(b, dest, gpr_src(ctx, ctx->insn.rs1), ctx->insn.imm);
    ir_andi_i64(b, dest, dest, ~1ull);
    if (!riscv_has_ext(ctx->cpu, RISCV_EXT_C)) {
        IrLabel ok = ir_label_new(b);
        IrTemp low = ir_temp_new_i64(b);
        ir_andi_i64(b, low, dest, 2);
        ir_brcondi_i64(b, IR_COND_EQ, low, 0, ok);
        gen_exception_tval(ctx, EXCP_INST_MISALIGNED, dest);
        ir_exit_tb(b, IR_EXIT_NO_CHAIN);
        ir_set_label(b, ok);
    }
    if (ctx->insn.rd) {
        ir_movi_i64(b, gpr_dst(ctx, ctx->insn.rd), ctx->next_pc);
    }
    ir_mov_i64(b, pc_global(), dest);
    ir_lookup_and_goto_ptr(b);
    ctx->ended = true;
}

/* ---- memory ---------------------------------------------------------------------- */

static void gen_load(DisasContext *ctx, unsigned memop)
{
    IrTemp addr = gen_addr(ctx);
    ir_guest_ld(ctx->b, IR_I64, gpr_dst(ctx, ctx->insn.rd), addr, memop, ctx->mem_idx);
}

static void gen_store(DisasContext *ctx, unsigned memop)
{
    IrTemp addr = gen_addr(ctx);
    ir_guest_st(ctx->b, IR_I64, gpr_src(ctx, ctx->insn.rs2), addr, memop, ctx->mem_idx);
}

static void gen_amo(DisasContext *ctx, IrAtomicOp op, unsigned size)
{
    IrBuilder *b = ctx->b;
    unsigned memop = (size == IR_MO_32 ? IR_MO_SL : IR_MO_UQ) | IR_MO_ALIGN;
    IrTemp val = gpr_src(ctx, ctx->insn.rs2);
    if (size == IR_MO_32) {
        /* Sign-extended operands order correctly both signed and unsigned. */
        IrTemp v = ir_temp_new_i64(b);
        ir_ext32s_i64(b, v, val);
        val = v;
    }
    IrTemp old = ir_temp_new_i64(b);
    ir_atomic_rmw(b, IR_I64, op, old, gpr_src(ctx, ctx->insn.rs1), val, memop, ctx->mem_idx);
    ir_mov_i64(b, gpr_dst(ctx, ctx->insn.rd), old);
}

static void gen_lr(DisasContext *ctx, unsigned size)
{
    IrBuilder *b = ctx->b;
    unsigned memop = (size == IR_MO_32 ? IR_MO_SL : IR_MO_UQ) | IR_MO_ALIGN;
    IrTemp addr = ir_temp_new_i64(b), val = ir_temp_new_i64(b);
    ir_mov_i64(b, addr, gpr_src(ctx, ctx->insn.rs1));
    ir_guest_ld(b, IR_I64, val, addr, memop, ctx->mem_idx);
    ir_st_i64(b, addr, ENV_OFF(load_res));
    ir_st_i64(b, val, ENV_OFF(load_val));
    ir_mov_i64(b, gpr_dst(ctx, ctx->insn.rd), val);
}

/* sc succeeds when the reservation covers the address and memory still
 * holds the value lr read (compare-and-swap against it). */
static void gen_sc(DisasContext *ctx, unsigned size)
{
    IrBuilder *b = ctx->b;
    unsigned memop = (size == IR_MO_32 ? IR_MO_SL : IR_MO_UQ) | IR_MO_ALIGN;
    IrLabel fail = ir_label_new(b), done = ir_label_new(b);
    IrTemp addr = ir_temp_new_i64(b), res = ir_temp_new_i64(b);
    IrTemp expect = ir_temp_new_i64(b), old = ir_temp_new_i64(b), rd = ir_temp_new_i64(b);
    ir_mov_i64(b, addr, gpr_src(ctx, ctx->insn.rs1));
    ir_ld_i64(b, res, ENV_OFF(load_res));
    ir_brcond_i64(b, IR_COND_NE, addr, res, fail);
    ir_ld_i64(b, expect, ENV_OFF(load_val));
    ir_atomic_cmpxchg(b, IR_I64, old, addr, expect, gpr_src(ctx, ctx->insn.rs2), memop,
                      ctx->mem_idx);
    ir_setcond_i64(b, IR_COND_NE, rd, old, expect);
    ir_br(b, done);
    ir_set_label(b, fail);
    ir_movi_i64(b, rd, 1);
    ir_set_label(b, done);
    ir_st_i64(b, cst(ctx, UINT64_MAX), ENV_OFF(load_res));
    ir_mov_i64(b, gpr_dst(ctx, ctx->insn.rd), rd);
}

/* ---- system ---------------------------------------------------------------------- */

static void gen_csr(DisasContext *ctx)
{
    IrBuilder *b = ctx->b;
    const RISCVInsn *in = &ctx->insn;
    bool imm = in->op == RISCV_OP_CSRRWI || in->op == RISCV_OP_CSRRSI ||
               in->op == RISCV_OP_CSRRCI;
    IrTemp src = imm ? cst(ctx, in->rs1) : gpr_src(ctx, in->rs1);
    IrTemp new_val, mask;
    bool is_write;
    switch (in->op) {
    case RISCV_OP_CSRRW:
    case RISCV_OP_CSRRWI:
        new_val = src;
        mask = cst(ctx, UINT64_MAX);
        is_write = true;
        break;
    case RISCV_OP_CSRRS:
    case RISCV_OP_CSRRSI:
        new_val = cst(ctx, UINT64_MAX);
        mask = src;
        is_write = in->rs1 != 0;
        break;
    default:
        new_val = cst(ctx, 0);
        mask = src;
        is_write = in->rs1 != 0;
        break;
    }
    IrTemp old = ir_temp_new_i64(b);
    const IrTemp args[] = { IR_TEMP_ENV, cst(ctx, in->csr), new_val, mask, cst(ctx, in->raw),
                            cst(ctx, is_write) };
    ir_call(b, helper_fn(riscv_helper_csr), IR_CALL_NO_WRITE_GLOBALS, old, 6, args);
    ir_mov_i64(b, gpr_dst(ctx, in->rd), old);
    if (is_write) {
        gen_end_no_chain(ctx);
    }
}

static void gen_xret(DisasContext *ctx, void *helper)
{
    ir_call2(ctx->b, helper, IR_CALL_NO_WRITE_GLOBALS, pc_global(), IR_TEMP_ENV,
             cst(ctx, ctx->insn.raw));
    ir_exit_tb(ctx->b, IR_EXIT_NO_CHAIN);
    ctx->ended = true;
}

static void gen_system_call(DisasContext *ctx, void *helper)
{
    ir_call2(ctx->b, helper, IR_CALL_NO_WRITE_GLOBALS, IR_NO_TEMP, IR_TEMP_ENV,
             cst(ctx, ctx->insn.raw));
    gen_end_no_chain(ctx);
}

static void gen_wfi(DisasContext *ctx)
{
    /* An interrupt that wakes the hart is taken after the wfi. */
    ir_movi_i64(ctx->b, pc_global(), ctx->next_pc);
    ir_call2(ctx->b, helper_fn(riscv_helper_wfi), IR_CALL_NO_WRITE_GLOBALS, IR_NO_TEMP,
             IR_TEMP_ENV, cst(ctx, ctx->insn.raw));
    ir_exit_tb(ctx->b, IR_EXIT_NO_CHAIN);
    ctx->ended = true;
}

static void gen_ecall(DisasContext *ctx)
{
    uint64_t cause = ctx->priv == PRV_M ? EXCP_ECALL_M :
                     ctx->priv == PRV_S ? EXCP_ECALL_S : EXCP_ECALL_U;
    gen_exception(ctx, cause, 0);
}

/* ---- floating point ----------------------------------------------------------------- */

/* Rows whose funct3 is a rounding mode (not fixed by the table mask). */
static bool uses_rm(const RISCVInsn *in)
{
    return in->len == 4 && (riscv_insn_table[in->op].mask & 0x7000) == 0 &&
           in->op != RISCV_OP_FLW && in->op != RISCV_OP_FLD && in->op != RISCV_OP_FSW &&
           in->op != RISCV_OP_FSD;
}

/* FS must be on; static rm must be valid, dynamic rm is checked at run time. */
static bool gen_fp_check(DisasContext *ctx)
{
    const RISCVInsn *in = &ctx->insn;
    if (!ctx->fs_on) {
        gen_illegal(ctx);
        return false;
    }
    if (uses_rm(in)) {
        if (in->rm == 5 || in->rm == 6) {
            gen_illegal(ctx);
            return false;
        }
        if (in->rm == RM_DYN) {
            ir_call2(ctx->b, helper_fn(riscv_helper_check_frm), IR_CALL_NO_WRITE_GLOBALS,
                     IR_NO_TEMP, IR_TEMP_ENV, cst(ctx, in->raw));
        }
    }
    return true;
}

static void gen_mark_fs_dirty(DisasContext *ctx)
{
    if (ctx->fs_dirty) {
        return;
    }
    IrTemp s = ir_temp_new_i64(ctx->b);
    ir_ld_i64(ctx->b, s, ENV_OFF(mstatus));
    ir_ori_i64(ctx->b, s, s, MSTATUS_FS);
    ir_st_i64(ctx->b, s, ENV_OFF(mstatus));
}

/* FP helpers neither read nor write globals and never raise. */
#define FP_CALL IR_CALL_NO_READ_GLOBALS | IR_CALL_NO_WRITE_GLOBALS

static void gen_farith(DisasContext *ctx, bool dbl, RISCVFpuOp op)
{
    const RISCVInsn *in = &ctx->insn;
    const IrTemp args[] = { IR_TEMP_ENV, cst(ctx, op), fpr(in->rs1), fpr(in->rs2), fpr(in->rs3),
                            cst(ctx, in->rm) };
    void *fn = dbl ? helper_fn(riscv_helper_farith_d) : helper_fn(riscv_helper_farith_s);
    ir_call(ctx->b, fn, FP_CALL, fpr(in->rd), 6, args);
}

static void gen_fcall2(DisasContext *ctx, void *fn, IrTemp dst, uint64_t op)
{
    const RISCVInsn *in = &ctx->insn;
    const IrTemp args[] = { IR_TEMP_ENV, cst(ctx, op), fpr(in->rs1), fpr(in->rs2) };
    ir_call(ctx->b, fn, FP_CALL, dst, 4, args);
}

static void gen_fcvt(DisasContext *ctx, void *fn, IrTemp dst, uint64_t kind, IrTemp src)
{
    const IrTemp args[] = { IR_TEMP_ENV, cst(ctx, kind), src, cst(ctx, ctx->insn.rm) };
    ir_call(ctx->b, fn, FP_CALL, dst, 4, args);
}

static void gen_fp(DisasContext *ctx)
{
    IrBuilder *b = ctx->b;
    const RISCVInsn *in = &ctx->insn;
    IrTemp rd_x = gpr_dst(ctx, in->rd);
    void *to_int_s = helper_fn(riscv_helper_fcvt_to_int_s);
    void *to_int_d = helper_fn(riscv_helper_fcvt_to_int_d);
    void *from_int_s = helper_fn(riscv_helper_fcvt_from_int_s);
    void *from_int_d = helper_fn(riscv_helper_fcvt_from_int_d);

    if (!gen_fp_check(ctx)) {
        return;
    }
    switch (in->op) {
    case RISCV_OP_FLW: {
        IrTemp v = ir_temp_new_i64(b);
        ir_guest_ld(b, IR_I64, v, gen_addr(ctx), IR_MO_UL, ctx->mem_idx);
        ir_ori_i64(b, fpr(in->rd), v, RISCV_NANBOX_S);
        break;
    }
    case RISCV_OP_FLD:
        ir_guest_ld(b, IR_I64, fpr(in->rd), gen_addr(ctx), IR_MO_UQ, ctx->mem_idx);
        break;
    case RISCV_OP_FSW:
        ir_guest_st(b, IR_I64, fpr(in->rs2), gen_addr(ctx), IR_MO_UL, ctx->mem_idx);
        return;
    case RISCV_OP_FSD:
        ir_guest_st(b, IR_I64, fpr(in->rs2), gen_addr(ctx), IR_MO_UQ, ctx->mem_idx);
        return;
    case RISCV_OP_FADD_S: gen_farith(ctx, false, FPU_ADD); break;
    case RISCV_OP_FSUB_S: gen_farith(ctx, false, FPU_SUB); break;
    case RISCV_OP_FMUL_S: gen_farith(ctx, false, FPU_MUL); break;
    case RISCV_OP_FDIV_S: gen_farith(ctx, false, FPU_DIV); break;
    case RISCV_OP_FSQRT_S: gen_farith(ctx, false, FPU_SQRT); break;
    case RISCV_OP_FMADD_S: gen_farith(ctx, false, FPU_MADD); break;
    case RISCV_OP_FMSUB_S: gen_farith(ctx, false, FPU_MSUB); break;
    case RISCV_OP_FNMSUB_S: gen_farith(ctx, false, FPU_NMSUB); break;
    case RISCV_OP_FNMADD_S: gen_farith(ctx, false, FPU_NMADD); break;
    case RISCV_OP_FADD_D: gen_farith(ctx, true, FPU_ADD); break;
    case RISCV_OP_FSUB_D: gen_farith(ctx, true, FPU_SUB); break;
    case RISCV_OP_FMUL_D: gen_farith(ctx, true, FPU_MUL); break;
    case RISCV_OP_FDIV_D: gen_farith(ctx, true, FPU_DIV); break;
    case RISCV_OP_FSQRT_D: gen_farith(ctx, true, FPU_SQRT); break;
    case RISCV_OP_FMADD_D: gen_farith(ctx, true, FPU_MADD); break;
    case RISCV_OP_FMSUB_D: gen_farith(ctx, true, FPU_MSUB); break;
    case RISCV_OP_FNMSUB_D: gen_farith(ctx, true, FPU_NMSUB); break;
    case RISCV_OP_FNMADD_D: gen_farith(ctx, true, FPU_NMADD); break;
    case RISCV_OP_FSGNJ_S:
    case RISCV_OP_FSGNJN_S:
    case RISCV_OP_FSGNJX_S:
        ir_call3(b, helper_fn(riscv_helper_fsgnj_s), IR_CALL_PURE, fpr(in->rd), fpr(in->rs1),
                 fpr(in->rs2), cst(ctx, in->rm));
        break;
    case RISCV_OP_FSGNJ_D:
    case RISCV_OP_FSGNJN_D:
    case RISCV_OP_FSGNJX_D:
        ir_call3(b, helper_fn(riscv_helper_fsgnj_d), IR_CALL_PURE, fpr(in->rd), fpr(in->rs1),
                 fpr(in->rs2), cst(ctx, in->rm));
        break;
    case RISCV_OP_FMIN_S:
    case RISCV_OP_FMAX_S:
        gen_fcall2(ctx, helper_fn(riscv_helper_fminmax_s), fpr(in->rd),
                   in->op == RISCV_OP_FMIN_S ? FPU_MIN : FPU_MAX);
        break;
    case RISCV_OP_FMIN_D:
    case RISCV_OP_FMAX_D:
        gen_fcall2(ctx, helper_fn(riscv_helper_fminmax_d), fpr(in->rd),
                   in->op == RISCV_OP_FMIN_D ? FPU_MIN : FPU_MAX);
        break;
    case RISCV_OP_FEQ_S: gen_fcall2(ctx, helper_fn(riscv_helper_fcmp_s), rd_x, FPU_EQ); break;
    case RISCV_OP_FLT_S: gen_fcall2(ctx, helper_fn(riscv_helper_fcmp_s), rd_x, FPU_LT); break;
    case RISCV_OP_FLE_S: gen_fcall2(ctx, helper_fn(riscv_helper_fcmp_s), rd_x, FPU_LE); break;
    case RISCV_OP_FEQ_D: gen_fcall2(ctx, helper_fn(riscv_helper_fcmp_d), rd_x, FPU_EQ); break;
    case RISCV_OP_FLT_D: gen_fcall2(ctx, helper_fn(riscv_helper_fcmp_d), rd_x, FPU_LT); break;
    case RISCV_OP_FLE_D: gen_fcall2(ctx, helper_fn(riscv_helper_fcmp_d), rd_x, FPU_LE); break;
    case RISCV_OP_FCLASS_S:
        ir_call1(b, helper_fn(riscv_helper_fclass_s), IR_CALL_PURE, rd_x, fpr(in->rs1));
        return;
    case RISCV_OP_FCLASS_D:
        ir_call1(b, helper_fn(riscv_helper_fclass_d), IR_CALL_PURE, rd_x, fpr(in->rs1));
        return;
    case RISCV_OP_FMV_X_W:
        ir_ext32s_i64(b, rd_x, fpr(in->rs1));
        return;
    case RISCV_OP_FMV_X_D:
        ir_mov_i64(b, rd_x, fpr(in->rs1));
        return;
    case RISCV_OP_FMV_W_X:
        ir_ext32u_i64(b, fpr(in->rd), gpr_src(ctx, in->rs1));
        ir_ori_i64(b, fpr(in->rd), fpr(in->rd), RISCV_NANBOX_S);
        break;
    case RISCV_OP_FMV_D_X:
        ir_mov_i64(b, fpr(in->rd), gpr_src(ctx, in->rs1));
        break;
    case RISCV_OP_FCVT_W_S: gen_fcvt(ctx, to_int_s, rd_x, FPU_CVT_W, fpr(in->rs1)); break;
    case RISCV_OP_FCVT_WU_S: gen_fcvt(ctx, to_int_s, rd_x, FPU_CVT_WU, fpr(in->rs1)); break;
    case RISCV_OP_FCVT_L_S: gen_fcvt(ctx, to_int_s, rd_x, FPU_CVT_L, fpr(in->rs1)); break;
    case RISCV_OP_FCVT_LU_S: gen_fcvt(ctx, to_int_s, rd_x, FPU_CVT_LU, fpr(in->rs1)); break;
    case RISCV_OP_FCVT_W_D: gen_fcvt(ctx, to_int_d, rd_x, FPU_CVT_W, fpr(in->rs1)); break;
    case RISCV_OP_FCVT_WU_D: gen_fcvt(ctx, to_int_d, rd_x, FPU_CVT_WU, fpr(in->rs1)); break;
    case RISCV_OP_FCVT_L_D: gen_fcvt(ctx, to_int_d, rd_x, FPU_CVT_L, fpr(in->rs1)); break;
    case RISCV_OP_FCVT_LU_D: gen_fcvt(ctx, to_int_d, rd_x, FPU_CVT_LU, fpr(in->rs1)); break;
    case RISCV_OP_FCVT_S_W:
        gen_fcvt(ctx, from_int_s, fpr(in->rd), FPU_CVT_W, gpr_src(ctx, in->rs1));
        break;
    case RISCV_OP_FCVT_S_WU:
        gen_fcvt(ctx, from_int_s, fpr(in->rd), FPU_CVT_WU, gpr_src(ctx, in->rs1));
        break;
    case RISCV_OP_FCVT_S_L:
        gen_fcvt(ctx, from_int_s, fpr(in->rd), FPU_CVT_L, gpr_src(ctx, in->rs1));
        break;
    case RISCV_OP_FCVT_S_LU:
        gen_fcvt(ctx, from_int_s, fpr(in->rd), FPU_CVT_LU, gpr_src(ctx, in->rs1));
        break;
    case RISCV_OP_FCVT_D_W:
        gen_fcvt(ctx, from_int_d, fpr(in->rd), FPU_CVT_W, gpr_src(ctx, in->rs1));
        break;
    case RISCV_OP_FCVT_D_WU:
        gen_fcvt(ctx, from_int_d, fpr(in->rd), FPU_CVT_WU, gpr_src(ctx, in->rs1));
        break;
    case RISCV_OP_FCVT_D_L:
        gen_fcvt(ctx, from_int_d, fpr(in->rd), FPU_CVT_L, gpr_src(ctx, in->rs1));
        break;
    case RISCV_OP_FCVT_D_LU:
        gen_fcvt(ctx, from_int_d, fpr(in->rd), FPU_CVT_LU, gpr_src(ctx, in->rs1));
        break;
    case RISCV_OP_FCVT_S_D: {
        const IrTemp args[] = { IR_TEMP_ENV, fpr(in->rs1), cst(ctx, in->rm) };
        ir_call(b, helper_fn(riscv_helper_fcvt_s_d), FP_CALL, fpr(in->rd), 3, args);
        break;
    }
    case RISCV_OP_FCVT_D_S: {
        const IrTemp args[] = { IR_TEMP_ENV, fpr(in->rs1), cst(ctx, in->rm) };
        ir_call(b, helper_fn(riscv_helper_fcvt_d_s), FP_CALL, fpr(in->rd), 3, args);
        break;
    }
    default:
        g_assert_not_reached();
    }
    gen_mark_fs_dirty(ctx);
}

/* ---- the instruction switch -------------------------------------------------------- */

static bool is_fp_row(RISCVOp op)
{
    uint32_t ext = riscv_insn_table[op].ext;
    return (ext & (RISCV_EXT_F | RISCV_EXT_D)) != 0;
}

static void translate_insn(DisasContext *ctx)
{
    IrBuilder *b = ctx->b;
    RISCVInsn *in = &ctx->insn;
    IrTemp rd = 0;
    IrTemp rs1 = 0;

    if (in->op == RISCV_OP_ILLEGAL) {
        gen_illegal(ctx);
        return;
    }
    if (is_fp_row(in->op)) {
        gen_fp(ctx);
        return;
    }
    switch (in->op) {
    /* RV64I */
    case RISCV_OP_LUI: ir_movi_i64(b, gpr_dst(ctx, in->rd), in->imm); break;
    case RISCV_OP_AUIPC: ir_movi_i64(b, gpr_dst(ctx, in->rd), ctx->pc + in->imm); break;
    case RISCV_OP_JAL: gen_jal(ctx); break;
    case RISCV_OP_JALR: gen_jalr(ctx); break;
    case RISCV_OP_BEQ: gen_branch(ctx, IR_COND_EQ); break;
    case RISCV_OP_BNE: gen_branch(ctx, IR_COND_NE); break;
    case RISCV_OP_BLT: gen_branch(ctx, IR_COND_LT); break;
    case RISCV_OP_BGE: gen_branch(ctx, IR_COND_GE); break;
    case RISCV_OP_BLTU: gen_branch(ctx, IR_COND_LTU); break;
    case RISCV_OP_BGEU: gen_branch(ctx, IR_COND_GEU); break;
    case RISCV_OP_LB: gen_load(ctx, IR_MO_SB); break;
    case RISCV_OP_LH: gen_load(ctx, IR_MO_SW); break;
    case RISCV_OP_LW: gen_load(ctx, IR_MO_SL); break;
    case RISCV_OP_LD: gen_load(ctx, IR_MO_UQ); break;
    case RISCV_OP_LBU: gen_load(ctx, IR_MO_UB); break;
    case RISCV_OP_LHU: gen_load(ctx, IR_MO_UW); break;
    case RISCV_OP_LWU: gen_load(ctx, IR_MO_UL); break;
    case RISCV_OP_SB: gen_store(ctx, IR_MO_UB); break;
    case RISCV_OP_SH: gen_store(ctx, IR_MO_UW); break;
    case RISCV_OP_SW: gen_store(ctx, IR_MO_UL); break;
    case RISCV_OP_SD: gen_store(ctx, IR_MO_UQ); break;
    case RISCV_OP_ADDI: gen_binop_i(ctx, ir_add_i64); break;
    case RISCV_OP_SLTI: gen_setcond(ctx, IR_COND_LT, cst(ctx, in->imm)); break;
    case RISCV_OP_SLTIU: gen_setcond(ctx, IR_COND_LTU, cst(ctx, in->imm)); break;
    case RISCV_OP_XORI: gen_binop_i(ctx, ir_xor_i64); break;
    case RISCV_OP_ORI: gen_binop_i(ctx, ir_or_i64); break;
    case RISCV_OP_ANDI: gen_binop_i(ctx, ir_and_i64); break;
    case RISCV_OP_SLLI: gen_binop_i(ctx, ir_shl_i64); break;
    case RISCV_OP_SRLI: gen_binop_i(ctx, ir_shr_i64); break;
    case RISCV_OP_SRAI: gen_binop_i(ctx, ir_sar_i64); break;
    case RISCV_OP_ADD: gen_binop_r(ctx, ir_add_i64); break;
    case RISCV_OP_SUB: gen_binop_r(ctx, ir_sub_i64); break;
    case RISCV_OP_SLL: gen_binop_r(ctx, ir_shl_i64); break;
    case RISCV_OP_SLT: gen_setcond(ctx, IR_COND_LT, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_SLTU: gen_setcond(ctx, IR_COND_LTU, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_XOR: gen_binop_r(ctx, ir_xor_i64); break;
    case RISCV_OP_SRL: gen_binop_r(ctx, ir_shr_i64); break;
    case RISCV_OP_SRA: gen_binop_r(ctx, ir_sar_i64); break;
    case RISCV_OP_OR: gen_binop_r(ctx, ir_or_i64); break;
    case RISCV_OP_AND: gen_binop_r(ctx, ir_and_i64); break;
    case RISCV_OP_ADDIW: gen_binop_w(ctx, ir_add_i32, cst(ctx, in->imm)); break;
    case RISCV_OP_SLLIW: gen_binop_w(ctx, ir_shl_i32, cst(ctx, in->imm)); break;
    case RISCV_OP_SRLIW: gen_binop_w(ctx, ir_shr_i32, cst(ctx, in->imm)); break;
    case RISCV_OP_SRAIW: gen_binop_w(ctx, ir_sar_i32, cst(ctx, in->imm)); break;
    case RISCV_OP_ADDW: gen_binop_w(ctx, ir_add_i32, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_SUBW: gen_binop_w(ctx, ir_sub_i32, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_SLLW: gen_binop_w(ctx, ir_shl_i32, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_SRLW: gen_binop_w(ctx, ir_shr_i32, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_SRAW: gen_binop_w(ctx, ir_sar_i32, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_FENCE: ir_mb(b, IR_MB_ALL); break;
    case RISCV_OP_ECALL: gen_ecall(ctx); break;
    case RISCV_OP_EBREAK: gen_exception(ctx, EXCP_BREAKPOINT, ctx->pc); break;

    /* Zifencei, Zicsr, privileged */
    case RISCV_OP_FENCE_I:
        ir_call1(b, helper_fn(riscv_helper_fence_i), IR_CALL_NO_WRITE_GLOBALS, IR_NO_TEMP,
                 IR_TEMP_ENV);
        gen_end_no_chain(ctx);
        break;
    case RISCV_OP_CSRRW:
    case RISCV_OP_CSRRS:
    case RISCV_OP_CSRRC:
    case RISCV_OP_CSRRWI:
    case RISCV_OP_CSRRSI:
    case RISCV_OP_CSRRCI:
        gen_csr(ctx);
        break;
    case RISCV_OP_MRET: gen_xret(ctx, helper_fn(riscv_helper_mret)); break;
    case RISCV_OP_SRET: gen_xret(ctx, helper_fn(riscv_helper_sret)); break;
    case RISCV_OP_WFI: gen_wfi(ctx); break;
    case RISCV_OP_SFENCE_VMA: gen_system_call(ctx, helper_fn(riscv_helper_sfence_vma)); break;

    /* M */
    case RISCV_OP_MUL: gen_binop_r(ctx, ir_mul_i64); break;
    case RISCV_OP_MULH: gen_binop_r(ctx, ir_mulsh_i64); break;
    case RISCV_OP_MULHSU: gen_binop_r(ctx, ir_mulsuh_i64); break;
    case RISCV_OP_MULHU: gen_binop_r(ctx, ir_muluh_i64); break;
    case RISCV_OP_DIV: gen_binop_r(ctx, ir_div_i64); break;
    case RISCV_OP_DIVU: gen_binop_r(ctx, ir_divu_i64); break;
    case RISCV_OP_REM: gen_binop_r(ctx, ir_rem_i64); break;
    case RISCV_OP_REMU: gen_binop_r(ctx, ir_remu_i64); break;
    case RISCV_OP_MULW: gen_binop_w(ctx, ir_mul_i32, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_DIVW: gen_binop_w(ctx, ir_div_i32, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_DIVUW: gen_binop_w(ctx, ir_divu_i32, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_REMW: gen_binop_w(ctx, ir_rem_i32, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_REMUW: gen_binop_w(ctx, ir_remu_i32, gpr_src(ctx, in->rs2)); break;

    /* A */
    case RISCV_OP_LR_W: gen_lr(ctx, IR_MO_32); break;
    case RISCV_OP_LR_D: gen_lr(ctx, IR_MO_64); break;
    case RISCV_OP_SC_W: gen_sc(ctx, IR_MO_32); break;
    case RISCV_OP_SC_D: gen_sc(ctx, IR_MO_64); break;
    case RISCV_OP_AMOSWAP_W: gen_amo(ctx, IR_ATOMIC_XCHG, IR_MO_32); break;
    case RISCV_OP_AMOADD_W: gen_amo(ctx, IR_ATOMIC_ADD, IR_MO_32); break;
    case RISCV_OP_AMOXOR_W: gen_amo(ctx, IR_ATOMIC_XOR, IR_MO_32); break;
    case RISCV_OP_AMOAND_W: gen_amo(ctx, IR_ATOMIC_AND, IR_MO_32); break;
    case RISCV_OP_AMOOR_W: gen_amo(ctx, IR_ATOMIC_OR, IR_MO_32); break;
    case RISCV_OP_AMOMIN_W: gen_amo(ctx, IR_ATOMIC_SMIN, IR_MO_32); break;
    case RISCV_OP_AMOMAX_W: gen_amo(ctx, IR_ATOMIC_SMAX, IR_MO_32); break;
    case RISCV_OP_AMOMINU_W: gen_amo(ctx, IR_ATOMIC_UMIN, IR_MO_32); break;
    case RISCV_OP_AMOMAXU_W: gen_amo(ctx, IR_ATOMIC_UMAX, IR_MO_32); break;
    case RISCV_OP_AMOSWAP_D: gen_amo(ctx, IR_ATOMIC_XCHG, IR_MO_64); break;
    case RISCV_OP_AMOADD_D: gen_amo(ctx, IR_ATOMIC_ADD, IR_MO_64); break;
    case RISCV_OP_AMOXOR_D: gen_amo(ctx, IR_ATOMIC_XOR, IR_MO_64); break;
    case RISCV_OP_AMOAND_D: gen_amo(ctx, IR_ATOMIC_AND, IR_MO_64); break;
    case RISCV_OP_AMOOR_D: gen_amo(ctx, IR_ATOMIC_OR, IR_MO_64); break;
    case RISCV_OP_AMOMIN_D: gen_amo(ctx, IR_ATOMIC_SMIN, IR_MO_64); break;
    case RISCV_OP_AMOMAX_D: gen_amo(ctx, IR_ATOMIC_SMAX, IR_MO_64); break;
    case RISCV_OP_AMOMINU_D: gen_amo(ctx, IR_ATOMIC_UMIN, IR_MO_64); break;
    case RISCV_OP_AMOMAXU_D: gen_amo(ctx, IR_ATOMIC_UMAX, IR_MO_64); break;

    /* Zba */
    case RISCV_OP_SH1ADD: gen_shadd(ctx, 1, false); break;
    case RISCV_OP_SH2ADD: gen_shadd(ctx, 2, false); break;
    case RISCV_OP_SH3ADD: gen_shadd(ctx, 3, false); break;
    case RISCV_OP_ADD_UW: gen_shadd(ctx, 0, true); break;
    case RISCV_OP_SH1ADD_UW: gen_shadd(ctx, 1, true); break;
    case RISCV_OP_SH2ADD_UW: gen_shadd(ctx, 2, true); break;
    case RISCV_OP_SH3ADD_UW: gen_shadd(ctx, 3, true); break;
    case RISCV_OP_SLLI_UW:
        rs1 = ir_temp_new_i64(b);
        ir_ext32u_i64(b, rs1, gpr_src(ctx, in->rs1));
        ir_shli_i64(b, gpr_dst(ctx, in->rd), rs1, in->imm);
        break;

    /* Zbb */
    case RISCV_OP_ANDN: gen_binop_r(ctx, ir_andc_i64); break;
    case RISCV_OP_ORN: gen_binop_r(ctx, ir_orc_i64); break;
    case RISCV_OP_XNOR: gen_binop_r(ctx, ir_eqv_i64); break;
    case RISCV_OP_CLZ: ir_clz_i64(b, gpr_dst(ctx, in->rd), gpr_src(ctx, in->rs1)); break;
    case RISCV_OP_CTZ: ir_ctz_i64(b, gpr_dst(ctx, in->rd), gpr_src(ctx, in->rs1)); break;
    case RISCV_OP_CPOP: ir_ctpop_i64(b, gpr_dst(ctx, in->rd), gpr_src(ctx, in->rs1)); break;
    case RISCV_OP_SEXT_B: ir_ext8s_i64(b, gpr_dst(ctx, in->rd), gpr_src(ctx, in->rs1)); break;
    case RISCV_OP_SEXT_H: ir_ext16s_i64(b, gpr_dst(ctx, in->rd), gpr_src(ctx, in->rs1)); break;
    case RISCV_OP_ZEXT_H: ir_ext16u_i64(b, gpr_dst(ctx, in->rd), gpr_src(ctx, in->rs1)); break;
    case RISCV_OP_CLZW: gen_unop_w(ctx, ir_clz_i32); break;
    case RISCV_OP_CTZW: gen_unop_w(ctx, ir_ctz_i32); break;
    case RISCV_OP_CPOPW: gen_unop_w(ctx, ir_ctpop_i32); break;
    case RISCV_OP_MAX: gen_minmax(ctx, IR_COND_GT); break;
    case RISCV_OP_MAXU: gen_minmax(ctx, IR_COND_GTU); break;
    case RISCV_OP_MIN: gen_minmax(ctx, IR_COND_LT); break;
    case RISCV_OP_MINU: gen_minmax(ctx, IR_COND_LTU); break;
    case RISCV_OP_ROL: gen_binop_r(ctx, ir_rotl_i64); break;
    case RISCV_OP_ROR: gen_binop_r(ctx, ir_rotr_i64); break;
    case RISCV_OP_RORI: gen_binop_i(ctx, ir_rotr_i64); break;
    case RISCV_OP_ROLW: gen_binop_w(ctx, ir_rotl_i32, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_RORW: gen_binop_w(ctx, ir_rotr_i32, gpr_src(ctx, in->rs2)); break;
    case RISCV_OP_RORIW: gen_binop_w(ctx, ir_rotr_i32, cst(ctx, in->imm)); break;
    case RISCV_OP_ORC_B:
        ir_call1(b, helper_fn(riscv_helper_orc_b), IR_CALL_PURE, gpr_dst(ctx, in->rd),
                 gpr_src(ctx, in->rs1));
        break;
    case RISCV_OP_REV8: ir_bswap_i64(b, gpr_dst(ctx, in->rd), gpr_src(ctx, in->rs1)); break;

    /* Zbc */
    case RISCV_OP_CLMUL:
        gen_pure_call2(ctx, helper_fn(riscv_helper_clmul), gpr_src(ctx, in->rs1),
                       gpr_src(ctx, in->rs2));
        break;
    case RISCV_OP_CLMULH:
        gen_pure_call2(ctx, helper_fn(riscv_helper_clmulh), gpr_src(ctx, in->rs1),
                       gpr_src(ctx, in->rs2));
        break;
    case RISCV_OP_CLMULR:
        gen_pure_call2(ctx, helper_fn(riscv_helper_clmulr), gpr_src(ctx, in->rs1),
                       gpr_src(ctx, in->rs2));
        break;

    /* Zbs */
    case RISCV_OP_BCLR:
    case RISCV_OP_BCLRI:
        gen_binop(ctx, ir_andc_i64, gen_bit_mask(ctx, in->op == RISCV_OP_BCLR ?
                                                 gpr_src(ctx, in->rs2) : cst(ctx, in->imm)));
        break;
    case RISCV_OP_BSET:
    case RISCV_OP_BSETI:
        gen_binop(ctx, ir_or_i64, gen_bit_mask(ctx, in->op == RISCV_OP_BSET ?
                                               gpr_src(ctx, in->rs2) : cst(ctx, in->imm)));
        break;
    case RISCV_OP_BINV:
    case RISCV_OP_BINVI:
        gen_binop(ctx, ir_xor_i64, gen_bit_mask(ctx, in->op == RISCV_OP_BINV ?
                                                gpr_src(ctx, in->rs2) : cst(ctx, in->imm)));
        break;
    case RISCV_OP_BEXT:
    case RISCV_OP_BEXTI:
        rd = ir_temp_new_i64(b);
        ir_shr_i64(b, rd, gpr_src(ctx, in->rs1),
                   in->op == RISCV_OP_BEXT ? gpr_src(ctx, in->rs2) : cst(ctx, in->imm));
        ir_andi_i64(b, gpr_dst(ctx, in->rd), rd, 1);
        break;

    default:
        gen_illegal(ctx);
        break;
    }
}

/* ---- the block loop -------------------------------------------------------------------- */

unsigned riscv_translate(CPUState *cs, IrBuilder *b)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    DisasContext ctx = {
        .b = b,
        .cpu = cpu,
        .engine = cpu->engine,
        .priv = b->flags & TB_FLAG_PRIV_MASK,
        .mem_idx = (b->flags & TB_FLAG_MEMIDX_MASK) >> TB_FLAG_MEMIDX_SHIFT,
        .fs_on = (b->flags & TB_FLAG_FS_ON) != 0,
        .fs_dirty = (b->flags & TB_FLAG_FS_DIRTY) != 0,
    };
    uint64_t pc = b->pc_first;
    uint64_t page_end = (pc & TCG_PAGE_MASK) + TCG_PAGE_SIZE;

    for (int n = 0; ; n++) {
        if (n >= b->max_insns || pc >= page_end || pc < b->pc_first) {
            gen_goto(&ctx, 0, pc);
            break;
        }
        uint32_t raw = ctx.engine->fetch_code(cs, pc, 2);
        int len = riscv_insn_length(raw);
        if (len != 2) {
            if (n > 0 && pc + 4 > page_end) {
                gen_goto(&ctx, 0, pc);   /* crosses the page: next block */
                break;
            }
            raw |= ctx.engine->fetch_code(cs, pc + 2, 2) << 16;
        }
        ir_insn_start(b, pc, 0, 0);
        riscv_decode(raw, cpu->ext, &ctx.insn);
        ctx.pc = pc;
        ctx.next_pc = pc + ctx.insn.len;
        translate_insn(&ctx);
        pc = ctx.next_pc;
        if (ctx.ended) {
            break;
        }
    }
    return pc - b->pc_first;
}
