/* SPDX-License-Identifier: MIT */
/*
 * Self-hosted debug for guests (Arm ARM D2): hardware breakpoints
 * (DBGBVR<n>/DBGBCR<n>: instruction address, and on the context-aware
 * ones context ID, VMID and CONTEXTIDR_EL2 matches, linked or not),
 * watchpoints (DBGWVR<n>/DBGWCR<n>, BAS byte selection or MASK ranges,
 * loads and/or stores, linked to a context breakpoint), software step
 * (MDSCR_EL1.SS with PSTATE.SS and the active-not-pending /
 * active-pending state machine), MDSCR_EL1.MDE/KDE, PSTATE.D and the OS
 * lock, routed to EL2 by HCR_EL2.TGE or MDCR_EL2.TDE.
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
 * SSC 15:14) apply at the current EL (AArch64.StateMatch without the
 * link)?  The PE is always Non-secure (no EL3): SSC 10 (Secure only) and
 * SSC 11 with HMC 0 never match.  Without EL3, SSC 01 is reserved except
 * with HMC 1 and PMC 00; the CONSTRAINED UNPREDICTABLE choice here is
 * the same control with SSC 00 (a valid value), HMC:PMC 000 (reserved)
 * matches nowhere (disabled).  EL2 matches with HMC 1 whatever PMC says. */
static bool privilege_match(const ARMCPU *cpu, uint64_t ctl, unsigned el)
{
    unsigned pmc = (ctl >> 1) & 3, ssc = (ctl >> 14) & 3;
    bool hmc = (ctl >> 13) & 1;
    if (ssc == 2 || (ssc == 3 && !hmc)) {
        return false;              /* Secure state only */
    }
    switch (el) {
    case 0:
        return (pmc & 2) != 0;
    case 1:
        return (pmc & 1) != 0;
    default:
        return hmc;
    }
}

/*
 * Context-aware breakpoints (Arm ARM D2.9, DBGBCR<n>_EL1.BT): the last
 * ARM_NUM_CTX_CMPS breakpoints can compare, besides the instruction
 * address, the context: what each type compares (AArch64.
 * BreakpointValueMatch), bit 0 of BT = linked (a context type then only
 * qualifies the address breakpoints and watchpoints whose LBN names it):
 *   0000/0001  instruction address (0001: and the context of LBN)
 *   0010/0011  context ID: CONTEXTIDR_EL2 in the EL2&0 host regime
 *              (E2H, at EL2 or at EL0 with TGE), else CONTEXTIDR_EL1 at
 *              EL0/EL1 (never at EL2 without E2H)
 *   0110/0111  CONTEXTIDR_EL1 (FEAT_VHE), at EL0/EL1 outside the host
 *   1000/1001  VMID (EL2): VTTBR_EL2.VMID at EL0/EL1 outside the host,
 *              DBGBVR bits 39:32 (47:32 with 16-bit VMIDs in use)
 *   1010/1011  VMID and CONTEXTIDR_EL1
 *   1100/1101  CONTEXTIDR_EL2 (FEAT_VHE) = DBGBVR bits 63:32, at any EL
 *   1110/1111  CONTEXTIDR_EL1 and CONTEXTIDR_EL2 (full context)
 * Reserved types (010x: address mismatch is AArch32's; 1xxx without EL2;
 * 011x/11xx without FEAT_VHE; any context type on a breakpoint that is
 * not context-aware) are CONSTRAINED UNPREDICTABLE: disabled or a
 * not-reserved type.  Tessera picks disabled (no match, alone or as a
 * link target), as it does for an LBN that names a breakpoint that is
 * not context-aware (Unpredictable_BPNOTCTXCMP: disabled).
 */
enum {
    CMP_ADDR = 1,              /* instruction address */
    CMP_CID = 2,               /* context ID of the current regime */
    CMP_CID1 = 4,              /* CONTEXTIDR_EL1 */
    CMP_VMID = 8,              /* VTTBR_EL2.VMID */
    CMP_CID2 = 16,             /* CONTEXTIDR_EL2 */
};

#define MMFR1_VMIDBITS_16 0x2u
#define VTCR_VS (1ull << 19)

static bool bp_context_aware(unsigned n)
{
    return n >= ARM_NUM_BRPS - ARM_NUM_CTX_CMPS && n < ARM_NUM_BRPS;
}

/* CMP_* of type @bt on breakpoint @n, 0 when reserved (disabled). */
static unsigned bt_compares(const ARMCPU *cpu, unsigned n, unsigned bt)
{
    bool ctx_type = (bt & 0xa) != 0;                      /* not 0x0x */
    if ((bt & 0xe) == 0x4 || ((bt & 0x8) && !cpu->has_el2) ||
        (((bt & 0xe) == 0x6 || (bt & 0xc) == 0xc) && !cpu->vhe) ||
        (ctx_type && !bp_context_aware(n))) {
        return 0;
    }
    return (!ctx_type ? CMP_ADDR : 0) | ((bt & 0xe) == 0x2 ? CMP_CID : 0) |
           ((bt & 0xe) == 0xa || (bt & 0x6) == 0x6 ? CMP_CID1 : 0) |
           ((bt & 0xc) == 0x8 ? CMP_VMID : 0) | ((bt & 0xc) == 0xc ? CMP_CID2 : 0);
}

/* IsInHost(): the EL2&0 regime's EL2 or host EL0. */
static bool in_host(const ARMCPU *cpu)
{
    const CPUARMState *env = &cpu->env;
    return cpu->vhe && (env->hcr_el2 & HCR_E2H) &&
           (env->el == 2 || (env->el == 0 && (env->hcr_el2 & HCR_TGE)));
}

/* AArch64.BreakpointValueMatch(): breakpoint @n's value comparison at
 * @pc, or (@linked_to) as the context breakpoint an LBN names. */
static bool bp_value_match(const ARMCPU *cpu, unsigned n, uint64_t pc, bool linked_to)
{
    const CPUARMState *env = &cpu->env;
    uint64_t ctl = env->dbgbcr[n], bvr = env->dbgbvr[n];
    unsigned bt = (ctl >> 20) & 0xf;
    unsigned cmp = (ctl & 1) ? bt_compares(cpu, n, bt) : 0;
    bool linked = bt & 1, host = in_host(cpu), el01 = env->el < 2;
    if (!cmp || (linked_to && (!linked || (cmp & CMP_ADDR))) ||
        (!linked_to && linked && !(cmp & CMP_ADDR))) {
        return false;
    }
    if (cmp & CMP_ADDR) {
        /* BAS (RES1 without AArch32) must be 1111; DBGBVR bits [48:2]
         * hold the address, bits above are its sign. */
        uint64_t addr = (uint64_t)((int64_t)(bvr << 15) >> 15) & ~3ull;
        if (((ctl >> 5) & 0xf) != 0xf || addr != pc) {
            return false;
        }
    }
    if ((cmp & CMP_CID) &&
        (host ? (uint32_t)bvr != (uint32_t)env->contextidr_el2
              : !el01 || (uint32_t)bvr != (uint32_t)env->contextidr_el1)) {
        return false;
    }
    if ((cmp & CMP_CID1) && (!el01 || host || (uint32_t)bvr != (uint32_t)env->contextidr_el1)) {
        return false;
    }
    if (cmp & CMP_VMID) {
        bool vmid16 = ((cpu->id.id_aa64mmfr1 >> 4) & 0xf) == MMFR1_VMIDBITS_16 &&
                      (env->vtcr_el2 & VTCR_VS);
        uint64_t mask = vmid16 ? 0xffff : 0xff;
        if (!el01 || host || ((bvr >> 32) & mask) != ((env->vttbr_el2 >> 48) & mask)) {
            return false;
        }
    }
    if ((cmp & CMP_CID2) && (bvr >> 32) != (uint32_t)env->contextidr_el2) {
        return false;
    }
    return true;
}

/* AArch64.StateMatch(): the privilege fields of @ctl and, when @linked,
 * the context breakpoint @lbn. */
/* @el: the privilege of the access (an unprivileged load/store, LDTR/STTR,
 * is an EL0 access: AArch64.CheckWatchpoint). */
static bool state_match(const ARMCPU *cpu, uint64_t ctl, bool linked, unsigned el)
{
    unsigned lbn = (ctl >> 16) & 0xf;
    if (!privilege_match(cpu, ctl, el)) {
        return false;
    }
    if (!linked) {
        return true;
    }
    return bp_context_aware(lbn) && bp_value_match(cpu, lbn, 0, true);
}

static bool bp_matches(const ARMCPU *cpu, unsigned n, uint64_t pc)
{
    uint64_t ctl = cpu->env.dbgbcr[n];
    unsigned bt = (ctl >> 20) & 0xf;
    return (ctl & 1) && bp_value_match(cpu, n, pc, false) &&
           state_match(cpu, ctl, (bt & 0xb) == 0x1, cpu->env.el); /* BT 0x01: linked address */
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
 * store), ARM_WP_UNPRIV (bit 10: LDTR/STTR, matched as an EL0 access). */
void arm_debug_check_wp(ARMCPU *cpu, uint64_t addr, uint64_t desc, uintptr_t ra)
{
    CPUARMState *env = &cpu->env;
    if (!(env->mdscr_el1 & MDSCR_MDE) || !arm_debug_exceptions_enabled(cpu)) {
        return;
    }
    bool store = (desc >> 8) & 1, rmw = (desc >> 9) & 1;
    unsigned el = desc & ARM_WP_UNPRIV ? 0 : env->el;
    uint64_t size = 1ull << (desc & 7);
    for (unsigned n = 0; n < ARM_NUM_WRPS; n++) {
        uint64_t ctl = env->dbgwcr[n], lo, hi;
        unsigned lsc = (ctl >> 3) & 3;
        if (!(ctl & 1) || !(lsc & (rmw ? 3 : store ? 2 : 1)) ||
            !state_match(cpu, ctl, (ctl >> 20) & 1, el) || !wp_range(cpu, n, &lo, &hi)) {
            continue;              /* disabled, other direction, EL, linked context (WT) */
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
        /* Linked context breakpoints only qualify others: not armed alone. */
        for (unsigned n = 0; n < ARM_NUM_BRPS; n++) {
            unsigned bt = (env->dbgbcr[n] >> 20) & 0xf;
            f |= (env->dbgbcr[n] & 1) && !((bt & 1) && (bt & 0xa)) ? TB_FLAG_DBG_BP : 0;
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
