/* SPDX-License-Identifier: MIT */
/*
 * PSCI 1.1 calls made with HVC or SMC when that instruction is the board's
 * chosen conduit (property psci-conduit): PSCI_VERSION, PSCI_FEATURES,
 * MIGRATE_INFO_TYPE, SYSTEM_OFF, SYSTEM_RESET, CPU_OFF.  CPU_ON,
 * CPU_SUSPEND and AFFINITY_INFO answer NOT_SUPPORTED for now.  Function
 * ids outside the PSCI range (SMCCC) return NOT_SUPPORTED (-1) in x0, as
 * SMCCC requires for unknown functions.
 */
#include "kernel/log.h"
#include "kernel/runstate.h"
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
    default:
        log_mask(LOG_UNIMP, "arm: PSCI/SMCCC function 0x%x not implemented\n", fn);
        break;
    }
    env->xregs[0] = ret;
    return true;
}
