/* SPDX-License-Identifier: MIT */
/*
 * Tessera TCG intermediate representation (IR): opcodes and the builder.
 *
 * A CPU module's translator turns one guest block into a linear list of IR
 * ops through an IrBuilder the engine hands it.  Every wrapper below is a
 * static inline that encodes through the builder's function pointers, so a
 * CPU module links no engine symbol.
 *
 * Values live in temps (virtual registers), each of type i32 or i64:
 *  - IR_TEMP_ENV: read-only i64 holding the address of the CPU's env struct
 *    (pass it to helpers; never write it);
 *  - globals IR_GLOBAL(i): temps bound to the env fields listed in
 *    TcgCpuOps.globals[i] (guest registers, pc...).  A global's value is in
 *    env at every call without IR_CALL_NO_READ_GLOBALS, at every guest
 *    memory access (which may fault), and at every block exit; a backend
 *    that caches globals in host registers must sync them there;
 *  - block temps from ir_temp_new_*(): live for the whole block (also across
 *    labels and branches), undefined on entry;
 *  - constants from ir_const_*(): read-only temps holding a fixed value.
 * Operands of an op must have the op's type unless stated otherwise.
 *
 * Semantics are fully defined for every input (backends never trap):
 *  - shifts and rotates use the count modulo the width;
 *  - div/divu by zero give all ones; rem/remu by zero give the dividend;
 *    div of the most negative value by -1 gives the most negative value and
 *    rem gives 0 (this happens to be RISC-V's definition);
 *  - clz/ctz of zero give the width;
 *  - i32 ops read and write exactly 32 bits (an i32 global may be a 4-byte
 *    env field).
 *
 * Opcode numbers are part of the CPU ABI: new opcodes are only appended.
 */
#ifndef TESSERA_TCG_IR_H
#define TESSERA_TCG_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t IrTemp;
typedef uint32_t IrLabel;

/* Types of temps. */
typedef enum IrType {
    IR_I32 = 0,
    IR_I64 = 1,
} IrType;

/* The env pointer (i64, read-only). */
#define IR_TEMP_ENV ((IrTemp)0)
/* Global number @i of TcgCpuOps.globals. */
#define IR_GLOBAL(i) ((IrTemp)(1 + (i)))
/* "No temp": a call without a return value. */
#define IR_NO_TEMP ((IrTemp)UINT32_MAX)

/* Comparison conditions for setcond, movcond, brcond. */
typedef enum IrCond {
    IR_COND_EQ,
    IR_COND_NE,
    IR_COND_LT,   /* signed */
    IR_COND_GE,
    IR_COND_LE,
    IR_COND_GT,
    IR_COND_LTU,  /* unsigned */
    IR_COND_GEU,
    IR_COND_LEU,
    IR_COND_GTU,
    IR_COND_ALWAYS,
    IR_COND_NEVER,
} IrCond;

/* The opposite condition: they come in pairs (EQ/NE, LT/GE, ...). */
static inline IrCond ir_cond_invert(IrCond c)
{
    return (IrCond)(c ^ 1);
}

/*
 * Memory operation descriptor ("memop") for env loads/stores, guest memory
 * accesses and the engine's helper accessors: size, signedness, alignment.
 * Guest memory is little-endian.
 */
enum {
    IR_MO_8 = 0,
    IR_MO_16 = 1,
    IR_MO_32 = 2,
    IR_MO_64 = 3,
    IR_MO_SIZE = 3,         /* mask: log2 of the size in bytes */
    IR_MO_SIGN = 1 << 2,    /* sign-extend loads (zero-extend otherwise) */
    IR_MO_ALIGN = 1 << 3,   /* misaligned: TcgCpuOps.do_unaligned_access */
};
#define IR_MO_SB (IR_MO_8 | IR_MO_SIGN)
#define IR_MO_SW (IR_MO_16 | IR_MO_SIGN)
#define IR_MO_SL (IR_MO_32 | IR_MO_SIGN)
#define IR_MO_UB IR_MO_8
#define IR_MO_UW IR_MO_16
#define IR_MO_UL IR_MO_32
#define IR_MO_UQ IR_MO_64
static inline unsigned ir_memop_size(unsigned memop) { return 1u << (memop & IR_MO_SIZE); }

/* Read-modify-write operations of IR_OP_ATOMIC_RMW and TcgEngineOps.atomic_rmw. */
typedef enum IrAtomicOp {
    IR_ATOMIC_XCHG,
    IR_ATOMIC_ADD,
    IR_ATOMIC_AND,
    IR_ATOMIC_OR,
    IR_ATOMIC_XOR,
    IR_ATOMIC_SMIN,
    IR_ATOMIC_SMAX,
    IR_ATOMIC_UMIN,
    IR_ATOMIC_UMAX,
} IrAtomicOp;

/* Flags of IR_OP_CALL.  0 = may read and write globals, may raise. */
enum {
    IR_CALL_NO_READ_GLOBALS = 1 << 0,  /* globals need not be in env */
    IR_CALL_NO_WRITE_GLOBALS = 1 << 1, /* helper does not change globals */
    IR_CALL_NO_SIDE_EFFECTS = 1 << 2,  /* pure: removable when unused; implies
                                          it neither raises nor writes */
};
#define IR_CALL_PURE \
    (IR_CALL_NO_READ_GLOBALS | IR_CALL_NO_WRITE_GLOBALS | IR_CALL_NO_SIDE_EFFECTS)

/* Memory barrier kinds of IR_OP_MB (host fences). */
enum {
    IR_MB_LD_LD = 1 << 0,
    IR_MB_ST_LD = 1 << 1,
    IR_MB_LD_ST = 1 << 2,
    IR_MB_ST_ST = 1 << 3,
    IR_MB_ALL = 0xf,
};

/* EXIT_TB slot meaning "do not chain this exit". */
#define IR_EXIT_NO_CHAIN ((uint64_t)-1)
/* Number of goto_tb slots per block: the two ways out of its last
 * instruction plus side exits (a conditional branch whose not-taken path
 * the block goes on translating). */
#define IR_MAX_GOTO_TB 8
/* Helpers take at most this many arguments. */
#define IR_MAX_CALL_ARGS 6
/* Extra insn_start words after the pc. */
#define IR_MAX_INSN_START_EXTRA 2
/* Operand slots of one op (CALL: ret, func, flags, nargs + args). */
#define IR_MAX_OP_ARGS 10

/*
 * The opcode table: X(NAME, outputs, inputs, constants, flags).
 * Operands are stored in that order: output temps, input temps, constant
 * words.  "type" is the op's type (the output's unless noted).
 *
 * MOV d, s                       d = s
 * ADD SUB MUL AND OR XOR SHL SHR SAR ROTL ROTR  d, a, b
 * DIV DIVU REM REMU              d, a, b      (see the header comment)
 * MULSH MULUH MULSUH             d, a, b      high half of the double-width
 *                                               product: signed x signed,
 *                                               unsigned x unsigned, signed a
 *                                               x unsigned b
 * ANDC ORC EQV                   d, a, b      a & ~b, a | ~b, ~(a ^ b)
 * NEG NOT CLZ CTZ CTPOP BSWAP    d, s         (bswap of the whole width)
 * EXT8S EXT8U EXT16S EXT16U      d, s         sign/zero extend the low bits
 * EXT32S EXT32U                  d, s         i64 only
 * EXTU_I32_I64 EXTS_I32_I64      d(i64), s(i32); type is I64
 * EXTRL_I64_I32 EXTRH_I64_I32    d(i32), s(i64) low/high half; type is I32
 * EXTRACT SEXTRACT               d, s; pos, len  bits [pos, pos+len) of s,
 *                                               zero/sign extended (len >= 1)
 * DEPOSIT                        d, a, b; pos, len  a with bits [pos,
 *                                               pos+len) replaced by b's low
 *                                               len bits
 * SETCOND                        d, a, b; cond  d = cond(a, b) ? 1 : 0
 * MOVCOND                        d, c1, c2, v1, v2; cond
 *                                               d = cond(c1, c2) ? v1 : v2
 * BRCOND                         -, a, b; cond, label
 * BR                             label
 * SET_LABEL                      label        (each label set exactly once)
 * LD                             d; offset, memop   d = env field at offset
 * ST                             -, s; offset, memop  env field = s
 * GUEST_LD                       d, addr(i64); memop, mmu_idx
 * GUEST_ST                       -, val, addr(i64); memop, mmu_idx
 * ATOMIC_CMPXCHG                 d, addr(i64), cmp, new; memop, mmu_idx
 *                                   d = old value (extended per memop);
 *                                   stores new if old == cmp (compared at
 *                                   the access size after extension)
 * ATOMIC_RMW                     d, addr(i64), val; memop, mmu_idx, IrAtomicOp
 *                                   d = old value; memory = op(old, val)
 * CALL      (variable)           args[0] = return temp or IR_NO_TEMP,
 *                                args[1] = function, args[2] = flags,
 *                                args[3] = nargs, args[4..] = i64 temps
 * INSN_START                     pc, extra word 1, extra word 2
 * GOTO_TB                        slot         jump to the chained block if
 *                                             the engine linked this slot,
 *                                             else continue with the next op
 * EXIT_TB                        slot or IR_EXIT_NO_CHAIN: return to the loop
 * LOOKUP_AND_GOTO_PTR  flags      look the next block up from the current
 *                                env state and jump there; else return.
 *                                flags: the TB flags the env state has here
 *                                (a backend's inline probe compares with them)
 * MB                             kind
 */
#define IR_OPCODES(X)                                   \
    X(MOV, 1, 1, 0)                                     \
    X(ADD, 1, 2, 0)                                     \
    X(SUB, 1, 2, 0)                                     \
    X(MUL, 1, 2, 0)                                     \
    X(AND, 1, 2, 0)                                     \
    X(OR, 1, 2, 0)                                      \
    X(XOR, 1, 2, 0)                                     \
    X(SHL, 1, 2, 0)                                     \
    X(SHR, 1, 2, 0)                                     \
    X(SAR, 1, 2, 0)                                     \
    X(ROTL, 1, 2, 0)                                    \
    X(ROTR, 1, 2, 0)                                    \
    X(DIV, 1, 2, 0)                                     \
    X(DIVU, 1, 2, 0)                                    \
    X(REM, 1, 2, 0)                                     \
    X(REMU, 1, 2, 0)                                    \
    X(MULSH, 1, 2, 0)                                   \
    X(MULUH, 1, 2, 0)                                   \
    X(MULSUH, 1, 2, 0)                                  \
    X(ANDC, 1, 2, 0)                                    \
    X(ORC, 1, 2, 0)                                     \
    X(EQV, 1, 2, 0)                                     \
    X(NEG, 1, 1, 0)                                     \
    X(NOT, 1, 1, 0)                                     \
    X(CLZ, 1, 1, 0)                                     \
    X(CTZ, 1, 1, 0)                                     \
    X(CTPOP, 1, 1, 0)                                   \
    X(BSWAP, 1, 1, 0)                                   \
    X(EXT8S, 1, 1, 0)                                   \
    X(EXT8U, 1, 1, 0)                                   \
    X(EXT16S, 1, 1, 0)                                  \
    X(EXT16U, 1, 1, 0)                                  \
    X(EXT32S, 1, 1, 0)                                  \
    X(EXT32U, 1, 1, 0)                                  \
    X(EXTU_I32_I64, 1, 1, 0)                            \
    X(EXTS_I32_I64, 1, 1, 0)                            \
    X(EXTRL_I64_I32, 1, 1, 0)                           \
    X(EXTRH_I64_I32, 1, 1, 0)                           \
    X(EXTRACT, 1, 1, 2)                                 \
    X(SEXTRACT, 1, 1, 2)                                \
    X(DEPOSIT, 1, 2, 2)                                 \
    X(SETCOND, 1, 2, 1)                                 \
    X(MOVCOND, 1, 4, 1)                                 \
    X(BRCOND, 0, 2, 2)                                  \
    X(BR, 0, 0, 1)                                      \
    X(SET_LABEL, 0, 0, 1)                               \
    X(LD, 1, 0, 2)                                      \
    X(ST, 0, 1, 2)                                      \
    X(GUEST_LD, 1, 1, 2)                                \
    X(GUEST_ST, 0, 2, 2)                                \
    X(ATOMIC_CMPXCHG, 1, 3, 2)                          \
    X(ATOMIC_RMW, 1, 2, 3)                              \
    X(CALL, 0, 0, 0)                                    \
    X(INSN_START, 0, 0, 3)                              \
    X(GOTO_TB, 0, 0, 1)                                 \
    X(EXIT_TB, 0, 0, 1)                                 \
    X(LOOKUP_AND_GOTO_PTR, 0, 0, 1)                     \
    X(MB, 0, 0, 1)

typedef enum IrOpcode {
#define IR_OPCODE_ENUM_(name, o, i, c) IR_OP_##name,
    IR_OPCODES(IR_OPCODE_ENUM_)
#undef IR_OPCODE_ENUM_
    IR_OP_COUNT
} IrOpcode;

typedef struct IrBuilder IrBuilder;

/*
 * The builder.  The engine fills the function pointers and the read-only
 * context fields; the translator only calls the wrappers below.  A builder
 * is used by one thread for one block at a time.
 */
struct IrBuilder {
    /* Append one op; @args as described in IR_OPCODES. */
    void (*emit)(IrBuilder *b, IrOpcode opc, IrType type, unsigned nargs,
                 const uint64_t *args);
    /* A new block temp of @type. */
    IrTemp (*temp_new)(IrBuilder *b, IrType type);
    /* Hint: @t is dead from here on; its number may be reused. */
    void (*temp_free)(IrBuilder *b, IrTemp t);
    /* A read-only temp holding @value (truncated to 32 bits for I32). */
    IrTemp (*constant)(IrBuilder *b, IrType type, uint64_t value);
    /* A new label, to be set once with ir_set_label(). */
    IrLabel (*label_new)(IrBuilder *b);

    /* Context of the block being translated (read-only for translators). */
    uint64_t pc_first;      /* guest virtual pc of the block */
    uint64_t flags;         /* TB flags from get_tb_cpu_state */
    int max_insns;          /* the translator must stop at this many */
    void *engine;           /* private to the engine */
};

/* ---- temps, constants, labels -------------------------------------- */

static inline IrTemp ir_temp_new_i32(IrBuilder *b) { return b->temp_new(b, IR_I32); }
static inline IrTemp ir_temp_new_i64(IrBuilder *b) { return b->temp_new(b, IR_I64); }
static inline void ir_temp_free(IrBuilder *b, IrTemp t) { b->temp_free(b, t); }
static inline IrTemp ir_const_i32(IrBuilder *b, uint32_t v) { return b->constant(b, IR_I32, v); }
static inline IrTemp ir_const_i64(IrBuilder *b, uint64_t v) { return b->constant(b, IR_I64, v); }
static inline IrLabel ir_label_new(IrBuilder *b) { return b->label_new(b); }

/* ---- generic emitters ------------------------------------------------ */

static inline void ir_emit0(IrBuilder *b, IrOpcode opc, IrType t, unsigned n, const uint64_t *a)
{
    b->emit(b, opc, t, n, a);
}
static inline void ir_op1(IrBuilder *b, IrOpcode opc, IrType t, IrTemp d, IrTemp s)
{
    const uint64_t a[] = { d, s };
    b->emit(b, opc, t, 2, a);
}
static inline void ir_op2(IrBuilder *b, IrOpcode opc, IrType t, IrTemp d, IrTemp x, IrTemp y)
{
    const uint64_t a[] = { d, x, y };
    b->emit(b, opc, t, 3, a);
}

/* Two-operand ops: ir_add_i64(b, d, a, c) and friends, at both widths. */
#define IR_DEFINE_BINARY_(name, OPC)                                          \
    static inline void ir_##name##_i32(IrBuilder *b, IrTemp d, IrTemp x, IrTemp y) \
    { ir_op2(b, IR_OP_##OPC, IR_I32, d, x, y); }                              \
    static inline void ir_##name##_i64(IrBuilder *b, IrTemp d, IrTemp x, IrTemp y) \
    { ir_op2(b, IR_OP_##OPC, IR_I64, d, x, y); }
IR_DEFINE_BINARY_(add, ADD)
IR_DEFINE_BINARY_(sub, SUB)
IR_DEFINE_BINARY_(mul, MUL)
IR_DEFINE_BINARY_(and, AND)
IR_DEFINE_BINARY_(or, OR)
IR_DEFINE_BINARY_(xor, XOR)
IR_DEFINE_BINARY_(shl, SHL)
IR_DEFINE_BINARY_(shr, SHR)
IR_DEFINE_BINARY_(sar, SAR)
IR_DEFINE_BINARY_(rotl, ROTL)
IR_DEFINE_BINARY_(rotr, ROTR)
IR_DEFINE_BINARY_(div, DIV)
IR_DEFINE_BINARY_(divu, DIVU)
IR_DEFINE_BINARY_(rem, REM)
IR_DEFINE_BINARY_(remu, REMU)
IR_DEFINE_BINARY_(mulsh, MULSH)
IR_DEFINE_BINARY_(muluh, MULUH)
IR_DEFINE_BINARY_(mulsuh, MULSUH)
IR_DEFINE_BINARY_(andc, ANDC)
IR_DEFINE_BINARY_(orc, ORC)
IR_DEFINE_BINARY_(eqv, EQV)
#undef IR_DEFINE_BINARY_

/* One-operand ops: ir_neg_i64(b, d, s) and friends. */
#define IR_DEFINE_UNARY_(name, OPC)                                           \
    static inline void ir_##name##_i32(IrBuilder *b, IrTemp d, IrTemp s)      \
    { ir_op1(b, IR_OP_##OPC, IR_I32, d, s); }                                 \
    static inline void ir_##name##_i64(IrBuilder *b, IrTemp d, IrTemp s)      \
    { ir_op1(b, IR_OP_##OPC, IR_I64, d, s); }
IR_DEFINE_UNARY_(mov, MOV)
IR_DEFINE_UNARY_(neg, NEG)
IR_DEFINE_UNARY_(not, NOT)
IR_DEFINE_UNARY_(clz, CLZ)
IR_DEFINE_UNARY_(ctz, CTZ)
IR_DEFINE_UNARY_(ctpop, CTPOP)
IR_DEFINE_UNARY_(bswap, BSWAP)
IR_DEFINE_UNARY_(ext8s, EXT8S)
IR_DEFINE_UNARY_(ext8u, EXT8U)
IR_DEFINE_UNARY_(ext16s, EXT16S)
IR_DEFINE_UNARY_(ext16u, EXT16U)
#undef IR_DEFINE_UNARY_

static inline void ir_ext32s_i64(IrBuilder *b, IrTemp d, IrTemp s) { ir_op1(b, IR_OP_EXT32S, IR_I64, d, s); }
static inline void ir_ext32u_i64(IrBuilder *b, IrTemp d, IrTemp s) { ir_op1(b, IR_OP_EXT32U, IR_I64, d, s); }
/* i32 -> i64 zero/sign extension. */
static inline void ir_extu_i32_i64(IrBuilder *b, IrTemp d64, IrTemp s32) { ir_op1(b, IR_OP_EXTU_I32_I64, IR_I64, d64, s32); }
static inline void ir_exts_i32_i64(IrBuilder *b, IrTemp d64, IrTemp s32) { ir_op1(b, IR_OP_EXTS_I32_I64, IR_I64, d64, s32); }
/* i64 -> i32 low/high half. */
static inline void ir_extrl_i64_i32(IrBuilder *b, IrTemp d32, IrTemp s64) { ir_op1(b, IR_OP_EXTRL_I64_I32, IR_I32, d32, s64); }
static inline void ir_extrh_i64_i32(IrBuilder *b, IrTemp d32, IrTemp s64) { ir_op1(b, IR_OP_EXTRH_I64_I32, IR_I32, d32, s64); }

/* d = constant @v. */
static inline void ir_movi_i32(IrBuilder *b, IrTemp d, uint32_t v) { ir_mov_i32(b, d, ir_const_i32(b, v)); }
static inline void ir_movi_i64(IrBuilder *b, IrTemp d, uint64_t v) { ir_mov_i64(b, d, ir_const_i64(b, v)); }

/* Immediate forms (the constant becomes a constant temp). */
static inline void ir_addi_i64(IrBuilder *b, IrTemp d, IrTemp s, int64_t v) { ir_add_i64(b, d, s, ir_const_i64(b, (uint64_t)v)); }
static inline void ir_andi_i64(IrBuilder *b, IrTemp d, IrTemp s, uint64_t v) { ir_and_i64(b, d, s, ir_const_i64(b, v)); }
static inline void ir_ori_i64(IrBuilder *b, IrTemp d, IrTemp s, uint64_t v) { ir_or_i64(b, d, s, ir_const_i64(b, v)); }
static inline void ir_xori_i64(IrBuilder *b, IrTemp d, IrTemp s, uint64_t v) { ir_xor_i64(b, d, s, ir_const_i64(b, v)); }
static inline void ir_shli_i64(IrBuilder *b, IrTemp d, IrTemp s, unsigned n) { ir_shl_i64(b, d, s, ir_const_i64(b, n)); }
static inline void ir_shri_i64(IrBuilder *b, IrTemp d, IrTemp s, unsigned n) { ir_shr_i64(b, d, s, ir_const_i64(b, n)); }
static inline void ir_sari_i64(IrBuilder *b, IrTemp d, IrTemp s, unsigned n) { ir_sar_i64(b, d, s, ir_const_i64(b, n)); }
static inline void ir_addi_i32(IrBuilder *b, IrTemp d, IrTemp s, int32_t v) { ir_add_i32(b, d, s, ir_const_i32(b, (uint32_t)v)); }

/* Bit fields. */
static inline void ir_extract(IrBuilder *b, IrType t, IrTemp d, IrTemp s, unsigned pos, unsigned len)
{
    const uint64_t a[] = { d, s, pos, len };
    b->emit(b, IR_OP_EXTRACT, t, 4, a);
}
static inline void ir_sextract(IrBuilder *b, IrType t, IrTemp d, IrTemp s, unsigned pos, unsigned len)
{
    const uint64_t a[] = { d, s, pos, len };
    b->emit(b, IR_OP_SEXTRACT, t, 4, a);
}
static inline void ir_deposit(IrBuilder *b, IrType t, IrTemp d, IrTemp x, IrTemp y,
                              unsigned pos, unsigned len)
{
    const uint64_t a[] = { d, x, y, pos, len };
    b->emit(b, IR_OP_DEPOSIT, t, 5, a);
}

/* ---- comparisons and control flow ------------------------------------ */

static inline void ir_setcond(IrBuilder *b, IrType t, IrCond c, IrTemp d, IrTemp x, IrTemp y)
{
    const uint64_t a[] = { d, x, y, c };
    b->emit(b, IR_OP_SETCOND, t, 4, a);
}
static inline void ir_setcond_i64(IrBuilder *b, IrCond c, IrTemp d, IrTemp x, IrTemp y) { ir_setcond(b, IR_I64, c, d, x, y); }
static inline void ir_setcond_i32(IrBuilder *b, IrCond c, IrTemp d, IrTemp x, IrTemp y) { ir_setcond(b, IR_I32, c, d, x, y); }

/* d = cond(c1, c2) ? v1 : v2; all of type @t. */
static inline void ir_movcond(IrBuilder *b, IrType t, IrCond c, IrTemp d, IrTemp c1, IrTemp c2,
                              IrTemp v1, IrTemp v2)
{
    const uint64_t a[] = { d, c1, c2, v1, v2, c };
    b->emit(b, IR_OP_MOVCOND, t, 6, a);
}
static inline void ir_movcond_i64(IrBuilder *b, IrCond c, IrTemp d, IrTemp c1, IrTemp c2,
                                  IrTemp v1, IrTemp v2) { ir_movcond(b, IR_I64, c, d, c1, c2, v1, v2); }

/* Branch to @l when cond(x, y). */
static inline void ir_brcond(IrBuilder *b, IrType t, IrCond c, IrTemp x, IrTemp y, IrLabel l)
{
    const uint64_t a[] = { x, y, c, l };
    b->emit(b, IR_OP_BRCOND, t, 4, a);
}
static inline void ir_brcond_i64(IrBuilder *b, IrCond c, IrTemp x, IrTemp y, IrLabel l) { ir_brcond(b, IR_I64, c, x, y, l); }
static inline void ir_brcond_i32(IrBuilder *b, IrCond c, IrTemp x, IrTemp y, IrLabel l) { ir_brcond(b, IR_I32, c, x, y, l); }
static inline void ir_brcondi_i64(IrBuilder *b, IrCond c, IrTemp x, uint64_t v, IrLabel l) { ir_brcond_i64(b, c, x, ir_const_i64(b, v), l); }

static inline void ir_br(IrBuilder *b, IrLabel l)
{
    const uint64_t a[] = { l };
    b->emit(b, IR_OP_BR, IR_I64, 1, a);
}
static inline void ir_set_label(IrBuilder *b, IrLabel l)
{
    const uint64_t a[] = { l };
    b->emit(b, IR_OP_SET_LABEL, IR_I64, 1, a);
}

/* ---- env fields --------------------------------------------------------- */

/* d = *(env + offset), size and extension from @memop (no IR_MO_ALIGN). */
static inline void ir_ld(IrBuilder *b, IrType t, IrTemp d, ptrdiff_t offset, unsigned memop)
{
    const uint64_t a[] = { d, (uint64_t)offset, memop };
    b->emit(b, IR_OP_LD, t, 3, a);
}
static inline void ir_st(IrBuilder *b, IrType t, IrTemp s, ptrdiff_t offset, unsigned memop)
{
    const uint64_t a[] = { s, (uint64_t)offset, memop };
    b->emit(b, IR_OP_ST, t, 3, a);
}
static inline void ir_ld_i64(IrBuilder *b, IrTemp d, ptrdiff_t off) { ir_ld(b, IR_I64, d, off, IR_MO_64); }
static inline void ir_st_i64(IrBuilder *b, IrTemp s, ptrdiff_t off) { ir_st(b, IR_I64, s, off, IR_MO_64); }
static inline void ir_ld_i32(IrBuilder *b, IrTemp d, ptrdiff_t off) { ir_ld(b, IR_I32, d, off, IR_MO_32); }
static inline void ir_st_i32(IrBuilder *b, IrTemp s, ptrdiff_t off) { ir_st(b, IR_I32, s, off, IR_MO_32); }

/* ---- guest memory (through the soft TLB) -------------------------------- */

/* d = guest memory at virtual @addr (i64) for @mmu_idx; faults go to
 * TcgCpuOps.tlb_fill with the guest state restored to this instruction. */
static inline void ir_guest_ld(IrBuilder *b, IrType t, IrTemp d, IrTemp addr, unsigned memop,
                               int mmu_idx)
{
    const uint64_t a[] = { d, addr, memop, (uint64_t)mmu_idx };
    b->emit(b, IR_OP_GUEST_LD, t, 4, a);
}
static inline void ir_guest_st(IrBuilder *b, IrType t, IrTemp val, IrTemp addr, unsigned memop,
                               int mmu_idx)
{
    const uint64_t a[] = { val, addr, memop, (uint64_t)mmu_idx };
    b->emit(b, IR_OP_GUEST_ST, t, 4, a);
}
/* Atomic compare-and-swap, atomic across vCPU threads: d = old. */
static inline void ir_atomic_cmpxchg(IrBuilder *b, IrType t, IrTemp d, IrTemp addr, IrTemp cmp,
                                     IrTemp newv, unsigned memop, int mmu_idx)
{
    const uint64_t a[] = { d, addr, cmp, newv, memop, (uint64_t)mmu_idx };
    b->emit(b, IR_OP_ATOMIC_CMPXCHG, t, 6, a);
}
/* Atomic read-modify-write: d = old; memory = op(old, val). */
static inline void ir_atomic_rmw(IrBuilder *b, IrType t, IrAtomicOp op, IrTemp d, IrTemp addr,
                                 IrTemp val, unsigned memop, int mmu_idx)
{
    const uint64_t a[] = { d, addr, val, memop, (uint64_t)mmu_idx, op };
    b->emit(b, IR_OP_ATOMIC_RMW, t, 6, a);
}

/* ---- helper calls ------------------------------------------------------- */

/*
 * Call @fn with @nargs (<= IR_MAX_CALL_ARGS) i64 temps as arguments (use
 * IR_TEMP_ENV for the env pointer), storing its result in @ret (i32 takes
 * the low half) unless @ret is IR_NO_TEMP.  Helpers must be C functions
 * whose parameters are all 64-bit integers or pointers and whose return
 * type is void, a 64-bit integer or a pointer; they run on the vCPU thread
 * and may call TcgEngineOps functions.  @flags: IR_CALL_*.
 */
static inline void ir_call(IrBuilder *b, void *fn, unsigned flags, IrTemp ret, unsigned nargs,
                           const IrTemp *args)
{
    uint64_t a[IR_MAX_OP_ARGS] = { ret, (uint64_t)(uintptr_t)fn, flags, nargs };
    for (unsigned i = 0; i < nargs && i < IR_MAX_CALL_ARGS; i++) {
        a[4 + i] = args[i];
    }
    b->emit(b, IR_OP_CALL, IR_I64, 4 + nargs, a);
}
static inline void ir_call0(IrBuilder *b, void *fn, unsigned flags, IrTemp ret)
{ ir_call(b, fn, flags, ret, 0, NULL); }
static inline void ir_call1(IrBuilder *b, void *fn, unsigned flags, IrTemp ret, IrTemp a0)
{ const IrTemp a[] = { a0 }; ir_call(b, fn, flags, ret, 1, a); }
static inline void ir_call2(IrBuilder *b, void *fn, unsigned flags, IrTemp ret, IrTemp a0, IrTemp a1)
{ const IrTemp a[] = { a0, a1 }; ir_call(b, fn, flags, ret, 2, a); }
static inline void ir_call3(IrBuilder *b, void *fn, unsigned flags, IrTemp ret, IrTemp a0, IrTemp a1,
                            IrTemp a2)
{ const IrTemp a[] = { a0, a1, a2 }; ir_call(b, fn, flags, ret, 3, a); }
static inline void ir_call4(IrBuilder *b, void *fn, unsigned flags, IrTemp ret, IrTemp a0, IrTemp a1,
                            IrTemp a2, IrTemp a3)
{ const IrTemp a[] = { a0, a1, a2, a3 }; ir_call(b, fn, flags, ret, 4, a); }

/* ---- block structure ----------------------------------------------------- */

/*
 * Start of a guest instruction at @pc.  Emit one before each instruction's
 * ops; @w1/@w2 are CPU-defined extra words (TcgCpuOps.insn_start_words says
 * how many are used) handed back to restore_state_to_opc when something
 * faults inside that instruction.
 */
static inline void ir_insn_start(IrBuilder *b, uint64_t pc, uint64_t w1, uint64_t w2)
{
    const uint64_t a[] = { pc, w1, w2 };
    b->emit(b, IR_OP_INSN_START, IR_I64, 3, a);
}

/*
 * Direct chaining.  The sequence for a static jump to @dest is
 *     ir_goto_tb(b, n); <write dest to the pc global>; ir_exit_tb(b, n);
 * with n in [0, IR_MAX_GOTO_TB), each slot used at most once per block.
 * Once the engine has linked slot n to the block for dest, goto_tb jumps
 * straight there (still honouring exit requests); until then it falls
 * through and exit_tb returns to the loop, which links it.  Only use this
 * when @dest lies in the same guest virtual page as pc_first and the TB
 * flags cannot have changed on this path; otherwise use
 * ir_lookup_and_goto_ptr() or ir_exit_tb(b, IR_EXIT_NO_CHAIN).
 */
static inline void ir_goto_tb(IrBuilder *b, unsigned slot)
{
    const uint64_t a[] = { slot };
    b->emit(b, IR_OP_GOTO_TB, IR_I64, 1, a);
}
/* Return to the execution loop (which then checks interrupts). */
static inline void ir_exit_tb(IrBuilder *b, uint64_t slot)
{
    const uint64_t a[] = { slot };
    b->emit(b, IR_OP_EXIT_TB, IR_I64, 1, a);
}
/* Indirect jump: pc global already written; find the next block from env
 * (get_tb_cpu_state) and go there, or return to the loop if not cached.
 * @flags are the TB flags env has at this point (a translator that changed
 * a flag on the way, e.g. aarch64's PSTATE.BTYPE on BR/BLR, says so). */
static inline void ir_lookup_and_goto_ptr_flags(IrBuilder *b, uint64_t flags)
{
    const uint64_t a[] = { flags };
    b->emit(b, IR_OP_LOOKUP_AND_GOTO_PTR, IR_I64, 1, a);
}
/* The same when this block has not changed its TB flags on the way here. */
static inline void ir_lookup_and_goto_ptr(IrBuilder *b)
{
    ir_lookup_and_goto_ptr_flags(b, b->flags);
}
/* Host memory barrier. */
static inline void ir_mb(IrBuilder *b, unsigned kind)
{
    const uint64_t a[] = { kind };
    b->emit(b, IR_OP_MB, IR_I64, 1, a);
}

#endif
