/* SPDX-License-Identifier: MIT */
/*
 * RISC-V F and D arithmetic on raw register bits (IEEE 754-2008 as the
 * F/D chapters of the unprivileged spec 20191213 refine it): NaN-boxing of
 * singles, canonical NaN results, accrued flags in env->fflags, the five
 * rounding modes (rm 7 = dynamic, taken from env->frm, which the caller
 * has checked with riscv_fpu_rm_valid()).
 */
#ifndef TESSERA_RISCV_FPU_H
#define TESSERA_RISCV_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "plugins/cpu/riscv/cpu.h"

#define RISCV_CANON_NAN_S 0x7fc00000u
#define RISCV_CANON_NAN_D 0x7ff8000000000000ull
#define RISCV_NANBOX_S    0xffffffff00000000ull

typedef enum {
    FPU_ADD,
    FPU_SUB,
    FPU_MUL,
    FPU_DIV,
    FPU_SQRT,
    FPU_MADD,   /*  a*b + c */
    FPU_MSUB,   /*  a*b - c */
    FPU_NMSUB,  /* -a*b + c */
    FPU_NMADD,  /* -a*b - c */
} RISCVFpuOp;

typedef enum {
    FPU_CVT_W,
    FPU_CVT_WU,
    FPU_CVT_L,
    FPU_CVT_LU,
} RISCVFpuIntKind;

typedef enum {
    FPU_MIN,
    FPU_MAX,
} RISCVFpuMinMax;

typedef enum {
    FPU_EQ,
    FPU_LT,
    FPU_LE,
} RISCVFpuCmp;

/* Whether @rm (0-7 from the instruction) names a usable rounding mode. */
bool riscv_fpu_rm_valid(const CPURISCVState *env, uint32_t rm);

/* NaN-boxing: the single held by a 64-bit register (canonical NaN when the
 * value is not properly boxed), and the boxed register image of a single. */
uint32_t riscv_fpu_unbox_s(uint64_t reg);
static inline uint64_t riscv_fpu_box_s(uint32_t v)
{
    return RISCV_NANBOX_S | v;
}

/* Arithmetic; single-precision operands and results are register images
 * (boxed). */
uint64_t riscv_fpu_arith_s(CPURISCVState *env, RISCVFpuOp op, uint64_t a, uint64_t b,
                           uint64_t c, uint32_t rm);
uint64_t riscv_fpu_arith_d(CPURISCVState *env, RISCVFpuOp op, uint64_t a, uint64_t b,
                           uint64_t c, uint32_t rm);
/* The same without the fast path (always through the exact host-mode path);
 * for tests comparing the two. */
uint64_t riscv_fpu_arith_s_exact(CPURISCVState *env, RISCVFpuOp op, uint64_t a, uint64_t b,
                                 uint64_t c, uint32_t rm);
uint64_t riscv_fpu_arith_d_exact(CPURISCVState *env, RISCVFpuOp op, uint64_t a, uint64_t b,
                                 uint64_t c, uint32_t rm);
uint64_t riscv_fpu_minmax_s(CPURISCVState *env, RISCVFpuMinMax op, uint64_t a, uint64_t b);
uint64_t riscv_fpu_minmax_d(CPURISCVState *env, RISCVFpuMinMax op, uint64_t a, uint64_t b);
uint64_t riscv_fpu_cmp_s(CPURISCVState *env, RISCVFpuCmp op, uint64_t a, uint64_t b);
uint64_t riscv_fpu_cmp_d(CPURISCVState *env, RISCVFpuCmp op, uint64_t a, uint64_t b);
uint64_t riscv_fpu_class_s(uint64_t a);
uint64_t riscv_fpu_class_d(uint64_t a);
/* fsgnj/fsgnjn/fsgnjx: @kind 0, 1, 2 as funct3. */
uint64_t riscv_fpu_sgnj_s(uint64_t a, uint64_t b, uint32_t kind);
uint64_t riscv_fpu_sgnj_d(uint64_t a, uint64_t b, uint32_t kind);

/* Float to integer (result sign-extended to 64 bits for W/WU). */
uint64_t riscv_fpu_to_int_s(CPURISCVState *env, RISCVFpuIntKind kind, uint64_t a, uint32_t rm);
uint64_t riscv_fpu_to_int_d(CPURISCVState *env, RISCVFpuIntKind kind, uint64_t a, uint32_t rm);
/* Integer (interpreted per @kind) to float. */
uint64_t riscv_fpu_from_int_s(CPURISCVState *env, RISCVFpuIntKind kind, uint64_t x, uint32_t rm);
uint64_t riscv_fpu_from_int_d(CPURISCVState *env, RISCVFpuIntKind kind, uint64_t x, uint32_t rm);
uint64_t riscv_fpu_cvt_s_d(CPURISCVState *env, uint64_t a, uint32_t rm);
uint64_t riscv_fpu_cvt_d_s(CPURISCVState *env, uint64_t a, uint32_t rm);

#endif
