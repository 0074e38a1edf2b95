/* SPDX-License-Identifier: MIT */
/*
 * Advanced SIMD and crypto (simd.c, simd-fp.c, crypto.c).  The data
 * processing instructions are executed from their encoding: the translator
 * asks arm_simd_exec(NULL, insn) whether the encoding is defined and emits
 * a call of arm_helper_simd(env, insn).  Element copies to and from
 * general registers use arm_simd_copy.
 */
#ifndef TESSERA_ARM_SIMD_H
#define TESSERA_ARM_SIMD_H

#include "plugins/cpu/arm/cpu.h"

/* With @env NULL: is @insn a defined AdvSIMD/crypto data-processing
 * encoding (other than the copy and modified-immediate groups)?  With
 * @env: execute it. */
bool arm_simd_exec(CPUARMState *env, uint32_t insn);
/* Is @insn one of the FEAT_FP16 Advanced SIMD forms (UNDEFINED without
 * the feature)? */
bool arm_simd_is_fp16(uint32_t insn);
void arm_helper_simd(CPUARMState *env, uint64_t insn);

/* rd | rn << 5 | imm5 << 10 | imm4 << 15 | Q << 19 | op << 20; returns
 * the general-register result of SMOV/UMOV. */
uint64_t arm_simd_copy(CPUARMState *env, unsigned desc, uint64_t gval);

/* PMULL{2} Vd.1Q, Vn.1D, Vm.1D. */
void arm_crypto_pmull64(CPUARMState *env, unsigned rd, unsigned rn, unsigned rm, bool hi);
uint64_t arm_simd_rbit8(uint64_t x);

#endif
