/* SPDX-License-Identifier: MIT */
/*
 * RISC-V address translation and physical memory protection
 * (privileged spec 1.12: 3.7 PMP, 4.3-4.6 Sv39/Sv48/Sv57, Svpbmt).
 *
 * Page-table walks read PTEs from guest RAM through the CPU's address space
 * and set A/D atomically in hardware (compare-and-swap on the PTE, walk
 * restarted if it changed), as Svadu allows; PTEs outside RAM give an
 * access fault.  PMP has 16 entries with 4-byte granularity (G=0).
 */
#include <string.h>

#include "kernel/log.h"
#include "kernel/memory.h"
#include "plugins/cpu/riscv/cpu.h"

#define PAGE_BITS 12
#define PAGE_SIZE (1ull << PAGE_BITS)
#define PTE_SIZE 8
#define VPN_BITS 9
#define PMPADDR_MASK ((1ull << 54) - 1)
#define PMP_CFG_PER_REG 8
#define MAX_WALK_RETRIES 16

/* ---- PMP ------------------------------------------------------------------- */

static int pmp_mode(const CPURISCVState *env, int i)
{
    return (env->pmpcfg[i] & PMP_A) >> PMP_A_SHIFT;
}

static bool pmp_locked(const CPURISCVState *env, int i)
{
    return (env->pmpcfg[i] & PMP_LOCK) != 0;
}

/* Byte range [*lo, *hi) covered by entry @i; false when off or empty. */
static bool pmp_range(const CPURISCVState *env, int i, uint64_t *lo, uint64_t *hi)
{
    uint64_t a = env->pmpaddr[i];
    switch (pmp_mode(env, i)) {
    case PMP_A_TOR:
        *lo = i ? env->pmpaddr[i - 1] << 2 : 0;
        *hi = a << 2;
        return *lo < *hi;
    case PMP_A_NA4:
        *lo = a << 2;
        *hi = *lo + 4;
        return true;
    case PMP_A_NAPOT: {
        int t = __builtin_ctzll(~a);          /* trailing ones */
        uint64_t size_lg = t + 3;
        uint64_t mask = size_lg >= 64 ? ~0ull : (1ull << size_lg) - 1;
        *lo = (a << 2) & ~mask;
        *hi = *lo + mask + 1;
        if (*hi == 0) {
            *hi = ~0ull;
        }
        return true;
    }
    default:
        return false;
    }
}

/* Recompute the active-entry list after a pmpcfg/pmpaddr write. */
static void pmp_update(CPURISCVState *env)
{
    unsigned n = 0;
    bool locked = false;
    for (int i = 0; i < RISCV_PMP_ENTRIES; i++) {
        uint64_t lo, hi;
        if (!pmp_range(env, i, &lo, &hi)) {
            continue;
        }
        env->pmp_active[n] = (uint8_t)i;
        env->pmp_lo[n] = lo;
        env->pmp_hi[n] = hi;
        locked |= pmp_locked(env, i);
        n++;
    }
    env->pmp_nactive = (uint8_t)n;
    env->pmp_any_locked = locked;
}

uint64_t riscv_pmp_read_cfg(RISCVCPU *cpu, int reg_index)
{
    uint64_t v = 0;
    int first = reg_index / 2 * PMP_CFG_PER_REG;
    for (int i = 0; i < PMP_CFG_PER_REG; i++) {
        v |= (uint64_t)cpu->env.pmpcfg[first + i] << (8 * i);
    }
    return v;
}

void riscv_pmp_write_cfg(RISCVCPU *cpu, int reg_index, uint64_t val)
{
    int first = reg_index / 2 * PMP_CFG_PER_REG;
    for (int i = 0; i < PMP_CFG_PER_REG; i++) {
        int e = first + i;
        uint8_t cfg = val >> (8 * i);
        if (pmp_locked(&cpu->env, e)) {
            continue;    /* locked entries ignore writes until reset */
        }
        cfg &= PMP_R | PMP_W | PMP_X | PMP_A | PMP_LOCK;
        if ((cfg & (PMP_R | PMP_W)) == PMP_W) {
            cfg &= ~PMP_W;    /* R=0 W=1 is reserved */
        }
        cpu->env.pmpcfg[e] = cfg;
    }
    pmp_update(&cpu->env);
}

void riscv_pmp_write_addr(RISCVCPU *cpu, int i, uint64_t val)
{
    CPURISCVState *env = &cpu->env;
    if (pmp_locked(env, i)) {
        return;
    }
    if (i + 1 < RISCV_PMP_ENTRIES && pmp_locked(env, i + 1) &&
        pmp_mode(env, i + 1) == PMP_A_TOR) {
        return;    /* the top of a locked TOR region is locked too */
    }
    env->pmpaddr[i] = val & PMPADDR_MASK;
    pmp_update(env);
}

static int pmp_access_bit(MMUAccessType access)
{
    switch (access) {
    case MMU_ACCESS_STORE:
        return PMP_W;
    case MMU_ACCESS_FETCH:
        return PMP_X;
    default:
        return PMP_R;
    }
}

bool riscv_pmp_check(RISCVCPU *cpu, uint64_t addr, uint64_t size, MMUAccessType access,
                     int priv)
{
    const CPURISCVState *env = &cpu->env;
    if (!cpu->pmp || (priv == PRV_M && !env->pmp_any_locked)) {
        return true;
    }
    uint64_t last = addr + size - 1;
    for (unsigned k = 0; k < env->pmp_nactive; k++) {
        uint64_t lo = env->pmp_lo[k], hi = env->pmp_hi[k];
        bool first_in = addr >= lo && addr <= hi - 1;
        bool last_in = last >= lo && last <= hi - 1;
        if (!first_in && !last_in) {
            continue;
        }
        if (!first_in || !last_in) {
            return false;   /* straddles the entry: fails regardless */
        }
        int i = env->pmp_active[k];
        if (priv == PRV_M && !pmp_locked(env, i)) {
            return true;
        }
        return (env->pmpcfg[i] & pmp_access_bit(access)) != 0;
    }
    return priv == PRV_M;
}

int riscv_pmp_uniform_lg(RISCVCPU *cpu, uint64_t addr)
{
    const CPURISCVState *env = &cpu->env;
    if (!cpu->pmp) {
        return PAGE_BITS;
    }
    /* Inclusive last bytes: the page's end wraps to 0 on the top page. */
    uint64_t page = addr & ~(PAGE_SIZE - 1);
    uint64_t page_last = page + (PAGE_SIZE - 1);
    for (unsigned k = 0; k < env->pmp_nactive; k++) {
        uint64_t lo = env->pmp_lo[k], hi = env->pmp_hi[k];
        bool overlaps = lo <= page_last && hi - 1 >= page;
        bool covers = lo <= page && hi - 1 >= page_last;
        if (overlaps && !covers) {
            return 2;   /* an entry boundary inside the page */
        }
    }
    return PAGE_BITS;
}

/* ---- translation ------------------------------------------------------------ */

int riscv_cpu_mmu_index(RISCVCPU *cpu, bool ifetch)
{
    const CPURISCVState *env = &cpu->env;
    int priv = env->priv;
    if (!ifetch && priv == PRV_M && (env->mstatus & MSTATUS_MPRV)) {
        priv = (env->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    }
    if (priv == PRV_S && !ifetch && (env->mstatus & MSTATUS_SUM)) {
        return MMUIDX_S_SUM;
    }
    return priv == PRV_M ? MMUIDX_M : priv == PRV_S ? MMUIDX_S : MMUIDX_U;
}

static uint64_t page_fault_cause(MMUAccessType access)
{
    switch (access) {
    case MMU_ACCESS_STORE:
        return EXCP_STORE_PAGE;
    case MMU_ACCESS_FETCH:
        return EXCP_INST_PAGE;
    default:
        return EXCP_LOAD_PAGE;
    }
}

static uint64_t access_fault_cause(MMUAccessType access)
{
    switch (access) {
    case MMU_ACCESS_STORE:
        return EXCP_STORE_ACCESS;
    case MMU_ACCESS_FETCH:
        return EXCP_INST_ACCESS;
    default:
        return EXCP_LOAD_ACCESS;
    }
}

static int satp_levels(int mode)
{
    switch (mode) {
    case SATP_MODE_SV39:
        return 3;
    case SATP_MODE_SV48:
        return 4;
    case SATP_MODE_SV57:
        return 5;
    default:
        return 0;
    }
}

/* Pointer to the PTE in host RAM, or NULL (then: access fault). */
static uint64_t *pte_host_ptr(RISCVCPU *cpu, uint64_t pte_addr)
{
    AddressSpace *as = riscv_cpu_cs(cpu)->as;
    uint64_t len = 0;
    if (!as) {
        return NULL;
    }
    void *p = address_space_get_host_ptr(as, pte_addr, true, &len);
    if (!p || len < PTE_SIZE) {
        return NULL;
    }
    return p;
}

/* Permissions a leaf grants at @priv, before the access-specific check. */
static int leaf_prot(RISCVCPU *cpu, uint64_t pte, int priv, bool sum)
{
    const CPURISCVState *env = &cpu->env;
    int prot = 0;
    if (pte & PTE_U) {
        if (priv == PRV_S) {
            /* S may read/write U pages with SUM, never execute them. */
            if (sum) {
                prot = RISCV_PROT_READ | RISCV_PROT_WRITE;
            }
            prot &= ~RISCV_PROT_EXEC;
            if (!prot) {
                return 0;
            }
        } else {
            prot = RISCV_PROT_READ | RISCV_PROT_WRITE | RISCV_PROT_EXEC;
        }
    } else {
        if (priv == PRV_U) {
            return 0;
        }
        prot = RISCV_PROT_READ | RISCV_PROT_WRITE | RISCV_PROT_EXEC;
    }
    int granted = 0;
    if ((pte & PTE_R) || ((pte & PTE_X) && (env->mstatus & MSTATUS_MXR))) {
        granted |= RISCV_PROT_READ;
    }
    if (pte & PTE_W) {
        granted |= RISCV_PROT_WRITE;
    }
    if (pte & PTE_X) {
        granted |= RISCV_PROT_EXEC;
    }
    return prot & granted;
}

static int access_prot_bit(MMUAccessType access)
{
    switch (access) {
    case MMU_ACCESS_STORE:
        return RISCV_PROT_WRITE;
    case MMU_ACCESS_FETCH:
        return RISCV_PROT_EXEC;
    default:
        return RISCV_PROT_READ;
    }
}

/* Check the PTE's reserved/PBMT/N fields (both leaf and non-leaf). */
static bool pte_fields_valid(RISCVCPU *cpu, uint64_t pte)
{
    if (pte & (PTE_RESERVED | PTE_N)) {
        return false;   /* Svnapot is not implemented */
    }
    uint64_t pbmt = (pte & PTE_PBMT) >> PTE_PBMT_SHIFT;
    if (pbmt) {
        if (!riscv_has_ext(cpu, RISCV_EXT_SVPBMT) || !(cpu->env.menvcfg & ENVCFG_PBMTE) ||
            pbmt == 3) {
            return false;
        }
    }
    return true;
}

typedef enum {
    WALK_OK,
    WALK_PAGE_FAULT,
    WALK_ACCESS_FAULT,
    WALK_RETRY,
} WalkResult;

/*
 * Walk the tables for @vaddr.  With @debug (the monitor's view) the walk
 * has no side effects: A/D stay as they are and the leaf's permissions are
 * not checked against @access, so any valid mapping translates.
 */
static WalkResult page_walk(RISCVCPU *cpu, uint64_t vaddr, MMUAccessType access, int priv,
                            bool sum, bool debug, RISCVTranslation *out)
{
    const CPURISCVState *env = &cpu->env;
    int mode = env->satp >> SATP_MODE_SHIFT;
    int levels = satp_levels(mode);
    int va_bits = PAGE_BITS + levels * VPN_BITS;

    /* Upper address bits must be copies of bit va_bits-1. */
    int64_t top = (int64_t)vaddr >> (va_bits - 1);
    if (top != 0 && top != -1) {
        return WALK_PAGE_FAULT;
    }

    uint64_t table = (env->satp & SATP_PPN_MASK) << PAGE_BITS;
    bool global = false;
    for (int level = levels - 1; level >= 0; level--) {
        uint64_t vpn = (vaddr >> (PAGE_BITS + level * VPN_BITS)) & ((1u << VPN_BITS) - 1);
        uint64_t pte_addr = table + vpn * PTE_SIZE;
        if (!riscv_pmp_check(cpu, pte_addr, PTE_SIZE, MMU_ACCESS_LOAD, PRV_S)) {
            return WALK_ACCESS_FAULT;
        }
        uint64_t *ptep = pte_host_ptr(cpu, pte_addr);
        if (!ptep) {
            return WALK_ACCESS_FAULT;
        }
        uint64_t pte = GUINT64_FROM_LE(__atomic_load_n(ptep, __ATOMIC_ACQUIRE));
        if (!debug) {
            log_mask(LOG_MMU, "riscv: walk va=0x%" G_GINT64_MODIFIER "x level %d pte@0x%"
                     G_GINT64_MODIFIER "x = 0x%" G_GINT64_MODIFIER "x\n",
                     vaddr, level, pte_addr, pte);
        }
        if (!(pte & PTE_V) || ((pte & (PTE_R | PTE_W)) == PTE_W) || !pte_fields_valid(cpu, pte)) {
            return WALK_PAGE_FAULT;
        }
        uint64_t ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
        /* G on a pointer makes every mapping below it global. */
        global |= (pte & PTE_G) != 0;
        if (!(pte & (PTE_R | PTE_X))) {
            /* Pointer to the next level: A, D, U and PBMT are reserved. */
            if (pte & (PTE_A | PTE_D | PTE_U | PTE_PBMT)) {
                return WALK_PAGE_FAULT;
            }
            table = ppn << PAGE_BITS;
            continue;
        }
        /* Leaf. */
        uint64_t super_mask = (1ull << (level * VPN_BITS)) - 1;
        if (ppn & super_mask) {
            return WALK_PAGE_FAULT;   /* misaligned superpage */
        }
        uint64_t vpn_low = (vaddr >> PAGE_BITS) & super_mask;
        out->paddr = ((ppn | vpn_low) << PAGE_BITS) | (vaddr & (PAGE_SIZE - 1));
        out->lg_page = PAGE_BITS;
        out->global = global;
        if (debug) {
            out->prot = RISCV_PROT_READ | RISCV_PROT_WRITE | RISCV_PROT_EXEC;
            return WALK_OK;
        }
        int prot = leaf_prot(cpu, pte, priv, sum);
        if (!(prot & access_prot_bit(access))) {
            return WALK_PAGE_FAULT;
        }
        uint64_t want = pte | PTE_A | (access == MMU_ACCESS_STORE ? PTE_D : 0);
        if (want != pte) {
            uint64_t expected = GUINT64_TO_LE(pte);
            if (!__atomic_compare_exchange_n(ptep, &expected, GUINT64_TO_LE(want), false,
                                             __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
                return WALK_RETRY;
            }
            pte = want;
        }
        if (!(pte & PTE_D)) {
            /* Not dirty yet: a later store must come back here to set D. */
            prot &= ~RISCV_PROT_WRITE;
        }
        out->prot = prot;
        return WALK_OK;
    }
    return WALK_PAGE_FAULT;
}

/* Restrict @out->prot by PMP over the page (or shrink lg_page). */
static void apply_pmp_prot(RISCVCPU *cpu, RISCVTranslation *out, int priv)
{
    if (!cpu->pmp || (priv == PRV_M && !cpu->env.pmp_any_locked)) {
        return;   /* PMP allows everything */
    }
    int lg = riscv_pmp_uniform_lg(cpu, out->paddr);
    uint64_t block = 1ull << lg;
    uint64_t base = out->paddr & ~(block - 1);
    if (lg < out->lg_page) {
        out->lg_page = lg;
    }
    if (!riscv_pmp_check(cpu, base, block, MMU_ACCESS_LOAD, priv)) {
        out->prot &= ~RISCV_PROT_READ;
    }
    if (!riscv_pmp_check(cpu, base, block, MMU_ACCESS_STORE, priv)) {
        out->prot &= ~RISCV_PROT_WRITE;
    }
    if (!riscv_pmp_check(cpu, base, block, MMU_ACCESS_FETCH, priv)) {
        out->prot &= ~RISCV_PROT_EXEC;
    }
}

bool riscv_cpu_translate(RISCVCPU *cpu, uint64_t vaddr, MMUAccessType access, int mmu_idx,
                         RISCVTranslation *out, uint64_t *cause)
{
    const CPURISCVState *env = &cpu->env;
    int mode = env->satp >> SATP_MODE_SHIFT;
    int priv = mmu_idx == MMUIDX_M ? PRV_M : mmu_idx == MMUIDX_U ? PRV_U : PRV_S;
    bool sum = mmu_idx == MMUIDX_S_SUM;
    int pmp_priv = priv;

    memset(out, 0, sizeof(*out));
    if (priv == PRV_M || mode == SATP_MODE_BARE) {
        out->paddr = vaddr;
        out->prot = RISCV_PROT_READ | RISCV_PROT_WRITE | RISCV_PROT_EXEC;
        out->lg_page = PAGE_BITS;
        out->global = true;
    } else {
        WalkResult r = WALK_RETRY;
        for (int tries = 0; r == WALK_RETRY && tries < MAX_WALK_RETRIES; tries++) {
            r = page_walk(cpu, vaddr, access, priv, sum, false, out);
        }
        if (r == WALK_RETRY) {
            r = WALK_PAGE_FAULT;    /* PTE keeps changing under us */
        }
        if (r == WALK_PAGE_FAULT) {
            *cause = page_fault_cause(access);
            return false;
        }
        if (r == WALK_ACCESS_FAULT) {
            *cause = access_fault_cause(access);
            return false;
        }
    }
    apply_pmp_prot(cpu, out, pmp_priv);
    if (!(out->prot & access_prot_bit(access))) {
        *cause = access_fault_cause(access);
        return false;
    }
    return true;
}

bool riscv_cpu_debug_translate(CPUState *cs, uint64_t vaddr, uint64_t *paddr)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    int mmu_idx = riscv_cpu_mmu_index(cpu, false);
    int mode = cpu->env.satp >> SATP_MODE_SHIFT;
    RISCVTranslation t;

    if (mmu_idx == MMUIDX_M || mode == SATP_MODE_BARE) {
        *paddr = vaddr;
        return true;
    }
    int priv = mmu_idx == MMUIDX_U ? PRV_U : PRV_S;
    if (page_walk(cpu, vaddr, MMU_ACCESS_LOAD, priv, mmu_idx == MMUIDX_S_SUM, true, &t) !=
        WALK_OK) {
        return false;
    }
    *paddr = t.paddr;
    return true;
}
