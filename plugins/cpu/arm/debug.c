/* SPDX-License-Identifier: MIT */
/*
 * Self-hosted debug for guests (Arm ARM D2): hardware breakpoints
 * (DBGBVR<n>/DBGBCR<n>, unlinked instruction-address match), watchpoints
 * (DBGWVR<n>/DBGWCR<n>, BAS byte selection or MASK ranges, loads and/or
 * stores), software step (MDSCR_EL1.SS with PSTATE.SS and the
 * active-not-pending / active-pending state machine), MDSCR_EL1.MDE/KDE,
 * PSTATE.D and the OS lock, routed to EL2 by HCR_EL2.TGE or MDCR_EL2.TDE.
 *
 * Code that does not use debug pays nothing: what is armed is part of the
 * TB flags (arm_debug_tb_flags), so only blocks translated while a
 * breakpoint, watchpoint or step is armed carry the checks, and they check
 * at run time (a DBGBVR write needs no invalidation: every register that
 * changes the flags ends the block).  The gdbstub's own breakpoints and
 * single-step live in the engine (kernel/cpu-debug.c) and are independent:
 * a debugger stop happens before the guest's breakpoint check runs.
 */
#include "plugins/cpu/arm/translate.h"

#define MDSCR_SS (1ull << 0)
#define MDSCR_KDE (1ull << 13)
#define MDSCR_MDE (1ull << 15)
#define OSLSR_OSLK (1ull << 1)
#define OSLSR_OSLM_IMPL (1ull << 3)    /* OSLM = 0b10: OS lock implemented */

/* Fault status code of debug exceptions (ESR ISS IFSC/DFSC). */
#define FSC_DEBUG 0x22

unsigned arm_debug_target_el(const ARMCPU *cpu)
{
    const CPUARMState *env = &cpu->env;
    return cpu->has_el2 && ((env->hcr_el2 & HCR_TGE) || (env->mdcr_el2 & MDCR_TDE)) ? 2 : 1;
}

/* AArch64.GenerateDebugExceptions() for the current EL and PSTATE.D. */
bool arm_debug_exceptions_enabled(const ARMCPU *cpu)
{
    const CPUARMState *env = &cpu->env;
    if (env->oslsr_el1 & OSLSR_OSLK) {
        return false;
    }
    unsigned target = arm_debug_target_el(cpu);
    if (env->el == target) {
        return (env->mdscr_el1 & MDSCR_KDE) && !(env->pstate & PSTATE_D);
    }
    return target > env->el;
}

/* Does breakpoint/watchpoint control @ctl (PMC/PAC in bits 2:1, HMC 13,
 * SSC 15:14) apply at the current EL?  Non-secure only (no EL3). */
static bool privilege_match(const ARMCPU *cpu, uint64_t ctl)
{
    unsigned pmc = (ctl >> 1) & 3, ssc = (ctl >> 14) & 3;
    bool hmc = (ctl >> 13) & 1;
    if (ssc == 2) {
        return false;              /* Secure state only */
    }
    switch (cpu->env.el) {
    case 0:
        return (pmc & 2) != 0;
    case 1:
        return (pmc & 1) != 0;
    default:
        return hmc && (pmc & 1);
    }
}

static bool bp_matches(const ARMCPU *cpu, unsigned n, uint64_t pc)
{
    const CPUARMState *env = &cpu->env;
    uint64_t ctl = env->dbgbcr[n];
    unsigned bt = (ctl >> 20) & 0xf, bas = (ctl >> 5) & 0xf;
    if (!(ctl & 1) || bt != 0 || bas != 0xf || !privilege_match(cpu, ctl)) {
        return false;              /* only unlinked address match (BT 0000) */
    }
    /* DBGBVR bits [48:2] hold the address; bits above are its sign. */
    uint64_t addr = (uint64_t)((int64_t)(env->dbgbvr[n] << 15) >> 15) & ~3ull;
    return addr == pc;
}

/* Byte range [*lo, *hi) watched by watchpoint @n, false if none. */
static bool wp_range(const ARMCPU *cpu, unsigned n, uint64_t *lo, uint64_t *hi)
{
    const CPUARMState *env = &cpu->env;
    uint64_t ctl = env->dbgwcr[n];
    unsigned mask = (ctl >> 24) & 0x1f, bas = (ctl >> 5) & 0xff;
    uint64_t va = (uint64_t)((int64_t)(env->dbgwvr[n] << 15) >> 15);
    if (mask >= 3) {
        *lo = va & ~((1ull << mask) - 1);
        *hi = *lo + (1ull << mask);
        return true;
    }
    if (mask != 0 || bas == 0) {
        return false;              /* reserved MASK values, nothing selected */
    }
    /* BAS selects bytes of the doubleword (or word, DBGWVR[2] set) at
     * DBGWVR; the range spans its lowest to highest selected byte. */
    uint64_t base = va & ~7ull;
    if (va & 4) {
        bas = (bas & 0xf) << 4;
    }
    unsigned first = (unsigned)__builtin_ctz(bas), last = 31u - (unsigned)__builtin_clz(bas);
    *lo = base + first;
    *hi = base + last + 1;
    return true;
}

void arm_helper_check_bp(CPUARMState *env, uint64_t pc)
{
    ARMCPU *cpu = arm_env_cpu(env);
    if (!(env->mdscr_el1 & MDSCR_MDE) || !arm_debug_exceptions_enabled(cpu)) {
        return;
    }
    for (unsigned n = 0; n < ARM_NUM_BRPS; n++) {
        if (bp_matches(cpu, n, pc)) {
            unsigned target = arm_debug_target_el(cpu);
            unsigned ec = target > env->el ? EC_BREAKPOINT_LOWER : EC_BREAKPOINT_SAME;
            env->excp_vaddr = pc;
            env->excp_has_far = true;
            arm_raise_sync(cpu, arm_syndrome(ec, FSC_DEBUG), target, TCG_GETPC());
        }
    }
}

/* @desc: log2 of the access size in bits 2:0, ARM_WP_STORE (bit 8),
 * ARM_WP_RMW (bits 9:8: an atomic, a load and a store; reported as a
 * store). */
void arm_debug_check_wp(ARMCPU *cpu, uint64_t addr, uint64_t desc, uintptr_t ra)
{
    CPUARMState *env = &cpu->env;
    if (!(env->mdscr_el1 & MDSCR_MDE) || !arm_debug_exceptions_enabled(cpu)) {
        return;
    }
    bool store = (desc >> 8) & 1, rmw = (desc >> 9) & 1;
    uint64_t size = 1ull << (desc & 7);
    for (unsigned n = 0; n < ARM_NUM_WRPS; n++) {
        uint64_t ctl = env->dbgwcr[n], lo, hi;
        unsigned lsc = (ctl >> 3) & 3;
        if (!(ctl & 1) || !(lsc & (rmw ? 3 : store ? 2 : 1)) || !privilege_match(cpu, ctl) ||
            ((ctl >> 20) & 1) || !wp_range(cpu, n, &lo, &hi)) {
            continue;              /* disabled, other direction, linked (WT) */
        }
        if (addr < hi && addr + size > lo) {
            unsigned target = arm_debug_target_el(cpu);
            unsigned ec = target > env->el ? EC_WATCHPOINT_LOWER : EC_WATCHPOINT_SAME;
            env->excp_vaddr = addr < lo ? lo : addr;
            env->excp_has_far = true;
            arm_raise_sync(cpu, arm_syndrome(ec, (store ? 1u << 6 : 0) | FSC_DEBUG), target, ra);
        }
    }
}

void arm_helper_check_wp(CPUARMState *env, uint64_t addr, uint64_t desc)
{
    arm_debug_check_wp(arm_env_cpu(env), addr, desc, TCG_GETPC());
}

/* The stepped instruction starts (software step active-not-pending):
 * PSTATE.SS becomes 0 now, and exception entry puts 1 back into SPSR.SS
 * unless the exception comes after the instruction (SVC/HVC/SMC). */
void arm_helper_ss_begin(CPUARMState *env, uint64_t is_ldex)
{
    env->pstate &= ~PSTATE_SS;
    env->ss_stepped = 1 | (is_ldex ? 2 : 0);
}

/* Software step active-pending: the step exception, before the
 * instruction at pc.  ISV/EX describe the stepped instruction, if one was
 * (ISV = 0 after an exception return with SPSR.SS = 0). */
void arm_helper_ss_exception(CPUARMState *env)
{
    ARMCPU *cpu = arm_env_cpu(env);
    unsigned target = arm_debug_target_el(cpu);
    unsigned ec = target > env->el ? EC_SOFTSTEP_LOWER : EC_SOFTSTEP_SAME;
    uint32_t iss = FSC_DEBUG;
    if (env->ss_stepped & 1) {
        iss |= 1u << 24 | ((env->ss_stepped & 2) ? 1u << 6 : 0);
    }
    arm_raise_sync(cpu, arm_syndrome(ec, iss), target, TCG_GETPC());
}

/* Exception entry: the SS bit to save in SPSR (PSTATE.SS as it was when
 * the step began, unless the stepped instruction completed). */
uint32_t arm_debug_spsr_ss(ARMCPU *cpu, bool sync)
{
    CPUARMState *env = &cpu->env;
    uint32_t ss = env->pstate & PSTATE_SS;
    if ((env->ss_stepped & 1) && sync) {
        unsigned ec = (unsigned)(env->excp_syndrome >> ESR_EC_SHIFT) & 0x3f;
        if (ec != EC_SVC64 && ec != EC_HVC64 && ec != EC_SMC64) {
            ss = PSTATE_SS;
        }
    }
    env->ss_stepped = 0;
    return ss;
}

/* Exception return: PSTATE.SS from SPSR.SS when software step is active
 * in the state returned to, else 0. */
void arm_debug_eret(ARMCPU *cpu, uint32_t spsr)
{
    CPUARMState *env = &cpu->env;
    env->ss_stepped = 0;
    env->pstate &= ~PSTATE_SS;
    if ((spsr & PSTATE_SS) && (env->mdscr_el1 & MDSCR_SS) && arm_debug_exceptions_enabled(cpu)) {
        env->pstate |= PSTATE_SS;
    }
}

uint64_t arm_debug_tb_flags(const ARMCPU *cpu)
{
    const CPUARMState *env = &cpu->env;
    if (!(env->mdscr_el1 & (MDSCR_MDE | MDSCR_SS)) || !arm_debug_exceptions_enabled(cpu)) {
        return 0;
    }
    uint64_t f = 0;
    if (env->mdscr_el1 & MDSCR_MDE) {
        for (unsigned n = 0; n < ARM_NUM_BRPS; n++) {
            f |= (env->dbgbcr[n] & 1) ? TB_FLAG_DBG_BP : 0;
        }
        for (unsigned n = 0; n < ARM_NUM_WRPS; n++) {
            f |= (env->dbgwcr[n] & 1) ? TB_FLAG_DBG_WP : 0;
        }
    }
    if (env->mdscr_el1 & MDSCR_SS) {
        f |= TB_FLAG_SS_ACTIVE | ((env->pstate & PSTATE_SS) ? TB_FLAG_PSTATE_SS : 0);
    }
    return f;
}

/* ---- OS lock --------------------------------------------------------------------- */

uint64_t arm_sr_read_oslsr(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return OSLSR_OSLM_IMPL | (cpu->env.oslsr_el1 & OSLSR_OSLK);
}

void arm_sr_write_oslar(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.oslsr_el1 = (v & 1) ? OSLSR_OSLK : 0;
}
