/* SPDX-License-Identifier: MIT */
/*
 * PSCI 1.1 calls made with HVC or SMC when that instruction is the board's
 * chosen conduit (property psci-conduit): PSCI_VERSION, PSCI_FEATURES,
 * MIGRATE_INFO_TYPE, SYSTEM_OFF, SYSTEM_RESET, CPU_OFF, CPU_ON (the target
 * starts at the caller's EL with the MMU off, x0 = context id) and
 * AFFINITY_INFO (level 0).  CPU_SUSPEND answers NOT_SUPPORTED.  Function
 * ids outside the PSCI range (SMCCC) return NOT_SUPPORTED (-1) in x0, as
 * SMCCC requires for unknown functions.
 */
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/runstate.h"
#include "tcg/tcg-cpu.h"
#include "plugins/cpu/arm/cpu.h"

enum {
    PSCI_VERSION = 0x84000000,
    PSCI_CPU_SUSPEND_64 = 0xc4000001,
    PSCI_CPU_OFF = 0x84000002,
    PSCI_CPU_ON_64 = 0xc4000003,
    PSCI_AFFINITY_INFO_64 = 0xc4000004,
    PSCI_MIGRATE_INFO_TYPE = 0x84000006,
    PSCI_SYSTEM_OFF = 0x84000008,
    PSCI_SYSTEM_RESET = 0x84000009,
    PSCI_FEATURES = 0x8400000a,
};

#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED ((uint64_t)-1)
#define PSCI_RET_INVALID_PARAMS ((uint64_t)-2)
#define PSCI_RET_ALREADY_ON ((uint64_t)-4)
#define PSCI_VERSION_1_1 0x10001
#define PSCI_MIGRATE_NOT_REQUIRED 2

static bool psci_implemented(uint32_t fn)
{
    switch (fn) {
    case PSCI_VERSION:
    case PSCI_CPU_OFF:
    case PSCI_MIGRATE_INFO_TYPE:
    case PSCI_SYSTEM_OFF:
    case PSCI_SYSTEM_RESET:
    case PSCI_FEATURES:
    case PSCI_CPU_ON_64:
    case PSCI_AFFINITY_INFO_64:
        return true;
    default:
        return false;
    }
}

static void power_off_self(ARMCPU *cpu)
{
    CPUState *cs = CPU(cpu);
    cpu->powered_off = true;
    cs->halted = true;
}

/* The CPU whose MPIDR affinity is @aff, or NULL. */
static ARMCPU *cpu_by_affinity(uint64_t aff)
{
    MachineState *ms = machine_current();
    for (guint i = 0; ms && ms->cpus && i < ms->cpus->len; i++) {
        Object *obj = g_ptr_array_index(ms->cpus, i);
        ARMCPU *c = (ARMCPU *)object_dynamic_cast(obj, TYPE_ARM_CPU);
        if (c && c->mp_affinity == (aff & 0xff00ffffffull)) {
            return c;
        }
    }
    return NULL;
}

/*
 * CPU_ON: the target is idle (powered off, its thread waiting), so its
 * state is written here; power_on_pending (read by has_work on the
 * target's thread) is published last.
 */
static uint64_t psci_cpu_on(ARMCPU *cpu, uint64_t aff, uint64_t entry, uint64_t context)
{
    ARMCPU *t = cpu_by_affinity(aff);
    if (!t) {
        return PSCI_RET_INVALID_PARAMS;
    }
    if (!__atomic_load_n(&t->powered_off, __ATOMIC_ACQUIRE)) {
        return PSCI_RET_ALREADY_ON;
    }
    unsigned el = cpu->env.el;
    arm_cpu_reset_state(t);
    t->powered_off = true;
    if (el != t->env.el) {
        arm_swap_sp(&t->env, el, true);
    }
    t->env.pc = entry;
    t->env.xregs[0] = context;
    if (cpu->engine) {
        cpu->engine->tlb_flush_all_cpus(CPU(cpu));
    }
    __atomic_store_n(&t->powered_off, false, __ATOMIC_RELEASE);
    __atomic_store_n(&t->power_on_pending, true, __ATOMIC_RELEASE);
    cpu_kick(CPU(t));
    return PSCI_RET_SUCCESS;
}

bool arm_psci_call(ARMCPU *cpu, bool is_smc)
{
    CPUARMState *env = &cpu->env;
    if (cpu->psci_conduit != (is_smc ? ARM_PSCI_SMC : ARM_PSCI_HVC)) {
        return false;
    }
    uint32_t fn = (uint32_t)env->xregs[0];
    uint64_t ret = PSCI_RET_NOT_SUPPORTED;
    switch (fn) {
    case PSCI_VERSION:
        ret = PSCI_VERSION_1_1;
        break;
    case PSCI_FEATURES:
        ret = psci_implemented((uint32_t)env->xregs[1]) ? PSCI_RET_SUCCESS
                                                        : PSCI_RET_NOT_SUPPORTED;
        break;
    case PSCI_MIGRATE_INFO_TYPE:
        ret = PSCI_MIGRATE_NOT_REQUIRED;
        break;
    case PSCI_SYSTEM_OFF:
        system_request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
        power_off_self(cpu);
        return true;
    case PSCI_SYSTEM_RESET:
        system_request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
        power_off_self(cpu);
        return true;
    case PSCI_CPU_OFF:
        power_off_self(cpu);
        return true;
    case PSCI_CPU_ON_64:
        ret = psci_cpu_on(cpu, env->xregs[1], env->xregs[2], env->xregs[3]);
        break;
    case PSCI_AFFINITY_INFO_64: {
        ARMCPU *t = env->xregs[2] == 0 ? cpu_by_affinity(env->xregs[1]) : NULL;
        ret = !t ? PSCI_RET_INVALID_PARAMS
                 : __atomic_load_n(&t->powered_off, __ATOMIC_ACQUIRE) ? 1 : 0;
        break;
    }
    default:
        log_mask(LOG_UNIMP, "arm: PSCI/SMCCC function 0x%x not implemented\n", fn);
        break;
    }
    env->xregs[0] = ret;
    return true;
}
