/* SPDX-License-Identifier: MIT */
/*
 * Internals of the x86-64 code generator shared by its files: host
 * registers and encodings, the per-block generator state (XGen), byte and
 * instruction emission (emit.c), the register cache and ops computed on
 * cached registers (regs.c), guest memory accesses (mem.c); gen.c drives
 * them op by op.
 */
#ifndef TESSERA_TCG_X86_64_XGEN_H
#define TESSERA_TCG_X86_64_XGEN_H

#include <string.h>

#include "plugins/accel/tcg-x86_64/x86.h"

/* Host registers. */
enum {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
    R8, R9, R10, R11, R12, R13, R14, R15,
};
#define R_ENV RBX
#define R_FRAME R12
#define R_VCPU R13
#define R_EXITP R14
#define R_TB R15

/* Opcode encoding for xg_op_*: optional prefix, optional 0F escape. */
#define P_0F 0x100u
#define P_66 0x10000u
#define P_F3 0x20000u

/* x86 condition codes. */
enum {
    CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7,
    CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf,
};

/* Arithmetic group (0x81 /n, 0x83 /n) and shift group (0xc1 /n, 0xd3 /n). */
enum { AR_ADD = 0, AR_OR = 1, AR_AND = 4, AR_SUB = 5, AR_XOR = 6, AR_CMP = 7 };
enum { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

/*
 * Register cache: IR temps (globals and block temps) live in a few host
 * registers between their home slots' loads and stores.  Ops still compute
 * in rax/rcx/rdx; reading a cached temp is a register move, writing one
 * leaves it dirty in its register.  Dirty values go home (globals to env,
 * block temps to the frame) where ir.h needs them in memory: globals
 * before calls that read globals, block exits and in the slow paths of
 * guest memory accesses (the fast paths cannot fault); everything at
 * branches and labels (which then start with an empty cache, or a side
 * exit's); caller-saved registers around calls and slow paths.  rbp, r12
 * and r14 survive calls; rsi, rdi, r8, r9 and r10 do not.  Temps past their last
 * use are dropped without being written back (unless the block branches
 * backwards).
 */
#define X86_NCACHE 6
typedef struct XCacheReg {
    int reg;                 /* host register */
    bool callee_saved;
    int64_t temp;            /* -1: free */
    bool dirty;
    bool global;             /* temp is a global */
    bool i64;                /* temp is an i64 */
    uint32_t dies;           /* temp's last use (globals: UINT32_MAX) */
    int home_base;           /* temp's home: [home_base + home_disp] */
    int32_t home_disp;
    unsigned stamp;          /* last use, for eviction */
} XCacheReg;

static const int xg_cache_regs[X86_NCACHE] = { RBP, RSI, RDI, R8, R9, R10 };

/* Growable arrays a vCPU's generator reuses from block to block (no
 * allocation per block once they are big enough). */
struct XGenScratch {
    uint8_t *code;
    unsigned code_cap;
    GArray *label_pos;       /* int */
    GArray *label_op;        /* int: liveness */
    GArray *fixups;          /* XFixup */
    GArray *slow;            /* XSlowPath */
    GArray *temp_reg;        /* int8_t */
    GArray *last_use;        /* uint32_t */
    GArray *label_refs;      /* uint8_t */
    GArray *label_snap;      /* XLabelCache */
    GArray *self_stubs;      /* XSelfStub */
};

/* The register cache at the one branch to a label that nothing falls
 * into (a side exit's continuation): the label starts with it instead of
 * an empty cache. */
typedef struct XLabelCache {
    unsigned label;
    XCacheReg cache[X86_NCACHE];
} XLabelCache;

/* A goto_tb to the block's own start (see "Self loops" in gen.c): its
 * slot, where the fall-through goes on (writing globals home, the
 * goto_tb) and the register cache there, dirty values included. */
typedef struct XSelfStub {
    unsigned slot;
    unsigned resume;
    XCacheReg cache[X86_NCACHE];
} XSelfStub;

/* One step of a self loop's stub (xg_loop_moves): write the value of cache
 * entry src home, move entry src's register into entry dst's, or load
 * entry dst's global from its home. */
enum { XLM_STORE, XLM_MOV, XLM_LOAD };
typedef struct XLoopMove {
    uint8_t kind, dst, src;
} XLoopMove;

/* A branch to a label: the rel32 at byte offset @at. */
typedef struct XFixup {
    unsigned at;
    unsigned label;
} XFixup;

typedef struct XGen {
    TcgVcpu *v;
    const IrBlock *ir;
    TcgTb *tb;
    /* The code so far: len bytes of cap, written at the cursor code + len
     * (xg_room). */
    uint8_t *code;
    unsigned len, cap;
    int *label_pos;          /* byte offset of each label, -1 while unset */
    GArray *fixups;          /* XFixup */
    /* rax holds i64 temp rax_temp while nothing was emitted after byte
     * offset rax_pos (no label in between either). */
    uint64_t rax_temp;
    unsigned rax_pos;
    X86Links *links;         /* patchable jumps (X86CodeHeader) */
    unsigned abort_at;       /* rel32 of the entry's jump to the entry abort */
    GArray *slow;            /* XSlowPath: guest access slow paths, emitted after the ops */
    /* Register cache (see "register cache" below). */
    XCacheReg cache[X86_NCACHE];
    int8_t *temp_reg;        /* per temp: cache index or -1 */
    uint32_t *last_use;      /* per temp: index of the last op reading or writing it */
    unsigned cur_op;
    uint32_t next_death;     /* no cached temp dies before this op (a bound) */
    unsigned stamp;
    bool spilled;            /* slow path: caller-saved cache regs unusable */
    /* Branches to each label (saturating at 255), the caches of labels with
     * one forward branch, and whether the code emitted now is unreachable
     * (after an exit or a jump: nothing falls into the next label). */
    uint8_t *label_refs;
    GArray *label_snap;      /* XLabelCache */
    bool dead;
    /* An address folded into the guest access that follows: temp
     * fold_temp = fold_base + fold_disp was not computed (see xg_op). */
    uint64_t fold_temp, fold_base;
    int32_t fold_disp;
    /* Self loops: the loop head (after the entry check and the loads of
     * the globals chosen to start in registers), the register cache
     * there, and the goto_tb sites to the block's start. */
    unsigned loop_head;
    XCacheReg head_cache[X86_NCACHE];
    GArray *self_stubs;      /* XSelfStub */
} XGen;

/*
 * A guest load/store slow path emitted out of line at the end of the block
 * (the fast path falls through without a jump over it): the rel32 of the
 * TLB check's jump to it, where it returns to, the op, and the register
 * cache as it was where the paths split.
 */
typedef struct XSlowPath {
    unsigned jump_at;
    int addr_reg;            /* the guest address is addr_reg + addr_disp */
    int32_t addr_disp;
    int dest_reg;            /* a load's destination register (-1: rax) */
    unsigned resume;
    const IrOp *op;
    XCacheReg cache[X86_NCACHE];
} XSlowPath;

static const uint8_t xg_cc[] = {
    [IR_COND_EQ] = CC_E, [IR_COND_NE] = CC_NE, [IR_COND_LT] = CC_L, [IR_COND_GE] = CC_GE,
    [IR_COND_LE] = CC_LE, [IR_COND_GT] = CC_G, [IR_COND_LTU] = CC_B, [IR_COND_GEU] = CC_AE,
    [IR_COND_LEU] = CC_BE, [IR_COND_GTU] = CC_A,
};

/*
 * Byte emission: an emitter asks for room for a whole instruction once
 * (xg_room, at most XG_MAX_INSN bytes), writes it at the returned cursor
 * and moves the end past it (xg_end).
 */
#define XG_MAX_INSN 16
G_GNUC_INTERNAL void xg_grow(XGen *g, unsigned n);

static inline uint8_t *xg_room(XGen *g, unsigned n)
{
    if (G_UNLIKELY(g->cap - g->len < n)) {
        xg_grow(g, n);
    }
    return g->code + g->len;
}

static inline void xg_end(XGen *g, uint8_t *p)
{
    g->len = (unsigned)(p - g->code);
}

static inline void xg_b(XGen *g, uint8_t x)
{
    *xg_room(g, 1) = x;
    g->len++;
}

static inline void xg_b4(XGen *g, uint32_t x)
{
    memcpy(xg_room(g, 4), &x, 4);
    g->len += 4;
}

static inline void xg_b8(XGen *g, uint64_t x)
{
    memcpy(xg_room(g, 8), &x, 8);
    g->len += 8;
}

static inline void xg_bytes(XGen *g, const void *bytes, unsigned n)
{
    memcpy(xg_room(g, n), bytes, n);
    g->len += n;
}

static inline unsigned xg_pos(XGen *g)
{
    return g->len;
}

/* Point the rel32 at byte offset @at to byte offset @to. */
static inline void xg_patch_rel32(XGen *g, unsigned at, unsigned to)
{
    int32_t rel = (int32_t)to - (int32_t)(at + 4);
    memcpy(g->code + at, &rel, 4);
}

/* Instruction encoding (inline: most operands are constants at the call
 * site); the writers put bytes at @p and return the new end. */

/* Prefix, REX and opcode bytes. */
static inline uint8_t *xg_put_opcode(uint8_t *p, unsigned opc, bool w, int reg, int index, int rm)
{
    if (opc & P_66) {
        *p++ = 0x66;
    }
    if (opc & P_F3) {
        *p++ = 0xf3;
    }
    uint8_t rex = (uint8_t)((w ? 8 : 0) | ((reg & 8) >> 1) | ((index & 8) >> 2) | ((rm & 8) >> 3));
    if (rex) {
        *p++ = 0x40 | rex;
    }
    if (opc & P_0F) {
        *p++ = 0x0f;
    }
    *p++ = opc & 0xff;
    return p;
}

/* ModRM (and SIB, displacement) of [base + disp]. */
static inline uint8_t *xg_put_mem(uint8_t *p, int reg, int base, int32_t disp)
{
    uint8_t r = (reg & 7) << 3;
    uint8_t mod = disp == 0 && (base & 7) != RBP ? 0x00 :
                  disp >= -128 && disp <= 127 ? 0x40 : 0x80;
    *p++ = mod | r | (base & 7);
    if ((base & 7) == RSP) {
        *p++ = 0x24;
    }
    if (mod == 0x40) {
        *p++ = (uint8_t)disp;
    } else if (mod == 0x80) {
        memcpy(p, &disp, 4);
        p += 4;
    }
    return p;
}

static inline uint8_t *xg_put_imm32(uint8_t *p, uint32_t imm)
{
    memcpy(p, &imm, 4);
    return p + 4;
}

/* op reg, rm (register direct). */
static inline uint8_t *xg_put_rr(uint8_t *p, unsigned opc, bool w, int reg, int rm)
{
    p = xg_put_opcode(p, opc, w, reg, 0, rm);
    *p++ = 0xc0 | ((reg & 7) << 3) | (rm & 7);
    return p;
}

static inline void xg_rr(XGen *g, unsigned opc, bool w, int reg, int rm)
{
    xg_end(g, xg_put_rr(xg_room(g, XG_MAX_INSN), opc, w, reg, rm));
}

/* op reg, [base + disp]. */
static inline void xg_rm(XGen *g, unsigned opc, bool w, int reg, int base, int32_t disp)
{
    uint8_t *p = xg_put_opcode(xg_room(g, XG_MAX_INSN), opc, w, reg, 0, base);
    xg_end(g, xg_put_mem(p, reg, base, disp));
}

/* Arithmetic with a sign-extended 32-bit immediate on a register. */
static inline void xg_arith_ri(XGen *g, int ar, bool w, int reg, int32_t imm)
{
    uint8_t *p = xg_room(g, XG_MAX_INSN);
    if (imm >= -128 && imm <= 127) {
        p = xg_put_rr(p, 0x83, w, ar, reg);
        *p++ = (uint8_t)imm;
    } else {
        p = xg_put_rr(p, 0x81, w, ar, reg);
        p = xg_put_imm32(p, (uint32_t)imm);
    }
    xg_end(g, p);
}

static inline void xg_shift_ri(XGen *g, int sh, bool w, int reg, unsigned count)
{
    uint8_t *p = xg_put_rr(xg_room(g, XG_MAX_INSN), 0xc1, w, sh, reg);
    *p++ = (uint8_t)count;
    xg_end(g, p);
}

static inline void xg_mov_rr(XGen *g, bool w, int dst, int src)
{
    xg_rr(g, 0x89, w, src, dst);
}

/* Jumps with a rel32 to patch: returns the position of the rel32. */
static inline unsigned xg_jcc(XGen *g, int cc)
{
    uint8_t *p = xg_room(g, 6);
    p[0] = 0x0f;
    p[1] = 0x80 + cc;
    memset(p + 2, 0, 4);
    g->len += 6;
    return g->len - 4;
}

static inline unsigned xg_jmp(XGen *g)
{
    uint8_t *p = xg_room(g, 5);
    p[0] = 0xe9;
    memset(p + 1, 0, 4);
    g->len += 5;
    return g->len - 4;
}

/* Point the rel32 at @at to the current position. */
static inline void xg_patch_here(XGen *g, unsigned at)
{
    xg_patch_rel32(g, at, xg_pos(g));
}

/* call [base + disp] */
static inline void xg_call_mem(XGen *g, int base, int32_t disp)
{
    xg_rm(g, 0xff, false, 2, base, disp);
}

/* Temps. */
static inline bool xg_is_i64(XGen *g, uint64_t t)
{
    return g->ir->temps[t].type == IR_I64;
}

static inline bool xg_is_global(XGen *g, uint64_t t)
{
    return g->ir->temps[t].kind == IR_TEMP_KIND_GLOBAL;
}

static inline bool xg_is_var(XGen *g, uint64_t t)
{
    uint8_t k = g->ir->temps[t].kind;
    return k == IR_TEMP_KIND_GLOBAL || k == IR_TEMP_KIND_LOCAL;
}

/* Whether temp @t is a constant usable as a sign-extended imm32 at width @w. */
static inline bool xg_imm32(XGen *g, uint64_t t, bool w, int32_t *imm)
{
    const IrTempInfo *ti = &g->ir->temps[t];
    if (ti->kind != IR_TEMP_KIND_CONST) {
        return false;
    }
    if (!w) {
        *imm = (int32_t)(uint32_t)ti->value;
        return true;
    }
    if ((int64_t)ti->value != (int32_t)ti->value) {
        return false;
    }
    *imm = (int32_t)ti->value;
    return true;
}

/* emit.c */
G_GNUC_INTERNAL void xg_opcode(XGen *g, unsigned opc, bool w, int reg, int index, int rm);
G_GNUC_INTERNAL void xg_rm_idx(XGen *g, unsigned opc, bool w, int reg, int base, int index,
                               int32_t disp);
G_GNUC_INTERNAL void xg_movi(XGen *g, bool w, int reg, uint64_t imm);
G_GNUC_INTERNAL void xg_call_abs(XGen *g, const void *fn);
G_GNUC_INTERNAL void xg_exit(XGen *g, int slot);
/* regs.c */
G_GNUC_INTERNAL int32_t xg_slot_disp(XGen *g, uint64_t t);
G_GNUC_INTERNAL void xg_home(XGen *g, uint64_t t, int *base, int32_t *disp);
G_GNUC_INTERNAL void xg_cache_writeback(XGen *g, XCacheReg *c);
G_GNUC_INTERNAL void xg_cache_drop(XGen *g, XCacheReg *c);
G_GNUC_INTERNAL void xg_sync_globals(XGen *g);
G_GNUC_INTERNAL void xg_sync_all(XGen *g, bool drop);
G_GNUC_INTERNAL void xg_spill_caller_saved(XGen *g);
G_GNUC_INTERNAL void xg_forget_globals(XGen *g);
G_GNUC_INTERNAL void xg_save_caller_saved(XGen *g, const XCacheReg *cache);
G_GNUC_INTERNAL void xg_reload_caller_saved(XGen *g, const XCacheReg *cache);
G_GNUC_INTERNAL void xg_slow_path_begin(XGen *g);
G_GNUC_INTERNAL void xg_slow_path_end(XGen *g);
G_GNUC_INTERNAL XCacheReg *xg_cache_alloc(XGen *g, uint64_t t);
G_GNUC_INTERNAL void xg_cache_preload(XGen *g, unsigned k, uint64_t t);
G_GNUC_INTERNAL XCacheReg *xg_cached(XGen *g, uint64_t t);
G_GNUC_INTERNAL void xg_ld(XGen *g, int reg, uint64_t t);
G_GNUC_INTERNAL void xg_st(XGen *g, int reg, uint64_t t);
G_GNUC_INTERNAL void xg_release_dead(XGen *g, unsigned i);
G_GNUC_INTERNAL void xg_set_insn(XGen *g, const IrOp *op);
G_GNUC_INTERNAL int xg_operand_reg(XGen *g, uint64_t t);
G_GNUC_INTERNAL int xg_result_reg(XGen *g, uint64_t t);
G_GNUC_INTERNAL bool xg_binop_direct(XGen *g, IrOpcode opc, bool w, uint64_t d, uint64_t x,
                                     uint64_t y);
G_GNUC_INTERNAL bool xg_unop_direct(XGen *g, IrOpcode opc, bool w, uint64_t d, uint64_t src);
G_GNUC_INTERNAL void xg_liveness(XGen *g, int *label_op);
G_GNUC_INTERNAL unsigned xg_nout_of(unsigned opc);
G_GNUC_INTERNAL unsigned xg_nin_of(unsigned opc);
/* mem.c */
G_GNUC_INTERNAL void xg_load_mem(XGen *g, unsigned memop, int reg, int base, int32_t disp);
G_GNUC_INTERNAL void xg_store_mem(XGen *g, unsigned memop, int reg, int base, int32_t disp);
G_GNUC_INTERNAL void xg_guest_ld(XGen *g, const IrOp *op);
G_GNUC_INTERNAL void xg_guest_st(XGen *g, const IrOp *op);
G_GNUC_INTERNAL void xg_atomic(XGen *g, const IrOp *op);
G_GNUC_INTERNAL void xg_emit_slow_paths(XGen *g);
/* gen.c */
G_GNUC_INTERNAL unsigned xg_loop_moves(const XCacheReg *from, const XCacheReg *head,
                                       XLoopMove *out);

#endif
