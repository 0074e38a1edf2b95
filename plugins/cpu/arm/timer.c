/* SPDX-License-Identifier: MIT */
/*
 * The generic timer's CPU side: the system counter (CNTPCT, from
 * CLOCK_VIRTUAL at the cntfrq property, 62.5 MHz by default like QEMU),
 * and four timers (EL1 physical, EL1 virtual, EL2 physical, EL2 virtual
 * with VHE), each with CTL/CVAL/TVAL and an output line (IRQ output pins
 * 0, 1, 2, 3) that is high
 * while ENABLE && ISTATUS && !IMASK.  A host timer re-evaluates a timer
 * when its comparator is reached.
 */
#include "kernel/irq.h"
#include "plugins/cpu/arm/cpu.h"

uint64_t arm_timer_count(ARMCPU *cpu)
{
    unsigned __int128 ns = (uint64_t)clock_get_ns(CLOCK_VIRTUAL);
    return (uint64_t)(ns * cpu->cntfrq_hz / NANOSECONDS_PER_SECOND);
}

/* The counter timer @t compares against (the virtual one is offset). */
static uint64_t timer_counter(ARMCPU *cpu, int t)
{
    /* The EL2 virtual timer counts with an offset of zero. */
    uint64_t c = arm_timer_count(cpu);
    return t == ARM_TIMER_VIRT ? c - cpu->env.cntvoff_el2 : c;
}

static void update_locked(ARMCPU *cpu, int t)
{
    ARMGenericTimer *gt = &cpu->env.timer[t];
    bool enabled = gt->ctl & CNTCTL_ENABLE;
    uint64_t now = timer_counter(cpu, t);
    bool istatus = enabled && now >= gt->cval;
    bool level = istatus && !(gt->ctl & CNTCTL_IMASK);
    if (cpu->timer_qt[t]) {
        if (enabled && !istatus) {
            /* First ns at which the physical count reaches the compare
             * value (plus the offset for the virtual timer). */
            uint64_t target = t == ARM_TIMER_VIRT ? gt->cval + cpu->env.cntvoff_el2 : gt->cval;
            unsigned __int128 ns = ((unsigned __int128)target * NANOSECONDS_PER_SECOND +
                                    cpu->cntfrq_hz - 1) / cpu->cntfrq_hz;
            timer_mod_ns(cpu->timer_qt[t], ns > INT64_MAX ? INT64_MAX : (int64_t)ns);
        } else {
            timer_del(cpu->timer_qt[t]);
        }
    }
    if (cpu->timer_irq[t]) {
        irq_set(cpu->timer_irq[t], level);
    }
}

void arm_timer_update(ARMCPU *cpu, int t)
{
    g_mutex_lock(&cpu->timer_lock);
    update_locked(cpu, t);
    g_mutex_unlock(&cpu->timer_lock);
}

uint32_t arm_timer_read_ctl(ARMCPU *cpu, int t)
{
    ARMGenericTimer *gt = &cpu->env.timer[t];
    bool istatus = (gt->ctl & CNTCTL_ENABLE) && timer_counter(cpu, t) >= gt->cval;
    return gt->ctl | (istatus ? CNTCTL_ISTATUS : 0);
}

/* TVAL is the signed 32-bit distance from the counter to CVAL. */
uint64_t arm_timer_read_tval(ARMCPU *cpu, int t)
{
    return (uint32_t)(cpu->env.timer[t].cval - timer_counter(cpu, t));
}

void arm_timer_write_tval(ARMCPU *cpu, int t, uint64_t v)
{
    cpu->env.timer[t].cval = timer_counter(cpu, t) + (uint64_t)(int64_t)(int32_t)v;
    arm_timer_update(cpu, t);
}

static void timer_expired(ARMCPU *cpu, int t)
{
    arm_timer_update(cpu, t);
}

static void phys_expired(void *opaque)
{
    timer_expired(opaque, ARM_TIMER_PHYS);
}

static void virt_expired(void *opaque)
{
    timer_expired(opaque, ARM_TIMER_VIRT);
}

static void hyp_expired(void *opaque)
{
    timer_expired(opaque, ARM_TIMER_HYP);
}

static void hypvirt_expired(void *opaque)
{
    timer_expired(opaque, ARM_TIMER_HYPVIRT);
}

void arm_timer_init(ARMCPU *cpu)
{
    static const TimerCallback cbs[ARM_NUM_TIMERS] = {
        [ARM_TIMER_PHYS] = phys_expired,
        [ARM_TIMER_VIRT] = virt_expired,
        [ARM_TIMER_HYP] = hyp_expired,
        [ARM_TIMER_HYPVIRT] = hypvirt_expired,
    };
    for (int t = 0; t < ARM_NUM_TIMERS; t++) {
        if (!cpu->timer_qt[t]) {
            cpu->timer_qt[t] = timer_new_ns(CLOCK_VIRTUAL, cbs[t], cpu);
        }
    }
}

void arm_timer_destroy(ARMCPU *cpu)
{
    for (int t = 0; t < ARM_NUM_TIMERS; t++) {
        if (cpu->timer_qt[t]) {
            timer_free(cpu->timer_qt[t]);
            cpu->timer_qt[t] = NULL;
        }
    }
}
