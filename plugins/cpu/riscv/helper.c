/* SPDX-License-Identifier: MIT */
/*
 * RISC-V trap entry and return (privileged spec 1.12, 3.1.6-3.1.9, 3.3.2,
 * 4.1.1): exceptions and interrupts go to M-mode unless delegated to
 * S-mode through medeleg/mideleg from a privilege at or below S; vectored
 * xtvec mode applies to interrupts only.
 */
#include "kernel/log.h"
#include "plugins/cpu/riscv/cpu.h"

/* Interrupt priority, highest first (spec 3.1.9). */
static const int irq_priority[] = {
    IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER,
};

void riscv_cpu_set_priv(RISCVCPU *cpu, int priv)
{
    g_assert(priv == PRV_U || priv == PRV_S || priv == PRV_M);
    if (cpu->env.priv != priv) {
        /* A pending LR reservation does not survive a privilege change in
         * a way software could rely on; dropping it is allowed (SC may
         * always fail). */
        cpu->env.load_res = UINT64_MAX;
    }
    cpu->env.priv = priv;
}

static uint64_t set_field(uint64_t reg, uint64_t mask, uint64_t val)
{
    return (reg & ~mask) | ((val * (mask & -mask)) & mask);
}

static uint64_t get_field(uint64_t reg, uint64_t mask)
{
    return (reg & mask) / (mask & -mask);
}

/* Common trap entry: @cause includes the interrupt bit. */
static void riscv_cpu_trap(RISCVCPU *cpu, uint64_t cause, uint64_t tval)
{
    CPURISCVState *env = &cpu->env;
    bool is_irq = (cause & CAUSE_INTERRUPT) != 0;
    uint64_t code = cause & ~CAUSE_INTERRUPT;
    uint64_t deleg = is_irq ? env->mideleg : env->medeleg;
    int from = env->priv;

    log_mask(LOG_INT, "riscv: hart %" G_GUINT64_FORMAT " %s %" G_GUINT64_FORMAT
             " at pc=0x%" G_GINT64_MODIFIER "x tval=0x%" G_GINT64_MODIFIER "x priv=%d\n",
             cpu->hartid, is_irq ? "interrupt" : "exception", code, env->pc, tval, from);

    if (from <= PRV_S && code < 64 && ((deleg >> code) & 1)) {
        uint64_t s = env->mstatus;
        env->scause = cause;
        env->sepc = env->pc;
        env->stval = tval;
        s = set_field(s, MSTATUS_SPP, from);
        s = set_field(s, MSTATUS_SPIE, get_field(s, MSTATUS_SIE));
        s = set_field(s, MSTATUS_SIE, 0);
        env->mstatus = s;
        uint64_t base = env->stvec & ~3ull;
        bool vectored = (env->stvec & 3) == 1 && is_irq;
        env->pc = vectored ? base + 4 * code : base;
        riscv_cpu_set_priv(cpu, PRV_S);
    } else {
        uint64_t s = env->mstatus;
        env->mcause = cause;
        env->mepc = env->pc;
        env->mtval = tval;
        s = set_field(s, MSTATUS_MPP, from);
        s = set_field(s, MSTATUS_MPIE, get_field(s, MSTATUS_MIE));
        s = set_field(s, MSTATUS_MIE, 0);
        env->mstatus = s;
        uint64_t base = env->mtvec & ~3ull;
        bool vectored = (env->mtvec & 3) == 1 && is_irq;
        env->pc = vectored ? base + 4 * code : base;
        riscv_trigger_trap_to_m(env);
        riscv_cpu_set_priv(cpu, PRV_M);
    }
}

void riscv_cpu_do_exception(RISCVCPU *cpu, uint64_t cause, uint64_t tval)
{
    g_assert(!(cause & CAUSE_INTERRUPT));
    riscv_cpu_trap(cpu, cause, tval);
}

int riscv_cpu_pending_interrupt(RISCVCPU *cpu)
{
    CPURISCVState *env = &cpu->env;
    uint64_t pending = riscv_cpu_read_mip(cpu) & env->mie;
    if (!pending) {
        return -1;
    }
    bool m_enabled = env->priv < PRV_M || (env->mstatus & MSTATUS_MIE);
    bool s_enabled = env->priv < PRV_S || (env->priv == PRV_S && (env->mstatus & MSTATUS_SIE));
    uint64_t m_pending = pending & ~env->mideleg;
    uint64_t s_pending = pending & env->mideleg;
    uint64_t takeable = (m_enabled ? m_pending : 0) | (s_enabled ? s_pending : 0);
    for (size_t i = 0; i < G_N_ELEMENTS(irq_priority); i++) {
        if (takeable & (1ull << irq_priority[i])) {
            return irq_priority[i];
        }
    }
    return -1;
}

void riscv_cpu_do_interrupt(RISCVCPU *cpu, int irq)
{
    g_assert(irq >= 0 && irq < 64);
    riscv_cpu_trap(cpu, CAUSE_INTERRUPT | (uint64_t)irq, 0);
}

bool riscv_cpu_mret(RISCVCPU *cpu, uint64_t *new_pc)
{
    CPURISCVState *env = &cpu->env;
    if (env->priv < PRV_M) {
        return false;
    }
    uint64_t s = env->mstatus;
    int prev = get_field(s, MSTATUS_MPP);
    s = set_field(s, MSTATUS_MIE, get_field(s, MSTATUS_MPIE));
    s = set_field(s, MSTATUS_MPIE, 1);
    s = set_field(s, MSTATUS_MPP, riscv_has_ext(cpu, RISCV_EXT_U) ? PRV_U : PRV_M);
    if (prev != PRV_M) {
        s &= ~MSTATUS_MPRV;
    }
    env->mstatus = s;
    riscv_trigger_mret(env);
    *new_pc = env->mepc & (riscv_has_ext(cpu, RISCV_EXT_C) ? ~1ull : ~3ull);
    riscv_cpu_set_priv(cpu, prev);
    riscv_cpu_update_interrupts(cpu);
    return true;
}

bool riscv_cpu_sret(RISCVCPU *cpu, uint64_t *new_pc)
{
    CPURISCVState *env = &cpu->env;
    if (env->priv < PRV_S || (env->priv == PRV_S && (env->mstatus & MSTATUS_TSR))) {
        return false;
    }
    uint64_t s = env->mstatus;
    int prev = get_field(s, MSTATUS_SPP);
    s = set_field(s, MSTATUS_SIE, get_field(s, MSTATUS_SPIE));
    s = set_field(s, MSTATUS_SPIE, 1);
    s = set_field(s, MSTATUS_SPP, PRV_U);
    s &= ~MSTATUS_MPRV;   /* xRET to a mode below M clears MPRV */
    env->mstatus = s;
    *new_pc = env->sepc & (riscv_has_ext(cpu, RISCV_EXT_C) ? ~1ull : ~3ull);
    riscv_cpu_set_priv(cpu, prev);
    riscv_cpu_update_interrupts(cpu);
    return true;
}
