/* SPDX-License-Identifier: MIT */
/*
 * AArch64 exception entry and return (Arm ARM D1.10-D1.11): synchronous
 * exceptions, IRQ and FIQ to EL1 or (with HCR_EL2.IMO/FMO) EL2, the
 * virtual IRQ/FIQ/SError of HCR_EL2.VI/VF/VSE, the vector offsets, SPSR/ELR/ESR/FAR, stack-pointer banking, ERET with the
 * illegal-return checks.
 */
#include "kernel/log.h"
#include "plugins/cpu/arm/cpu.h"

uint32_t arm_pstate_read(const CPUARMState *env)
{
    uint32_t nzcv = ((env->nf >> 63) ? PSTATE_N : 0) | (env->zf == 0 ? PSTATE_Z : 0) |
                    (env->cf ? PSTATE_C : 0) | ((env->vf >> 63) ? PSTATE_V : 0);
    return (env->pstate & ~(PSTATE_NZCV | 0xcu)) | nzcv | (env->el << PSTATE_M_EL_SHIFT);
}

static unsigned sp_bank(unsigned el, bool spx)
{
    return (el > 0 && spx) ? el : 0;
}

void arm_swap_sp(CPUARMState *env, unsigned new_el, bool new_spx)
{
    env->sp_el[sp_bank(env->el, env->pstate & PSTATE_SP)] = env->xregs[31];
    env->xregs[31] = env->sp_el[sp_bank(new_el, new_spx)];
    env->el = new_el;
    env->pstate = (env->pstate & ~PSTATE_SP) | (new_spx ? PSTATE_SP : 0);
}

void arm_pstate_write(ARMCPU *cpu, uint32_t val)
{
    CPUARMState *env = &cpu->env;
    unsigned el = (val >> PSTATE_M_EL_SHIFT) & 3;
    arm_swap_sp(env, el, val & PSTATE_SP);
    env->nf = (val & PSTATE_N) ? UINT64_MAX : 0;
    env->zf = (val & PSTATE_Z) ? 0 : 1;
    env->cf = (val & PSTATE_C) ? 1 : 0;
    env->vf = (val & PSTATE_V) ? UINT64_MAX : 0;
    env->pstate = (val & (PSTATE_DAIF | PSTATE_PAN | PSTATE_IL | PSTATE_SP |
                          (cpu->uao ? PSTATE_UAO : 0) | (cpu->bti ? PSTATE_BTYPE : 0)));
}

unsigned arm_sync_target_el(const ARMCPU *cpu)
{
    return cpu->env.el == 0 ? 1 : cpu->env.el;
}

/*
 * Instruction syndrome of a stage-2 data abort (ISV, SAS, SSE, SRT, SF,
 * AR: D17.2.40) for the load/store at @pc when it is one the architecture
 * describes: a single general-purpose register, no writeback (LDR/STR with
 * an unsigned, unscaled or register offset, LDAR/STLR).  0 otherwise.
 */
uint64_t arm_isv_syndrome(ARMCPU *cpu, uint64_t pc)
{
    uint64_t pa, word;
    if (!arm_cs(cpu)->as || !arm_cpu_debug_translate(arm_cs(cpu), pc, &pa) ||
        address_space_read(arm_cs(cpu)->as, pa, &word, 4) != MEMTX_OK) {
        return 0;
    }
    uint32_t insn = (uint32_t)word;
    unsigned size = insn >> 30, rt = insn & 31, opc = (insn >> 22) & 3;
    bool ar = false;
    if ((insn & 0x3f000000) == 0x39000000 ||                 /* unsigned offset */
        (insn & 0x3f200c00) == 0x38000000 ||                 /* unscaled (LDUR) */
        (insn & 0x3f200c00) == 0x38200800) {                 /* register offset */
        /* opc: 0 store, 1 load, 2 load signed to 64, 3 signed to 32. */
    } else if ((insn & 0x3ffffc00) == 0x089ffc00 ||          /* STLR */
               (insn & 0x3ffffc00) == 0x08dffc00) {          /* LDAR */
        opc = (insn >> 22) & 1;
        ar = true;
    } else {
        return 0;
    }
    if (opc >= 2 && size == 3) {
        return 0;                                            /* PRFM */
    }
    bool sse = opc >= 2;
    bool sf = opc == 2 || (opc < 2 && size == 3);
    return (1u << 24) | (size << 22) | (sse ? 1u << 21 : 0) | (rt << 16) |
           (sf ? 1u << 15 : 0) | (ar ? 1u << 14 : 0);
}

static void take_exception(ARMCPU *cpu, unsigned kind, unsigned target)
{
    CPUARMState *env = &cpu->env;
    unsigned from = env->el;
    uint64_t offset = target > from ? 0x400 : (env->pstate & PSTATE_SP) ? 0x200 : 0;

    arm_pmu_sync(cpu);
    log_mask(LOG_INT, "arm: cpu %d %s to EL%u from EL%u pc=0x%" G_GINT64_MODIFIER
             "x esr=0x%" G_GINT64_MODIFIER "x far=0x%" G_GINT64_MODIFIER "x\n",
             arm_cs(cpu)->index, kind == EXCP_KIND_SYNC ? "exception" :
             kind == EXCP_KIND_IRQ ? "irq" : kind == EXCP_KIND_FIQ ? "fiq" : "serror", target, from, env->pc,
             env->excp_syndrome, env->excp_vaddr);

    env->spsr_el[target] = (arm_pstate_read(env) & ~PSTATE_SS) |
                           arm_debug_spsr_ss(cpu, kind == EXCP_KIND_SYNC);
    env->elr_el[target] = env->pc;
    if (kind == EXCP_KIND_SERROR) {
        env->esr_el[target] = env->excp_syndrome;
    }
    if (kind == EXCP_KIND_SYNC) {
        if (env->excp_want_isv) {
            env->excp_syndrome |= arm_isv_syndrome(cpu, env->pc);
            env->excp_want_isv = false;
        }
        env->esr_el[target] = env->excp_syndrome;
        if (env->excp_has_far) {
            env->far_el[target] = env->excp_vaddr;
        }
    }
    arm_swap_sp(env, target, true);
    uint32_t p = env->pstate | PSTATE_DAIF;
    p &= ~(PSTATE_IL | PSTATE_SS | PSTATE_UAO | PSTATE_BTYPE);
    if (target == 1 && !(env->sctlr_el[1] & SCTLR_SPAN)) {
        p |= PSTATE_PAN;
    }
    if (target == 2 && arm_is_host(cpu) && !(env->sctlr_el[2] & SCTLR_SPAN)) {
        p |= PSTATE_PAN;       /* VHE host: EL2 is the kernel of EL2&0 */
    }
    env->pstate = p;
    env->excl_addr = UINT64_MAX;
    env->pc = env->vbar_el[target] + offset + 0x80ull * kind;
    arm_cpu_update_interrupts(cpu);
}

void arm_cpu_do_exception(ARMCPU *cpu)
{
    CPUARMState *env = &cpu->env;
    take_exception(cpu, env->excp_kind, env->excp_target_el);
    env->excp_has_far = false;
}

void arm_cpu_eret(ARMCPU *cpu, uint64_t elr)
{
    CPUARMState *env = &cpu->env;
    unsigned cur = env->el;
    uint32_t spsr = (uint32_t)env->spsr_el[cur];
    unsigned new_el = (spsr >> PSTATE_M_EL_SHIFT) & 3;
    arm_pmu_sync(cpu);
    bool illegal = (spsr & PSTATE_nRW) || new_el > cur || (int)new_el > arm_highest_el(cpu) ||
                   (new_el == 0 && (spsr & PSTATE_SP));
    env->excl_addr = UINT64_MAX;
    if (illegal) {
        /* Illegal return: PSTATE.IL set, EL and SP unchanged, the flags and
         * masks still come from SPSR (D1.11.5). */
        uint32_t keep = env->pstate & PSTATE_SP;
        env->nf = (spsr & PSTATE_N) ? UINT64_MAX : 0;
        env->zf = (spsr & PSTATE_Z) ? 0 : 1;
        env->cf = (spsr & PSTATE_C) ? 1 : 0;
        env->vf = (spsr & PSTATE_V) ? UINT64_MAX : 0;
        env->pstate = (spsr & (PSTATE_DAIF | PSTATE_PAN)) | keep | PSTATE_IL;
        log_mask(LOG_GUEST_ERROR, "arm: illegal exception return (SPSR 0x%x at EL%u)\n",
                 spsr, cur);
    } else {
        arm_pstate_write(cpu, spsr);
    }
    arm_debug_eret(cpu, illegal ? 0 : spsr);
    env->pc = elr;
    arm_cpu_update_interrupts(cpu);
}

/* ---- interrupts ----------------------------------------------------------- */

/*
 * Physical IRQ/FIQ go to EL1, or to EL2 with HCR_EL2.IMO/FMO (or TGE),
 * where they are taken from EL0/EL1 whatever PSTATE says.  With IMO/FMO/
 * AMO the virtual IRQ/FIQ/SError that HCR_EL2.VI/VF/VSE hold pending are
 * taken at EL1 from EL0/EL1 when PSTATE.I/F/A allow (D1.13.4).
 */
static bool route_to_el2(const ARMCPU *cpu, uint64_t route)
{
    return cpu->has_el2 && (cpu->env.hcr_el2 & (route | HCR_TGE));
}

static bool phys_taken(ARMCPU *cpu, bool fiq, unsigned *target)
{
    CPUARMState *env = &cpu->env;
    uint32_t mask = fiq ? PSTATE_F : PSTATE_I;
    if (route_to_el2(cpu, fiq ? HCR_FMO : HCR_IMO)) {
        *target = 2;
        return env->el < 2 || !(env->pstate & mask);
    }
    *target = 1;
    return env->el <= 1 && !(env->pstate & mask);
}

/* HCR_EL2.VI/VF/VSE, with the GIC's virtual IRQ/FIQ lines ORed into VI/VF. */
static uint64_t virt_pending_bits(const ARMCPU *cpu)
{
    uint64_t lines = __atomic_load_n(&cpu->irq_lines, __ATOMIC_SEQ_CST);
    return cpu->env.hcr_el2 | (lines & (1u << ARM_IRQ_PIN_VIRQ) ? HCR_VI : 0) |
           (lines & (1u << ARM_IRQ_PIN_VFIQ) ? HCR_VF : 0);
}

/* Virtual interrupt @kind pending and unmasked at EL0/EL1. */
static bool virt_taken(ARMCPU *cpu, int kind)
{
    static const uint64_t route[4] = { 0, HCR_IMO, HCR_FMO, HCR_AMO };
    static const uint64_t pend[4] = { 0, HCR_VI, HCR_VF, HCR_VSE };
    static const uint32_t mask[4] = { 0, PSTATE_I, PSTATE_F, PSTATE_A };
    const CPUARMState *env = &cpu->env;
    uint64_t hcr = env->hcr_el2;
    if (!cpu->has_el2 || env->el >= 2 || (hcr & HCR_TGE) || !(hcr & route[kind])) {
        return false;
    }
    return (virt_pending_bits(cpu) & pend[kind]) && !(env->pstate & mask[kind]);
}

bool arm_cpu_virq_pending(const ARMCPU *cpu)
{
    uint64_t hcr = cpu->env.hcr_el2, v = virt_pending_bits(cpu);
    return cpu->has_el2 && !(hcr & HCR_TGE) &&
           (((hcr & HCR_IMO) && (v & HCR_VI)) || ((hcr & HCR_FMO) && (v & HCR_VF)) ||
            ((hcr & HCR_AMO) && (v & HCR_VSE)));
}

/* Which interrupt would be taken now: EXCP_KIND_* plus ARM_INT_VIRTUAL
 * for a virtual one, or -1. */
static int pending(ARMCPU *cpu)
{
    uint64_t lines = __atomic_load_n(&cpu->irq_lines, __ATOMIC_SEQ_CST);
    unsigned target;
    if ((lines & (1u << ARM_IRQ_PIN_FIQ)) && phys_taken(cpu, true, &target)) {
        return EXCP_KIND_FIQ;
    }
    if ((lines & (1u << ARM_IRQ_PIN_IRQ)) && phys_taken(cpu, false, &target)) {
        return EXCP_KIND_IRQ;
    }
    if (virt_taken(cpu, EXCP_KIND_SERROR)) {
        return EXCP_KIND_SERROR | ARM_INT_VIRTUAL;
    }
    if (virt_taken(cpu, EXCP_KIND_FIQ)) {
        return EXCP_KIND_FIQ | ARM_INT_VIRTUAL;
    }
    if (virt_taken(cpu, EXCP_KIND_IRQ)) {
        return EXCP_KIND_IRQ | ARM_INT_VIRTUAL;
    }
    return -1;
}

int arm_cpu_pending_interrupt(ARMCPU *cpu)
{
    return pending(cpu);
}

void arm_cpu_take_interrupt(ARMCPU *cpu, int kind)
{
    unsigned target = 1;
    if (kind & ARM_INT_VIRTUAL) {
        kind &= ~ARM_INT_VIRTUAL;
        if (kind == EXCP_KIND_SERROR) {
            /* The virtual SError is consumed when taken; its syndrome is
             * EC 0x2f with ISS 0 (no RAS: VSESR_EL2 does not exist). */
            cpu->env.hcr_el2 &= ~HCR_VSE;
            cpu->env.excp_syndrome = ((uint64_t)EC_SERROR << ESR_EC_SHIFT) | ESR_IL;
        }
    } else {
        phys_taken(cpu, kind == EXCP_KIND_FIQ, &target);
    }
    take_exception(cpu, (unsigned)kind, target);
}
