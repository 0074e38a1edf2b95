/* SPDX-License-Identifier: MIT */
/*
 * VMSAv8-64 translation (Arm ARM D8): stage 1 of the EL1&0 regime
 * (TTBR0_EL1/TTBR1_EL1 by VA bit 55, TCR_EL1) and of the EL2 regime
 * (TTBR0_EL2, TCR_EL2), and stage 2 of the EL1&0 regime (VTTBR_EL2,
 * VTCR_EL2, with HCR_EL2.VM or DC) including the stage-2 translation of stage-1
 * table walks; 4 KiB, 16 KiB and 64 KiB granules at both stages, 48-bit VA,
 * IPA and PA, concatenated first-level tables at stage 2, top-byte ignore,
 * access flag (no hardware update: a clear AF faults), AP/UXN/PXN with
 * hierarchical APTable/XNTable/PXNTable, WXN, PAN, the rule that
 * EL0-writable memory is never executable at EL1, S2AP/XN at stage 2,
 * the GP bit (BTI guarded pages).
 * HCR_EL2.TGE (without E2H) turns stage 1 and 2 of the EL1&0 regime off.
 * With HCR_EL2.E2H (VHE) EL2 uses the EL2&0 regime: two ranges (TTBR0_EL2,
 * TTBR1_EL2), TCR_EL2 in TCR_EL1's format, EL0 pages and PAN as at EL1;
 * with TGE too, EL0 runs in it.
 * Faults report the FSC with the level, the stage and, for stage 2, the
 * faulting IPA (HPFAR_EL2).
 */
#include "kernel/log.h"
#include "plugins/cpu/arm/cpu.h"
#include "tcg/tcg-cpu.h"

#define PA_BITS 48
#define DESC_VALID 1ull
#define DESC_TABLE 2ull
#define DESC_AF (1ull << 10)
#define DESC_NG (1ull << 11)
#define DESC_AP1 (1ull << 6)   /* EL0 access; stage 2: S2AP[0] read */
#define DESC_AP2 (1ull << 7)   /* read-only; stage 2: S2AP[1] write */
#define DESC_PXN (1ull << 53)
#define DESC_UXN (1ull << 54)  /* stage 2: XN */
#define TABLE_PXN (1ull << 59)
#define TABLE_UXN (1ull << 60)
#define TABLE_AP1 (1ull << 61)
#define TABLE_AP2 (1ull << 62)
#define FSC_WALK_EXTABT 0x14   /* + level: external abort on table walk */

unsigned arm_mmu_idx_el(int mmu_idx)
{
    switch (mmu_idx) {
    case ARM_MMUIDX_E10_0:
    case ARM_MMUIDX_E20_0:
        return 0;
    case ARM_MMUIDX_E2:
    case ARM_MMUIDX_E20_2:
    case ARM_MMUIDX_E20_2_PAN:
        return 2;
    default:
        return 1;
    }
}

/* Regimes with EL2's registers (EL2, and EL2&0 with VHE). */
static bool idx_is_el2_regime(int mmu_idx)
{
    return mmu_idx >= ARM_MMUIDX_E2;
}

int arm_mmu_index(ARMCPU *cpu, bool ifetch)
{
    const CPUARMState *env = &cpu->env;
    bool pan = !ifetch && (env->pstate & PSTATE_PAN);
    switch (env->el) {
    case 0:
        return arm_is_host(cpu) ? ARM_MMUIDX_E20_0 : ARM_MMUIDX_E10_0;
    case 2:
        if (arm_e2h(cpu)) {
            return pan ? ARM_MMUIDX_E20_2_PAN : ARM_MMUIDX_E20_2;
        }
        return ARM_MMUIDX_E2;
    default:
        return pan ? ARM_MMUIDX_E10_1_PAN : ARM_MMUIDX_E10_1;
    }
}

bool arm_stage2_enabled(const ARMCPU *cpu)
{
    uint64_t hcr = cpu->env.hcr_el2;
    return cpu->has_el2 && (hcr & (HCR_VM | HCR_DC)) && !(hcr & HCR_TGE);
}

/* One walk: where it starts and how the input address is cut. */
typedef struct Walk {
    uint64_t table;            /* first table (an IPA at stage 1 with stage 2) */
    unsigned in_bits;          /* input address size */
    unsigned g;                /* granule: 12, 14 or 16 */
    int start;                 /* first level */
    unsigned pa_bits;          /* output address size */
    bool stage2;
} Walk;

/* What a successful walk found. */
typedef struct WalkOut {
    uint64_t desc;             /* the leaf descriptor */
    uint64_t oa;               /* output address of @addr */
    unsigned shift;            /* log2 of the mapping size */
    int level;
    bool ap1_ok, ap2_ro, pxn, uxn;   /* hierarchical table attributes */
} WalkOut;

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

static bool fault_out(ARMFault *f, unsigned fsc, bool stage2, bool s1ptw, uint64_t ipa)
{
    f->fsc = fsc;
    f->stage2 = stage2;
    f->s1ptw = s1ptw;
    f->ipa = ipa;
    return false;
}

static bool read_phys(ARMCPU *cpu, uint64_t addr, uint64_t *desc)
{
    AddressSpace *as = arm_cs(cpu)->as;
    uint64_t len = 0;
    void *p = as ? address_space_get_host_ptr(as, addr, false, &len) : NULL;
    if (!p || len < 8) {
        return false;
    }
    *desc = __atomic_load_n((uint64_t *)p, __ATOMIC_RELAXED);
    return true;
}

static bool stage2_translate(ARMCPU *cpu, uint64_t ipa, ARMAccessType access, bool s1ptw,
                             ARMTranslation *out, ARMFault *f);

/*
 * Walk @w for @addr.  A stage-1 walk under stage 2 translates each table
 * address through stage 2 first (a failure there is a stage-2 fault with
 * S1PTW set).
 */
static bool walk(ARMCPU *cpu, const Walk *w, uint64_t addr, bool s1_via_s2, WalkOut *o,
                 ARMFault *f)
{
    unsigned g = w->g, stride = g - 3;
    int level = w->start;
    uint64_t oa_mask = (1ull << PA_BITS) - 1;
    uint64_t table = w->table & oa_mask;
    bool s2 = w->stage2;
    if (table >> w->pa_bits) {
        return fault_out(f, FSC_ADDR_SIZE + (unsigned)level, s2, false, 0);
    }
    o->ap1_ok = true;
    o->ap2_ro = o->pxn = o->uxn = false;
    for (;; level++) {
        unsigned shift = g + (unsigned)(3 - level) * stride;
        unsigned bits = level == w->start ? w->in_bits - shift : stride;
        if (level == w->start) {
            /* The first table is aligned to its own size (at least 8 bytes). */
            unsigned tbits = bits + 3 < 6 ? 6 : bits + 3;
            table &= ~((1ull << tbits) - 1);
        }
        uint64_t index = (addr >> shift) & ((1ull << bits) - 1);
        uint64_t daddr = table + index * 8, desc;
        if (s1_via_s2) {
            ARMTranslation t;
            if (!stage2_translate(cpu, daddr, ARM_ACCESS_LOAD, true, &t, f)) {
                return false;
            }
            daddr = t.paddr;
        }
        if (!read_phys(cpu, daddr, &desc)) {
            return fault_out(f, FSC_WALK_EXTABT + (unsigned)level, s2, false, 0);
        }
        if (!(desc & DESC_VALID)) {
            return fault_out(f, FSC_TRANSLATION + (unsigned)level, s2, false, 0);
        }
        uint64_t oa = desc & oa_mask & ~((1ull << g) - 1);
        if (level < 3 && (desc & DESC_TABLE)) {
            if (oa >> w->pa_bits) {
                return fault_out(f, FSC_ADDR_SIZE + (unsigned)level, s2, false, 0);
            }
            if (!s2) {
                o->ap1_ok &= !(desc & TABLE_AP1);
                o->ap2_ro |= (desc & TABLE_AP2) != 0;
                o->pxn |= (desc & TABLE_PXN) != 0;
                o->uxn |= (desc & TABLE_UXN) != 0;
            }
            table = oa;
            continue;
        }
        /* Block (levels 1-2 for 4K, level 2 otherwise) or page (level 3). */
        bool block_ok = level == 2 || (level == 1 && g == 12);
        if (level < 3 && !block_ok) {
            return fault_out(f, FSC_TRANSLATION + (unsigned)level, s2, false, 0);
        }
        if (level == 3 && !(desc & DESC_TABLE)) {
            return fault_out(f, FSC_TRANSLATION + (unsigned)level, s2, false, 0);
        }
        oa = desc & oa_mask & ~((1ull << shift) - 1);
        if (oa >> w->pa_bits) {
            return fault_out(f, FSC_ADDR_SIZE + (unsigned)level, s2, false, 0);
        }
        if (!(desc & DESC_AF)) {
            return fault_out(f, FSC_ACCESS_FLAG + (unsigned)level, s2, false, 0);
        }
        o->desc = desc;
        o->oa = oa | (addr & ((1ull << shift) - 1));
        o->shift = shift;
        o->level = level;
        return true;
    }
}

static int need_prot(ARMAccessType access)
{
    return access == ARM_ACCESS_FETCH ? ARM_PROT_EXEC
         : access == ARM_ACCESS_STORE ? ARM_PROT_WRITE : ARM_PROT_READ;
}

/*
 * Stage 2 of @ipa (VTTBR_EL2, VTCR_EL2).  The first level comes from
 * VTCR.SL0 with the granule; up to 16 concatenated tables at that level.
 */
static bool stage2_translate(ARMCPU *cpu, uint64_t ipa, ARMAccessType access, bool s1ptw,
                             ARMTranslation *out, ARMFault *f)
{
    const CPUARMState *env = &cpu->env;
    uint64_t vtcr = env->vtcr_el2;
    unsigned t0sz = vtcr & 0x3f, sl0 = (vtcr >> 6) & 3;
    unsigned g = tg0_bits((vtcr >> 14) & 3), stride = g - 3;
    Walk w = {
        .table = env->vttbr_el2 & 0xfffffffffffeull,
        .in_bits = 64 - (t0sz < 16 ? 16 : t0sz > 39 ? 39 : t0sz),
        .g = g,
        .pa_bits = ips_bits((vtcr >> 16) & 7),
        .stage2 = true,
    };
    if (g == 12) {
        w.start = sl0 == 0 ? 2 : sl0 == 1 ? 1 : sl0 == 2 ? 0 : -1;
    } else {
        w.start = 3 - (int)sl0;
        if (g == 16 && sl0 == 3) {
            w.start = -1;
        }
    }
    bool ok = w.start >= 0;
    if (ok) {
        /* Bits resolved at the first level: 1 .. stride + 4. */
        unsigned shift = g + (unsigned)(3 - w.start) * stride;
        ok = w.in_bits > shift && w.in_bits - shift <= stride + 4;
    }
    if (!ok || (ipa >> w.in_bits)) {
        /* Inconsistent VTCR, or an IPA beyond the input size. */
        return fault_out(f, FSC_TRANSLATION + 0, true, s1ptw, ipa);
    }
    WalkOut o;
    if (!walk(cpu, &w, ipa, false, &o, f)) {
        f->s1ptw = s1ptw;
        f->ipa = ipa;
        return false;
    }
    int prot = 0;
    if (o.desc & DESC_AP1) {
        prot |= ARM_PROT_READ;
    }
    if (o.desc & DESC_AP2) {
        prot |= ARM_PROT_WRITE;
    }
    if (!(o.desc & DESC_UXN)) {
        prot |= ARM_PROT_EXEC;
    }
    if (!(prot & need_prot(access))) {
        return fault_out(f, FSC_PERMISSION + (unsigned)o.level, true, s1ptw, ipa);
    }
    out->paddr = o.oa;
    out->prot = prot;
    out->lg_page = (int)o.shift;
    out->attrs = 0;
    out->guarded = false;
    return true;
}

/* Stage-1 walk parameters of @va in regime @mmu_idx; false: VA outside
 * the ranges (or walks disabled for its range). */
static bool stage1_params(ARMCPU *cpu, int mmu_idx, uint64_t va, bool ifetch, Walk *w)
{
    const CPUARMState *env = &cpu->env;
    uint64_t tcr, ttbr;
    unsigned tsz, g, hi;
    bool tbi, upper = false;
    if (mmu_idx == ARM_MMUIDX_E2) {
        tcr = env->tcr_el[2];
        ttbr = env->ttbr0_el[2];
        tsz = tcr & 0x3f;
        g = tg0_bits((tcr >> 14) & 3);
        tbi = !ifetch && ((tcr >> 20) & 1);
        w->pa_bits = ips_bits((tcr >> 16) & 7);
    } else {
        /* EL1&0, or EL2&0 (VHE) with TCR_EL2 in TCR_EL1's format. */
        unsigned r = idx_is_el2_regime(mmu_idx) ? 2 : 1;
        tcr = env->tcr_el[r];
        upper = (va >> 55) & 1;
        if (upper) {
            if ((tcr >> 23) & 1) {
                return false;   /* EPD1 */
            }
            ttbr = env->ttbr1_el[r];
            tsz = (tcr >> 16) & 0x3f;
            g = tg1_bits((tcr >> 30) & 3);
            tbi = !ifetch && ((tcr >> 38) & 1);
        } else {
            if ((tcr >> 7) & 1) {
                return false;   /* EPD0 */
            }
            ttbr = env->ttbr0_el[r];
            tsz = tcr & 0x3f;
            g = tg0_bits((tcr >> 14) & 3);
            tbi = !ifetch && ((tcr >> 37) & 1);
        }
        w->pa_bits = ips_bits((tcr >> 32) & 7);
    }
    tsz = tsz < 16 ? 16 : tsz > 39 ? 39 : tsz;
    w->in_bits = 64 - tsz;
    w->g = g;
    w->start = 4 - (int)((w->in_bits - g + (g - 3) - 1) / (g - 3));
    w->table = ttbr & 0xfffffffffffeull;
    w->stage2 = false;
    /* The bits above the input size (up to 55 with TBI, 63 without) must
     * all equal bit 55 (the EL2 regime has only the lower range). */
    hi = tbi ? 56 : 64;
    for (unsigned b = w->in_bits; b < hi; b++) {
        if (((va >> b) & 1) != upper) {
            return false;
        }
    }
    return true;
}

/* Stage-1 permissions of a leaf for the accessing EL. */
static int stage1_prot(ARMCPU *cpu, int mmu_idx, const WalkOut *o, uint64_t sctlr)
{
    unsigned el = arm_mmu_idx_el(mmu_idx);
    uint64_t desc = o->desc;
    bool el0_access = o->ap1_ok && (desc & DESC_AP1);
    bool ro = o->ap2_ro || (desc & DESC_AP2);
    int prot = 0;
    if (mmu_idx == ARM_MMUIDX_E20_2 || mmu_idx == ARM_MMUIDX_E20_2_PAN) {
        el = 1;                /* EL2 in the EL2&0 regime: like EL1 in EL1&0 */
    }
    if (el == 2) {
        prot = ARM_PROT_READ | (ro ? 0 : ARM_PROT_WRITE);
        if (!(desc & DESC_UXN) && !o->uxn) {
            prot |= ARM_PROT_EXEC;
        }
    } else if (el == 0) {
        if (el0_access) {
            prot = ARM_PROT_READ | (ro ? 0 : ARM_PROT_WRITE);
        }
        if (!(desc & DESC_UXN) && !o->uxn) {
            prot |= ARM_PROT_EXEC;
        }
    } else {
        prot = ARM_PROT_READ | (ro ? 0 : ARM_PROT_WRITE);
        bool el0_writable = el0_access && !ro;
        if (!(desc & DESC_PXN) && !o->pxn && !el0_writable) {
            prot |= ARM_PROT_EXEC;
        }
        if ((mmu_idx == ARM_MMUIDX_E10_1_PAN || mmu_idx == ARM_MMUIDX_E20_2_PAN) && el0_access) {
            /* PAN: privileged data accesses to EL0 data fault. */
            prot &= ARM_PROT_EXEC;
        }
    }
    if ((sctlr & SCTLR_WXN) && (prot & ARM_PROT_WRITE)) {
        prot &= ~ARM_PROT_EXEC;
    }
    return prot;
}

bool arm_mmu_translate_s1(ARMCPU *cpu, uint64_t vaddr, ARMAccessType access, int mmu_idx,
                          ARMTranslation *out, ARMFault *fault)
{
    const CPUARMState *env = &cpu->env;
    bool e2 = idx_is_el2_regime(mmu_idx);
    uint64_t sctlr = env->sctlr_el[e2 ? 2 : 1];
    /* TGE and DC (without E2H) turn stage 1 of the EL1&0 regime off. */
    bool tge = !e2 && cpu->has_el2 && (env->hcr_el2 & (HCR_TGE | HCR_DC));
    bool s2 = !e2 && arm_stage2_enabled(cpu);

    if (!(sctlr & SCTLR_M) || tge) {
        /* Stage 1 off: flat, everything allowed at this stage. */
        if (vaddr >> PA_BITS) {
            return fault_out(fault, FSC_ADDR_SIZE + 0, false, false, 0);
        }
        out->paddr = vaddr;
        out->global = true;
        out->prot = ARM_PROT_READ | ARM_PROT_WRITE | ARM_PROT_EXEC;
        out->lg_page = 12;
        out->attrs = 0;
        out->guarded = false;
        return true;
    }
    Walk w;
    if (!stage1_params(cpu, mmu_idx, vaddr, access == ARM_ACCESS_FETCH, &w)) {
        return fault_out(fault, FSC_TRANSLATION + 0, false, false, 0);
    }
    WalkOut o;
    if (!walk(cpu, &w, vaddr, s2, &o, fault)) {
        return false;
    }
    out->paddr = o.oa;
    /* nG (bit 11); the EL2 regime without E2H has no ASIDs. */
    out->global = mmu_idx == ARM_MMUIDX_E2 || !(o.desc & DESC_NG);
    out->lg_page = (int)o.shift;
    out->prot = stage1_prot(cpu, mmu_idx, &o, sctlr);
    out->guarded = cpu->bti && ((o.desc >> 50) & 1);
    unsigned attr_idx = (o.desc >> 2) & 7;
    out->attrs = (uint8_t)(env->mair_el[e2 ? 2 : 1] >> (8 * attr_idx));
    if (!(out->prot & need_prot(access))) {
        return fault_out(fault, FSC_PERMISSION + (unsigned)o.level, false, false, 0);
    }
    return true;
}

bool arm_mmu_translate(ARMCPU *cpu, uint64_t vaddr, ARMAccessType access, int mmu_idx,
                       ARMTranslation *out, ARMFault *fault)
{
    if (!arm_mmu_translate_s1(cpu, vaddr, access, mmu_idx, out, fault)) {
        return false;
    }
    if (!idx_is_el2_regime(mmu_idx) && arm_stage2_enabled(cpu)) {
        ARMTranslation t2;
        if (!stage2_translate(cpu, out->paddr, access, false, &t2, fault)) {
            return false;
        }
        out->paddr = t2.paddr;
        out->prot &= t2.prot;
        if (t2.lg_page < out->lg_page) {
            out->lg_page = t2.lg_page;
        }
    }
    if (out->lg_page > 30) {
        out->lg_page = 30;
    }
    return true;
}

/* ---- TLB tags ------------------------------------------------------------------- */

uint64_t arm_tlb_asid_width(const ARMCPU *cpu, unsigned r, uint64_t asid)
{
    /* 16-bit ASIDs need ID_AA64MMFR0_EL1.ASIDBits == 2 and TCR.AS. */
    bool wide = ((cpu->id.id_aa64mmfr0 >> 4) & 0xf) == 2 && ((cpu->env.tcr_el[r] >> 36) & 1);
    return asid & (wide ? 0xffff : 0xff);
}

uint64_t arm_tlb_asid(const ARMCPU *cpu, unsigned r)
{
    const CPUARMState *env = &cpu->env;
    if (r == 2 && !arm_e2h(cpu)) {
        return 0;
    }
    /* TCR.A1 (bit 22): TTBR1 holds the ASID. */
    uint64_t ttbr = ((env->tcr_el[r] >> 22) & 1) ? env->ttbr1_el[r] : env->ttbr0_el[r];
    return arm_tlb_asid_width(cpu, r, ttbr >> 48);
}

uint64_t arm_tlb_vmid(const ARMCPU *cpu)
{
    /* ID_AA64MMFR1_EL1.VMIDBits is 0: 8-bit VMIDs. */
    return cpu->has_el2 ? (cpu->env.vttbr_el2 >> 48) & 0xff : 0;
}

uint64_t arm_tlb_tag(const ARMCPU *cpu)
{
    uint64_t hcr = cpu->has_el2 ? cpu->env.hcr_el2 : 0;
    uint64_t flags = (hcr & HCR_VM ? 1 : 0) | (hcr & HCR_DC ? 2 : 0) | (hcr & HCR_TGE ? 4 : 0);
    return (arm_tlb_asid(cpu, 1) << ARM_TAG_ASID1_SHIFT) |
           (arm_tlb_vmid(cpu) << ARM_TAG_VMID_SHIFT) |
           (arm_tlb_asid(cpu, 2) << ARM_TAG_ASID2_SHIFT) | (flags << ARM_TAG_FLAGS_SHIFT);
}

void arm_tlb_update_tag(ARMCPU *cpu)
{
    if (cpu->engine) {
        cpu->engine->tlb_set_tag(arm_cs(cpu), arm_tlb_tag(cpu), ARM_TAG_GLOBAL_MASK);
    }
}

#define OFF(f) ((ptrdiff_t)offsetof(CPUARMState, f))

/*
 * Entries are tagged with the ASID (and VMID), not with the table base:
 * as the architecture allows, a TTBR write that changes the ASID flushes
 * nothing, and neither does a new base in the TTBR that does not hold the
 * ASID (TCR.A1 names the other: Linux switches TTBR1's ASID, then TTBR0).
 * A new base with an unchanged ASID in the TTBR that holds it (or any new
 * base in a regime without ASIDs) flushes everything, for software that reuses an
 * ASID without TLBI; so do TCR, VTCR and a new VTTBR base under the same
 * VMID (that VMID's address spaces).
 */
void arm_tlb_mmu_reg_changed(ARMCPU *cpu, ptrdiff_t off, uint64_t old)
{
    const CPUARMState *env = &cpu->env;
    const uint64_t asid_field = 0xffffull << 48;
    bool flush = false;
    for (unsigned r = 1; r <= 2; r++) {
        bool is0 = off == OFF(ttbr0_el[r]), is1 = off == OFF(ttbr1_el[r]);
        if (!is0 && !is1) {
            continue;
        }
        uint64_t now = is0 ? env->ttbr0_el[r] : env->ttbr1_el[r];
        bool has_asid = r == 1 || arm_e2h(cpu);
        bool holds_asid = has_asid && (((env->tcr_el[r] >> 22) & 1) ? is1 : is0);
        bool new_base = (old ^ now) & ~asid_field, new_asid = (old ^ now) & asid_field;
        if (new_base && (has_asid ? holds_asid && !new_asid : true)) {
            flush = true;
        }
    }
    if (off == OFF(tcr_el[1]) || off == OFF(tcr_el[2]) || off == OFF(vtcr_el2)) {
        flush = true;
    }
    if (off == OFF(vttbr_el2) && !((old ^ env->vttbr_el2) & asid_field) && cpu->engine) {
        /* New stage-2 tables for the same VMID. */
        cpu->engine->tlb_flush_tag(arm_cs(cpu), arm_tlb_vmid(cpu) << ARM_TAG_VMID_SHIFT,
                                   ARM_TAG_VMID_MASK, false);
    }
    if (flush && cpu->engine) {
        cpu->engine->tlb_flush(arm_cs(cpu));
    }
    arm_tlb_update_tag(cpu);
}

bool arm_cpu_debug_translate(CPUState *cs, uint64_t vaddr, uint64_t *paddr)
{
    ARMCPU *cpu = arm_cs_cpu(cs);
    ARMTranslation t;
    ARMFault f;
    if (!arm_mmu_translate(cpu, vaddr, ARM_ACCESS_LOAD, arm_mmu_index(cpu, false), &t, &f)) {
        return false;
    }
    *paddr = t.paddr;
    return true;
}
