/* SPDX-License-Identifier: MIT */
/*
 * AArch64 CPU (A64 only, EL0/EL1 and optionally EL2, no EL3): architectural
 * state and the interfaces shared by the files of the cpu-arm module.
 * Nothing here is exported to other modules: boards talk to the CPU through
 * properties and IRQ pins.
 */
#ifndef TESSERA_ARM_CPU_H
#define TESSERA_ARM_CPU_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/accel.h"
#include "kernel/clock.h"

#define TYPE_ARM_CPU "arm-cpu"
#define TYPE_ARM_CPU_MAX "max-arm-cpu"
#define TYPE_ARM_CPU_A57 "cortex-a57-arm-cpu"
#define TYPE_ARM_CPU_A72 "cortex-a72-arm-cpu"
#define TYPE_ARM_CPU_A53 "cortex-a53-arm-cpu"

/* ---- PSTATE / SPSR ------------------------------------------------------- */

#define PSTATE_N (1u << 31)
#define PSTATE_Z (1u << 30)
#define PSTATE_C (1u << 29)
#define PSTATE_V (1u << 28)
#define PSTATE_NZCV (PSTATE_N | PSTATE_Z | PSTATE_C | PSTATE_V)
#define PSTATE_SS (1u << 21)
#define PSTATE_IL (1u << 20)
#define PSTATE_PAN (1u << 22)
#define PSTATE_UAO (1u << 23)
#define PSTATE_BTYPE_SHIFT 10
#define PSTATE_BTYPE (3u << PSTATE_BTYPE_SHIFT)
#define PSTATE_D (1u << 9)
#define PSTATE_A (1u << 8)
#define PSTATE_I (1u << 7)
#define PSTATE_F (1u << 6)
#define PSTATE_DAIF (PSTATE_D | PSTATE_A | PSTATE_I | PSTATE_F)
#define PSTATE_M_EL_SHIFT 2
#define PSTATE_SP 1u              /* M[0]: SP_ELx selected */
#define PSTATE_M_MASK 0x1fu
#define PSTATE_nRW (1u << 4)      /* AArch32 state: never used */

/* ---- exception classes (ESR_ELx.EC) -------------------------------------- */

enum {
    EC_UNCATEGORIZED = 0x00,
    EC_WFX = 0x01,
    EC_FP_ACCESS = 0x07,
    EC_PAC_TRAP = 0x09,
    EC_BTI = 0x0d,
    EC_ILLEGAL_STATE = 0x0e,
    EC_SVC64 = 0x15,
    EC_HVC64 = 0x16,
    EC_SMC64 = 0x17,
    EC_SYSREG = 0x18,
    EC_PAC_FAIL = 0x1c,        /* FEAT_FPAC */
    EC_IABORT_LOWER = 0x20,
    EC_IABORT_SAME = 0x21,
    EC_PC_ALIGN = 0x22,
    EC_DABORT_LOWER = 0x24,
    EC_DABORT_SAME = 0x25,
    EC_SP_ALIGN = 0x26,
    EC_SERROR = 0x2f,
    EC_BREAKPOINT_LOWER = 0x30,
    EC_BREAKPOINT_SAME = 0x31,
    EC_SOFTSTEP_LOWER = 0x32,
    EC_SOFTSTEP_SAME = 0x33,
    EC_WATCHPOINT_LOWER = 0x34,
    EC_WATCHPOINT_SAME = 0x35,
    EC_BRK64 = 0x3c,
};

#define ESR_IL (1u << 25)
#define ESR_EC_SHIFT 26

/* Fault status codes (ESR ISS DFSC/IFSC). */
enum {
    FSC_ADDR_SIZE = 0x00,      /* + level */
    FSC_TRANSLATION = 0x04,    /* + level */
    FSC_ACCESS_FLAG = 0x08,    /* + level */
    FSC_PERMISSION = 0x0c,     /* + level */
    FSC_ALIGNMENT = 0x21,
};

/* Exception kinds recorded for do_interrupt (index of the vector entry). */
enum {
    EXCP_KIND_SYNC = 0,
    EXCP_KIND_IRQ = 1,
    EXCP_KIND_FIQ = 2,
    EXCP_KIND_SERROR = 3,
};

/* CPUState.interrupt_request bits. */
#define ARM_INTERRUPT_HARD 1u
#define ARM_INTERRUPT_FIQ 2u

/* IRQ input pins: the physical IRQ and FIQ, and the virtual IRQ and FIQ
 * a GIC's virtual CPU interface signals (ORed with HCR_EL2.VI/VF). */
enum {
    ARM_IRQ_PIN_IRQ = 0,
    ARM_IRQ_PIN_FIQ = 1,
    ARM_IRQ_PIN_VIRQ = 2,
    ARM_IRQ_PIN_VFIQ = 3,
    ARM_NUM_IRQ_PINS = 4,
};

/* Generic timer outputs (IRQ output pins, QEMU's numbering). */
enum {
    ARM_TIMER_PHYS = 0,
    ARM_TIMER_VIRT = 1,
    ARM_TIMER_HYP = 2,
    ARM_TIMER_HYPVIRT = 3,     /* EL2 virtual timer (FEAT_VHE) */
    ARM_NUM_TIMERS = 4,
};

#define CNTCTL_ENABLE 1u
#define CNTCTL_IMASK 2u
#define CNTCTL_ISTATUS 4u

/* SCTLR_ELx bits used. */
#define SCTLR_M (1ull << 0)
#define SCTLR_A (1ull << 1)
#define SCTLR_C (1ull << 2)
#define SCTLR_SA (1ull << 3)
#define SCTLR_SA0 (1ull << 4)
#define SCTLR_I (1ull << 12)
#define SCTLR_DZE (1ull << 14)
#define SCTLR_UCT (1ull << 15)
#define SCTLR_nTWI (1ull << 16)
#define SCTLR_nTWE (1ull << 18)
#define SCTLR_WXN (1ull << 19)
#define SCTLR_SPAN (1ull << 23)
#define SCTLR_E0E (1ull << 24)
#define SCTLR_EE (1ull << 25)
#define SCTLR_UCI (1ull << 26)

/* HCR_EL2 bits used. */
#define HCR_VM (1ull << 0)
#define HCR_SWIO (1ull << 1)
#define HCR_FMO (1ull << 3)
#define HCR_IMO (1ull << 4)
#define HCR_AMO (1ull << 5)
#define HCR_VF (1ull << 6)
#define HCR_VI (1ull << 7)
#define HCR_VSE (1ull << 8)
#define HCR_FB (1ull << 9)
#define HCR_DC (1ull << 12)
#define HCR_TWI (1ull << 13)
#define HCR_TWE (1ull << 14)
#define HCR_TID0 (1ull << 15)
#define HCR_TID1 (1ull << 16)
#define HCR_TID2 (1ull << 17)
#define HCR_TID3 (1ull << 18)
#define HCR_TSC (1ull << 19)
#define HCR_TIDCP (1ull << 20)
#define HCR_TACR (1ull << 21)
#define HCR_TSW (1ull << 22)
#define HCR_TPCP (1ull << 23)
#define HCR_TPU (1ull << 24)
#define HCR_TTLB (1ull << 25)
#define HCR_TVM (1ull << 26)
#define HCR_TGE (1ull << 27)
#define HCR_TDZ (1ull << 28)
#define HCR_TRVM (1ull << 30)
#define HCR_RW (1ull << 31)
#define HCR_E2H (1ull << 34)
#define HCR_APK (1ull << 40)
#define HCR_API (1ull << 41)
/* HCR_EL2 bits this CPU implements (the others are RES0). */
#define HCR_IMPLEMENTED (HCR_VM | HCR_SWIO | (1ull << 2) | HCR_FMO | HCR_IMO | HCR_AMO | \
                         HCR_VF | HCR_VI | HCR_VSE | (0x1full << 9) | HCR_TWI | HCR_TWE | \
                         HCR_TID0 | HCR_TID1 | HCR_TID2 | HCR_TID3 | HCR_TSC | HCR_TIDCP | \
                         HCR_TACR | HCR_TSW | HCR_TPCP | HCR_TPU | HCR_TTLB | HCR_TVM | \
                         HCR_TGE | HCR_TDZ | (1ull << 29) | HCR_TRVM | HCR_RW | \
                         (1ull << 32) | (1ull << 33) | HCR_APK | HCR_API)

/* MDCR_EL2 bits (HPMN is 4:0). */
#define MDCR_TPMCR (1ull << 5)
#define MDCR_TPM (1ull << 6)
#define MDCR_HPME (1ull << 7)
#define MDCR_TDE (1ull << 8)
#define MDCR_TDA (1ull << 9)
#define MDCR_TDOSA (1ull << 10)
#define MDCR_TDRA (1ull << 11)

/* CPACR_EL1 / CPTR_EL2 are stored; FP/SIMD is not implemented. */

/* ---- MMU ---------------------------------------------------------------- */

/*
 * MMU indexes (translation regimes cached separately by the engine's TLB).
 * The engine's address-space tag (arm_tlb_tag) names the ASIDs and the VMID
 * the entries belong to; see "ASID/VMID-tagged TLB" in docs/architecture.md.
 */
enum {
    ARM_MMUIDX_E10_0 = 0,      /* EL1&0 regime, EL0 access */
    ARM_MMUIDX_E10_1 = 1,      /* EL1&0 regime, EL1 access */
    ARM_MMUIDX_E10_1_PAN = 2,  /* EL1&0 regime, EL1 access with PSTATE.PAN */
    ARM_MMUIDX_E2 = 3,         /* EL2 regime (HCR_EL2.E2H clear) */
    ARM_MMUIDX_E20_0 = 4,      /* EL2&0 regime (VHE), EL0 access (E2H and TGE) */
    ARM_MMUIDX_E20_2 = 5,      /* EL2&0 regime, EL2 access */
    ARM_MMUIDX_E20_2_PAN = 6,  /* EL2&0 regime, EL2 access with PSTATE.PAN */
    ARM_NB_MMU_MODES = 7,
};

#define ARM_PROT_READ 1
#define ARM_PROT_WRITE 2
#define ARM_PROT_EXEC 4

typedef enum {
    ARM_ACCESS_LOAD = 0,
    ARM_ACCESS_STORE = 1,
    ARM_ACCESS_FETCH = 2,
} ARMAccessType;

typedef struct ARMTranslation {
    uint64_t paddr;
    bool global;               /* valid for every ASID (nG clear, or no ASID) */
    int prot;                  /* ARM_PROT_* for the accessing EL */
    int lg_page;               /* log2 of the mapping size */
    uint8_t attrs;             /* MAIR attribute byte of the mapping */
    bool guarded;              /* stage-1 GP bit: a BTI guarded page */
} ARMTranslation;

/* A failed translation: what goes into ESR/FAR. */
typedef struct ARMFault {
    unsigned fsc;              /* FSC_* including the level */
    bool s1ptw;                /* stage 2 fault on a stage-1 table walk */
    bool stage2;               /* a stage-2 fault: taken to EL2 */
    uint64_t ipa;              /* stage 2: the faulting IPA (HPFAR_EL2) */
} ARMFault;

/* ---- ID registers of a CPU model ---------------------------------------- */

typedef struct ARMIdRegs {
    uint64_t midr;
    uint64_t revidr;
    uint64_t id_aa64pfr0;
    uint64_t id_aa64pfr1;
    uint64_t id_aa64dfr0;
    uint64_t id_aa64dfr1;
    uint64_t id_aa64afr0;
    uint64_t id_aa64afr1;
    uint64_t id_aa64isar0;
    uint64_t id_aa64isar1;
    uint64_t id_aa64isar2;
    uint64_t id_aa64mmfr0;
    uint64_t id_aa64mmfr1;
    uint64_t id_aa64mmfr2;
    uint64_t ctr;
    uint64_t dczid;
    uint64_t clidr;
    uint64_t aidr;
} ARMIdRegs;

/* ---- state ---------------------------------------------------------------- */

typedef struct ARMGenericTimer {
    uint64_t cval;
    uint32_t ctl;
} ARMGenericTimer;

/* Architectural state (all that `info registers` and reset see). */
typedef struct CPUARMState {
    /* x0..x30, then the current stack pointer at [31]. */
    uint64_t xregs[32];
    /* FP/SIMD registers V0..V31: [0] low 64 bits, [1] high 64 bits. */
    uint64_t vregs[32][2];
    uint64_t pc;
    /* NZCV in translation-friendly form: N = bit 63 of nf, Z = (zf == 0),
     * C = cf (0/1), V = bit 63 of vf. */
    uint64_t nf;
    uint64_t zf;
    uint64_t cf;
    uint64_t vf;
    /* PSTATE apart from NZCV: DAIF, EL (M[3:2]), SPSel (M[0]), PAN. */
    uint32_t pstate;
    uint32_t el;
    /* Banked stack pointers SP_EL0..SP_EL2 (the current one lives in
     * xregs[31] and is written back when the selection changes). */
    uint64_t sp_el[3];

    /* Exclusive monitor: address (or -1), the value(s) loaded and their
     * size in bytes. */
    uint64_t excl_addr;
    uint64_t excl_val;
    uint64_t excl_val2;
    uint64_t excl_size;

    /* Exception recorded for do_interrupt. */
    uint32_t excp_kind;        /* EXCP_KIND_* */
    uint32_t excp_target_el;
    uint64_t excp_syndrome;
    uint64_t excp_vaddr;
    bool excp_has_far;
    /* A stage-2 data abort whose ISS gets the instruction syndrome (ISV)
     * when it is taken (the instruction is decoded again then). */
    bool excp_want_isv;

    /* System registers (the table in sysreg.def names them). */
    uint64_t elr_el[3];        /* [1], [2] used */
    uint64_t spsr_el[3];
    uint64_t esr_el[3];
    uint64_t far_el[3];
    uint64_t vbar_el[3];
    uint64_t sctlr_el[3];
    uint64_t ttbr0_el[3];
    uint64_t ttbr1_el[3];
    uint64_t tcr_el[3];
    uint64_t mair_el[3];
    uint64_t amair_el[3];
    uint64_t tpidr_el[3];      /* TPIDR_EL0 at [0] */
    uint64_t tpidrro_el0;
    uint64_t contextidr_el1;
    uint64_t contextidr_el2;   /* FEAT_VHE */
    uint64_t cpacr_el1;
    uint64_t par_el1;
    uint64_t afsr0_el[3];
    uint64_t afsr1_el[3];
    uint64_t actlr_el[3];
    uint64_t csselr_el1;
    uint64_t mdscr_el1;
    /* Breakpoint and watchpoint registers (ARM_NUM_BRPS / ARM_NUM_WRPS,
     * as ID_AA64DFR0 says), debug.c. */
    uint64_t dbgbvr[6], dbgbcr[6], dbgwvr[4], dbgwcr[4];
    /* Software step: bit 0 set while the stepped instruction runs (PSTATE.SS
     * already 0), bit 1: it is a load-exclusive (ESR EX). */
    uint32_t ss_stepped;
    uint64_t mdccint_el1;
    /* PMUv3 with the cycle counter only (PMCR_EL0.N = 0), pmu.c. */
    uint64_t pmcr;
    uint64_t pmcnten;          /* bit 31: cycle counter enabled */
    uint64_t pmovs;
    uint64_t pmintens;
    uint64_t pmuserenr;
    uint64_t pmselr;
    uint64_t pmccfiltr;
    uint64_t pmccntr;          /* value at pmu_last_ns */
    int64_t pmu_last_ns;
    uint64_t oslsr_el1;
    uint64_t hcr_el2;
    uint64_t cptr_el2;
    uint64_t hstr_el2;
    uint64_t mdcr_el2;         /* debug/PMU traps (el2.c); TDE routes debug exceptions */
    uint64_t vttbr_el2;
    uint64_t vtcr_el2;
    uint64_t hpfar_el2;
    uint64_t vpidr_el2;
    uint64_t vmpidr_el2;
    uint64_t cntvoff_el2;
    uint64_t cnthctl_el2;
    uint64_t cntkctl_el1;
    uint64_t fpcr;
    uint64_t fpsr;
    uint64_t cntfrq;
    ARMGenericTimer timer[ARM_NUM_TIMERS];
    /* Pointer-authentication keys APIA, APIB, APDA, APDB, APGA: [0] Lo,
     * [1] Hi (pauth.c). */
    uint64_t pauth_keys[5][2];
} CPUARMState;

enum {
    ARM_PAUTH_IA = 0,
    ARM_PAUTH_IB = 1,
    ARM_PAUTH_DA = 2,
    ARM_PAUTH_DB = 3,
    ARM_PAUTH_GA = 4,
    /* Or'ed into arm_helper_aut's key: a combined branch/return/load form. */
    ARM_PAUTH_COMBINED = 0x100,
};

/* One computed QARMA5 PAC (pauth.c): Linux signs its return address at
 * function entry and authenticates the same (LR, SP) at exit. */
typedef struct ARMPacCacheEntry {
    uint64_t data, modifier, key0, key1, pac;
    bool valid;
} ARMPacCacheEntry;
#define ARM_PAC_CACHE_SIZE 256

typedef struct ARMCPU {
    CPUState parent_obj;
    CPUARMState env;

    /* Levels of the IRQ/FIQ input pins (bit n = pin n), atomic. */
    volatile uint64_t irq_lines;
    /* Timer outputs and their comparators (main loop and vCPU thread). */
    IRQLine *timer_irq[ARM_NUM_TIMERS];
    Timer *timer_qt[ARM_NUM_TIMERS];
    GMutex timer_lock;

    /* Properties. */
    uint64_t mp_affinity;
    uint64_t reset_pc;
    uint64_t cntfrq_hz;
    bool has_el2;
    bool start_powered_off;
    bool pauth;                /* FEAT_PAuth (max: pauth=on) */
    bool pauth_impdef;         /* the IMPLEMENTATION DEFINED algorithm */
    bool bti;                  /* FEAT_BTI (max) */
    bool vhe;                  /* FEAT_VHE (max with EL2) */
    bool uao;                  /* FEAT_UAO (max) */
    bool rng;                  /* FEAT_RNG: RNDR, RNDRRS (max) */
    bool fp16;                 /* FEAT_FP16 scalar arithmetic (max) */
    char *psci_conduit_str;

    /* PSCI CPU_OFF / SYSTEM_OFF (or start-powered-off): no work until
     * reset; has_work ignores interrupts. */
    bool powered_off;
    /* Set by another CPU's PSCI CPU_ON: has_work wakes us once. */
    bool power_on_pending;
    /* The Event Register (SEV, SEVL; consumed by WFE), atomic, and whether
     * the CPU sleeps in WFE (then an event is work: arm_cpu_has_work). */
    int event_reg;
    bool wfe_sleeping;

    /* Derived at realize. */
    int psci_conduit;          /* ARM_PSCI_* */
    ARMIdRegs id;

    /* The translation engine's services (tcg.c), or NULL. */
    const struct TcgEngineOps *engine;
    /* gdbstub.c: target description files by name (built on first use). */
    GHashTable *gdb_xml;
    /* Return address of the helper running a system-register access, for
     * precise faults in DC ZVA (0 outside translated code). */
    uintptr_t sysreg_ra;
    /* GIC CPU interface (ICC_* registers), installed by a GICv3; NULL:
     * none (see arm_cpu_set_gic_cpuif). */
    const struct ARMGicCpuIfOps *gic_ops;
    void *gic_opaque;
    /* Recent QARMA5 results, direct-mapped (vCPU thread only). */
    ARMPacCacheEntry pac_cache[ARM_PAC_CACHE_SIZE];
} ARMCPU;

enum {
    ARM_PSCI_NONE = 0,
    ARM_PSCI_HVC = 1,
    ARM_PSCI_SMC = 2,
};

typedef struct ARMCPUClass {
    CPUClass parent_class;
    /* Fills the ID registers of the model. */
    void (*init_ids)(ARMIdRegs *id);
} ARMCPUClass;

OBJECT_DECLARE_TYPE(ARMCPU, ARMCPUClass, ARM_CPU, TYPE_ARM_CPU)

static inline ARMCPU *arm_env_cpu(CPUARMState *env)
{
    return (ARMCPU *)((char *)env - offsetof(ARMCPU, env));
}

/* Unchecked casts for the hot paths (helpers, TLB fills, translation):
 * CPU()/ARM_CPU() compare type names. */
static inline CPUState *arm_cs(ARMCPU *cpu)
{
    return &cpu->parent_obj;
}

static inline ARMCPU *arm_cs_cpu(CPUState *cs)
{
    return (ARMCPU *)((char *)cs - offsetof(ARMCPU, parent_obj));
}

/* ---- cpu.c ----------------------------------------------------------------- */

/* Architectural reset (used by device reset and the unit tests). */
void arm_cpu_reset_state(ARMCPU *cpu);
/* Re-evaluate interrupt_request after DAIF/HCR/EL or line changes. */
void arm_cpu_update_interrupts(ARMCPU *cpu);
/* HCR_EL2.E2H in effect (VHE: EL2 is a host OS's EL1). */
static inline bool arm_e2h(const ARMCPU *cpu)
{
    return cpu->has_el2 && (cpu->env.hcr_el2 & HCR_E2H);
}

/* E2H and TGE: EL0 is the host's user space in the EL2&0 regime. */
static inline bool arm_is_host(const ARMCPU *cpu)
{
    return cpu->has_el2 && (cpu->env.hcr_el2 & (HCR_E2H | HCR_TGE)) == (HCR_E2H | HCR_TGE);
}

/* The SCTLR that governs @el: SCTLR_EL2 for EL2 and for host EL0. */
static inline uint64_t arm_sctlr(const ARMCPU *cpu, unsigned el)
{
    return (el == 2 || (el == 0 && arm_is_host(cpu))) ? cpu->env.sctlr_el[2]
                                                      : cpu->env.sctlr_el[1];
}

/* Highest EL implemented (1 or 2). */
static inline int arm_highest_el(const ARMCPU *cpu)
{
    return cpu->has_el2 ? 2 : 1;
}

/* ---- debug.c: self-hosted debug ------------------------------------------------ */

/* Every model: 6 breakpoints, the last 2 context-aware, 4 watchpoints
 * (the Cortex-A53/A57/A72's numbers; ID_AA64DFR0 BRPs = 5, CTX_CMPs = 1,
 * WRPs = 3).  sysreg.def has a row per register. */
#define ARM_NUM_BRPS 6
#define ARM_NUM_CTX_CMPS 2
#define ARM_NUM_WRPS 4
/* EL debug exceptions are taken to (2 with HCR_EL2.TGE or MDCR_EL2.TDE). */
unsigned arm_debug_target_el(const ARMCPU *cpu);
/* Debug exceptions may be generated at the current EL (OS lock, KDE, D). */
bool arm_debug_exceptions_enabled(const ARMCPU *cpu);
/* TB flags of the armed breakpoints, watchpoints and software step. */
uint64_t arm_debug_tb_flags(const ARMCPU *cpu);
/* Exception entry: SPSR.SS to save (@sync: a synchronous exception). */
uint32_t arm_debug_spsr_ss(ARMCPU *cpu, bool sync);
/* Exception return with @spsr: PSTATE.SS. */
void arm_debug_eret(ARMCPU *cpu, uint32_t spsr);
/* Guest watchpoint check of an access of 1 << (desc & 7) bytes at @addr
 * (desc | ARM_WP_*), raising the exception with return address @ra. */
enum { ARM_WP_LOAD = 0, ARM_WP_STORE = 0x100, ARM_WP_RMW = 0x300, ARM_WP_UNPRIV = 0x400 };
void arm_debug_check_wp(ARMCPU *cpu, uint64_t addr, uint64_t desc, uintptr_t ra);
struct ARMSysregInfo;
uint64_t arm_sr_read_oslsr(ARMCPU *cpu, const struct ARMSysregInfo *ri);
void arm_sr_write_oslar(ARMCPU *cpu, const struct ARMSysregInfo *ri, uint64_t v);

/* ---- pmu.c ------------------------------------------------------------------- */

/* Bring PMCCNTR up to date; call before anything that changes whether it
 * counts (EL, PMCR, PMCNTEN, PMCCFILTR) and before reading it. */
void arm_pmu_sync(ARMCPU *cpu);

/* ---- timer.c --------------------------------------------------------------- */

/* Physical count (CNTPCT) from virtual time, at cntfrq_hz. */
uint64_t arm_timer_count(ARMCPU *cpu);
/* Re-evaluate timer @t's output and comparator after a register write. */
void arm_timer_update(ARMCPU *cpu, int t);
uint64_t arm_timer_read_tval(ARMCPU *cpu, int t);
void arm_timer_write_tval(ARMCPU *cpu, int t, uint64_t v);
uint32_t arm_timer_read_ctl(ARMCPU *cpu, int t);
void arm_timer_init(ARMCPU *cpu);
void arm_timer_destroy(ARMCPU *cpu);

/* ---- helper.c: exceptions ---------------------------------------------------- */

/* PSTATE with NZCV folded in (for SPSR and info registers). */
uint32_t arm_pstate_read(const CPUARMState *env);
/* Set PSTATE (NZCV, DAIF, EL, SP) from an SPSR value: banks SP. */
void arm_pstate_write(ARMCPU *cpu, uint32_t val);
/* Switch the stack pointer selection to (el, spsel) saving the old one. */
void arm_swap_sp(CPUARMState *env, unsigned new_el, bool new_spx);
/* Deliver the exception recorded in env->excp_* (engine do_interrupt). */
void arm_cpu_do_exception(ARMCPU *cpu);
/* Target EL of a synchronous exception raised at the current EL. */
unsigned arm_sync_target_el(const ARMCPU *cpu);
/* ERET to @elr (ELR_ELx, or its authenticated value for ERETAA/ERETAB). */
void arm_cpu_eret(ARMCPU *cpu, uint64_t elr);
/* Interrupt that may be taken now (EXCP_KIND_IRQ/FIQ), or -1. */
int arm_cpu_pending_interrupt(ARMCPU *cpu);
/* Take interrupt @kind (as arm_cpu_pending_interrupt returned it). */
void arm_cpu_take_interrupt(ARMCPU *cpu, int kind);
/* Flag of a virtual interrupt in arm_cpu_pending_interrupt's result. */
#define ARM_INT_VIRTUAL 0x100
/* A virtual IRQ/FIQ/SError is pending in HCR_EL2 (wakes WFI). */
bool arm_cpu_virq_pending(const ARMCPU *cpu);
/* ISV..AR bits of a stage-2 data abort's ISS for the instruction at @pc. */
uint64_t arm_isv_syndrome(ARMCPU *cpu, uint64_t pc);

/* ---- mmu.c ------------------------------------------------------------------- */

int arm_mmu_index(ARMCPU *cpu, bool ifetch);
/* Translation (stage 1, then stage 2 of the EL1&0 regime when HCR_EL2.VM
 * is on) in regime @mmu_idx; false with *fault on failure. */
bool arm_mmu_translate(ARMCPU *cpu, uint64_t vaddr, ARMAccessType access, int mmu_idx,
                   ARMTranslation *out, ARMFault *fault);
bool arm_cpu_debug_translate(CPUState *cs, uint64_t vaddr, uint64_t *paddr);
/* Stage 1 only (AT S1E*): the output is an IPA under stage 2, but the
 * walk itself goes through stage 2. */
bool arm_mmu_translate_s1(ARMCPU *cpu, uint64_t vaddr, ARMAccessType access, int mmu_idx,
                          ARMTranslation *out, ARMFault *fault);
/* HCR_EL2.VM in effect (EL2 present, TGE clear). */
bool arm_stage2_enabled(const ARMCPU *cpu);
/* The EL an mmu index belongs to (0, 1 or 2). */
unsigned arm_mmu_idx_el(int mmu_idx);

/*
 * The engine's TLB address-space tag: the EL1&0 ASID, the VMID, the EL2&0
 * ASID (with HCR_EL2.E2H) and HCR_EL2.{VM,DC,TGE}.  Global entries carry
 * over between tags with the same VMID and flags.
 */
#define ARM_TAG_ASID1_SHIFT 0
#define ARM_TAG_VMID_SHIFT 16
#define ARM_TAG_ASID2_SHIFT 32
#define ARM_TAG_FLAGS_SHIFT 48
#define ARM_TAG_ASID1_MASK (0xffffull << ARM_TAG_ASID1_SHIFT)
#define ARM_TAG_VMID_MASK (0xffffull << ARM_TAG_VMID_SHIFT)
#define ARM_TAG_ASID2_MASK (0xffffull << ARM_TAG_ASID2_SHIFT)
#define ARM_TAG_FLAGS_MASK (0x7ull << ARM_TAG_FLAGS_SHIFT)
#define ARM_TAG_GLOBAL_MASK (ARM_TAG_VMID_MASK | ARM_TAG_FLAGS_MASK)
uint64_t arm_tlb_tag(const ARMCPU *cpu);
/* The ASID of regime @r (1: EL1&0; 2: EL2&0, 0 without E2H) as the TLB
 * uses it, and @asid cut to the width TCR_ELr.AS selects. */
uint64_t arm_tlb_asid(const ARMCPU *cpu, unsigned r);
uint64_t arm_tlb_asid_width(const ARMCPU *cpu, unsigned r, uint64_t asid);
uint64_t arm_tlb_vmid(const ARMCPU *cpu);
/* Tell the engine the current tag (after TTBR/TCR/VTTBR/HCR changes). */
void arm_tlb_update_tag(ARMCPU *cpu);
/* A TTBR/TCR/VTTBR/VTCR at env offset @off changed from @old (the new
 * value is stored): flush what the change makes stale, update the tag. */
void arm_tlb_mmu_reg_changed(ARMCPU *cpu, ptrdiff_t off, uint64_t old);

/* ---- sysreg.c ------------------------------------------------------------------ */

/* Row of the system-register table (sysreg.def). */
typedef enum ARMSysregKind {
    SR_FIELD,      /* plain env field, read/write */
    SR_FIELD_RO,   /* env field, read only */
    SR_ID,         /* read-only value from the model's ARMIdRegs */
    SR_CONST,      /* read-only constant */
    SR_FUNC,       /* read/write through functions with side effects */
    SR_NOP,        /* reads 0, writes ignored (cache maintenance, hints) */
} ARMSysregKind;

typedef struct ARMSysregInfo {
    const char *name;
    uint32_t enc;              /* op0:op1:CRn:CRm:op2, 2+3+4+4+3 bits */
    uint8_t min_el;            /* lowest EL allowed to access */
    uint8_t kind;              /* ARMSysregKind */
    bool dump;                 /* shown by info registers */
    bool end_tb;               /* a write may change TB flags / MMU */
    bool wo;                   /* write-only (TLBI, DC, IC, AT) */
    bool el0_ro;               /* EL0 may read but not write */
    bool fp;                   /* an FP register: CPACR/CPTR FP traps apply */
    bool pauth;                /* exists only with pointer authentication */
    bool uao;                  /* exists only with FEAT_UAO */
    bool vhe;                  /* exists only with FEAT_VHE */
    bool rng;                  /* exists only with FEAT_RNG; a read sets NZCV */
    ptrdiff_t offset;          /* env field (SR_FIELD/_RO), ARMIdRegs (SR_ID) */
    uint64_t value;            /* SR_CONST value; SR_FIELD writable mask (0 = all) */
    uint64_t (*read)(ARMCPU *cpu, const struct ARMSysregInfo *ri);
    void (*write)(ARMCPU *cpu, const struct ARMSysregInfo *ri, uint64_t v);
    /* Optional run-time check beyond min_el: false = UNDEFINED. */
    bool (*access)(ARMCPU *cpu, const struct ARMSysregInfo *ri, bool is_write);
} ARMSysregInfo;

#define ARM_SYSREG_ENC(op0, op1, crn, crm, op2) \
    (((uint32_t)(op0) << 14) | ((uint32_t)(op1) << 11) | ((uint32_t)(crn) << 7) | \
     ((uint32_t)(crm) << 3) | (uint32_t)(op2))

/* Number of rows of sysreg.def (ARM_SYSREG_COUNT). */
enum {
#define SR_COUNT_(NAME) ARM_SYSREG_ROW_##NAME,
#define SR_F(NAME, ...) SR_COUNT_(NAME)
#define SR_FX(NAME, ...) SR_COUNT_(NAME)
#define SR_I(NAME, ...) SR_COUNT_(NAME)
#define SR_C(NAME, ...) SR_COUNT_(NAME)
#define SR_X(NAME, ...) SR_COUNT_(NAME)
#define SR_N(NAME, ...) SR_COUNT_(NAME)
#include "plugins/cpu/arm/sysreg.def"
#undef SR_F
#undef SR_FX
#undef SR_I
#undef SR_C
#undef SR_X
#undef SR_N
#undef SR_COUNT_
    ARM_SYSREG_COUNT
};

/* The row for encoding @enc, or NULL (UNDEFINED). */
const ARMSysregInfo *arm_sysreg_find(uint32_t enc);
/* May the current state access @ri?  UNDEF for the static rules (min_el,
 * EL2 presence, read-only/write-only), TRAP when the access hook refuses
 * (a configurable trap: EC 0x18 to EL1). */
typedef enum ARMSysregAccess {
    ARM_SR_OK,
    ARM_SR_UNDEF,
    ARM_SR_TRAP,
    ARM_SR_TRAP_EL2,
} ARMSysregAccess;
ARMSysregAccess arm_sysreg_accessible(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write);
const ARMSysregInfo *arm_sysreg_table(size_t *count);
uint64_t arm_sysreg_read(ARMCPU *cpu, const ARMSysregInfo *ri);
void arm_sysreg_write(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v);
void arm_sysreg_dump(ARMCPU *cpu, GString *out);

/* ---- el2.c: HCR_EL2 / CNTHCTL_EL2 traps of system registers ------------------- */

/* May some EL2 trap control catch accesses to @ri (translation-time: such
 * accesses from EL0/EL1 go through the run-time check)? */
bool arm_el2_sysreg_trappable(const ARMSysregInfo *ri);
/* Does the current configuration trap this EL0/EL1 access to EL2? */
bool arm_el2_sysreg_trap(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write);
/* VHE redirection (at EL2 with E2H, EL1 register encodings reach the EL2
 * registers and the EL12 and EL02 encodings the EL1/EL0 ones): the encoding to look up,
 * or 0 when @enc is UNDEFINED in this state. */
uint32_t arm_sysreg_redirect(uint32_t enc, unsigned el, bool e2h);
/* ISR_EL1 (physical or, for a guest, virtual pending interrupts). */
uint64_t arm_sr_read_isr(ARMCPU *cpu, const ARMSysregInfo *ri);

/* ---- tcg.c, gdbstub.c: CPUClass.accel_ops ("tcg") and .debug_ops -------- */

extern const CPUAccelOps arm_accel_ops[];
extern const CPUDebugOps arm_debug_ops;

/* ---- disas.c: one line of disassembly (TcgCpuOps.disas) ---------------------- */

void arm_disas_insn(CPUState *cs, uint64_t pc, const uint8_t *bytes, unsigned len, GString *out);

/* ---- pauth.c ------------------------------------------------------------------------ */

/* ComputePAC with QARMA5, and the IMPLEMENTATION DEFINED algorithm. */
uint64_t arm_pauth_qarma5(uint64_t data, uint64_t modifier, uint64_t key0, uint64_t key1);
uint64_t arm_pauth_impdef(uint64_t data, uint64_t modifier, uint64_t key0, uint64_t key1);

/* ---- psci.c ---------------------------------------------------------------------- */

/* Handle an HVC/SMC as a PSCI call when it is the conduit; true if handled. */
bool arm_psci_call(ARMCPU *cpu, bool is_smc);

/* ---- GIC CPU interface hook ------------------------------------------------------ */
/*
 * A GICv3 device serves the system-register CPU interface (the ICC_* rows
 * of sysreg.def, encodings ARM_SYSREG_ENC(...)) for each CPU it installs
 * itself on; the calls come from that CPU's thread.  Everything here is
 * inline so the GIC module needs this header but no link against cpu-arm.
 * Installing sets ID_AA64PFR0_EL1.GIC = 1 (system registers implemented);
 * without a hook the ICC_* registers trap.
 */
typedef struct ARMGicCpuIfOps {
    uint64_t (*read)(void *opaque, uint32_t enc);
    void (*write)(void *opaque, uint32_t enc, uint64_t value);
} ARMGicCpuIfOps;

static inline void arm_cpu_set_gic_cpuif(ARMCPU *cpu, const ARMGicCpuIfOps *ops, void *opaque)
{
    cpu->gic_opaque = opaque;
    cpu->gic_ops = ops;
    cpu->id.id_aa64pfr0 = (cpu->id.id_aa64pfr0 & ~(0xfull << 24)) | (ops ? 1ull << 24 : 0);
}

/* Set in the encoding the hook receives for an EL1 ICC_* access that
 * HCR_EL2.IMO/FMO send to the virtual CPU interface (the ICV_* view). */
#define ARM_GIC_VIRTUAL (1u << 31)

static inline uint32_t arm_gic_enc(const ARMCPU *cpu, const ARMSysregInfo *ri)
{
    uint64_t hcr = cpu->env.hcr_el2;
    bool el1_reg = ((ri->enc >> 11) & 7) == 0 && ri->enc != ARM_SYSREG_ENC(3, 0, 12, 12, 5);
    bool virt = cpu->has_el2 && cpu->env.el == 1 && !(hcr & HCR_TGE) &&
                (hcr & (HCR_IMO | HCR_FMO)) && el1_reg;
    return ri->enc | (virt ? ARM_GIC_VIRTUAL : 0);
}

/* Guest accesses without a hook trap (sr_access_gic); the debugger's and
 * the monitor's read as 0. */
static inline uint64_t sr_read_gic(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->gic_ops ? cpu->gic_ops->read(cpu->gic_opaque, arm_gic_enc(cpu, ri)) : 0;
}

static inline void sr_write_gic(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    if (cpu->gic_ops) {
        cpu->gic_ops->write(cpu->gic_opaque, arm_gic_enc(cpu, ri), v);
    }
}

static inline bool sr_access_gic(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    return cpu->gic_ops != NULL;
}

#endif
