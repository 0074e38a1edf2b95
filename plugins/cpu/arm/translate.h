/* SPDX-License-Identifier: MIT */
/*
 * Shared between the A64 translator (translate.c) and the engine glue and
 * helpers it calls from translated code (tcg.c).
 */
#ifndef TESSERA_ARM_TRANSLATE_H
#define TESSERA_ARM_TRANSLATE_H

#include "tcg/tcg-cpu.h"
#include "plugins/cpu/arm/cpu.h"

/* Globals the IR addresses directly: x0..x30, sp, pc, the four flags. */
#define ARM_GLOBAL_X(i) (i)
#define ARM_GLOBAL_SP 31
#define ARM_GLOBAL_PC 32
#define ARM_GLOBAL_NF 33
#define ARM_GLOBAL_ZF 34
#define ARM_GLOBAL_CF 35
#define ARM_GLOBAL_VF 36
#define ARM_NUM_GLOBALS 37

/* TB flags: what translation depends on besides the code bytes. */
#define TB_FLAG_EL_MASK 0x3ull
#define TB_FLAG_MMUIDX_SHIFT 2
#define TB_FLAG_MMUIDX_MASK (0x7ull << TB_FLAG_MMUIDX_SHIFT)
#define TB_FLAG_IL (1ull << 5)
#define TB_FLAG_ALIGN (1ull << 6)
/* EL that FP/SIMD accesses trap to (0: they do not). */
#define TB_FLAG_FPTRAP_SHIFT 7
#define TB_FLAG_FPTRAP_MASK (3ull << TB_FLAG_FPTRAP_SHIFT)
/* PSTATE.BTYPE, SCTLR_ELx.BT of the current EL, PSTATE.UAO. */
#define TB_FLAG_BTYPE_SHIFT 16
#define TB_FLAG_BTYPE_MASK (3ull << TB_FLAG_BTYPE_SHIFT)
#define TB_FLAG_BT (1ull << 18)
#define TB_FLAG_UAO (1ull << 19)
/* HCR_EL2.E2H (VHE register redirection and LDTR/STTR at EL2). */
#define TB_FLAG_E2H (1ull << 20)
/* Self-hosted debug armed (debug.c): breakpoint checks before each
 * instruction, watchpoint checks before each access, software step
 * active with PSTATE.SS. */
#define TB_FLAG_DBG_BP (1ull << 21)
#define TB_FLAG_DBG_WP (1ull << 22)
#define TB_FLAG_SS_ACTIVE (1ull << 23)
#define TB_FLAG_PSTATE_SS (1ull << 24)

extern const TcgGlobalDesc arm_tcg_globals[ARM_NUM_GLOBALS];

unsigned arm_translate(CPUState *cs, IrBuilder *b);
/* Logical-immediate decoding (DecodeBitMasks with immediate = true):
 * false for the reserved encodings. */
bool arm_decode_bit_masks(bool sf, unsigned n, unsigned imms, unsigned immr, uint64_t *out);

/* Syndrome of an instruction-specific exception: EC, IL = 1, ISS. */
static inline uint64_t arm_syndrome(unsigned ec, uint32_t iss)
{
    return ((uint64_t)ec << ESR_EC_SHIFT) | ESR_IL | (iss & 0x1ffffff);
}

/* Helpers called from translated code (tcg.c).  All take and return 64-bit
 * integers or pointers, as IR calls require. */
void arm_helper_exception(CPUARMState *env, uint64_t syndrome);
void arm_helper_exception_next(CPUARMState *env, uint64_t syndrome, uint64_t target_el);
void arm_helper_hvc(CPUARMState *env, uint64_t imm);
void arm_helper_smc(CPUARMState *env, uint64_t imm);
uint64_t arm_helper_mrs(CPUARMState *env, uint64_t index, uint64_t syndrome);
void arm_helper_msr(CPUARMState *env, uint64_t index, uint64_t value, uint64_t syndrome);
void arm_helper_msr_i(CPUARMState *env, uint64_t field, uint64_t imm, uint64_t syndrome);
void arm_helper_eret(CPUARMState *env);
void arm_helper_wfi(CPUARMState *env, uint64_t syndrome);
void arm_helper_wfe(CPUARMState *env, uint64_t syndrome);
void arm_helper_sev(CPUARMState *env);
void arm_helper_yield(void);
void arm_helper_sevl(CPUARMState *env);
uint64_t arm_helper_rbit(uint64_t x);
uint64_t arm_helper_crc32(uint64_t acc, uint64_t val, uint64_t bytes, uint64_t castagnoli);
uint64_t arm_helper_cas128(CPUARMState *env, uint64_t addr, uint64_t cmp_lo, uint64_t cmp_hi,
                           uint64_t new_lo, uint64_t new_hi);
uint64_t arm_helper_ldp128(CPUARMState *env, uint64_t addr);
void arm_helper_exception_to(CPUARMState *env, uint64_t syndrome, uint64_t target_el);
/* Scalar FP (fpu.c); @desc packs ftype and the operation's options. */
uint64_t arm_helper_fp2(CPUARMState *env, uint64_t op, uint64_t ft, uint64_t a, uint64_t b);
uint64_t arm_helper_fma(CPUARMState *env, uint64_t desc, uint64_t a, uint64_t n, uint64_t m);
uint64_t arm_helper_fsqrt(CPUARMState *env, uint64_t ft, uint64_t a);
uint64_t arm_helper_fcvt(CPUARMState *env, uint64_t desc, uint64_t a);
uint64_t arm_helper_frint(CPUARMState *env, uint64_t desc, uint64_t a);
void arm_helper_fcmp(CPUARMState *env, uint64_t desc, uint64_t a, uint64_t b);
uint64_t arm_helper_cvtf(CPUARMState *env, uint64_t desc, uint64_t v);
uint64_t arm_helper_fcvt_int(CPUARMState *env, uint64_t desc, uint64_t a);
/* Pointer authentication (pauth.c); @key is ARM_PAUTH_*. */
uint64_t arm_helper_pac(CPUARMState *env, uint64_t ptr, uint64_t modifier, uint64_t key);
uint64_t arm_helper_aut(CPUARMState *env, uint64_t ptr, uint64_t modifier, uint64_t key);
uint64_t arm_helper_xpac(CPUARMState *env, uint64_t ptr, uint64_t data);
uint64_t arm_helper_pacga(CPUARMState *env, uint64_t x, uint64_t modifier);
/* ERET/ERETAA/ERETAB: @key -1 for plain ERET. */
void arm_helper_eret_auth(CPUARMState *env, uint64_t key);
/* Self-hosted debug (debug.c). */
void arm_helper_check_bp(CPUARMState *env, uint64_t pc);
/* @desc: log2 of the size (0..7) | ARM_WP_* (cpu.h). */
void arm_helper_check_wp(CPUARMState *env, uint64_t addr, uint64_t desc);
void arm_helper_ss_begin(CPUARMState *env, uint64_t is_ldex);
void arm_helper_ss_exception(CPUARMState *env);
/* Raise a synchronous exception from a helper (tcg.c). */
G_GNUC_NORETURN void arm_raise_sync(ARMCPU *cpu, uint64_t syndrome, unsigned target_el,
                                    uintptr_t ra);
/* EL that FP/SIMD instructions trap to now (0: none). */
unsigned arm_fp_trap_el(ARMCPU *cpu);

/* Identifiers of MSR (immediate) fields for arm_helper_msr_i. */
enum {
    ARM_MSRI_SPSEL,
    ARM_MSRI_DAIFSET,
    ARM_MSRI_DAIFCLR,
    ARM_MSRI_PAN,
    ARM_MSRI_UAO,
};

#endif
