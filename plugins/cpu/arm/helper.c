/* SPDX-License-Identifier: MIT */
/*
 * AArch64 exception entry and return (Arm ARM D1.10-D1.11): synchronous
 * exceptions, IRQ and FIQ to EL1 or (with HCR_EL2.IMO/FMO) EL2, the
 * vector offsets, SPSR/ELR/ESR/FAR, stack-pointer banking, ERET with the
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
    env->pstate = (val & (PSTATE_DAIF | PSTATE_PAN | PSTATE_IL | PSTATE_SP));
}

unsigned arm_sync_target_el(const ARMCPU *cpu)
{
    return cpu->env.el == 0 ? 1 : cpu->env.el;
}

static void take_exception(ARMCPU *cpu, unsigned kind, unsigned target)
{
    CPUARMState *env = &cpu->env;
    unsigned from = env->el;
    uint64_t offset = target > from ? 0x400 : (env->pstate & PSTATE_SP) ? 0x200 : 0;

    arm_pmu_sync(cpu);
    log_mask(LOG_INT, "arm: cpu %d %s to EL%u from EL%u pc=0x%" G_GINT64_MODIFIER
             "x esr=0x%" G_GINT64_MODIFIER "x far=0x%" G_GINT64_MODIFIER "x\n",
             CPU(cpu)->index, kind == EXCP_KIND_SYNC ? "exception" :
             kind == EXCP_KIND_IRQ ? "irq" : "fiq", target, from, env->pc,
             env->excp_syndrome, env->excp_vaddr);

    env->spsr_el[target] = arm_pstate_read(env);
    env->elr_el[target] = env->pc;
    if (kind == EXCP_KIND_SYNC) {
        env->esr_el[target] = env->excp_syndrome;
        if (env->excp_has_far) {
            env->far_el[target] = env->excp_vaddr;
        }
    }
    arm_swap_sp(env, target, true);
    uint32_t p = env->pstate | PSTATE_DAIF;
    p &= ~(PSTATE_IL | PSTATE_SS);
    if (target == 1 && !(env->sctlr_el[1] & SCTLR_SPAN)) {
        p |= PSTATE_PAN;
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

void arm_cpu_eret(ARMCPU *cpu)
{
    CPUARMState *env = &cpu->env;
    unsigned cur = env->el;
    uint32_t spsr = (uint32_t)env->spsr_el[cur];
    uint64_t elr = env->elr_el[cur];
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
    env->pc = elr;
    arm_cpu_update_interrupts(cpu);
}

/* ---- interrupts ----------------------------------------------------------- */

/* Target EL of an IRQ (@fiq false) or FIQ and whether it is taken now. */
static bool interrupt_taken(ARMCPU *cpu, bool fiq, unsigned *target)
{
    CPUARMState *env = &cpu->env;
    uint64_t route = fiq ? HCR_FMO : HCR_IMO;
    uint32_t mask = fiq ? PSTATE_F : PSTATE_I;
    if (cpu->has_el2 && (env->hcr_el2 & route)) {
        *target = 2;
        return env->el < 2 || !(env->pstate & mask);
    }
    *target = 1;
    return env->el <= 1 && !(env->pstate & mask);
}

int arm_cpu_pending_interrupt(ARMCPU *cpu)
{
    uint64_t lines = __atomic_load_n(&cpu->irq_lines, __ATOMIC_SEQ_CST);
    unsigned target;
    if ((lines & (1u << ARM_IRQ_PIN_FIQ)) && interrupt_taken(cpu, true, &target)) {
        return EXCP_KIND_FIQ;
    }
    if ((lines & (1u << ARM_IRQ_PIN_IRQ)) && interrupt_taken(cpu, false, &target)) {
        return EXCP_KIND_IRQ;
    }
    return -1;
}

void arm_cpu_take_interrupt(ARMCPU *cpu, int kind)
{
    unsigned target;
    interrupt_taken(cpu, kind == EXCP_KIND_FIQ, &target);
    take_exception(cpu, (unsigned)kind, target);
}
