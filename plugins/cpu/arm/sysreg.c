/* SPDX-License-Identifier: MIT */
/*
 * System registers: the table of sysreg.def turned into ARMSysregInfo rows,
 * and the functions its SR_X/SR_FX rows name.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/random.h>

#include "kernel/log.h"
#include "plugins/cpu/arm/cpu.h"
#include "tcg/tcg-cpu.h"

enum {
    SRF_DUMP = 1 << 0,
    SRF_END_TB = 1 << 1,
    SRF_WO = 1 << 2,
    SRF_EL0RO = 1 << 3,
    SRF_FP = 1 << 4,
    SRF_PAUTH = 1 << 5,
    SRF_UAO = 1 << 6,
    SRF_VHE = 1 << 7,
    SRF_RNG = 1 << 8,
};

#define ENV_OFF(f) ((ptrdiff_t)offsetof(CPUARMState, f))
#define FIELD64(cpu, ri) ((uint64_t *)((char *)&(cpu)->env + (ri)->offset))

/* ---- engine services (absent in unit tests) ------------------------------- */

/* Flush everything, on this vCPU or (@is: inner shareable) on all. */
static void flush_all(ARMCPU *cpu, bool is)
{
    if (cpu->engine) {
        if (is) {
            cpu->engine->tlb_flush_all_cpus(arm_cs(cpu));
        } else {
            cpu->engine->tlb_flush(arm_cs(cpu));
        }
    }
}

/* Flush the address spaces whose tag & @mask == @value (see arm_tlb_tag). */
static void flush_tag(ARMCPU *cpu, bool is, uint64_t value, uint64_t mask, bool keep_global)
{
    if (cpu->engine) {
        if (is) {
            cpu->engine->tlb_flush_tag_all_cpus(arm_cs(cpu), value, mask, keep_global);
        } else {
            cpu->engine->tlb_flush_tag(arm_cs(cpu), value, mask, keep_global);
        }
    }
}

static void flush_page(ARMCPU *cpu, bool is, uint64_t va)
{
    if (cpu->engine) {
        if (is) {
            cpu->engine->tlb_flush_page_all_cpus(arm_cs(cpu), va);
        } else {
            cpu->engine->tlb_flush_page(arm_cs(cpu), va);
        }
    }
}

/* ---- functions named by the table ----------------------------------------- */

/* With EL2, EL1 reads of MIDR/MPIDR return VPIDR_EL2/VMPIDR_EL2. */
static uint64_t sr_read_midr(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return (cpu->has_el2 && cpu->env.el == 1) ? cpu->env.vpidr_el2 : cpu->id.midr;
}

static uint64_t sr_read_mpidr(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    if (cpu->has_el2 && cpu->env.el == 1) {
        return cpu->env.vmpidr_el2;
    }
    /* Bit 31 RES1; U (bit 30) = 0: part of a multiprocessor system. */
    return (1ull << 31) | (cpu->mp_affinity & 0xff00ffffffull);
}

static uint64_t sr_read_ctr(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->id.ctr;
}

static bool sr_access_ctr(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    return cpu->env.el > 0 || (arm_sctlr(cpu, 0) & SCTLR_UCT);
}

static uint64_t sr_read_dczid(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    /* DZP (bit 4): DC ZVA prohibited at EL0 when SCTLR_EL1.DZE is 0. */
    bool dzp = cpu->env.el == 0 && !(arm_sctlr(cpu, 0) & SCTLR_DZE);
    return cpu->id.dczid | (dzp ? 0x10 : 0);
}

/* TTBRx, TCR, MAIR, VTTBR, VTCR: the TLB holds their effect (MAIR's
 * attributes are not cached); rewriting the same value changes nothing.
 * ASIDs and VMIDs select the engine's address-space tag (mmu.c). */
static void sr_write_mmu(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    uint64_t *f = FIELD64(cpu, ri);
    uint64_t old = *f;
    if (old != v) {
        *f = v;
        arm_tlb_mmu_reg_changed(cpu, ri->offset, old);
    }
}

/* SCTLR_ELx: TLB entries depend on M and WXN only (stage1_prot) and on the
 * endianness bits; the other bits (PAuth key enables, traps, alignment
 * and BTI, which are TB flags) are read when used, so flipping them, as
 * Linux does for a task's PAuth keys at each return to EL0, keeps the TLB. */
static void sr_write_sctlr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    uint64_t *f = FIELD64(cpu, ri);
    uint64_t changed = *f ^ v;
    *f = v;
    if (changed & (SCTLR_M | SCTLR_WXN | SCTLR_E0E | SCTLR_EE)) {
        flush_all(cpu, false);
    }
}

static void sr_write_hcr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    /* No AArch32 EL1: RW is RES1.  E2H needs FEAT_VHE; every bit of a
     * feature not implemented is RES0. */
    v = (v | HCR_RW) & (HCR_IMPLEMENTED | (cpu->vhe ? HCR_E2H : 0));
    cpu->env.hcr_el2 = v;
    /* VM, DC and TGE are part of the TLB tag, E2H selects the EL2 regime's
     * mmu indexes and its ASID: nothing cached goes stale. */
    arm_tlb_update_tag(cpu);
    arm_cpu_update_interrupts(cpu);
}

/* MDCR_EL2: HPMN, TPMCR, TPM, HPME, TDE, TDA, TDOSA, TDRA; the SPE and
 * trace-buffer fields are RES0 (neither is implemented).  The traps are
 * checked when the access runs (el2.c). */
static void sr_write_mdcr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.mdcr_el2 = v & 0xfffull;
}

/* SP_EL0 is reachable through MSR/MRS only while SP_ELx is selected. */
static bool sr_access_sp_el0(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    return (cpu->env.pstate & PSTATE_SP) != 0;
}

static uint64_t sr_read_sp_el0(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.sp_el[0];
}

static void sr_write_sp_el0(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.sp_el[0] = v;
}

/* SP_EL1 from EL2: EL1's stack pointer is banked while we run at EL2. */
static uint64_t sr_read_sp_el1(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.sp_el[1];
}

static void sr_write_sp_el1(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.sp_el[1] = v;
}

static uint64_t sr_read_spsel(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.pstate & PSTATE_SP;
}

static void sr_write_spsel(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    arm_swap_sp(&cpu->env, cpu->env.el, v & 1);
}

static uint64_t sr_read_currentel(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return (uint64_t)cpu->env.el << 2;
}

static uint64_t sr_read_pan(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.pstate & PSTATE_PAN;
}

static void sr_write_pan(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.pstate = (cpu->env.pstate & ~PSTATE_PAN) | ((uint32_t)v & PSTATE_PAN);
}

static uint64_t sr_read_uao(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.pstate & PSTATE_UAO;
}

static void sr_write_uao(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.pstate = (cpu->env.pstate & ~PSTATE_UAO) | ((uint32_t)v & PSTATE_UAO);
}

/* RNDR/RNDRRS (FEAT_RNG): 64 bits from the host kernel's generator, which
 * reseeds itself (good enough for both); NZCV = 0000 says the number is
 * valid, 0100 (and 0) that none was available.  The translator lets this
 * read write the flags. */
static uint64_t sr_read_rndr(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    CPUARMState *env = &cpu->env;
    uint64_t v;
    bool ok = getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v);
    env->nf = 0;
    env->zf = ok;
    env->cf = 0;
    env->vf = 0;
    return ok ? v : 0;
}

static uint64_t sr_read_nzcv(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return arm_pstate_read(&cpu->env) & PSTATE_NZCV;
}

static void sr_write_nzcv(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    CPUARMState *env = &cpu->env;
    env->nf = (v & PSTATE_N) ? UINT64_MAX : 0;
    env->zf = (v & PSTATE_Z) ? 0 : 1;
    env->cf = (v & PSTATE_C) ? 1 : 0;
    env->vf = (v & PSTATE_V) ? UINT64_MAX : 0;
}

static uint64_t sr_read_daif(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.pstate & PSTATE_DAIF;
}

static void sr_write_daif(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.pstate = (cpu->env.pstate & ~PSTATE_DAIF) | ((uint32_t)v & PSTATE_DAIF);
    arm_cpu_update_interrupts(cpu);
}

/* ---- PMU (the counting itself is in pmu.c) ---------------------------------------- */

#define PMU_CYCLE_BIT (1ull << 31)

/* EL0 access: PMUSERENR_EL0.EN (bit 0); SW (bit 1) for PMSWINC, CR
 * (bit 2) for reading PMCCNTR. */
static bool sr_access_pmu(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    return cpu->env.el > 0 || (cpu->env.pmuserenr & 1);
}

static bool sr_access_pmswinc(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    return cpu->env.el > 0 || (cpu->env.pmuserenr & 3);
}

static bool sr_access_pmccntr(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    return cpu->env.el > 0 || (cpu->env.pmuserenr & 1) ||
           (!is_write && (cpu->env.pmuserenr & 4));
}

static uint64_t sr_read_zero(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return 0;
}

/* PMCR: N (bits 15:11) = 0 event counters, IMP 0 (not an Arm part). */
static uint64_t sr_read_pmcr(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.pmcr;
}

static void sr_write_pmcr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    arm_pmu_sync(cpu);
    if (v & (1u << 2)) {
        cpu->env.pmccntr = 0;          /* C: reset the cycle counter */
    }
    /* E, D, X, DP, LC are kept; P and C read as zero. */
    cpu->env.pmcr = v & 0x79;
    arm_pmu_sync(cpu);
}

static uint64_t sr_read_pmcnten(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.pmcnten;
}

static void sr_write_pmcntenset(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    arm_pmu_sync(cpu);
    cpu->env.pmcnten |= v & PMU_CYCLE_BIT;
}

static void sr_write_pmcntenclr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    arm_pmu_sync(cpu);
    cpu->env.pmcnten &= ~(v & PMU_CYCLE_BIT);
}

static uint64_t sr_read_pmovs(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    arm_pmu_sync(cpu);
    return cpu->env.pmovs;
}

static void sr_write_pmovsclr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    arm_pmu_sync(cpu);
    cpu->env.pmovs &= ~(v & PMU_CYCLE_BIT);
}

static void sr_write_pmovsset(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    arm_pmu_sync(cpu);
    cpu->env.pmovs |= v & PMU_CYCLE_BIT;
}

/* No event counters: software increments count nothing. */
static void sr_write_pmswinc(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
}

static uint64_t sr_read_pmselr(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.pmselr;
}

static void sr_write_pmselr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.pmselr = v & 0x1f;
}

static uint64_t sr_read_pmccntr(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    arm_pmu_sync(cpu);
    return cpu->env.pmccntr;
}

static void sr_write_pmccntr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    arm_pmu_sync(cpu);
    cpu->env.pmccntr = v;
}

static uint64_t sr_read_pmintens(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.pmintens;
}

static void sr_write_pmintenset(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.pmintens |= v & PMU_CYCLE_BIT;
}

static void sr_write_pmintenclr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.pmintens &= ~(v & PMU_CYCLE_BIT);
}

static uint64_t sr_read_pmccfiltr(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.pmccfiltr;
}

static void sr_write_pmccfiltr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    arm_pmu_sync(cpu);
    cpu->env.pmccfiltr = v & 0xf8000000ull;
    arm_pmu_sync(cpu);
}

/* ---- timer -------------------------------------------------------------------- */

static int timer_index(const ARMSysregInfo *ri)
{
    unsigned op1 = (ri->enc >> 11) & 7, crm = (ri->enc >> 3) & 15;
    if (op1 == 4) {
        return crm == 2 ? ARM_TIMER_HYP : ARM_TIMER_HYPVIRT;
    }
    return crm == 2 ? ARM_TIMER_PHYS : ARM_TIMER_VIRT;
}

/* EL0 access to the counters and timers: CNTKCTL_EL1 (EL0PCTEN bit 0,
 * EL0VCTEN bit 1, EL0VTEN bit 8, EL0PTEN bit 9). */
static bool el0_timer_bit(ARMCPU *cpu, unsigned bit)
{
    /* Host EL0 (VHE with TGE): CNTHCTL_EL2 has CNTKCTL's EL0 bits. */
    uint64_t ctl = arm_is_host(cpu) ? cpu->env.cnthctl_el2 : cpu->env.cntkctl_el1;
    return cpu->env.el > 0 || ((ctl >> bit) & 1);
}

static bool sr_access_cntpct(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    return el0_timer_bit(cpu, 0);
}

static bool sr_access_cntvct(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    return el0_timer_bit(cpu, 1);
}

static bool sr_access_cntv(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    return el0_timer_bit(cpu, 8);
}

static bool sr_access_cntp(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    return el0_timer_bit(cpu, 9);
}

static uint64_t sr_read_cntpct(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return arm_timer_count(cpu);
}

static uint64_t sr_read_cntvct(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    /* EL2 with E2H and host EL0 see no virtual offset. */
    bool no_off = (cpu->env.el == 2 && arm_e2h(cpu)) || (cpu->env.el == 0 && arm_is_host(cpu));
    return arm_timer_count(cpu) - (no_off ? 0 : cpu->env.cntvoff_el2);
}

/* CPTR_EL2: TFP (bit 10) without E2H; CPACR's FPEN (21:20) and TTA (28)
 * with it. */
static void sr_write_cptr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    uint64_t mask = arm_e2h(cpu) ? 0x10300000ull : 0x400ull;
    cpu->env.cptr_el2 = (cpu->env.cptr_el2 & ~mask) | (v & mask);
}

/* CNTHCTL_EL2: bits 10-11 (EL1PCTEN/EL1PTEN with E2H) need VHE. */
static void sr_write_cnthctl(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.cnthctl_el2 = v & (cpu->vhe ? 0xfffull : 0x3ffull);
}

static uint64_t sr_read_tval(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return arm_timer_read_tval(cpu, timer_index(ri));
}

static void sr_write_tval(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    arm_timer_write_tval(cpu, timer_index(ri), v);
}

static uint64_t sr_read_tctl(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return arm_timer_read_ctl(cpu, timer_index(ri));
}

static void sr_write_tctl(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    int t = timer_index(ri);
    cpu->env.timer[t].ctl = (uint32_t)v & (CNTCTL_ENABLE | CNTCTL_IMASK);
    arm_timer_update(cpu, t);
}

static uint64_t sr_read_cval(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return cpu->env.timer[timer_index(ri)].cval;
}

static void sr_write_cval(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    int t = timer_index(ri);
    cpu->env.timer[t].cval = v;
    arm_timer_update(cpu, t);
}

static void sr_write_cntvoff(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.cntvoff_el2 = v;
    arm_timer_update(cpu, ARM_TIMER_VIRT);
}

/* ---- system instructions -------------------------------------------------------- */

static void sr_ic_flush(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    if (cpu->engine) {
        cpu->engine->icache_flush(arm_cs(cpu));
    }
}

static bool sr_access_dc_zva(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    return cpu->env.el > 0 || (arm_sctlr(cpu, 0) & SCTLR_DZE);
}

static void sr_dc_zva(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    uint64_t size = 4ull << (cpu->id.dczid & 0xf);
    uint64_t addr = v & ~(size - 1);
    if (!cpu->engine) {
        return;
    }
    int mmu_idx = arm_mmu_index(cpu, false);
    /* A guest watchpoint on the block: DC ZVA counts as a store. */
    arm_debug_check_wp(cpu, addr, (unsigned)__builtin_ctzll(size) | ARM_WP_STORE,
                       cpu->sysreg_ra);
    /* Plain RAM without translated code: one memset (Linux clears pages
     * with DC ZVA); otherwise (MMIO, code pages) stores that fault,
     * invalidate blocks and reach devices as any store does. */
    void *host = cpu->engine->probe_access(arm_cs(cpu), addr, (unsigned)size, TCG_ACCESS_WRITE,
                                           mmu_idx, false, NULL, cpu->sysreg_ra);
    if (host) {
        memset(host, 0, size);
        return;
    }
    for (uint64_t off = 0; off < size; off += 8) {
        cpu->engine->st(arm_cs(cpu), addr + off, 0, 3 /* IR_MO_64 */, mmu_idx, cpu->sysreg_ra);
    }
}

static void sr_at(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    /* AT S1E1R/W, S1E0R/W, S1E2R/W (stage 1: the IPA) and, op1 = 4 with
     * op2 4..7, AT S12E1R/W, S12E0R/W (both stages). */
    unsigned op1 = (ri->enc >> 11) & 7, op2 = ri->enc & 7;
    bool write = op2 & 1, s12 = op1 == 4 && (op2 & 4);
    int mmu_idx = op1 == 4 && !s12 ? (arm_e2h(cpu) ? ARM_MMUIDX_E20_2 : ARM_MMUIDX_E2)
                : (op2 & 2) ? ARM_MMUIDX_E10_0 : ARM_MMUIDX_E10_1;
    ARMAccessType acc = write ? ARM_ACCESS_STORE : ARM_ACCESS_LOAD;
    ARMTranslation t;
    ARMFault f;
    bool ok = s12 ? arm_mmu_translate(cpu, v, acc, mmu_idx, &t, &f)
                  : arm_mmu_translate_s1(cpu, v, acc, mmu_idx, &t, &f);
    if (ok) {
        cpu->env.par_el1 = ((uint64_t)t.attrs << 56) | (t.paddr & 0xfffffffff000ull) |
                           (3ull << 7) /* SH: inner shareable */;
    } else {
        /* F, FST, PTW (bit 8), S (bit 9: stage 2), bit 11 RES1. */
        cpu->env.par_el1 = 1 | ((uint64_t)f.fsc << 1) | (f.s1ptw ? 1ull << 8 : 0) |
                           (f.stage2 ? 1ull << 9 : 0) | (1ull << 11);
    }
}

/*
 * TLB maintenance (D8.13).  The *E1 operations act on the EL1&0 regime of
 * the current VMID, or on the EL2&0 regime when executed at EL2 with
 * HCR_EL2.{E2H,TGE} = {1,1}.  By-VA forms drop the page in every address
 * space (all ASIDs and VMIDs): more than asked, never less.  The IS forms
 * reach every vCPU and return once each has done it (the engine's
 * broadcast is synchronous), so the DSB after them has nothing to wait for.
 */
/* HCR_EL2.FB: EL1's local TLBI *E1 forms are broadcast like the IS ones. */
static bool tlbi_fb(const ARMCPU *cpu)
{
    return cpu->has_el2 && cpu->env.el == 1 &&
           (cpu->env.hcr_el2 & (HCR_FB | HCR_TGE)) == HCR_FB;
}

static bool tlbi_e1_is_host(const ARMCPU *cpu)
{
    return cpu->env.el == 2 && arm_is_host(cpu);
}

static uint64_t tlbi_vmid_tag(const ARMCPU *cpu)
{
    return arm_tlb_vmid(cpu) << ARM_TAG_VMID_SHIFT;
}

/* VMALLE1: every stage-1 entry of the current VMID (EL1&0). */
static void tlbi_vmalle1(ARMCPU *cpu, bool is)
{
    if (tlbi_e1_is_host(cpu)) {
        flush_all(cpu, is);
    } else {
        flush_tag(cpu, is, tlbi_vmid_tag(cpu), ARM_TAG_VMID_MASK, false);
    }
}

static void sr_tlbi_vmalle1(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    tlbi_vmalle1(cpu, tlbi_fb(cpu));
}

static void sr_tlbi_vmalle1is(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    tlbi_vmalle1(cpu, true);
}

/* ASIDE1: the non-global entries of ASID Xt[63:48]. */
static void tlbi_aside1(ARMCPU *cpu, bool is, uint64_t v)
{
    if (tlbi_e1_is_host(cpu)) {
        uint64_t asid = arm_tlb_asid_width(cpu, 2, v >> 48);
        flush_tag(cpu, is, asid << ARM_TAG_ASID2_SHIFT, ARM_TAG_ASID2_MASK, true);
    } else {
        uint64_t asid = arm_tlb_asid_width(cpu, 1, v >> 48);
        flush_tag(cpu, is, tlbi_vmid_tag(cpu) | (asid << ARM_TAG_ASID1_SHIFT),
                  ARM_TAG_VMID_MASK | ARM_TAG_ASID1_MASK, true);
    }
}

static void sr_tlbi_aside1(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    tlbi_aside1(cpu, tlbi_fb(cpu), v);
}

static void sr_tlbi_aside1is(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    tlbi_aside1(cpu, true, v);
}

/* IPAS2E1, VMALLS12E1: stage-2 (and combined) entries of the current VMID;
 * the TLB holds combined entries only, so the VMID's address spaces go. */
static void sr_tlbi_vmid(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    flush_tag(cpu, false, tlbi_vmid_tag(cpu), ARM_TAG_VMID_MASK, false);
}

static void sr_tlbi_vmid_is(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    flush_tag(cpu, true, tlbi_vmid_tag(cpu), ARM_TAG_VMID_MASK, false);
}

/* ALLE1, ALLE2: every VMID / the EL2 regimes: everything. */
static void sr_tlbi_all(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    flush_all(cpu, false);
}

static void sr_tlbi_all_is(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    flush_all(cpu, true);
}

/* VA forms: Xt[43:0] is VA[55:12]; the top byte is sign-extended from
 * bit 55. */
static uint64_t tlbi_va(uint64_t v)
{
    uint64_t va = (v & 0xfffffffffffull) << 12;
    return (va & (1ull << 55)) ? va | 0xff00000000000000ull : va;
}

static void sr_tlbi_va(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    flush_page(cpu, tlbi_fb(cpu), tlbi_va(v));
}

static void sr_tlbi_va_is(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    flush_page(cpu, true, tlbi_va(v));
}

/* FPCR: RMode, FZ, DN; FZ16 with FEAT_FP16 (AHP is not supported). */
static void sr_write_fpcr(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    cpu->env.fpcr = v & (0x03c00000u | (cpu->fp16 ? 1u << 19 : 0));
}

/* ---- the table ------------------------------------------------------------------------ */

#define SR_COMMON(NAME, op0, op1, crn, crm, op2, el, flags)                         \
    .name = #NAME, .enc = ARM_SYSREG_ENC(op0, op1, crn, crm, op2), .min_el = (el),  \
    .dump = ((flags) & SRF_DUMP) != 0, .end_tb = ((flags) & SRF_END_TB) != 0,        \
    .wo = ((flags) & SRF_WO) != 0, .el0_ro = ((flags) & SRF_EL0RO) != 0,             \
    .fp = ((flags) & SRF_FP) != 0, .pauth = ((flags) & SRF_PAUTH) != 0, \
    .uao = ((flags) & SRF_UAO) != 0, .vhe = ((flags) & SRF_VHE) != 0, \
    .rng = ((flags) & SRF_RNG) != 0

#define SR_F(NAME, op0, op1, crn, crm, op2, el, flags, field, wmask) \
    { SR_COMMON(NAME, op0, op1, crn, crm, op2, el, flags), .kind = SR_FIELD, \
      .offset = ENV_OFF(field), .value = (wmask) },
#define SR_FX(NAME, op0, op1, crn, crm, op2, el, flags, field, wr) \
    { SR_COMMON(NAME, op0, op1, crn, crm, op2, el, flags), .kind = SR_FUNC, \
      .offset = ENV_OFF(field), .read = sr_read_field, .write = (wr) },
#define SR_I(NAME, op0, op1, crn, crm, op2, el, flags, field) \
    { SR_COMMON(NAME, op0, op1, crn, crm, op2, el, flags), .kind = SR_ID, \
      .offset = (ptrdiff_t)offsetof(ARMIdRegs, field) },
#define SR_C(NAME, op0, op1, crn, crm, op2, el, flags, val) \
    { SR_COMMON(NAME, op0, op1, crn, crm, op2, el, flags), .kind = SR_CONST, .value = (val) },
#define SR_X(NAME, op0, op1, crn, crm, op2, el, flags, rd, wr, acc) \
    { SR_COMMON(NAME, op0, op1, crn, crm, op2, el, flags), .kind = SR_FUNC, \
      .read = (rd), .write = (wr), .access = (acc) },
#define SR_N(NAME, op0, op1, crn, crm, op2, el, flags) \
    { SR_COMMON(NAME, op0, op1, crn, crm, op2, el, flags), .kind = SR_NOP },

static uint64_t sr_read_field(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    return *FIELD64(cpu, ri);
}

static const ARMSysregInfo arm_sysregs[] = {
#include "plugins/cpu/arm/sysreg.def"
};

#undef SR_F
#undef SR_FX
#undef SR_I
#undef SR_C
#undef SR_X
#undef SR_N

G_STATIC_ASSERT(G_N_ELEMENTS(arm_sysregs) == ARM_SYSREG_COUNT);

const ARMSysregInfo *arm_sysreg_table(size_t *count)
{
    *count = G_N_ELEMENTS(arm_sysregs);
    return arm_sysregs;
}

const ARMSysregInfo *arm_sysreg_find(uint32_t enc)
{
    for (size_t i = 0; i < G_N_ELEMENTS(arm_sysregs); i++) {
        if (arm_sysregs[i].enc == enc) {
            return &arm_sysregs[i];
        }
    }
    return NULL;
}

ARMSysregAccess arm_sysreg_accessible(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write)
{
    unsigned el = cpu->env.el;
    if (ri->min_el > arm_highest_el(cpu) || el < ri->min_el || (ri->pauth && !cpu->pauth) ||
        (ri->uao && !cpu->uao) || (ri->vhe && !cpu->vhe) || (ri->rng && !cpu->rng)) {
        return ARM_SR_UNDEF;
    }
    if (is_write ? (ri->kind == SR_FIELD_RO || ri->kind == SR_ID || ri->kind == SR_CONST ||
                    (ri->kind == SR_FUNC && !ri->write) || (ri->el0_ro && el == 0))
                 : (ri->wo || (ri->kind == SR_FUNC && !ri->read))) {
        return ARM_SR_UNDEF;
    }
    if (ri->access && !ri->access(cpu, ri, is_write)) {
        return ARM_SR_TRAP;
    }
    if (el < 2 && cpu->has_el2 && arm_el2_sysreg_trap(cpu, ri, is_write)) {
        return ARM_SR_TRAP_EL2;
    }
    return ARM_SR_OK;
}

uint64_t arm_sysreg_read(ARMCPU *cpu, const ARMSysregInfo *ri)
{
    switch ((ARMSysregKind)ri->kind) {
    case SR_FIELD:
    case SR_FIELD_RO:
        return *FIELD64(cpu, ri);
    case SR_ID:
        return *(const uint64_t *)((const char *)&cpu->id + ri->offset);
    case SR_CONST:
        return ri->value;
    case SR_FUNC:
        return ri->read ? ri->read(cpu, ri) : 0;
    case SR_NOP:
        return 0;
    }
    return 0;
}

void arm_sysreg_write(ARMCPU *cpu, const ARMSysregInfo *ri, uint64_t v)
{
    switch ((ARMSysregKind)ri->kind) {
    case SR_FIELD: {
        uint64_t mask = ri->value ? ri->value : UINT64_MAX;
        uint64_t *f = FIELD64(cpu, ri);
        *f = (*f & ~mask) | (v & mask);
        break;
    }
    case SR_FUNC:
        if (ri->write) {
            ri->write(cpu, ri, v);
        }
        break;
    default:
        break;
    }
}

void arm_sysreg_dump(ARMCPU *cpu, GString *out)
{
    int n = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(arm_sysregs); i++) {
        const ARMSysregInfo *ri = &arm_sysregs[i];
        if (!ri->dump || ri->min_el > arm_highest_el(cpu) || (ri->pauth && !cpu->pauth) ||
            (ri->uao && !cpu->uao) || (ri->vhe && !cpu->vhe) || (ri->rng && !cpu->rng)) {
            continue;
        }
        g_string_append_printf(out, " %-16s %016" PRIx64 "%s", ri->name,
                               arm_sysreg_read(cpu, ri), (++n % 3) == 0 ? "\n" : "");
    }
    if (n % 3) {
        g_string_append_c(out, '\n');
    }
}
