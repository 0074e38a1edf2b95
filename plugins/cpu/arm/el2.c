/* SPDX-License-Identifier: MIT */
/*
 * EL2 as a hypervisor: which system-register accesses from EL0/EL1 the
 * HCR_EL2 trap bits (TID1-3, TACR, TVM/TRVM, TTLB, TDZ, TSW, TPCP, TPU,
 * APK, IMO/FMO for the GICv3 SGI registers), CNTHCTL_EL2 (EL1PCTEN,
 * EL1PCEN) and MDCR_EL2 (TPM, TPMCR, TDA, TDOSA, TDE) send to EL2 as EC
 * 0x18, from a table of encodings.  WFI/WFE (TWI/TWE), SMC (TSC), the
 * stage-2 MMU, TGE routing and the virtual interrupts live with their
 * instructions, in mmu.c and in helper.c.
 */
#include "plugins/cpu/arm/cpu.h"

/* One class of trapped encodings: @mask selects the encoding bits that
 * must equal @enc; @hcr (or @cnthctl) bit that traps; reads and/or writes. */
typedef struct El2Trap {
    uint32_t enc;
    uint32_t mask;
    uint64_t hcr;              /* trap bit for writes (and reads unless @rd_hcr) */
    uint64_t rd_hcr;           /* trap bit for reads when it differs (TRVM) */
    uint32_t cnthctl;          /* CNTHCTL_EL2 enable bit: trap when clear */
    uint64_t hcr_clear;        /* HCR_EL2 enable bit: trap when clear (APK) */
    uint64_t mdcr;             /* MDCR_EL2 bits: trap when any is set */
} El2Trap;

#define E(op0, op1, crn, crm, op2) ARM_SYSREG_ENC(op0, op1, crn, crm, op2)
#define ALL 0x1ffffu
#define VM_REG(op1, crn, crm, op2) \
    { E(3, op1, crn, crm, op2), ALL, HCR_TVM, HCR_TRVM, 0 }

#define MDCR(op0, op1, crn, crm, op2, mask, bits) \
    { E(op0, op1, crn, crm, op2), (mask), 0, 0, 0, 0, (bits) }

static const El2Trap el2_traps[] = {
    /* MDCR_EL2.TPMCR (or TPM): PMCR_EL0; TPM: every other PMU register
     * (CRn 9 CRm 12..14 of op1 3 and 0, PMCCFILTR/PMEVxxx in CRn 14 CRm
     * 8..15).  TDOSA (or TDE): the OS lock registers (op0 2, CRn 1); TDA
     * (or TDE): every other debug register (op0 2). */
    MDCR(3, 3, 9, 12, 0, ALL, MDCR_TPMCR | MDCR_TPM),
    MDCR(3, 3, 9, 12, 0, 0x1ffe0u, MDCR_TPM),
    MDCR(3, 0, 9, 12, 0, 0x1ffe0u, MDCR_TPM),
    MDCR(3, 3, 14, 8, 0, 0x1ffc0u, MDCR_TPM),
    MDCR(2, 0, 1, 0, 0, 0x1ff80u, MDCR_TDOSA | MDCR_TDE),
    MDCR(2, 0, 0, 0, 0, 0xc000u, MDCR_TDA | MDCR_TDE),
    /* TID3: ID group 3 (op0 3, op1 0, CRn 0, CRm 1..7), read only. */
    { E(3, 0, 0, 1, 0), 0x1fff8u, HCR_TID3, HCR_TID3, 0 },      /* CRm 1 */
    { E(3, 0, 0, 2, 0), 0x1fff0u, HCR_TID3, HCR_TID3, 0 },      /* CRm 2, 3 */
    { E(3, 0, 0, 4, 0), 0x1ffe0u, HCR_TID3, HCR_TID3, 0 },      /* CRm 4..7 */
    /* TID1: REVIDR_EL1, AIDR_EL1. */
    { E(3, 0, 0, 0, 6), ALL, HCR_TID1, HCR_TID1, 0 },
    { E(3, 1, 0, 0, 7), ALL, HCR_TID1, HCR_TID1, 0 },
    /* TID2: CTR_EL0, CCSIDR_EL1, CLIDR_EL1, CSSELR_EL1. */
    { E(3, 3, 0, 0, 1), ALL, HCR_TID2, HCR_TID2, 0 },
    { E(3, 1, 0, 0, 0), ALL, HCR_TID2, HCR_TID2, 0 },
    { E(3, 1, 0, 0, 1), ALL, HCR_TID2, HCR_TID2, 0 },
    { E(3, 2, 0, 0, 0), ALL, HCR_TID2, HCR_TID2, 0 },
    /* TACR: ACTLR_EL1. */
    { E(3, 0, 1, 0, 1), ALL, HCR_TACR, HCR_TACR, 0 },
    /* TVM (writes) / TRVM (reads): the virtual-memory control registers. */
    VM_REG(0, 1, 0, 0),        /* SCTLR_EL1 */
    VM_REG(0, 2, 0, 0),        /* TTBR0_EL1 */
    VM_REG(0, 2, 0, 1),        /* TTBR1_EL1 */
    VM_REG(0, 2, 0, 2),        /* TCR_EL1 */
    VM_REG(0, 5, 1, 0),        /* AFSR0_EL1 */
    VM_REG(0, 5, 1, 1),        /* AFSR1_EL1 */
    VM_REG(0, 5, 2, 0),        /* ESR_EL1 */
    VM_REG(0, 6, 0, 0),        /* FAR_EL1 */
    VM_REG(0, 10, 2, 0),       /* MAIR_EL1 */
    VM_REG(0, 10, 3, 0),       /* AMAIR_EL1 */
    VM_REG(0, 13, 0, 1),       /* CONTEXTIDR_EL1 */
    /* TTLB: every TLBI of EL1 (op0 1, op1 0, CRn 8). */
    { E(1, 0, 8, 0, 0), 0x1ff80u, HCR_TTLB, HCR_TTLB, 0 },
    /* TDZ: DC ZVA. */
    { E(1, 3, 7, 4, 1), ALL, HCR_TDZ, HCR_TDZ, 0 },
    /* TSW: DC ISW, CSW, CISW. */
    { E(1, 0, 7, 6, 2), ALL, HCR_TSW, HCR_TSW, 0 },
    { E(1, 0, 7, 10, 2), ALL, HCR_TSW, HCR_TSW, 0 },
    { E(1, 0, 7, 14, 2), ALL, HCR_TSW, HCR_TSW, 0 },
    /* TPCP: DC IVAC, CVAC, CVAP, CIVAC. */
    { E(1, 0, 7, 6, 1), ALL, HCR_TPCP, HCR_TPCP, 0 },
    { E(1, 3, 7, 10, 1), ALL, HCR_TPCP, HCR_TPCP, 0 },
    { E(1, 3, 7, 12, 1), ALL, HCR_TPCP, HCR_TPCP, 0 },
    { E(1, 3, 7, 14, 1), ALL, HCR_TPCP, HCR_TPCP, 0 },
    /* TPU: IC IALLUIS, IC IALLU, IC IVAU, DC CVAU. */
    { E(1, 0, 7, 1, 0), ALL, HCR_TPU, HCR_TPU, 0 },
    { E(1, 0, 7, 5, 0), ALL, HCR_TPU, HCR_TPU, 0 },
    { E(1, 3, 7, 5, 1), ALL, HCR_TPU, HCR_TPU, 0 },
    { E(1, 3, 7, 11, 1), ALL, HCR_TPU, HCR_TPU, 0 },
    /* CNTHCTL_EL2.EL1PCTEN (bit 0): CNTPCT_EL0; EL1PCEN (bit 1): the EL1
     * physical timer registers CNTP_TVAL/CTL/CVAL_EL0. */
    { E(3, 3, 14, 0, 1), ALL, 0, 0, 1u << 0 },
    { E(3, 3, 14, 2, 0), 0x1fffcu, 0, 0, 1u << 1 },
    /* HCR_EL2.IMO/FMO: EL1 writes of the GICv3 SGI registers (ICC_SGI1R,
     * ICC_ASGI1R, ICC_SGI0R) go to the hypervisor. */
    { E(3, 0, 12, 11, 5), ALL, HCR_IMO | HCR_FMO, HCR_IMO | HCR_FMO, 0 },
    { E(3, 0, 12, 11, 6), ALL, HCR_IMO | HCR_FMO, HCR_IMO | HCR_FMO, 0 },
    { E(3, 0, 12, 11, 7), ALL, HCR_IMO | HCR_FMO, HCR_IMO | HCR_FMO, 0 },
    /* HCR_EL2.APK clear: the pointer-authentication key registers. */
    { E(3, 0, 2, 1, 0), 0x1fff8u, 0, 0, 0, HCR_APK },
    { E(3, 0, 2, 2, 0), 0x1fff0u, 0, 0, 0, HCR_APK },
};

static const El2Trap *find_trap(uint32_t enc)
{
    for (size_t i = 0; i < G_N_ELEMENTS(el2_traps); i++) {
        if ((enc & el2_traps[i].mask) == el2_traps[i].enc) {
            return &el2_traps[i];
        }
    }
    return NULL;
}

bool arm_el2_sysreg_trappable(const ARMSysregInfo *ri)
{
    return find_trap(ri->enc) != NULL;
}

bool arm_el2_sysreg_trap(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    const El2Trap *t = find_trap(ri->enc);
    const CPUARMState *env = &cpu->env;
    if (!t || env->el >= 2 || !cpu->has_el2) {
        return false;
    }
    if (t->mdcr) {
        /* HCR_EL2.TGE makes MDCR_EL2.TDE behave as set. */
        uint64_t mdcr = env->mdcr_el2 | (env->hcr_el2 & HCR_TGE ? MDCR_TDE : 0);
        return (mdcr & t->mdcr) != 0;
    }
    if (t->cnthctl) {
        /* With E2H, EL1PCTEN/EL1PTEN are bits 10 and 11. */
        uint64_t bit = arm_e2h(cpu) ? (uint64_t)t->cnthctl << 10 : t->cnthctl;
        return !(env->cnthctl_el2 & bit);
    }
    if (t->hcr_clear) {
        return !(env->hcr_el2 & (t->hcr_clear | HCR_TGE));
    }
    if (env->hcr_el2 & HCR_TGE) {
        /* With TGE the EL1&0 regime belongs to the host: no VM traps. */
        return false;
    }
    return (env->hcr_el2 & (is_write ? t->hcr : t->rd_hcr)) != 0;
}

/* ISR_EL1: the pending IRQ (bit 7), FIQ (bit 6) and SError (bit 8); at
 * EL0/EL1 with IMO/FMO/AMO the virtual ones, else the physical lines. */
uint64_t arm_sr_read_isr(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    const CPUARMState *env = &cpu->env;
    uint64_t lines = __atomic_load_n(&cpu->irq_lines, __ATOMIC_SEQ_CST);
    uint64_t hcr = cpu->has_el2 && !(env->hcr_el2 & HCR_TGE) ? env->hcr_el2 : 0;
    /* The GIC's virtual IRQ/FIQ lines count as HCR_EL2.VI/VF. */
    hcr |= (lines & (1u << ARM_IRQ_PIN_VIRQ) ? HCR_VI : 0) |
           (lines & (1u << ARM_IRQ_PIN_VFIQ) ? HCR_VF : 0);
    bool guest = env->el < 2;
    uint64_t v = 0;
    if (guest && (hcr & HCR_IMO) ? (hcr & HCR_VI) : (lines & (1u << ARM_IRQ_PIN_IRQ))) {
        v |= 1u << 7;
    }
    if (guest && (hcr & HCR_FMO) ? (hcr & HCR_VF) : (lines & (1u << ARM_IRQ_PIN_FIQ))) {
        v |= 1u << 6;
    }
    if (guest && (hcr & HCR_AMO) && (hcr & HCR_VSE)) {
        v |= 1u << 8;
    }
    return v;
}

/* ---- VHE register redirection ------------------------------------------------------ */

/* EL1 registers that EL2 with E2H reaches through their EL1 encoding
 * (the EL2 register instead) or through op1 = 5 (the EL1 register). */
static const struct {
    uint32_t el1;
    uint32_t el2;
} vhe_redirect[] = {
    { E(3, 0, 1, 0, 0), E(3, 4, 1, 0, 0) },      /* SCTLR */
    { E(3, 0, 1, 0, 2), E(3, 4, 1, 1, 2) },      /* CPACR -> CPTR_EL2 */
    { E(3, 0, 2, 0, 0), E(3, 4, 2, 0, 0) },      /* TTBR0 */
    { E(3, 0, 2, 0, 1), E(3, 4, 2, 0, 1) },      /* TTBR1 */
    { E(3, 0, 2, 0, 2), E(3, 4, 2, 0, 2) },      /* TCR */
    { E(3, 0, 4, 0, 0), E(3, 4, 4, 0, 0) },      /* SPSR */
    { E(3, 0, 4, 0, 1), E(3, 4, 4, 0, 1) },      /* ELR */
    { E(3, 0, 5, 1, 0), E(3, 4, 5, 1, 0) },      /* AFSR0 */
    { E(3, 0, 5, 1, 1), E(3, 4, 5, 1, 1) },      /* AFSR1 */
    { E(3, 0, 5, 2, 0), E(3, 4, 5, 2, 0) },      /* ESR */
    { E(3, 0, 6, 0, 0), E(3, 4, 6, 0, 0) },      /* FAR */
    { E(3, 0, 10, 2, 0), E(3, 4, 10, 2, 0) },    /* MAIR */
    { E(3, 0, 10, 3, 0), E(3, 4, 10, 3, 0) },    /* AMAIR */
    { E(3, 0, 12, 0, 0), E(3, 4, 12, 0, 0) },    /* VBAR */
    { E(3, 0, 13, 0, 1), E(3, 4, 13, 0, 1) },    /* CONTEXTIDR */
    { E(3, 0, 14, 1, 0), E(3, 4, 14, 1, 0) },    /* CNTKCTL -> CNTHCTL_EL2 */
    { E(3, 3, 14, 2, 0), E(3, 4, 14, 2, 0) },    /* CNTP_TVAL -> CNTHP */
    { E(3, 3, 14, 2, 1), E(3, 4, 14, 2, 1) },    /* CNTP_CTL */
    { E(3, 3, 14, 2, 2), E(3, 4, 14, 2, 2) },    /* CNTP_CVAL */
    { E(3, 3, 14, 3, 0), E(3, 4, 14, 3, 0) },    /* CNTV_TVAL -> CNTHV */
    { E(3, 3, 14, 3, 1), E(3, 4, 14, 3, 1) },    /* CNTV_CTL */
    { E(3, 3, 14, 3, 2), E(3, 4, 14, 3, 2) },    /* CNTV_CVAL */
};

uint32_t arm_sysreg_redirect(uint32_t enc, unsigned el, bool e2h)
{
    bool op1_5 = enc >> 14 == 3 && ((enc >> 11) & 7) == 5;
    for (size_t i = 0; i < G_N_ELEMENTS(vhe_redirect); i++) {
        uint32_t el1 = vhe_redirect[i].el1;
        /* *_EL12 (op1 0 -> 5) and *_EL02 (the timers: op1 3 -> 5). */
        uint32_t el12 = (el1 & ~(7u << 11)) | (5u << 11);
        if (op1_5 && enc == el12) {
            return el == 2 && e2h ? el1 : 0;
        }
        if (enc == el1 && el == 2 && e2h) {
            return vhe_redirect[i].el2;
        }
    }
    return op1_5 ? 0 : enc;
}
