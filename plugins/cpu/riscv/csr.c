/* SPDX-License-Identifier: MIT */
/*
 * RISC-V control and status registers: access rules and the behaviour of
 * each CSR named in csr.def (privileged spec 1.12 chapter 3 and 4, Sstc,
 * Svpbmt, Zicntr).  WARL fields are legalised on write.
 */
#include <inttypes.h>
#include <string.h>

#include "kernel/log.h"
#include "plugins/cpu/riscv/cpu.h"

typedef bool (*CSRPredicate)(RISCVCPU *cpu, int csrno);
typedef RISCVCSRResult (*CSRRead)(RISCVCPU *cpu, int csrno, uint64_t *val);
typedef RISCVCSRResult (*CSRWrite)(RISCVCPU *cpu, int csrno, uint64_t val);

typedef struct CSRDesc {
    const char *name;
    int num;
    int count;
    int first_index;
    CSRPredicate pred;
    CSRRead read;
    CSRWrite write;
    bool dump;
} CSRDesc;

#define CSR_PRIV(csrno) (((csrno) >> 8) & 3)
#define CSR_READ_ONLY(csrno) ((((csrno) >> 10) & 3) == 3)

/* Writable bits. */
#define MEDELEG_MASK 0xb3ffull  /* all synchronous causes but ecall from M */
#define MIDELEG_MASK MIP_S_BITS
#define MIE_MASK MIP_ALL_BITS
#define MCOUNTINHIBIT_MASK 0xfffffffdu  /* bit 1 (time) is hard-wired zero */
#define TVEC_MODE_MASK 3ull
#define TVEC_MODE_VECTORED 1ull
#define SATP_PPN_MODE_LIMIT SATP_MODE_SV57

/* ---- predicates -------------------------------------------------------- */

static bool pred_any(RISCVCPU *cpu, int csrno)
{
    return true;
}

static bool pred_fp(RISCVCPU *cpu, int csrno)
{
    return riscv_has_ext(cpu, RISCV_EXT_F) &&
           ((cpu->env.mstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT) != FS_OFF;
}

static bool pred_smode(RISCVCPU *cpu, int csrno)
{
    return riscv_has_ext(cpu, RISCV_EXT_S);
}

static bool pred_umode(RISCVCPU *cpu, int csrno)
{
    return riscv_has_ext(cpu, RISCV_EXT_U);
}

static bool pred_pmp(RISCVCPU *cpu, int csrno)
{
    return cpu->pmp;
}

/* Zicntr gating by mcounteren (for S and U) and scounteren (for U). */
static bool counter_enabled(RISCVCPU *cpu, int bit)
{
    CPURISCVState *env = &cpu->env;
    if (env->priv < PRV_M && !(env->mcounteren & (1u << bit))) {
        return false;
    }
    if (env->priv < PRV_S && !(env->scounteren & (1u << bit))) {
        return false;
    }
    return true;
}

static bool pred_counter(RISCVCPU *cpu, int csrno)
{
    return counter_enabled(cpu, csrno - CSR_CYCLE);
}

/* Sstc: S-mode needs menvcfg.STCE and mcounteren.TM. */
static bool pred_sstc(RISCVCPU *cpu, int csrno)
{
    CPURISCVState *env = &cpu->env;
    if (!riscv_has_ext(cpu, RISCV_EXT_SSTC)) {
        return false;
    }
    if (env->priv == PRV_M) {
        return true;
    }
    return (env->menvcfg & ENVCFG_STCE) && (env->mcounteren & COUNTEREN_TM);
}

static bool pred_satp(RISCVCPU *cpu, int csrno)
{
    CPURISCVState *env = &cpu->env;
    return pred_smode(cpu, csrno) && !(env->priv == PRV_S && (env->mstatus & MSTATUS_TVM));
}

/* ---- helpers ------------------------------------------------------------ */

static void tlb_flush(RISCVCPU *cpu)
{
    if (cpu->tlb_flush) {
        cpu->tlb_flush(cpu);
    }
}

static void mark_fs_dirty(CPURISCVState *env)
{
    env->mstatus |= (uint64_t)FS_DIRTY << MSTATUS_FS_SHIFT;
}

uint64_t riscv_mstatus_read(const CPURISCVState *env)
{
    uint64_t s = env->mstatus & ~MSTATUS_SD;
    if ((s & MSTATUS_FS) == MSTATUS_FS || (s & MSTATUS_XS) == MSTATUS_XS ||
        (s & MSTATUS_VS) == MSTATUS_VS) {
        s |= MSTATUS_SD;
    }
    return s;
}

/* ---- floating point ------------------------------------------------------ */

static RISCVCSRResult read_fflags(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.fflags;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_fflags(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.fflags = val & FFLAGS_MASK;
    mark_fs_dirty(&cpu->env);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_frm(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.frm;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_frm(RISCVCPU *cpu, int csrno, uint64_t val)
{
    /* frm is WARL-free: invalid modes are stored and fault when used. */
    cpu->env.frm = val & 7;
    mark_fs_dirty(&cpu->env);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_fcsr(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = (cpu->env.frm << 5) | cpu->env.fflags;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_fcsr(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.fflags = val & FFLAGS_MASK;
    cpu->env.frm = (val >> 5) & 7;
    mark_fs_dirty(&cpu->env);
    return RISCV_CSR_OK;
}

/* ---- counters ------------------------------------------------------------ */

/* Cycle and instret both count one per virtual nanosecond (no icount). */
static uint64_t counter_now(void)
{
    return (uint64_t)clock_get_ns(CLOCK_VIRTUAL);
}

static uint64_t counter_value(RISCVCPU *cpu, uint64_t base, int inhibit_bit)
{
    if (cpu->env.mcountinhibit & (1u << inhibit_bit)) {
        return base;
    }
    return base + counter_now();
}

static uint64_t counter_base_for(RISCVCPU *cpu, uint64_t val, int inhibit_bit)
{
    if (cpu->env.mcountinhibit & (1u << inhibit_bit)) {
        return val;
    }
    return val - counter_now();
}

static RISCVCSRResult read_zero(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = 0;
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_cycle(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = counter_value(cpu, cpu->env.mcycle_base, 0);
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_mcycle(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.mcycle_base = counter_base_for(cpu, val, 0);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_instret(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = counter_value(cpu, cpu->env.minstret_base, 2);
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_minstret(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.minstret_base = counter_base_for(cpu, val, 2);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_time(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = riscv_cpu_get_time(cpu);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_mcountinhibit(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.mcountinhibit;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_mcountinhibit(RISCVCPU *cpu, int csrno, uint64_t val)
{
    /* Freeze or resume the counters at their current values. */
    uint64_t cycle = counter_value(cpu, cpu->env.mcycle_base, 0);
    uint64_t instret = counter_value(cpu, cpu->env.minstret_base, 2);
    cpu->env.mcountinhibit = val & MCOUNTINHIBIT_MASK;
    cpu->env.mcycle_base = counter_base_for(cpu, cycle, 0);
    cpu->env.minstret_base = counter_base_for(cpu, instret, 2);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_mcounteren(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.mcounteren;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_mcounteren(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.mcounteren = (uint32_t)val;
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_scounteren(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.scounteren;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_scounteren(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.scounteren = (uint32_t)val;
    return RISCV_CSR_OK;
}

/* ---- status, interrupts, traps ------------------------------------------- */

static RISCVCSRResult read_mstatus(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = riscv_mstatus_read(&cpu->env);
    return RISCV_CSR_OK;
}

static void mstatus_store(RISCVCPU *cpu, uint64_t val, uint64_t mask)
{
    CPURISCVState *env = &cpu->env;
    uint64_t old = env->mstatus;
    if (!riscv_has_ext(cpu, RISCV_EXT_F)) {
        mask &= ~MSTATUS_FS;
    }
    if (!riscv_has_ext(cpu, RISCV_EXT_S)) {
        mask &= ~(MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR |
                  MSTATUS_TVM | MSTATUS_TSR);
    }
    uint64_t s = (old & ~mask) | (val & mask);
    /* MPP is WARL over implemented modes: keep the old value for 2. */
    uint64_t mpp = (s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    if (mpp == 2 || (mpp == PRV_S && !riscv_has_ext(cpu, RISCV_EXT_S))) {
        s = (s & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    }
    s = (s & ~(MSTATUS_UXL | MSTATUS_SXL)) | (XLEN_64 << MSTATUS_UXL_SHIFT);
    if (riscv_has_ext(cpu, RISCV_EXT_S)) {
        s |= XLEN_64 << MSTATUS_SXL_SHIFT;
    }
    env->mstatus = s & ~MSTATUS_SD;
    /* SUM and MPRV/MPP select the MMU index; MXR is not part of it. */
    if ((old ^ env->mstatus) & MSTATUS_MXR) {
        tlb_flush(cpu);
    }
    riscv_cpu_update_interrupts(cpu);
}

static RISCVCSRResult write_mstatus(RISCVCPU *cpu, int csrno, uint64_t val)
{
    uint64_t mask = MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP |
                    MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR |
                    MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR;
    mstatus_store(cpu, val, mask);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_sstatus(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = riscv_mstatus_read(&cpu->env) & SSTATUS_MASK;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_sstatus(RISCVCPU *cpu, int csrno, uint64_t val)
{
    uint64_t mask = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM |
                    MSTATUS_MXR;
    mstatus_store(cpu, val, mask);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_misa(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.misa;
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_medeleg(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.medeleg;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_medeleg(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.medeleg = val & MEDELEG_MASK;
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_mideleg(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.mideleg;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_mideleg(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.mideleg = val & MIDELEG_MASK;
    riscv_cpu_update_interrupts(cpu);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_mie(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.mie;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_mie(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.mie = val & MIE_MASK;
    riscv_cpu_update_interrupts(cpu);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_sie(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.mie & cpu->env.mideleg;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_sie(RISCVCPU *cpu, int csrno, uint64_t val)
{
    uint64_t mask = cpu->env.mideleg & MIP_S_BITS;
    cpu->env.mie = (cpu->env.mie & ~mask) | (val & mask);
    riscv_cpu_update_interrupts(cpu);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_mip(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = riscv_cpu_read_mip(cpu);
    return RISCV_CSR_OK;
}

/* Software may write SSIP, SEIP (its own bit) and, without Sstc driving
 * it, STIP; the machine-level bits follow the CLINT/PLIC lines. */
static uint64_t mip_writable(RISCVCPU *cpu)
{
    uint64_t mask = MIP_SSIP | MIP_SEIP | MIP_STIP;
    if (cpu->env.menvcfg & ENVCFG_STCE) {
        mask &= ~MIP_STIP;
    }
    return mask;
}

static RISCVCSRResult write_mip(RISCVCPU *cpu, int csrno, uint64_t val)
{
    uint64_t mask = mip_writable(cpu);
    uint64_t old = __atomic_load_n(&cpu->env.mip, __ATOMIC_SEQ_CST);
    __atomic_store_n(&cpu->env.mip, (old & ~mask) | (val & mask), __ATOMIC_SEQ_CST);
    riscv_cpu_update_interrupts(cpu);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_sip(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = riscv_cpu_read_mip(cpu) & cpu->env.mideleg & MIP_S_BITS;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_sip(RISCVCPU *cpu, int csrno, uint64_t val)
{
    /* Only SSIP is writable through sip, and only when delegated. */
    uint64_t mask = cpu->env.mideleg & MIP_SSIP;
    uint64_t old = __atomic_load_n(&cpu->env.mip, __ATOMIC_SEQ_CST);
    __atomic_store_n(&cpu->env.mip, (old & ~mask) | (val & mask), __ATOMIC_SEQ_CST);
    riscv_cpu_update_interrupts(cpu);
    return RISCV_CSR_OK;
}

static uint64_t legal_tvec(uint64_t old, uint64_t val)
{
    if ((val & TVEC_MODE_MASK) > TVEC_MODE_VECTORED) {
        return old;   /* reserved mode: the write is ignored */
    }
    return val;
}

static RISCVCSRResult read_mtvec(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.mtvec;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_mtvec(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.mtvec = legal_tvec(cpu->env.mtvec, val);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_stvec(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.stvec;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_stvec(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.stvec = legal_tvec(cpu->env.stvec, val);
    return RISCV_CSR_OK;
}

/* xepc: bit 0 is zero; bit 1 reads as zero when IALIGN is 32. */
static uint64_t epc_read_mask(RISCVCPU *cpu)
{
    return riscv_has_ext(cpu, RISCV_EXT_C) ? ~1ull : ~3ull;
}

#define SIMPLE_CSR(fn, field, rmask, wmask)                                         \
    static RISCVCSRResult read_##fn(RISCVCPU *cpu, int csrno, uint64_t *val)        \
    {                                                                               \
        *val = cpu->env.field & (rmask);                                            \
        return RISCV_CSR_OK;                                                        \
    }                                                                               \
    static RISCVCSRResult write_##fn(RISCVCPU *cpu, int csrno, uint64_t val)        \
    {                                                                               \
        cpu->env.field = val & (wmask);                                             \
        return RISCV_CSR_OK;                                                        \
    }

SIMPLE_CSR(mscratch, mscratch, ~0ull, ~0ull)
SIMPLE_CSR(mepc, mepc, epc_read_mask(cpu), ~1ull)
SIMPLE_CSR(mcause, mcause, ~0ull, ~0ull)
SIMPLE_CSR(mtval, mtval, ~0ull, ~0ull)
SIMPLE_CSR(sscratch, sscratch, ~0ull, ~0ull)
SIMPLE_CSR(sepc, sepc, epc_read_mask(cpu), ~1ull)
SIMPLE_CSR(scause, scause, ~0ull, ~0ull)
SIMPLE_CSR(stval, stval, ~0ull, ~0ull)

static RISCVCSRResult read_mhartid(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->hartid;
    return RISCV_CSR_OK;
}

/* ---- envcfg, Sstc, satp ----------------------------------------------------- */

static RISCVCSRResult read_menvcfg(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.menvcfg;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_menvcfg(RISCVCPU *cpu, int csrno, uint64_t val)
{
    uint64_t mask = ENVCFG_FIOM;
    if (riscv_has_ext(cpu, RISCV_EXT_SSTC)) {
        mask |= ENVCFG_STCE;
    }
    if (riscv_has_ext(cpu, RISCV_EXT_SVPBMT)) {
        mask |= ENVCFG_PBMTE;
    }
    uint64_t old = cpu->env.menvcfg;
    cpu->env.menvcfg = val & mask;
    if ((old ^ cpu->env.menvcfg) & ENVCFG_PBMTE) {
        tlb_flush(cpu);
    }
    riscv_cpu_update_stimecmp(cpu);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_senvcfg(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.senvcfg;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_senvcfg(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.senvcfg = val & ENVCFG_FIOM;
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_stimecmp(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.stimecmp;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_stimecmp(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->env.stimecmp = val;
    riscv_cpu_update_stimecmp(cpu);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_satp(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.satp;
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_satp(RISCVCPU *cpu, int csrno, uint64_t val)
{
    int mode = val >> SATP_MODE_SHIFT;
    bool supported = mode == SATP_MODE_BARE ||
                     (mode >= SATP_MODE_SV39 && mode <= cpu->max_satp_mode);
    if (!supported) {
        return RISCV_CSR_OK;   /* unsupported MODE: the whole write is ignored */
    }
    uint64_t mask = (0xfull << SATP_MODE_SHIFT) | (SATP_ASID_MASK << SATP_ASID_SHIFT) |
                    SATP_PPN_MASK;
    if (mode == SATP_MODE_BARE) {
        val = 0;   /* Bare: ASID and PPN must be zero */
    }
    cpu->env.satp = val & mask;
    /* Translations are cached per satp value (mode, ASID and root): no
     * flush, software fences what it changed (sfence.vma). */
    if (cpu->satp_changed) {
        cpu->satp_changed(cpu);
    }
    return RISCV_CSR_OK;
}

/* ---- PMP ------------------------------------------------------------------- */

static RISCVCSRResult read_pmpcfg(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = riscv_pmp_read_cfg(cpu, csrno - CSR_PMPCFG0);
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_pmpcfg(RISCVCPU *cpu, int csrno, uint64_t val)
{
    riscv_pmp_write_cfg(cpu, csrno - CSR_PMPCFG0, val);
    tlb_flush(cpu);
    return RISCV_CSR_OK;
}

static RISCVCSRResult read_pmpaddr(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->env.pmpaddr[csrno - CSR_PMPADDR0];
    return RISCV_CSR_OK;
}

static RISCVCSRResult write_pmpaddr(RISCVCPU *cpu, int csrno, uint64_t val)
{
    riscv_pmp_write_addr(cpu, csrno - CSR_PMPADDR0, val);
    tlb_flush(cpu);
    return RISCV_CSR_OK;
}

/* ---- the table -------------------------------------------------------------- */

static const CSRDesc csr_table[] = {
#define RISCV_CSR(id, nm, number, cnt, first, pr, rd, wr, dmp)                      \
    { .name = (nm), .num = (number), .count = (cnt), .first_index = (first),          \
      .pred = (pr), .read = (rd), .write = (wr), .dump = (dmp) },
#include "plugins/cpu/riscv/csr.def"
#undef RISCV_CSR
};

static const CSRDesc *csr_find(int csrno)
{
    for (size_t i = 0; i < G_N_ELEMENTS(csr_table); i++) {
        const CSRDesc *d = &csr_table[i];
        if (csrno >= d->num && csrno < d->num + d->count) {
            return d;
        }
    }
    return NULL;
}

RISCVCSRResult riscv_csr_access(RISCVCPU *cpu, int csrno, uint64_t *old, uint64_t new_val,
                                uint64_t write_mask, bool is_write)
{
    const CSRDesc *d = csr_find(csrno);
    const char *why = !d ? NULL
                    : cpu->env.priv < CSR_PRIV(csrno) ? "needs a higher privilege level"
                    : is_write && CSR_READ_ONLY(csrno) ? "is read-only"
                    : !d->pred(cpu, csrno) ? "is not accessible now (extension off or"
                                             " counter disabled)"
                    : "";
    if (!d) {
        log_mask(LOG_UNIMP, "riscv: %s of CSR 0x%03x at pc 0x%016" PRIx64 ": not implemented"
                 " (illegal instruction)\n", is_write ? "write" : "read", csrno, cpu->env.pc);
        return RISCV_CSR_ILLEGAL;
    }
    if (*why) {
        log_mask(LOG_GUEST_ERROR, "riscv: illegal %s of CSR %s (0x%03x) at pc 0x%016" PRIx64
                 " in %c-mode: it %s\n", is_write ? "write" : "read", d->name, csrno,
                 cpu->env.pc, "US?M"[cpu->env.priv & 3], why);
        return RISCV_CSR_ILLEGAL;
    }
    uint64_t val = 0;
    RISCVCSRResult r = d->read(cpu, csrno, &val);
    if (r != RISCV_CSR_OK) {
        return r;
    }
    if (is_write) {
        uint64_t cur = val;
        if (csrno == CSR_MIP || csrno == CSR_SIP) {
            /* Read-modify-write of mip uses the software SEIP bit only. */
            cur = (cur & ~MIP_SEIP) | (cpu->env.mip & MIP_SEIP);
        }
        uint64_t nv = (cur & ~write_mask) | (new_val & write_mask);
        if (d->write) {
            r = d->write(cpu, csrno, nv);
            if (r != RISCV_CSR_OK) {
                return r;
            }
        }
    }
    if (old) {
        *old = val;
    }
    return RISCV_CSR_OK;
}

static void csr_format_name(const CSRDesc *d, int csrno, char *buf, size_t size)
{
    if (d->count > 1) {
        snprintf(buf, size, "%s%d", d->name, d->first_index + (csrno - d->num));
    } else {
        snprintf(buf, size, "%s", d->name);
    }
}

const char *riscv_csr_name(int csrno)
{
    const CSRDesc *d = csr_find(csrno);
    /* Ranged names are built on the fly, so only single CSRs have a
     * static name; ranges report their base name. */
    return d ? d->name : NULL;
}

void riscv_csr_dump(RISCVCPU *cpu, GString *out)
{
    int col = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(csr_table); i++) {
        const CSRDesc *d = &csr_table[i];
        if (!d->dump || !d->pred(cpu, d->num)) {
            continue;
        }
        for (int n = d->num; n < d->num + d->count; n++) {
            char name[24];
            uint64_t val = 0;
            csr_format_name(d, n, name, sizeof(name));
            d->read(cpu, n, &val);
            g_string_append_printf(out, " %-12s %016" G_GINT64_MODIFIER "x%s", name, val,
                                   (++col % 3) == 0 ? "\n" : "");
        }
    }
    if (col % 3) {
        g_string_append_c(out, '\n');
    }
}

/* ---- debugger access --------------------------------------------------------- */

/* Does the hart have CSR @d at all?  Predicates also say whether it is
 * accessible now; evaluate them as in M-mode with the FPU on, which is
 * what a debugger sees. */
static bool csr_exists(RISCVCPU *cpu, const CSRDesc *d, int csrno)
{
    CPURISCVState *env = &cpu->env;
    int priv = env->priv;
    uint64_t mstatus = env->mstatus;
    env->priv = PRV_M;
    env->mstatus |= MSTATUS_FS;
    bool ok = d->pred(cpu, csrno);
    env->priv = priv;
    env->mstatus = mstatus;
    return ok;
}

void riscv_csr_gdb_xml(RISCVCPU *cpu, GString *out, int first_regnum)
{
    for (size_t i = 0; i < G_N_ELEMENTS(csr_table); i++) {
        const CSRDesc *d = &csr_table[i];
        if (!csr_exists(cpu, d, d->num)) {
            continue;
        }
        for (int n = d->num; n < d->num + d->count; n++) {
            char name[24];
            csr_format_name(d, n, name, sizeof(name));
            g_string_append_printf(out, "  <reg name=\"%s\" bitsize=\"64\" regnum=\"%d\""
                                   " group=\"csr\"/>\n", name, first_regnum + n);
        }
    }
}

RISCVCSRResult riscv_csr_debug_access(RISCVCPU *cpu, int csrno, uint64_t *val, bool is_write)
{
    const CSRDesc *d = csr_find(csrno);
    /* The debugger sees every CSR the hart has, whatever its privilege. */
    if (!d || !csr_exists(cpu, d, csrno)) {
        return RISCV_CSR_ILLEGAL;
    }
    if (!is_write) {
        return d->read(cpu, csrno, val);
    }
    if (CSR_READ_ONLY(csrno) || !d->write) {
        return RISCV_CSR_ILLEGAL;
    }
    return d->write(cpu, csrno, *val);
}
