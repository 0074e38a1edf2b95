/* SPDX-License-Identifier: MIT */
/*
 * The interpreter's executor: one function with a computed-goto handler per
 * record kind.  Operands are pointers resolved at compile time, so a handler
 * is a few loads and a store followed by an indirect jump; guest loads and
 * stores check the vCPU's TLB inline and call the engine only on a miss.
 *
 * The host is little-endian (checked below): an i32 operand is read from
 * the low half of an i64 slot through a uint32_t pointer.
 */
#include <string.h>

#include "plugins/accel/tcg-interp/interp.h"

G_STATIC_ASSERT(G_BYTE_ORDER == G_LITTLE_ENDIAN);

typedef uint64_t (*Helper0)(void);
typedef uint64_t (*Helper1)(uint64_t);
typedef uint64_t (*Helper2)(uint64_t, uint64_t);
typedef uint64_t (*Helper3)(uint64_t, uint64_t, uint64_t);
typedef uint64_t (*Helper4)(uint64_t, uint64_t, uint64_t, uint64_t);
typedef uint64_t (*Helper5)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
typedef uint64_t (*Helper6)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

static inline uint64_t mulsh64(uint64_t a, uint64_t b)
{
    return (uint64_t)(((__int128)(int64_t)a * (__int128)(int64_t)b) >> 64);
}
static inline uint64_t muluh64(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * (unsigned __int128)b) >> 64);
}
static inline uint64_t mulsuh64(uint64_t a, uint64_t b)
{
    return (uint64_t)(((__int128)(int64_t)a * (__int128)b) >> 64);
}
static inline uint32_t mulsh32(uint32_t a, uint32_t b)
{
    return (uint32_t)(((int64_t)(int32_t)a * (int64_t)(int32_t)b) >> 32);
}
static inline uint32_t muluh32(uint32_t a, uint32_t b)
{
    return (uint32_t)(((uint64_t)a * (uint64_t)b) >> 32);
}
static inline uint32_t mulsuh32(uint32_t a, uint32_t b)
{
    return (uint32_t)(((int64_t)(int32_t)a * (int64_t)b) >> 32);
}

/* Operand access. */
#define OPND(T, p) (*(T *)(p))
#define NEXT(n)                                                              \
    do {                                                                     \
        ip += (n);                                                           \
        goto *ip->op.h;                                                      \
    } while (0)

/* Binary ops: EXPR sees a, b of type T_, the signed type S_ and width W_. */
#define BIN_T(NAME, SUF, T, S, W, EXPR)                                      \
    L_##NAME##_##SUF: {                                                      \
        typedef T T_;                                                        \
        typedef S S_;                                                        \
        enum { W_ = (W) };                                                   \
        T_ a = OPND(T_, ip->op.p1), b = OPND(T_, ip->op.p2);                 \
        (void)sizeof(S_);                                                    \
        OPND(T_, ip->op.p0) = (T_)(EXPR);                                    \
        NEXT(1);                                                             \
    }
/* The i32 op followed by a sign extension to i64 (fused by the compiler). */
#define BIN_SX(NAME, EXPR)                                                   \
    L_##NAME##_I32SX: {                                                      \
        typedef uint32_t T_;                                                 \
        typedef int32_t S_;                                                  \
        enum { W_ = 32 };                                                    \
        T_ a = OPND(T_, ip->op.p1), b = OPND(T_, ip->op.p2);                 \
        (void)sizeof(S_);                                                    \
        OPND(uint64_t, ip->op.p0) = (uint64_t)(int64_t)(int32_t)(T_)(EXPR);  \
        NEXT(1);                                                             \
    }
#define BIN(NAME, EXPR)                                                      \
    BIN_T(NAME, I32, uint32_t, int32_t, 32, EXPR)                            \
    BIN_T(NAME, I64, uint64_t, int64_t, 64, EXPR)                            \
    BIN_SX(NAME, EXPR)

#define UN_T(NAME, SUF, T, S, W, EXPR)                                       \
    L_##NAME##_##SUF: {                                                      \
        typedef T T_;                                                        \
        typedef S S_;                                                        \
        enum { W_ = (W) };                                                   \
        T_ a = OPND(T_, ip->op.p1);                                          \
        (void)sizeof(S_);                                                    \
        OPND(T_, ip->op.p0) = (T_)(EXPR);                                    \
        NEXT(1);                                                             \
    }
#define UN(NAME, EXPR)                                                       \
    UN_T(NAME, I32, uint32_t, int32_t, 32, EXPR)                             \
    UN_T(NAME, I64, uint64_t, int64_t, 64, EXPR)

#define SMIN_ ((S_)((T_)1 << (W_ - 1)))
#define SHAMT_ (b & (W_ - 1))

/* Conditions on a, b (with S_ in scope). */
#define CMP_EQ(a, b) ((a) == (b))
#define CMP_NE(a, b) ((a) != (b))
#define CMP_LT(a, b) ((S_)(a) < (S_)(b))
#define CMP_GE(a, b) ((S_)(a) >= (S_)(b))
#define CMP_LE(a, b) ((S_)(a) <= (S_)(b))
#define CMP_GT(a, b) ((S_)(a) > (S_)(b))
#define CMP_LTU(a, b) ((a) < (b))
#define CMP_GEU(a, b) ((a) >= (b))
#define CMP_LEU(a, b) ((a) <= (b))
#define CMP_GTU(a, b) ((a) > (b))

#define COND_T(C, SUF, T, S)                                                 \
    L_SET_##C##_##SUF: {                                                     \
        typedef T T_;                                                        \
        typedef S S_;                                                        \
        T_ a = OPND(T_, ip->op.p1), b = OPND(T_, ip->op.p2);                 \
        (void)sizeof(S_);                                                    \
        OPND(T_, ip->op.p0) = CMP_##C(a, b);                                 \
        NEXT(1);                                                             \
    }                                                                        \
    L_MOVC_##C##_##SUF: {                                                    \
        typedef T T_;                                                        \
        typedef S S_;                                                        \
        T_ a = OPND(T_, ip->op.p1), b = OPND(T_, ip->op.p2);                 \
        (void)sizeof(S_);                                                    \
        T_ r = CMP_##C(a, b) ? OPND(T_, ip[1].p[0]) : OPND(T_, ip[1].p[1]);  \
        OPND(T_, ip->op.p0) = r;                                             \
        NEXT(2);                                                             \
    }                                                                        \
    L_BR_##C##_##SUF: {                                                      \
        typedef T T_;                                                        \
        typedef S S_;                                                        \
        T_ a = OPND(T_, ip->op.p0), b = OPND(T_, ip->op.p1);                 \
        (void)sizeof(S_);                                                    \
        if (CMP_##C(a, b)) {                                                 \
            ip = (const InterpInsn *)ip->op.p2;                              \
            goto *ip->op.h;                                                  \
        }                                                                    \
        NEXT(1);                                                             \
    }
#define COND(C) COND_T(C, I32, uint32_t, int32_t) COND_T(C, I64, uint64_t, int64_t)

/* Env field loads: LT is the field type, DT the destination type. */
#define LDENV_T(NAME, SUF, LT, DT)                                           \
    L_LDENV_##NAME##_##SUF: {                                                \
        LT x;                                                                \
        memcpy(&x, ip->op.p1, sizeof(x));                                    \
        OPND(DT, ip->op.p0) = (DT)x;                                         \
        NEXT(1);                                                             \
    }
#define LDENV(NAME, LT) LDENV_T(NAME, I32, LT, uint32_t) LDENV_T(NAME, I64, LT, uint64_t)

#define STENV(BITS)                                                          \
    L_STENV_##BITS: {                                                        \
        uint##BITS##_t x = OPND(uint##BITS##_t, ip->op.p0);                  \
        memcpy(ip->op.p1, &x, sizeof(x));                                    \
        NEXT(1);                                                             \
    }

/*
 * Guest loads: record 0 = handler, dest, base address, TcgVcpu.tlb slot of the
 * mmu index; record 1 = memop, mmu index, instruction index, offset added to
 * the base (the compiler folds a preceding address add into it).
 */
#define QLD_T(NAME, SUF, LT, DT)                                             \
    L_QLD_##NAME##_##SUF: {                                                  \
        uint64_t addr = OPND(uint64_t, ip->op.p1) + ip[1].w[3];              \
        const TcgTlbEntry *e = *(TcgTlbEntry *const *)ip->op.p2 +            \
                               tcg_tlb_index(addr);                          \
        DT val;                                                              \
        if (G_LIKELY((addr & (TCG_PAGE_MASK | (sizeof(LT) - 1))) ==          \
                     e->addr_read)) {                                        \
            LT x;                                                            \
            memcpy(&x, (const void *)(uintptr_t)(addr + e->addend), sizeof(x)); \
            val = (DT)x;                                                     \
        } else {                                                             \
            v->cur_insn = (uint32_t)ip[1].w[2];                              \
            val = (DT)v->slow_ld(v, addr, (unsigned)ip[1].w[0],              \
                                 (int)ip[1].w[1], 1);                        \
        }                                                                    \
        OPND(DT, ip->op.p0) = val;                                           \
        NEXT(2);                                                             \
    }
#define QLD(NAME, LT) QLD_T(NAME, I32, LT, uint32_t) QLD_T(NAME, I64, LT, uint64_t)

/* Guest stores: record 0 = handler, value, base, TLB table; record 1 as loads. */
#define QST(BITS)                                                            \
    L_QST_##BITS: {                                                          \
        uint64_t addr = OPND(uint64_t, ip->op.p1) + ip[1].w[3];              \
        uint##BITS##_t x = OPND(uint##BITS##_t, ip->op.p0);                   \
        TcgTlbEntry *e = *(TcgTlbEntry *const *)ip->op.p2 + tcg_tlb_index(addr); \
        if (G_LIKELY((addr & (TCG_PAGE_MASK | (BITS / 8 - 1))) ==            \
                     __atomic_load_n(&e->addr_write, __ATOMIC_RELAXED))) {   \
            memcpy((void *)(uintptr_t)(addr + e->addend), &x, sizeof(x));    \
        } else {                                                             \
            v->cur_insn = (uint32_t)ip[1].w[2];                              \
            v->slow_st(v, addr, x, (unsigned)ip[1].w[0], (int)ip[1].w[1], 1); \
        }                                                                    \
        NEXT(2);                                                             \
    }

TcgTb *interp_run(TcgVcpu *v, TcgTb *tb, int *exit_slot, const void *const **table)
{
    static const void *const handlers[IH_COUNT] = {
#define INTERP_LABEL_(n) [IH_##n] = &&L_##n,
        INTERP_HANDLERS(INTERP_LABEL_)
#undef INTERP_LABEL_
    };
    if (!tb) {
        *table = handlers;
        return NULL;
    }

    TcgTb *cur = tb;
    const InterpInsn *ip = ((const InterpCode *)tb->code)->insns;
    goto *ip->op.h;

    BIN(ADD, a + b)
    BIN(SUB, a - b)
    BIN(MUL, a * b)
    BIN(AND, a & b)
    BIN(OR, a | b)
    BIN(XOR, a ^ b)
    BIN(SHL, a << SHAMT_)
    BIN(SHR, a >> SHAMT_)
    BIN(SAR, (S_)a >> SHAMT_)
    BIN(ROTL, SHAMT_ ? (T_)((a << SHAMT_) | (a >> (W_ - SHAMT_))) : a)
    BIN(ROTR, SHAMT_ ? (T_)((a >> SHAMT_) | (a << (W_ - SHAMT_))) : a)
    BIN(DIV, b == 0 ? (T_)-1 : ((S_)a == SMIN_ && (S_)b == -1) ? a : (T_)((S_)a / (S_)b))
    BIN(DIVU, b == 0 ? (T_)-1 : a / b)
    BIN(REM, b == 0 ? a : ((S_)a == SMIN_ && (S_)b == -1) ? 0 : (T_)((S_)a % (S_)b))
    BIN(REMU, b == 0 ? a : a % b)
    BIN_T(MULSH, I32, uint32_t, int32_t, 32, mulsh32(a, b))
    BIN_T(MULSH, I64, uint64_t, int64_t, 64, mulsh64(a, b))
    BIN_T(MULUH, I32, uint32_t, int32_t, 32, muluh32(a, b))
    BIN_T(MULUH, I64, uint64_t, int64_t, 64, muluh64(a, b))
    BIN_T(MULSUH, I32, uint32_t, int32_t, 32, mulsuh32(a, b))
    BIN_T(MULSUH, I64, uint64_t, int64_t, 64, mulsuh64(a, b))
    BIN(ANDC, a & ~b)
    BIN(ORC, a | ~b)
    BIN(EQV, ~(a ^ b))

    UN(MOV, a)
    UN(NEG, -a)
    UN(NOT, ~a)
    UN_T(CLZ, I32, uint32_t, int32_t, 32, a ? __builtin_clz(a) : 32)
    UN_T(CLZ, I64, uint64_t, int64_t, 64, a ? __builtin_clzll(a) : 64)
    UN_T(CTZ, I32, uint32_t, int32_t, 32, a ? __builtin_ctz(a) : 32)
    UN_T(CTZ, I64, uint64_t, int64_t, 64, a ? __builtin_ctzll(a) : 64)
    UN_T(CTPOP, I32, uint32_t, int32_t, 32, __builtin_popcount(a))
    UN_T(CTPOP, I64, uint64_t, int64_t, 64, __builtin_popcountll(a))
    UN_T(BSWAP, I32, uint32_t, int32_t, 32, __builtin_bswap32(a))
    UN_T(BSWAP, I64, uint64_t, int64_t, 64, __builtin_bswap64(a))
    UN(EXT8S, (S_)(int8_t)a)
    UN(EXT8U, (uint8_t)a)
    UN(EXT16S, (S_)(int16_t)a)
    UN(EXT16U, (uint16_t)a)
    UN_T(EXT32S, I64, uint64_t, int64_t, 64, (int64_t)(int32_t)a)
    UN_T(EXT32U, I64, uint64_t, int64_t, 64, (uint32_t)a)

L_EXTU_I32_I64:
    OPND(uint64_t, ip->op.p0) = OPND(uint32_t, ip->op.p1);
    NEXT(1);
L_EXTS_I32_I64:
    OPND(uint64_t, ip->op.p0) = (uint64_t)(int64_t)OPND(int32_t, ip->op.p1);
    NEXT(1);
L_EXTRL_I64_I32:
    OPND(uint32_t, ip->op.p0) = (uint32_t)OPND(uint64_t, ip->op.p1);
    NEXT(1);
L_EXTRH_I64_I32:
    OPND(uint32_t, ip->op.p0) = (uint32_t)(OPND(uint64_t, ip->op.p1) >> 32);
    NEXT(1);

    /* Immediate forms: the constant is in w[3] (w[2] for movi). */
L_ADDI_I64:
    OPND(uint64_t, ip->op.p0) = OPND(uint64_t, ip->op.p1) + ip->w[3];
    NEXT(1);
L_ANDI_I64:
    OPND(uint64_t, ip->op.p0) = OPND(uint64_t, ip->op.p1) & ip->w[3];
    NEXT(1);
L_SHLI_I64:
    OPND(uint64_t, ip->op.p0) = OPND(uint64_t, ip->op.p1) << ip->w[3];
    NEXT(1);
L_SHRI_I64:
    OPND(uint64_t, ip->op.p0) = OPND(uint64_t, ip->op.p1) >> ip->w[3];
    NEXT(1);
L_SARI_I64:
    OPND(uint64_t, ip->op.p0) = (uint64_t)(OPND(int64_t, ip->op.p1) >> ip->w[3]);
    NEXT(1);
L_MOVI_I64:
    OPND(uint64_t, ip->op.p0) = ip->w[2];
    NEXT(1);
L_MOVI_I32:
    OPND(uint32_t, ip->op.p0) = (uint32_t)ip->w[2];
    NEXT(1);

    /* Bit fields: w[3] = pos | len << 8 (deposit: in record 1). */
L_EXTRACT_I32: {
    unsigned pos = ip->w[3] & 0xff, len = (unsigned)(ip->w[3] >> 8);
    uint32_t x = OPND(uint32_t, ip->op.p1) >> pos;
    OPND(uint32_t, ip->op.p0) = len >= 32 ? x : x & ((1u << len) - 1);
    NEXT(1);
}
L_EXTRACT_I64: {
    unsigned pos = ip->w[3] & 0xff, len = (unsigned)(ip->w[3] >> 8);
    uint64_t x = OPND(uint64_t, ip->op.p1) >> pos;
    OPND(uint64_t, ip->op.p0) = len >= 64 ? x : x & ((1ull << len) - 1);
    NEXT(1);
}
L_SEXTRACT_I32: {
    unsigned pos = ip->w[3] & 0xff, len = (unsigned)(ip->w[3] >> 8);
    uint32_t x = OPND(uint32_t, ip->op.p1) << (32 - pos - len);
    OPND(uint32_t, ip->op.p0) = (uint32_t)((int32_t)x >> (32 - len));
    NEXT(1);
}
L_SEXTRACT_I64: {
    unsigned pos = ip->w[3] & 0xff, len = (unsigned)(ip->w[3] >> 8);
    uint64_t x = OPND(uint64_t, ip->op.p1) << (64 - pos - len);
    OPND(uint64_t, ip->op.p0) = (uint64_t)((int64_t)x >> (64 - len));
    NEXT(1);
}
L_DEPOSIT_I32: {
    unsigned pos = ip[1].w[0] & 0xff, len = (unsigned)(ip[1].w[0] >> 8);
    uint32_t mask = (len >= 32 ? UINT32_MAX : ((1u << len) - 1)) << pos;
    uint32_t a = OPND(uint32_t, ip->op.p1), b = OPND(uint32_t, ip->op.p2);
    OPND(uint32_t, ip->op.p0) = (a & ~mask) | ((b << pos) & mask);
    NEXT(2);
}
L_DEPOSIT_I64: {
    unsigned pos = ip[1].w[0] & 0xff, len = (unsigned)(ip[1].w[0] >> 8);
    uint64_t mask = (len >= 64 ? UINT64_MAX : ((1ull << len) - 1)) << pos;
    uint64_t a = OPND(uint64_t, ip->op.p1), b = OPND(uint64_t, ip->op.p2);
    OPND(uint64_t, ip->op.p0) = (a & ~mask) | ((b << pos) & mask);
    NEXT(2);
}

    INTERP_CONDS(COND)

L_BR:
    ip = (const InterpInsn *)ip->op.p2;
    goto *ip->op.h;

    LDENV(U8, uint8_t)
    LDENV(S8, int8_t)
    LDENV(U16, uint16_t)
    LDENV(S16, int16_t)
    LDENV(U32, uint32_t)
    LDENV(S32, int32_t)
    LDENV(64, uint64_t)
    STENV(8)
    STENV(16)
    STENV(32)
    STENV(64)

    QLD(U8, uint8_t)
    QLD(S8, int8_t)
    QLD(U16, uint16_t)
    QLD(S16, int16_t)
    QLD(U32, uint32_t)
    QLD(S32, int32_t)
    QLD(64, uint64_t)
    QST(8)
    QST(16)
    QST(32)
    QST(64)

    /* Atomics: record 0 = handler, dest, addr, cmp/val; record 1 = new
     * value (cmpxchg) or IrAtomicOp (rmw), memop, mmu index, insn index. */
L_CMPXCHG_I32:
    v->cur_insn = (uint32_t)ip[1].w[3];
    OPND(uint32_t, ip->op.p0) = (uint32_t)v->atomic_cmpxchg(
        v, OPND(uint64_t, ip->op.p1), OPND(uint32_t, ip->op.p2),
        OPND(uint32_t, ip[1].p[0]), (unsigned)ip[1].w[1], (int)ip[1].w[2], 1);
    NEXT(2);
L_CMPXCHG_I64:
    v->cur_insn = (uint32_t)ip[1].w[3];
    OPND(uint64_t, ip->op.p0) = v->atomic_cmpxchg(
        v, OPND(uint64_t, ip->op.p1), OPND(uint64_t, ip->op.p2),
        OPND(uint64_t, ip[1].p[0]), (unsigned)ip[1].w[1], (int)ip[1].w[2], 1);
    NEXT(2);
L_RMW_I32:
    v->cur_insn = (uint32_t)ip[1].w[3];
    OPND(uint32_t, ip->op.p0) = (uint32_t)v->atomic_rmw(
        v, OPND(uint64_t, ip->op.p1), OPND(uint32_t, ip->op.p2), (IrAtomicOp)ip[1].w[0],
        (unsigned)ip[1].w[1], (int)ip[1].w[2], 1);
    NEXT(2);
L_RMW_I64:
    v->cur_insn = (uint32_t)ip[1].w[3];
    OPND(uint64_t, ip->op.p0) = v->atomic_rmw(
        v, OPND(uint64_t, ip->op.p1), OPND(uint64_t, ip->op.p2), (IrAtomicOp)ip[1].w[0],
        (unsigned)ip[1].w[1], (int)ip[1].w[2], 1);
    NEXT(2);

    /*
     * Calls: record 0 = handler, function, return slot (or NULL), meta =
     * nargs | ret_is_i32 << 8 | insn << 32; records 1-2 = argument pointers.
     */
L_CALL: {
    uint64_t meta = ip->w[3];
    unsigned nargs = meta & 0xff;
    const void *fn = ip->op.p0;
    uint64_t a[IR_MAX_CALL_ARGS];
    for (unsigned i = 0; i < nargs; i++) {
        a[i] = OPND(uint64_t, ip[1 + i / 4].p[i % 4]);
    }
    v->cur_insn = (uint32_t)(meta >> 32);
    uint64_t r;
    switch (nargs) {
    case 0:
        r = ((Helper0)fn)();
        break;
    case 1:
        r = ((Helper1)fn)(a[0]);
        break;
    case 2:
        r = ((Helper2)fn)(a[0], a[1]);
        break;
    case 3:
        r = ((Helper3)fn)(a[0], a[1], a[2]);
        break;
    case 4:
        r = ((Helper4)fn)(a[0], a[1], a[2], a[3]);
        break;
    case 5:
        r = ((Helper5)fn)(a[0], a[1], a[2], a[3], a[4]);
        break;
    default:
        r = ((Helper6)fn)(a[0], a[1], a[2], a[3], a[4], a[5]);
        break;
    }
    if (ip->op.p1) {
        if (meta & 0x100) {
            OPND(uint32_t, ip->op.p1) = (uint32_t)r;
        } else {
            OPND(uint64_t, ip->op.p1) = r;
        }
    }
    NEXT(1 + (nargs + 3) / 4);
}

L_GOTO_TB: {
    TcgTb *next = __atomic_load_n((TcgTb **)ip->op.p0, __ATOMIC_ACQUIRE);
    if (next && !__atomic_load_n(&v->exit_flag, __ATOMIC_RELAXED) &&
        next->verified_gen == v->icache_gen) {
        cur = next;
        v->cur_tb = next;
        ip = ((const InterpCode *)next->code)->insns;
        goto *ip->op.h;
    }
    NEXT(1);
}
L_EXIT_TB:
    *exit_slot = (int)(int64_t)ip->w[1];
    return cur;
L_LOOKUP_AND_GOTO_PTR: {
    TcgTb *next = v->lookup_tb(v);
    if (!next) {
        *exit_slot = -1;
        return cur;
    }
    cur = next;
    v->cur_tb = next;
    ip = ((const InterpCode *)next->code)->insns;
    goto *ip->op.h;
}
L_MB:
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    NEXT(1);
}
