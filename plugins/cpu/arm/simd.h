/* SPDX-License-Identifier: MIT */
/*
 * Advanced SIMD helpers (simd.c).  @desc packs the instruction's fields;
 * translate-simd.c.inc builds it.
 */
#ifndef TESSERA_ARM_SIMD_H
#define TESSERA_ARM_SIMD_H

#include "plugins/cpu/arm/cpu.h"

/* rd | rn << 5 | rm << 10 | opcode << 15 | size << 20 | Q << 22 | U << 23 */
void arm_simd_3same(CPUARMState *env, unsigned desc);
/* rd | rn << 5 | rm << 10 | (opcode | U << 5 | a << 6) << 15 | sz << 22 | Q << 23 */
void arm_simd_fp3same(CPUARMState *env, unsigned desc);
/* rd | rn << 5 | opcode << 10 | size << 15 | Q << 17 | U << 18 */
void arm_simd_2misc(CPUARMState *env, unsigned desc);
/* rd | rn << 5 | imm5 << 10 | imm4 << 15 | Q << 19 | op << 20; returns
 * the general-register result of SMOV/UMOV. */
uint64_t arm_simd_copy(CPUARMState *env, unsigned desc, uint64_t gval);

/* rd | rn << 5 | rm << 10 | op << 15 | size << 19 | Q << 21 | ext << 22:
 * UZP/TRN/ZIP (op = opcode) or EXT (op = byte index). */
void arm_simd_permute(CPUARMState *env, unsigned desc);

#endif
