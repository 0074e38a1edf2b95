/* SPDX-License-Identifier: MIT */
/*
 * Scalar floating point (single and double precision, half-precision
 * conversions) for the A64 translator: helpers on raw bit patterns with
 * FPCR (rounding mode, DN, FZ) and cumulative FPSR flags.
 */
#ifndef TESSERA_ARM_FPU_H
#define TESSERA_ARM_FPU_H

#include "plugins/cpu/arm/cpu.h"

/* FPCR / FPSR bits. */
#define FPCR_RMODE_SHIFT 22
#define FPCR_FZ (1u << 24)
#define FPCR_DN (1u << 25)
#define FPCR_AHP (1u << 26)

#define FPSR_IOC (1u << 0)
#define FPSR_DZC (1u << 1)
#define FPSR_OFC (1u << 2)
#define FPSR_UFC (1u << 3)
#define FPSR_IXC (1u << 4)
#define FPSR_IDC (1u << 7)
#define FPSR_QC (1u << 27)
#define FPSR_MASK 0xf800009fu

/* Rounding modes (FPCR.RMode and the instructions' explicit modes). */
enum {
    ARM_RM_RN = 0,   /* to nearest, ties to even */
    ARM_RM_RP = 1,   /* towards +inf */
    ARM_RM_RM = 2,   /* towards -inf */
    ARM_RM_RZ = 3,   /* towards zero */
    ARM_RM_RA = 4,   /* to nearest, ties away (FCVTA*, FRINTA) */
    ARM_RM_FPCR = 5, /* as FPCR says */
};

/* Operand sizes (A64 ftype). */
enum {
    ARM_FT_S = 0,
    ARM_FT_D = 1,
    ARM_FT_H = 3,
};

typedef enum {
    ARM_FOP_MUL, ARM_FOP_DIV, ARM_FOP_ADD, ARM_FOP_SUB, ARM_FOP_MAX, ARM_FOP_MIN,
    ARM_FOP_MAXNM, ARM_FOP_MINNM, ARM_FOP_NMUL,
} ARMFpOp2;

typedef enum {
    ARM_FOP_SQRT, ARM_FOP_RINT,
} ARMFpOp1;

uint64_t arm_fp_op2(CPUARMState *env, ARMFpOp2 op, unsigned ft, uint64_t a, uint64_t b);
uint64_t arm_fp_sqrt(CPUARMState *env, unsigned ft, uint64_t a);
/* Fused multiply-add: (neg_acc ? -a : a) + (neg_prod ? -(n*m) : n*m). */
uint64_t arm_fp_fma(CPUARMState *env, unsigned ft, uint64_t a, uint64_t n, uint64_t m,
                    bool neg_acc, bool neg_prod);
/* The same on the exact path alone (S and D; fpu-fast.c's entry points
 * above take a host fast path when the flags are known without it). */
uint64_t arm_fp_op2_exact(CPUARMState *env, ARMFpOp2 op, unsigned ft, uint64_t a, uint64_t b);
uint64_t arm_fp_sqrt_exact(CPUARMState *env, unsigned ft, uint64_t a);
uint64_t arm_fp_fma_exact(CPUARMState *env, unsigned ft, uint64_t a, uint64_t n, uint64_t m,
                          bool neg_acc, bool neg_prod);
/* Round to integral in @rm (ARM_RM_*); @exact raises inexact (FRINTX). */
uint64_t arm_fp_rint(CPUARMState *env, unsigned ft, uint64_t a, unsigned rm, bool exact);
/* Compare: NZCV as PSTATE bits 31:28; @signal: any NaN raises invalid. */
uint32_t arm_fp_compare(CPUARMState *env, unsigned ft, uint64_t a, uint64_t b, bool signal);
/* Precision conversion between S, D and H. */
uint64_t arm_fp_convert(CPUARMState *env, unsigned from, unsigned to, uint64_t a);
/* Conversions to (@to ARM_FT_H) or from (@from ARM_FT_H) half precision. */
uint64_t arm_fp_convert_half(CPUARMState *env, unsigned from, unsigned to, uint64_t a);
/* To integer of 32 or 64 bits (@is64), signed or not, rounding @rm; the
 * value is first scaled by 2^@fbits (fixed point; 0 for integers). */
uint64_t arm_fp_to_int(CPUARMState *env, unsigned ft, uint64_t a, unsigned rm, bool is_signed,
                       bool is64, unsigned fbits);
/* From a signed or unsigned 64-bit integer (already extended), divided by
 * 2^@fbits (fixed point; 0 for integers). */
uint64_t arm_fp_from_int(CPUARMState *env, unsigned ft, uint64_t v, bool is_signed,
                         unsigned fbits);

/* Half-precision arithmetic (FEAT_FP16, fpu-half.c); the arm_fp_* entry
 * points above route ft ARM_FT_H here. */
uint64_t arm_fp16_op2(CPUARMState *env, ARMFpOp2 op, uint64_t a, uint64_t b);
uint64_t arm_fp16_sqrt(CPUARMState *env, uint64_t a);
uint64_t arm_fp16_fma(CPUARMState *env, uint64_t a, uint64_t n, uint64_t m, bool neg_acc,
                      bool neg_prod);
uint64_t arm_fp16_rint(CPUARMState *env, uint64_t a, unsigned rm, bool exact);
uint32_t arm_fp16_compare(CPUARMState *env, uint64_t a, uint64_t b, bool signal);
uint64_t arm_fp16_to_int(CPUARMState *env, uint64_t a, unsigned rm, bool is_signed, bool is64,
                         unsigned fbits);
uint64_t arm_fp16_from_int(CPUARMState *env, uint64_t v, bool is_signed, unsigned fbits);
uint64_t arm_fp16_mulx(CPUARMState *env, uint64_t a, uint64_t b);
uint64_t arm_fp16_step(CPUARMState *env, uint64_t a, uint64_t b, bool rsqrt);
uint64_t arm_fp16_recpe(CPUARMState *env, uint64_t a);
uint64_t arm_fp16_rsqrte(CPUARMState *env, uint64_t a);
uint64_t arm_fp16_recpx(CPUARMState *env, uint64_t a);

/* Advanced SIMD and later additions (fpu.c). */
uint64_t arm_fp_mulx(CPUARMState *env, unsigned ft, uint64_t a, uint64_t b);
/* FRECPS (2 - a*b) or FRSQRTS ((3 - a*b) / 2), fused. */
uint64_t arm_fp_step(CPUARMState *env, unsigned ft, uint64_t a, uint64_t b, bool rsqrt);
uint64_t arm_fp_recpe(CPUARMState *env, unsigned ft, uint64_t a);
uint64_t arm_fp_rsqrte(CPUARMState *env, unsigned ft, uint64_t a);
uint64_t arm_fp_recpx(CPUARMState *env, unsigned ft, uint64_t a);
/* Double to single rounding to odd (FCVTXN). */
uint64_t arm_fp_cvt_odd(CPUARMState *env, uint64_t a);
/* FRINT32* / FRINT64*: round in @rm to an integral value of @intbits. */
uint64_t arm_fp_rint_int(CPUARMState *env, unsigned ft, uint64_t a, unsigned rm, unsigned intbits);
/* FJCVTZS: the low 32 bits; *z the Z flag. */
uint64_t arm_fp_jcvt(CPUARMState *env, uint64_t a, bool *z);
/* The Arm ARM's RecipEstimate / RecipSqrtEstimate on 9-bit inputs. */
unsigned arm_recip_estimate(unsigned a);
unsigned arm_rsqrt_estimate(unsigned a);
/* Called from translated code: desc = ft | rm << 8 | intbits << 16. */
uint64_t arm_helper_frint_int(CPUARMState *env, uint64_t desc, uint64_t a);
/* Flag manipulation (flagm.c): op is one of these (RMIF | shift << 8 | mask << 16). */
enum {
    ARM_FLAGM_CFINV, ARM_FLAGM_XAFLAG, ARM_FLAGM_AXFLAG, ARM_FLAGM_RMIF, ARM_FLAGM_SETF8,
    ARM_FLAGM_SETF16,
};
void arm_helper_flagm(CPUARMState *env, uint64_t op, uint64_t v);
/* FJCVTZS: sets NZCV to 0Z00. */
uint64_t arm_helper_fjcvtzs(CPUARMState *env, uint64_t a);

#endif
