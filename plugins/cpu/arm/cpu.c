/* SPDX-License-Identifier: MIT */
/*
 * AArch64 CPU types: "arm-cpu" (abstract) and "max-arm-cpu" (everything
 * this emulator implements: the A64 integer base with LSE atomics, CRC32
 * and LDAPR; EL0, EL1 and optionally EL2; VMSAv8-64 stage 1 with 4/16/64
 * KiB granules; PAN; the generic timer; PMUv3 with the cycle counter; FP and
 * AdvSIMD without FEAT_FP16, crypto (AES, SHA1/2/3/512, PMULL), dot product,
 * RDM, FCMA, JSCVT, FRINTTS, FlagM2).
 *
 * Models: max (below), cortex-a57, cortex-a72, cortex-a53 (the real parts'
 * ID registers clamped to what is implemented).  max has pauth (default
 * on) and pauth-impdef (default off).
 * Properties: mp-affinity (MPIDR Aff fields), reset-pc (RVBAR: the pc at
 * reset), cntfrq (counter frequency in Hz, 62.5 MHz), has-el2 (implement
 * EL2 and start there), psci-conduit ("none", "hvc", "smc": which call
 * instruction the CPU serves as PSCI, psci.c), start-powered-off.
 * IRQ inputs: 0 IRQ, 1 FIQ (level).  IRQ outputs: the generic timers, 0
 * EL1 physical, 1 EL1 virtual, 2 EL2 physical, 3 EL2 virtual (VHE) (high
 * while asserted).
 */
#include <inttypes.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/module.h"
#include "plugins/cpu/arm/cpu.h"

#define ARM_DEFAULT_CNTFRQ 62500000ull

/* ---- interrupts ------------------------------------------------------------ */

void arm_cpu_update_interrupts(ARMCPU *cpu)
{
    CPUState *cs = CPU(cpu);
    /* Pairs with the fence in the line handler: either we see the new
     * line or the other side sees the new mask. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    cpu_reset_interrupt(cs, ARM_INTERRUPT_HARD);
    if (arm_cpu_pending_interrupt(cpu) >= 0) {
        cpu_interrupt(cs, ARM_INTERRUPT_HARD);
    }
}

static void arm_cpu_irq_handler(void *opaque, int n, int level)
{
    ARMCPU *cpu = ARM_CPU(opaque);
    uint64_t bit = 1ull << n;
    if (level) {
        __atomic_fetch_or(&cpu->irq_lines, bit, __ATOMIC_SEQ_CST);
    } else {
        __atomic_fetch_and(&cpu->irq_lines, ~bit, __ATOMIC_SEQ_CST);
    }
    arm_cpu_update_interrupts(cpu);
    if (level) {
        /* Wake a WFI even when the interrupt is masked (D1.16.2). */
        cpu_kick(CPU(cpu));
    }
}

static bool arm_cpu_has_work(CPUState *cs)
{
    ARMCPU *cpu = ARM_CPU(cs);
    /* WFE ends on an event and consumes it. */
    if (cpu->wfe_sleeping && __atomic_exchange_n(&cpu->event_reg, 0, __ATOMIC_ACQ_REL)) {
        cpu->wfe_sleeping = false;
        return true;
    }
    if (__atomic_exchange_n(&cpu->power_on_pending, false, __ATOMIC_ACQ_REL)) {
        /* PSCI CPU_ON reset the registers from another thread: take the
         * TLB tag they name (the caller flushed every vCPU's TLB). */
        arm_tlb_update_tag(cpu);
        return true;
    }
    return !__atomic_load_n(&cpu->powered_off, __ATOMIC_ACQUIRE) &&
           ((__atomic_load_n(&cpu->irq_lines, __ATOMIC_SEQ_CST) &
             ((1u << ARM_IRQ_PIN_IRQ) | (1u << ARM_IRQ_PIN_FIQ))) != 0 ||
            arm_cpu_virq_pending(cpu));
}

/* ---- ID registers ------------------------------------------------------------ */

static void max_init_ids(ARMIdRegs *id)
{
    *id = (ARMIdRegs){
        .midr = 0x000f0510,
        /* EL0 and EL1 AArch64 only; FP and AdvSIMD with half-precision
         * arithmetic (FEAT_FP16: FP = AdvSIMD = 1); EL2 is added at
         * realize when has-el2 is on.  FEAT_CSV2 and FEAT_CSV3 (as QEMU's
         * max): nothing is executed speculatively, so Linux needs neither
         * the Spectre-v2 mitigation nor KPTI (which switches TTBR1_EL1 at
         * every entry from and return to EL0). */
        .id_aa64pfr0 = 0x1 | (0x1 << 4) | (0x1 << 16) | (0x1 << 20) | (0x1ull << 56) |
                       (0x1ull << 60),
        /* Debug v8.0 with 6 breakpoints (BRPs = 5), the last 2
         * context-aware (CTX_CMPs = 1), and 4 watchpoints (WRPs = 3), as
         * the Cortex parts and QEMU's max (ARM_NUM_BRPS, debug.c); PMUv3
         * (the cycle counter only, PMCR_EL0.N = 0). */
        .id_aa64dfr0 = 0x6 | (0x1 << 8) | (0x5 << 12) | (0x3 << 20) | (0x1 << 28),
        /* AES with PMULL, SHA1, SHA256 and SHA512, CRC32, LSE atomics,
         * RDM (SQRDMLAH), SHA3, dot product, flag manipulation v2, RNDR. */
        .id_aa64isar0 = (0x2 << 4) | (0x1 << 8) | (0x2 << 12) | (0x1 << 16) | (0x2 << 20) |
                        (0x1ull << 28) | (0x1ull << 32) | (0x1ull << 44) | (0x2ull << 52) |
                        (0x1ull << 60),
        /* JSCVT (FJCVTZS), FCMA, LRCPC (LDAPR), FRINTTS. */
        .id_aa64isar1 = (0x1 << 12) | (0x1 << 16) | (0x1ull << 20) | (0x1ull << 32),
        /* 48-bit PA, 16-bit ASID, 4K/16K/64K granules at stage 1. */
        .id_aa64mmfr0 = 0x5 | (0x2 << 4) | (0x1 << 20),
        /* PAN. */
        .id_aa64mmfr1 = (0x1 << 20),
        /* UAO. */
        .id_aa64mmfr2 = (0x1 << 4),
        /* BTI. */
        .id_aa64pfr1 = 0x1,
        /* 64-byte lines, PIPT I-cache, IDC/DIC (the engine keeps code
         * coherent), ERG/CWG 64 bytes. */
        .ctr = (1ull << 31) | (1ull << 29) | (1ull << 28) | (4 << 24) | (4 << 20) |
               (4 << 16) | (3 << 14) | 4,
        .dczid = 4,            /* DC ZVA zeroes 64 bytes */
        .clidr = 0x0a200023,
    };
}

/*
 * Cortex models: the real parts' ID registers (TRMs; the values QEMU uses
 * too), with every feature field clamped to what Tessera implements (the
 * field of max, as signed fields where 0xf means absent: FP, AdvSIMD,
 * TGran4/64), so a model never advertises what would not work: no
 * AArch32, no EL3, EL2 per has-el2, FP/AdvSIMD/crypto once implemented.
 */
static uint64_t id_clamp(uint64_t real, uint64_t impl, uint16_t signed_fields)
{
    uint64_t o = 0;
    for (unsigned f = 0; f < 16; f++) {
        unsigned a = (real >> (4 * f)) & 0xf, b = (impl >> (4 * f)) & 0xf, v;
        if ((signed_fields >> f) & 1) {
            int sa = a >= 8 ? (int)a - 16 : (int)a, sb = b >= 8 ? (int)b - 16 : (int)b;
            v = (unsigned)(sa < sb ? sa : sb) & 0xf;
        } else {
            v = a < b ? a : b;
        }
        o |= (uint64_t)v << (4 * f);
    }
    return o;
}

/* Signed 4-bit fields: ID_AA64PFR0 FP (4), AdvSIMD (5); ID_AA64MMFR0
 * TGran64 (6), TGran4 (7). */
#define PFR0_SIGNED 0x0030
#define MMFR0_SIGNED 0x00c0

static void cortex_ids(ARMIdRegs *id, const ARMIdRegs *real)
{
    ARMIdRegs max;
    max_init_ids(&max);
    *id = *real;
    id->id_aa64pfr0 = id_clamp(real->id_aa64pfr0, max.id_aa64pfr0, PFR0_SIGNED);
    id->id_aa64dfr0 = id_clamp(real->id_aa64dfr0, max.id_aa64dfr0, 0);
    id->id_aa64isar0 = id_clamp(real->id_aa64isar0, max.id_aa64isar0, 0);
    id->id_aa64isar1 = id_clamp(real->id_aa64isar1, max.id_aa64isar1, 0);
    id->id_aa64mmfr0 = id_clamp(real->id_aa64mmfr0, max.id_aa64mmfr0, MMFR0_SIGNED);
    id->id_aa64mmfr1 = id_clamp(real->id_aa64mmfr1, max.id_aa64mmfr1, 0);
}

/* Cortex-A57 r1p3, A72 r0p3, A53 r0p4: ARMv8.0, AArch64 and AArch32 at
 * every EL, FP/AdvSIMD, AES/PMULL/SHA1/SHA2/CRC32, 6 breakpoints and 4
 * watchpoints, PMUv3, 16-bit ASIDs, 4K and 64K granules (no 16K). */
static void a57_init_ids(ARMIdRegs *id)
{
    cortex_ids(id, &(ARMIdRegs){
        .midr = 0x411fd070, .id_aa64pfr0 = 0x00002222, .id_aa64dfr0 = 0x10305106,
        .id_aa64isar0 = 0x00011120, .id_aa64mmfr0 = 0x00001124, .ctr = 0x8444c004,
        .dczid = 4, .clidr = 0x0a200023,
    });
}

static void a72_init_ids(ARMIdRegs *id)
{
    cortex_ids(id, &(ARMIdRegs){
        .midr = 0x410fd083, .id_aa64pfr0 = 0x00002222, .id_aa64dfr0 = 0x10305106,
        .id_aa64isar0 = 0x00011120, .id_aa64mmfr0 = 0x00001124, .ctr = 0x8444c004,
        .dczid = 4, .clidr = 0x0a200023,
    });
}

static void a53_init_ids(ARMIdRegs *id)
{
    cortex_ids(id, &(ARMIdRegs){
        .midr = 0x410fd034, .id_aa64pfr0 = 0x00002222, .id_aa64dfr0 = 0x10305106,
        .id_aa64isar0 = 0x00011120, .id_aa64mmfr0 = 0x00001122, .ctr = 0x84448004,
        .dczid = 4, .clidr = 0x0a200023,
    });
}

/* ---- reset, dump ------------------------------------------------------------------ */

#define SCTLR_EL1_RES1 0x30d00800ull
#define SCTLR_EL2_RES1 0x30c50830ull

void arm_cpu_reset_state(ARMCPU *cpu)
{
    CPUARMState *env = &cpu->env;
    memset(env, 0, sizeof(*env));
    env->el = (uint32_t)arm_highest_el(cpu);
    env->pstate = PSTATE_DAIF | PSTATE_SP;
    env->pc = cpu->reset_pc;
    env->zf = 1;
    env->sctlr_el[1] = SCTLR_EL1_RES1;
    env->sctlr_el[2] = SCTLR_EL2_RES1;
    env->hcr_el2 = cpu->has_el2 ? HCR_RW : 0;
    env->cptr_el2 = 0x33ff;            /* RES1 bits; TFP (bit 10) clear */
    env->pmu_last_ns = clock_get_ns(CLOCK_VIRTUAL);
    env->cntfrq = cpu->cntfrq_hz;
    env->excl_addr = UINT64_MAX;
    env->oslsr_el1 = 2;                /* OSLK: the OS lock is set at cold reset */
    env->vpidr_el2 = cpu->id.midr;
    env->vmpidr_el2 = (1ull << 31) | cpu->mp_affinity;
    cpu->powered_off = cpu->start_powered_off;
    cpu->power_on_pending = false;
    for (int t = 0; t < ARM_NUM_TIMERS; t++) {
        arm_timer_update(cpu, t);
    }
}

static void arm_cpu_reset(DeviceState *dev)
{
    ARMCPU *cpu = ARM_CPU(dev);
    arm_cpu_reset_state(cpu);
    CPU(dev)->halted = cpu->powered_off;
    arm_cpu_update_interrupts(cpu);
}

static void arm_cpu_dump_state(CPUState *cs, GString *out)
{
    ARMCPU *cpu = ARM_CPU(cs);
    CPUARMState *env = &cpu->env;
    uint32_t ps = arm_pstate_read(env);
    g_string_append_printf(out, " PC=%016" PRIx64 " PSTATE=%08x %c%c%c%c EL%u%c%s%s\n",
                           env->pc, ps, (ps & PSTATE_N) ? 'N' : '-', (ps & PSTATE_Z) ? 'Z' : '-',
                           (ps & PSTATE_C) ? 'C' : '-', (ps & PSTATE_V) ? 'V' : '-', env->el,
                           (ps & PSTATE_SP) ? 'h' : 't',
                           cpu->powered_off ? "  (powered off)" : "",
                           cs->halted && !cpu->powered_off ? "  (halted in wfi)" : "");
    for (int i = 0; i < 31; i++) {
        g_string_append_printf(out, " X%02d=%016" PRIx64 "%s", i, env->xregs[i],
                               (i % 4) == 3 ? "\n" : "");
    }
    g_string_append_printf(out, "  SP=%016" PRIx64 "\n", env->xregs[31]);
    for (int i = 0; i < 32; i++) {
        g_string_append_printf(out, " V%02d=%016" PRIx64 ":%016" PRIx64 "%s", i,
                               env->vregs[i][1], env->vregs[i][0], (i % 2) == 1 ? "\n" : "");
    }
    arm_sysreg_dump(cpu, out);
}

/* ---- properties, realize ---------------------------------------------------------------- */

static const PropertyInfo arm_cpu_props[] = {
    PROP_UINT64("mp-affinity", ARMCPU, mp_affinity, 0, "MPIDR affinity fields (Aff3..Aff0)"),
    PROP_UINT64("reset-pc", ARMCPU, reset_pc, 0, "pc at reset (RVBAR)"),
    PROP_UINT64("cntfrq", ARMCPU, cntfrq_hz, ARM_DEFAULT_CNTFRQ,
                "Generic timer counter frequency in Hz"),
    PROP_BOOL("has-el2", ARMCPU, has_el2, false, "Implement EL2 and start in it"),
    PROP_BOOL("start-powered-off", ARMCPU, start_powered_off, false,
              "Stay off after reset until PSCI CPU_ON"),
    PROP_STRING("psci-conduit", ARMCPU, psci_conduit_str, NULL,
                "Instruction serving PSCI calls: none (default), hvc or smc"),
    PROP_END
};

static bool arm_cpu_realize(DeviceState *dev, GError **errp)
{
    ARMCPU *cpu = ARM_CPU(dev);
    const char *c = cpu->psci_conduit_str;
    if (!c || !strcmp(c, "none")) {
        cpu->psci_conduit = ARM_PSCI_NONE;
    } else if (!strcmp(c, "hvc")) {
        cpu->psci_conduit = ARM_PSCI_HVC;
    } else if (!strcmp(c, "smc")) {
        cpu->psci_conduit = ARM_PSCI_SMC;
    } else {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "psci-conduit=%s: expected none, hvc or smc", c);
        return false;
    }
    if (cpu->cntfrq_hz == 0 || cpu->cntfrq_hz > UINT32_MAX) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "cntfrq=%" PRIu64 ": must be 1..4294967295 Hz", cpu->cntfrq_hz);
        return false;
    }
    if (cpu->mp_affinity & ~0xff00ffffffull) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "mp-affinity=0x%" PRIx64 ": only Aff3 (bits 39:32) and Aff2..Aff0 "
                    "(bits 23:0) exist", cpu->mp_affinity);
        return false;
    }
    ARM_CPU_GET_CLASS(cpu)->init_ids(&cpu->id);
    if (cpu->has_el2) {
        cpu->id.id_aa64pfr0 |= 0x1 << 8;
    }
    if (cpu->has_el2 && ARM_CPU_GET_CLASS(cpu)->init_ids == max_init_ids) {
        cpu->id.id_aa64mmfr1 |= 0x1 << 8;           /* VH: VHE comes with EL2 */
    }
    /* Features the model's ID registers advertise. */
    cpu->bti = (cpu->id.id_aa64pfr1 & 0xf) != 0;
    cpu->uao = ((cpu->id.id_aa64mmfr2 >> 4) & 0xf) != 0;
    cpu->vhe = ((cpu->id.id_aa64mmfr1 >> 8) & 0xf) != 0;
    cpu->rng = ((cpu->id.id_aa64isar0 >> 60) & 0xf) != 0;
    /* FEAT_FP16 (scalar and Advanced SIMD): ID_AA64PFR0.FP = 1. */
    cpu->fp16 = ((cpu->id.id_aa64pfr0 >> 16) & 0xf) == 1;
    if (!cpu->pauth && cpu->pauth_impdef) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "pauth-impdef=on needs pauth=on");
        return false;
    }
    if (cpu->pauth) {
        /* FEAT_PAuth2 with FEAT_FPAC (APA/API = 4, not FPACCOMBINE):
         * APA+GPA for QARMA5, API+GPI for the IMPLEMENTATION DEFINED
         * algorithm. */
        cpu->id.id_aa64isar1 |= cpu->pauth_impdef ? (0x4ull << 8 | 0x1ull << 28)
                                                  : (0x4ull << 4 | 0x1ull << 24);
    }
    CPU(cpu)->index = (int)(cpu->mp_affinity & 0xff);
    arm_timer_init(cpu);
    arm_cpu_reset_state(cpu);
    CPU(cpu)->halted = cpu->powered_off;
    return true;
}

static void arm_cpu_unrealize(DeviceState *dev)
{
    arm_timer_destroy(ARM_CPU(dev));
}

static void arm_cpu_instance_init(Object *obj)
{
    ARMCPU *cpu = ARM_CPU(obj);
    device_init_irq_in(DEVICE(obj), arm_cpu_irq_handler, ARM_NUM_IRQ_PINS);
    for (int t = 0; t < ARM_NUM_TIMERS; t++) {
        device_init_irq_out(DEVICE(obj), &cpu->timer_irq[t]);
    }
    cpu->env.excl_addr = UINT64_MAX;
    g_mutex_init(&cpu->timer_lock);
}

static void arm_cpu_instance_finalize(Object *obj)
{
    ARMCPU *cpu = ARM_CPU(obj);
    if (cpu->gdb_xml) {
        g_hash_table_destroy(cpu->gdb_xml);
    }
    arm_timer_destroy(cpu);
    g_mutex_clear(&cpu->timer_lock);
}

static void arm_cpu_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    CPUClass *cc = CPU_CLASS(klass);
    dc->desc = "AArch64 CPU";
    dc->category = "cpu";
    dc->user_creatable = false;
    dc->realize = arm_cpu_realize;
    dc->unrealize = arm_cpu_unrealize;
    dc->reset = arm_cpu_reset;
    cc->dump_state = arm_cpu_dump_state;
    cc->has_work = arm_cpu_has_work;
    cc->debug_translate = arm_cpu_debug_translate;
    cc->accel_ops = arm_accel_ops;
    cc->debug_ops = &arm_debug_ops;
    cc->arch = "aarch64";
    object_class_add_field_properties(klass, arm_cpu_props);
}

static const PropertyInfo arm_cpu_max_props[] = {
    PROP_BOOL("pauth", ARMCPU, pauth, true, "Pointer authentication (FEAT_PAuth)"),
    PROP_BOOL("pauth-impdef", ARMCPU, pauth_impdef, false,
              "Use the IMPLEMENTATION DEFINED PAC algorithm instead of QARMA5"),
    PROP_END
};

static void arm_cpu_max_class_init(ObjectClass *klass, const void *data)
{
    ARM_CPU_CLASS(klass)->init_ids = max_init_ids;
    object_class_add_field_properties(klass, arm_cpu_max_props);
}

static void arm_cpu_a57_class_init(ObjectClass *klass, const void *data)
{
    ARM_CPU_CLASS(klass)->init_ids = a57_init_ids;
}

static void arm_cpu_a72_class_init(ObjectClass *klass, const void *data)
{
    ARM_CPU_CLASS(klass)->init_ids = a72_init_ids;
}

static void arm_cpu_a53_class_init(ObjectClass *klass, const void *data)
{
    ARM_CPU_CLASS(klass)->init_ids = a53_init_ids;
}

/* ---- registration ---------------------------------------------------------------------- */

static const TypeInfo arm_cpu_types[] = {
    {
        .name = TYPE_ARM_CPU,
        .parent = TYPE_CPU,
        .category = "cpu",
        .description = "AArch64 CPU (abstract base)",
        .target = "aarch64",
        .abstract = true,
        .instance_size = sizeof(ARMCPU),
        .class_size = sizeof(ARMCPUClass),
        .class_init = arm_cpu_class_init,
        .instance_init = arm_cpu_instance_init,
        .instance_finalize = arm_cpu_instance_finalize,
    },
    {
        .name = TYPE_ARM_CPU_MAX,
        .parent = TYPE_ARM_CPU,
        .category = "cpu",
        .description = "A64 with LSE, CRC32, LRCPC, FP, AdvSIMD, crypto, PAuth, BTI; EL0-EL2 "
                       "with stage 2 and VHE; 4/16/64K MMU",
        .target = "aarch64",
        .class_init = arm_cpu_max_class_init,
    },
    {
        .name = TYPE_ARM_CPU_A57,
        .parent = TYPE_ARM_CPU,
        .category = "cpu",
        .description = "ARM Cortex-A57 (ARMv8.0; ID registers of r1p3)",
        .target = "aarch64",
        .class_init = arm_cpu_a57_class_init,
    },
    {
        .name = TYPE_ARM_CPU_A72,
        .parent = TYPE_ARM_CPU,
        .category = "cpu",
        .description = "ARM Cortex-A72 (ARMv8.0; ID registers of r0p3)",
        .target = "aarch64",
        .class_init = arm_cpu_a72_class_init,
    },
    {
        .name = TYPE_ARM_CPU_A53,
        .parent = TYPE_ARM_CPU,
        .category = "cpu",
        .description = "ARM Cortex-A53 (ARMv8.0; ID registers of r0p4)",
        .target = "aarch64",
        .class_init = arm_cpu_a53_class_init,
    },
};

TESSERA_MODULE(.name = "cpu-arm", .kind = "cpu",
               .types = TESSERA_TYPES(&arm_cpu_types[0], &arm_cpu_types[1], &arm_cpu_types[2],
                                      &arm_cpu_types[3], &arm_cpu_types[4]));
