/* SPDX-License-Identifier: MIT */
/*
 * VMSAv8-64 stage-1 translation (Arm ARM D8): the EL1&0 regime (TTBR0_EL1/
 * TTBR1_EL1 by VA bit 55, TCR_EL1) and the EL2 regime (TTBR0_EL2,
 * TCR_EL2), 4 KiB, 16 KiB and 64 KiB granules, 48-bit VA and PA, top-byte
 * ignore, access flag (no hardware update: a clear AF faults), AP/UXN/PXN
 * with hierarchical APTable/XNTable/PXNTable, WXN, PAN, and the rule that
 * EL0-writable memory is never executable at EL1.  Faults report the FSC
 * with the level (ESR DFSC/IFSC).  Stage 2 is not implemented.
 */
#include "kernel/log.h"
#include "plugins/cpu/arm/cpu.h"

#define PA_BITS 48
#define DESC_VALID 1ull
#define DESC_TABLE 2ull
#define DESC_AF (1ull << 10)
#define DESC_AP1 (1ull << 6)   /* EL0 access */
#define DESC_AP2 (1ull << 7)   /* read-only */
#define DESC_PXN (1ull << 53)
#define DESC_UXN (1ull << 54)
#define TABLE_PXN (1ull << 59)
#define TABLE_UXN (1ull << 60)
#define TABLE_AP1 (1ull << 61)
#define TABLE_AP2 (1ull << 62)
#define FSC_WALK_EXTABT 0x14   /* + level: external abort on table walk */

unsigned arm_mmu_idx_el(int mmu_idx)
{
    switch (mmu_idx) {
    case ARM_MMUIDX_E10_0:
        return 0;
    case ARM_MMUIDX_E2:
        return 2;
    default:
        return 1;
    }
}

int arm_mmu_index(ARMCPU *cpu, bool ifetch)
{
    const CPUARMState *env = &cpu->env;
    switch (env->el) {
    case 0:
        return ARM_MMUIDX_E10_0;
    case 2:
        return ARM_MMUIDX_E2;
    default:
        return (!ifetch && (env->pstate & PSTATE_PAN)) ? ARM_MMUIDX_E10_1_PAN
                                                      : ARM_MMUIDX_E10_1;
    }
}

/* Translation parameters of one VA range. */
typedef struct WalkParams {
    uint64_t ttbr;
    unsigned tsz;
    unsigned granule_bits;     /* 12, 14 or 16 */
    bool tbi;
    bool epd;                  /* walks disabled for this range */
    unsigned pa_bits;          /* from TCR IPS/PS, at most PA_BITS */
} WalkParams;

static unsigned ips_bits(unsigned ips)
{
    static const unsigned bits[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };
    unsigned b = bits[ips & 7];
    return b > PA_BITS ? PA_BITS : b;
}

/* TG0 encoding: 0 4K, 1 64K, 2 16K; TG1: 1 16K, 2 4K, 3 64K.  Reserved
 * values behave as 4 KiB (an IMPLEMENTATION DEFINED choice). */
static unsigned tg0_bits(unsigned tg)
{
    return tg == 1 ? 16 : tg == 2 ? 14 : 12;
}

static unsigned tg1_bits(unsigned tg)
{
    return tg == 1 ? 14 : tg == 3 ? 16 : 12;
}

/* Pick the range for @va; false: VA outside both ranges. */
static bool walk_params(ARMCPU *cpu, int mmu_idx, uint64_t va, bool ifetch, WalkParams *p)
{
    const CPUARMState *env = &cpu->env;
    if (mmu_idx == ARM_MMUIDX_E2) {
        uint64_t tcr = env->tcr_el[2];
        p->ttbr = env->ttbr0_el[2];
        p->tsz = tcr & 0x3f;
        p->granule_bits = tg0_bits((tcr >> 14) & 3);
        p->tbi = !ifetch && ((tcr >> 20) & 1);
        p->epd = false;
        p->pa_bits = ips_bits((tcr >> 16) & 7);
        uint64_t top = p->tbi ? (va << 8) >> 8 : va;
        unsigned hi = p->tbi ? 56 : 64;
        unsigned in_bits = 64 - p->tsz;
        return in_bits >= hi || (top >> in_bits) == 0;
    }
    uint64_t tcr = env->tcr_el[1];
    bool upper = (va >> 55) & 1;
    if (upper) {
        p->ttbr = env->ttbr1_el[1];
        p->tsz = (tcr >> 16) & 0x3f;
        p->granule_bits = tg1_bits((tcr >> 30) & 3);
        p->tbi = !ifetch && ((tcr >> 38) & 1);
        p->epd = (tcr >> 23) & 1;
    } else {
        p->ttbr = env->ttbr0_el[1];
        p->tsz = tcr & 0x3f;
        p->granule_bits = tg0_bits((tcr >> 14) & 3);
        p->tbi = !ifetch && ((tcr >> 37) & 1);
        p->epd = (tcr >> 7) & 1;
    }
    p->pa_bits = ips_bits((tcr >> 32) & 7);
    /* The bits above the input size (up to 55 with TBI, 63 without) must
     * all equal bit 55. */
    unsigned in_bits = 64 - p->tsz;
    unsigned hi = p->tbi ? 56 : 64;
    for (unsigned b = in_bits; b < hi; b++) {
        if (((va >> b) & 1) != upper) {
            return false;
        }
    }
    return true;
}

static bool read_desc(ARMCPU *cpu, uint64_t addr, uint64_t *desc)
{
    AddressSpace *as = CPU(cpu)->as;
    uint64_t len = 0;
    void *p = as ? address_space_get_host_ptr(as, addr, false, &len) : NULL;
    if (!p || len < 8) {
        return false;
    }
    *desc = __atomic_load_n((uint64_t *)p, __ATOMIC_RELAXED);
    return true;
}

static bool walk_fault(ARMFault *f, unsigned fsc)
{
    f->fsc = fsc;
    f->s1ptw = false;
    return false;
}

bool arm_mmu_translate(ARMCPU *cpu, uint64_t vaddr, ARMAccessType access, int mmu_idx,
                   ARMTranslation *out, ARMFault *fault)
{
    const CPUARMState *env = &cpu->env;
    unsigned el = arm_mmu_idx_el(mmu_idx);
    uint64_t sctlr = env->sctlr_el[el == 2 ? 2 : 1];
    bool ifetch = access == ARM_ACCESS_FETCH;

    if (!(sctlr & SCTLR_M)) {
        /* MMU off: flat, Device-nGnRnE for data, everything allowed. */
        if (vaddr >> PA_BITS) {
            return walk_fault(fault, FSC_ADDR_SIZE + 0);
        }
        out->paddr = vaddr;
        out->prot = ARM_PROT_READ | ARM_PROT_WRITE | ARM_PROT_EXEC;
        out->lg_page = 12;
        out->attrs = 0;
        return true;
    }

    WalkParams p;
    if (!walk_params(cpu, mmu_idx, vaddr, ifetch, &p) || p.epd) {
        return walk_fault(fault, FSC_TRANSLATION + 0);
    }
    unsigned tsz = p.tsz < 16 ? 16 : p.tsz > 39 ? 39 : p.tsz;
    unsigned in_bits = 64 - tsz;
    unsigned g = p.granule_bits, stride = g - 3;
    const int start = 4 - (int)((in_bits - g + stride - 1) / stride);
    int level = start;
    uint64_t oa_mask = ((1ull << PA_BITS) - 1);
    uint64_t table = p.ttbr & oa_mask & ~((1ull << 1) - 1);
    if (table >> p.pa_bits) {
        return walk_fault(fault, FSC_ADDR_SIZE + (unsigned)level);
    }
    /* The first table is aligned to its own size. */
    unsigned first_bits = in_bits - (g + (unsigned)(3 - level) * stride);
    table &= ~((1ull << (first_bits + 3)) - 1);
    bool ap1_ok = true, ap2_ro = false, pxn = false, uxn = false;
    uint64_t desc = 0;

    for (;; level++) {
        unsigned shift = g + (unsigned)(3 - level) * stride;
        unsigned bits = level == start ? in_bits - shift : stride;
        uint64_t index = (vaddr >> shift) & ((1ull << bits) - 1);
        if (!read_desc(cpu, table + index * 8, &desc)) {
            return walk_fault(fault, FSC_WALK_EXTABT + (unsigned)level);
        }
        if (!(desc & DESC_VALID)) {
            return walk_fault(fault, FSC_TRANSLATION + (unsigned)level);
        }
        uint64_t oa = desc & oa_mask & ~((1ull << g) - 1);
        if (level < 3 && (desc & DESC_TABLE)) {
            if (oa >> p.pa_bits) {
                return walk_fault(fault, FSC_ADDR_SIZE + (unsigned)level);
            }
            ap1_ok &= !(desc & TABLE_AP1);
            ap2_ro |= (desc & TABLE_AP2) != 0;
            pxn |= (desc & TABLE_PXN) != 0;
            uxn |= (desc & TABLE_UXN) != 0;
            table = oa;
            continue;
        }
        /* Block (levels 1-2 for 4K, level 2 otherwise) or page (level 3). */
        bool block_ok = level == 2 || (level == 1 && g == 12);
        if (level < 3 && !block_ok) {
            return walk_fault(fault, FSC_TRANSLATION + (unsigned)level);
        }
        if (level == 3 && !(desc & DESC_TABLE)) {
            return walk_fault(fault, FSC_TRANSLATION + (unsigned)level);
        }
        oa = desc & oa_mask & ~((1ull << shift) - 1);
        if (oa >> p.pa_bits) {
            return walk_fault(fault, FSC_ADDR_SIZE + (unsigned)level);
        }
        if (!(desc & DESC_AF)) {
            return walk_fault(fault, FSC_ACCESS_FLAG + (unsigned)level);
        }
        out->paddr = oa | (vaddr & ((1ull << shift) - 1));
        out->lg_page = (int)shift;
        break;
    }

    /* Permissions. */
    bool el0_access = ap1_ok && (desc & DESC_AP1);
    bool ro = ap2_ro || (desc & DESC_AP2);
    int prot = 0;
    if (el == 2) {
        prot = ARM_PROT_READ | (ro ? 0 : ARM_PROT_WRITE);
        if (!(desc & DESC_UXN) && !uxn) {
            prot |= ARM_PROT_EXEC;
        }
    } else if (el == 0) {
        if (el0_access) {
            prot = ARM_PROT_READ | (ro ? 0 : ARM_PROT_WRITE);
        }
        if (!(desc & DESC_UXN) && !uxn) {
            prot |= ARM_PROT_EXEC;
        }
    } else {
        prot = ARM_PROT_READ | (ro ? 0 : ARM_PROT_WRITE);
        bool el0_writable = el0_access && !ro;
        if (!(desc & DESC_PXN) && !pxn && !el0_writable) {
            prot |= ARM_PROT_EXEC;
        }
        if (mmu_idx == ARM_MMUIDX_E10_1_PAN && el0_access) {
            /* PAN: privileged data accesses to EL0 data fault. */
            prot &= ARM_PROT_EXEC;
        }
    }
    if ((sctlr & SCTLR_WXN) && (prot & ARM_PROT_WRITE)) {
        prot &= ~ARM_PROT_EXEC;
    }
    unsigned attr_idx = (desc >> 2) & 7;
    out->attrs = (uint8_t)(env->mair_el[el == 2 ? 2 : 1] >> (8 * attr_idx));
    out->prot = prot;
    int need = ifetch ? ARM_PROT_EXEC : access == ARM_ACCESS_STORE ? ARM_PROT_WRITE
                                                                   : ARM_PROT_READ;
    if (!(prot & need)) {
        return walk_fault(fault, FSC_PERMISSION + (unsigned)level);
    }
    if (out->lg_page > 30) {
        out->lg_page = 30;
    }
    return true;
}

bool arm_cpu_debug_translate(CPUState *cs, uint64_t vaddr, uint64_t *paddr)
{
    ARMCPU *cpu = ARM_CPU(cs);
    ARMTranslation t;
    ARMFault f;
    if (!arm_mmu_translate(cpu, vaddr, ARM_ACCESS_LOAD, arm_mmu_index(cpu, false), &t, &f)) {
        return false;
    }
    *paddr = t.paddr;
    return true;
}
