/* SPDX-License-Identifier: MIT */
/*
 * PMUv3, cycle counter only (PMCR_EL0.N = 0, no event counters): PMCCNTR
 * counts one cycle per nanosecond of virtual time (a nominal 1 GHz clock;
 * every 64th with PMCR.D) while PMCR.E and PMCNTENSET[31] are set and
 * PMCCFILTR_EL0 does not exclude the current EL.  The count is brought up
 * to date (arm_pmu_sync) whenever one of those inputs changes: register
 * writes and every change of EL.  Overflow of the 32- or 64-bit (PMCR.LC)
 * counter sets PMOVSSET[31]; the overflow interrupt line is not wired yet.
 */
#include "plugins/cpu/arm/cpu.h"

#define PMCR_E (1u << 0)
#define PMCR_D (1u << 3)
#define PMCR_LC (1u << 6)
#define PMU_CYCLE_BIT (1ull << 31)
#define PMCCFILTR_P (1ull << 31)      /* do not count at EL1 */
#define PMCCFILTR_U (1ull << 30)      /* do not count at EL0 */
#define PMCCFILTR_NSH (1ull << 27)    /* count at EL2 */

static bool counting(const CPUARMState *env)
{
    if (!(env->pmcr & PMCR_E) || !(env->pmcnten & PMU_CYCLE_BIT)) {
        return false;
    }
    switch (env->el) {
    case 0:
        return !(env->pmccfiltr & PMCCFILTR_U);
    case 1:
        return !(env->pmccfiltr & PMCCFILTR_P);
    default:
        return (env->pmccfiltr & PMCCFILTR_NSH) != 0;
    }
}

void arm_pmu_sync(ARMCPU *cpu)
{
    CPUARMState *env = &cpu->env;
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    if (counting(env) && now > env->pmu_last_ns) {
        uint64_t delta = (uint64_t)(now - env->pmu_last_ns);
        if (env->pmcr & PMCR_D) {
            /* Count every 64th cycle: keep the remainder in pmu_last_ns. */
            uint64_t ticks = delta / 64;
            now = env->pmu_last_ns + (int64_t)(ticks * 64);
            delta = ticks;
        }
        uint64_t old = env->pmccntr, next = old + delta;
        bool wrap = (env->pmcr & PMCR_LC) ? next < old : (next >> 32) != (old >> 32);
        if (wrap) {
            env->pmovs |= PMU_CYCLE_BIT;
        }
        env->pmccntr = next;
    }
    env->pmu_last_ns = now;
}
