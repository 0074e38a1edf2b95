/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 side of the tcg engine contract (tcg/tcg-cpu.h): the
 * TcgCpuOps hooks and the helpers translated code calls.  The engine's
 * services are reached only through the TcgEngineOps handed to attach().
 */
#include <sched.h>
#include <string.h>

#include "kernel/log.h"
#include "plugins/cpu/arm/fpu.h"
#include "plugins/cpu/arm/translate.h"

#define GX(i) { .name = "x" #i, .offset = offsetof(CPUARMState, xregs[i]), .type = IR_I64 }
#define GE(n, f) { .name = n, .offset = offsetof(CPUARMState, f), .type = IR_I64 }

const TcgGlobalDesc arm_tcg_globals[ARM_NUM_GLOBALS] = {
    GX(0), GX(1), GX(2), GX(3), GX(4), GX(5), GX(6), GX(7), GX(8), GX(9), GX(10), GX(11),
    GX(12), GX(13), GX(14), GX(15), GX(16), GX(17), GX(18), GX(19), GX(20), GX(21), GX(22),
    GX(23), GX(24), GX(25), GX(26), GX(27), GX(28), GX(29), GX(30),
    [ARM_GLOBAL_SP] = GE("sp", xregs[31]),
    [ARM_GLOBAL_PC] = GE("pc", pc),
    [ARM_GLOBAL_NF] = GE("nf", nf),
    [ARM_GLOBAL_ZF] = GE("zf", zf),
    [ARM_GLOBAL_CF] = GE("cf", cf),
    [ARM_GLOBAL_VF] = GE("vf", vf),
};

/* ---- raising ------------------------------------------------------------------ */

static G_GNUC_NORETURN void raise_sync(ARMCPU *cpu, uint64_t syndrome, unsigned target_el,
                                       uintptr_t ra)
{
    CPUARMState *env = &cpu->env;
    /* HCR_EL2.TGE: what EL0 would take to EL1 goes to EL2. */
    if (target_el == 1 && env->el == 0 && cpu->has_el2 && (env->hcr_el2 & HCR_TGE)) {
        target_el = 2;
    }
    env->excp_kind = EXCP_KIND_SYNC;
    env->excp_target_el = target_el;
    env->excp_syndrome = syndrome;
    cpu->engine->raise_exception(arm_cs(cpu), ra);
}

void arm_raise_sync(ARMCPU *cpu, uint64_t syndrome, unsigned target_el, uintptr_t ra)
{
    raise_sync(cpu, syndrome, target_el, ra);
}

/* Instruction or data abort for @f: stage-1 faults go to EL1 (or EL2 from
 * EL2 or with TGE), stage-2 faults to EL2 with the IPA in HPFAR_EL2. */
static G_GNUC_NORETURN void raise_abort(ARMCPU *cpu, uint64_t vaddr, TcgAccessType access,
                                        const ARMFault *f, uintptr_t ra)
{
    CPUARMState *env = &cpu->env;
    unsigned target = f->stage2 ? 2 : arm_sync_target_el(cpu);
    if (target == 1 && env->el == 0 && cpu->has_el2 && (env->hcr_el2 & HCR_TGE)) {
        target = 2;
    }
    bool lower = target > env->el;
    unsigned ec;
    uint32_t iss = f->fsc & 0x3f;
    if (access == TCG_ACCESS_FETCH) {
        ec = lower ? EC_IABORT_LOWER : EC_IABORT_SAME;
    } else {
        ec = lower ? EC_DABORT_LOWER : EC_DABORT_SAME;
        if (access == TCG_ACCESS_WRITE) {
            iss |= 1u << 6;    /* WnR (of the access, also on an S1PTW fault) */
        }
    }
    if (f->s1ptw) {
        iss |= 1u << 7;
    }
    if (f->stage2) {
        env->hpfar_el2 = (f->ipa >> 12) << 4;
        env->excp_want_isv = access != TCG_ACCESS_FETCH && !f->s1ptw;
    }
    env->excp_vaddr = vaddr;
    env->excp_has_far = true;
    raise_sync(cpu, arm_syndrome(ec, iss), target, ra);
}

/* ---- hooks ------------------------------------------------------------------------ */

static void arm_tcg_attach(CPUState *cs, const TcgEngineOps *engine)
{
    g_assert(engine->abi_version == TCG_CPU_ABI_VERSION);
    ARM_CPU(cs)->engine = engine;
}

static void arm_tcg_get_tb_cpu_state(CPUState *cs, uint64_t *pc, uint64_t *flags)
{
    ARMCPU *cpu = arm_cs_cpu(cs);
    CPUARMState *env = &cpu->env;
    uint64_t f = env->el & TB_FLAG_EL_MASK;
    f |= (uint64_t)arm_mmu_index(cpu, false) << TB_FLAG_MMUIDX_SHIFT;
    if (env->pstate & PSTATE_IL) {
        f |= TB_FLAG_IL;
    }
    if (arm_sctlr(cpu, env->el) & SCTLR_A) {
        f |= TB_FLAG_ALIGN;
    }
    f |= (uint64_t)arm_fp_trap_el(cpu) << TB_FLAG_FPTRAP_SHIFT;
    f |= (uint64_t)((env->pstate & PSTATE_BTYPE) >> PSTATE_BTYPE_SHIFT) << TB_FLAG_BTYPE_SHIFT;
    /* SCTLR_EL1.BT0 (bit 35) for EL0, BT1 / SCTLR_EL2.BT (bit 36). */
    if ((arm_sctlr(cpu, env->el) >> (env->el == 0 ? 35 : 36)) & 1) {
        f |= TB_FLAG_BT;
    }
    if (env->pstate & PSTATE_UAO) {
        f |= TB_FLAG_UAO;
    }
    if (arm_e2h(cpu)) {
        f |= TB_FLAG_E2H;
    }
    f |= arm_debug_tb_flags(cpu);
    *pc = env->pc;
    *flags = f;
}

static ARMAccessType access_from_tcg(TcgAccessType t)
{
    switch (t) {
    case TCG_ACCESS_WRITE:
        return ARM_ACCESS_STORE;
    case TCG_ACCESS_FETCH:
        return ARM_ACCESS_FETCH;
    default:
        return ARM_ACCESS_LOAD;
    }
}

static bool arm_tcg_tlb_fill(CPUState *cs, uint64_t vaddr, unsigned size,
                             TcgAccessType access_type, int mmu_idx, bool probe, uintptr_t ra,
                             TcgTlbFillResult *out)
{
    ARMCPU *cpu = arm_cs_cpu(cs);
    ARMTranslation t;
    ARMFault f;
    if (!arm_mmu_translate(cpu, vaddr, access_from_tcg(access_type), mmu_idx, &t, &f)) {
        if (probe) {
            return false;
        }
        log_mask(LOG_MMU, "arm: fault fsc 0x%x at 0x%" G_GINT64_MODIFIER "x (mmu_idx %d)\n",
                 f.fsc, vaddr, mmu_idx);
        raise_abort(cpu, vaddr, access_type, &f, ra);
    }
    out->paddr = t.paddr;
    out->prot = (t.prot & ARM_PROT_READ ? TCG_PROT_READ : 0) |
                (t.prot & ARM_PROT_WRITE ? TCG_PROT_WRITE : 0) |
                (t.prot & ARM_PROT_EXEC ? TCG_PROT_EXEC : 0);
    out->page_size = 1ull << t.lg_page;
    out->global = t.global;
    return true;
}

static void arm_tcg_do_unaligned_access(CPUState *cs, uint64_t vaddr, TcgAccessType access_type,
                                        int mmu_idx, uintptr_t ra)
{
    ARMCPU *cpu = arm_cs_cpu(cs);
    if (access_type == TCG_ACCESS_FETCH) {
        cpu->env.excp_vaddr = vaddr;
        cpu->env.excp_has_far = true;
        raise_sync(cpu, arm_syndrome(EC_PC_ALIGN, 0), arm_sync_target_el(cpu), ra);
    }
    ARMFault f = { .fsc = FSC_ALIGNMENT };
    raise_abort(cpu, vaddr, access_type, &f, ra);
}

/* A bus error (nothing at the address, or a device refused): synchronous
 * external abort, FSC 0x10, on the data or instruction side. */
static void arm_tcg_do_transaction_failed(CPUState *cs, uint64_t vaddr, uint64_t paddr,
                                          unsigned size, TcgAccessType access_type,
                                          int mmu_idx, MemTxResult result, uintptr_t ra)
{
    ARMFault f = { .fsc = 0x10 };
    raise_abort(arm_cs_cpu(cs), vaddr, access_type, &f, ra);
}

static void arm_tcg_do_interrupt(CPUState *cs)
{
    arm_cpu_do_exception(arm_cs_cpu(cs));
}

static bool arm_tcg_exec_interrupt(CPUState *cs, uint64_t interrupt_request)
{
    ARMCPU *cpu = arm_cs_cpu(cs);
    int kind = arm_cpu_pending_interrupt(cpu);
    if (kind >= 0) {
        cs->halted = false;
        arm_cpu_take_interrupt(cpu, kind);
        return true;
    }
    arm_cpu_update_interrupts(cpu);
    return false;
}

static void arm_tcg_restore_state_to_opc(CPUState *cs, const uint64_t *data)
{
    arm_cs_cpu(cs)->env.pc = data[0];
}

static int arm_tcg_mmu_index(CPUState *cs, bool ifetch)
{
    return arm_mmu_index(arm_cs_cpu(cs), ifetch);
}

/* TcgCpuOps.code_key: what translation reads from the CPU besides the
 * flags (ID registers, features), hashed (FNV-1a). */
static uint64_t arm_tcg_code_key(CPUState *cs)
{
    const ARMCPU *cpu = arm_cs_cpu(cs);
    const bool features[] = { cpu->has_el2, cpu->pauth, cpu->pauth_impdef, cpu->bti,
                              cpu->vhe, cpu->uao, cpu->rng, cpu->fp16 };
    uint64_t h = 0xcbf29ce484222325ull;
    const uint8_t *parts[] = { (const uint8_t *)&cpu->id, (const uint8_t *)features };
    const size_t sizes[] = { sizeof(cpu->id), sizeof(features) };
    for (unsigned p = 0; p < G_N_ELEMENTS(parts); p++) {
        for (size_t i = 0; i < sizes[p]; i++) {
            h = (h ^ parts[p][i]) * 0x100000001b3ull;
        }
    }
    return h;
}

static const TcgCpuOps arm_tcg_cpu_ops = {
    .abi_version = TCG_CPU_ABI_VERSION,
    .env_offset = offsetof(ARMCPU, env),
    .env_size = sizeof(CPUARMState),
    .globals = arm_tcg_globals,
    .num_globals = ARM_NUM_GLOBALS,
    .nb_mmu_modes = ARM_NB_MMU_MODES,
    .insn_start_words = 1,
    .attach = arm_tcg_attach,
    .get_tb_cpu_state = arm_tcg_get_tb_cpu_state,
    .translate = arm_translate,
    .tlb_fill = arm_tcg_tlb_fill,
    .do_unaligned_access = arm_tcg_do_unaligned_access,
    .do_interrupt = arm_tcg_do_interrupt,
    .exec_interrupt = arm_tcg_exec_interrupt,
    .restore_state_to_opc = arm_tcg_restore_state_to_opc,
    .disas = arm_disas_insn,
    .mmu_index = arm_tcg_mmu_index,
    .do_transaction_failed = arm_tcg_do_transaction_failed,
    .code_key = arm_tcg_code_key,
};

const CPUAccelOps arm_accel_ops[] = {
    { .accel = "tcg", .ops = &arm_tcg_cpu_ops },
    { NULL },
};

/* ---- helpers called from translated code ---------------------------------------------- */

void arm_helper_exception(CPUARMState *env, uint64_t syndrome)
{
    ARMCPU *cpu = arm_env_cpu(env);
    raise_sync(cpu, syndrome, arm_sync_target_el(cpu), TCG_GETPC());
}

/* SVC/HVC/SMC: the translator already set pc to the next instruction (the
 * preferred return address), so nothing is restored. */
void arm_helper_exception_next(CPUARMState *env, uint64_t syndrome, uint64_t target_el)
{
    raise_sync(arm_env_cpu(env), syndrome, (unsigned)target_el, 0);
}

void arm_helper_hvc(CPUARMState *env, uint64_t imm)
{
    ARMCPU *cpu = arm_env_cpu(env);
    if (arm_psci_call(cpu, false)) {
        if (cpu->powered_off) {
            cpu->engine->loop_exit(arm_cs(cpu), 0);
        }
        return;
    }
    if (!cpu->has_el2) {
        /* pc was advanced: point back at the HVC for the UNDEFINED. */
        env->pc -= 4;
        raise_sync(cpu, arm_syndrome(EC_UNCATEGORIZED, 0), arm_sync_target_el(cpu), 0);
    }
    raise_sync(cpu, arm_syndrome(EC_HVC64, (uint32_t)imm), 2, 0);
}

void arm_helper_smc(CPUARMState *env, uint64_t imm)
{
    ARMCPU *cpu = arm_env_cpu(env);
    /* HCR_EL2.TSC (bit 19) traps SMC from EL1 to EL2 (preferred return:
     * the SMC itself). */
    if (cpu->has_el2 && env->el == 1 && (env->hcr_el2 & (1ull << 19))) {
        env->pc -= 4;
        raise_sync(cpu, arm_syndrome(EC_SMC64, (uint32_t)imm), 2, 0);
    }
    if (arm_psci_call(cpu, true)) {
        if (cpu->powered_off) {
            cpu->engine->loop_exit(arm_cs(cpu), 0);
        }
        return;
    }
    /* No EL3: SMC is UNDEFINED. */
    env->pc -= 4;
    raise_sync(cpu, arm_syndrome(EC_UNCATEGORIZED, 0), arm_sync_target_el(cpu), 0);
}

/* Refused system-register access: UNDEFINED, or the EC 0x18 trap with
 * @syndrome for the configurable traps (CNTKCTL, SCTLR.UCT/DZE...). */
static void check_sysreg(ARMCPU *cpu, const ARMSysregInfo *ri, bool is_write,
                         uint64_t syndrome, uintptr_t ra)
{
    switch (arm_sysreg_accessible(cpu, ri, is_write)) {
    case ARM_SR_OK:
        return;
    case ARM_SR_TRAP:
        raise_sync(cpu, syndrome, arm_sync_target_el(cpu), ra);
    case ARM_SR_TRAP_EL2:
        raise_sync(cpu, syndrome, 2, ra);
    default:
        raise_sync(cpu, arm_syndrome(EC_UNCATEGORIZED, 0), arm_sync_target_el(cpu), ra);
    }
}

uint64_t arm_helper_mrs(CPUARMState *env, uint64_t index, uint64_t syndrome)
{
    ARMCPU *cpu = arm_env_cpu(env);
    size_t n;
    const ARMSysregInfo *ri = &arm_sysreg_table(&n)[index];
    check_sysreg(cpu, ri, false, syndrome, TCG_GETPC());
    return arm_sysreg_read(cpu, ri);
}

void arm_helper_msr(CPUARMState *env, uint64_t index, uint64_t value, uint64_t syndrome)
{
    ARMCPU *cpu = arm_env_cpu(env);
    size_t n;
    const ARMSysregInfo *ri = &arm_sysreg_table(&n)[index];
    uintptr_t ra = TCG_GETPC();
    check_sysreg(cpu, ri, true, syndrome, ra);
    cpu->sysreg_ra = ra;
    arm_sysreg_write(cpu, ri, value);
    cpu->sysreg_ra = 0;
}

void arm_helper_msr_i(CPUARMState *env, uint64_t field, uint64_t imm, uint64_t syndrome)
{
    ARMCPU *cpu = arm_env_cpu(env);
    switch (field) {
    case ARM_MSRI_SPSEL:
        arm_swap_sp(env, env->el, imm & 1);
        break;
    case ARM_MSRI_DAIFSET:
    case ARM_MSRI_DAIFCLR:
        /* EL0 only with SCTLR_EL1.UMA (bit 9). */
        if (env->el == 0 && !(arm_sctlr(cpu, 0) & (1ull << 9))) {
            raise_sync(cpu, syndrome, 1, TCG_GETPC());
        }
        if (field == ARM_MSRI_DAIFSET) {
            env->pstate |= (uint32_t)(imm & 0xf) << 6;
        } else {
            env->pstate &= ~((uint32_t)(imm & 0xf) << 6);
        }
        arm_cpu_update_interrupts(cpu);
        break;
    case ARM_MSRI_PAN:
        env->pstate = (env->pstate & ~PSTATE_PAN) | ((imm & 1) ? PSTATE_PAN : 0);
        break;
    case ARM_MSRI_UAO:
        env->pstate = (env->pstate & ~PSTATE_UAO) | ((imm & 1) ? PSTATE_UAO : 0);
        break;
    default:
        g_assert_not_reached();
    }
}

void arm_helper_eret(CPUARMState *env)
{
    ARMCPU *cpu = arm_env_cpu(env);
    arm_cpu_eret(cpu, env->elr_el[env->el]);
}

void arm_helper_wfi(CPUARMState *env, uint64_t syndrome)
{
    ARMCPU *cpu = arm_env_cpu(env);
    CPUState *cs = arm_cs(cpu);
    /* EL0 WFI traps to EL1 unless SCTLR_EL1.nTWI (preferred return: the
     * WFI; the translator set pc to the next instruction). */
    if (env->el == 0 && !(arm_sctlr(cpu, 0) & SCTLR_nTWI)) {
        env->pc -= 4;
        raise_sync(cpu, syndrome, 1, 0);
    }
    /* HCR_EL2.TWI traps EL0/EL1 WFI to EL2. */
    if (env->el < 2 && cpu->has_el2 && (env->hcr_el2 & HCR_TWI)) {
        env->pc -= 4;
        raise_sync(cpu, syndrome, 2, 0);
    }
    /* A WFI sleep ends on interrupts only, not on events (SEV). */
    cpu->wfe_sleeping = false;
    if (CPU_GET_CLASS(cs)->has_work(cs)) {
        return;
    }
    cs->halted = true;
    cpu->engine->loop_exit(cs, 0);
}

/*
 * WFE (D1.6): with the Event Register set, clear it and go on.  Otherwise
 * (after the traps, which apply only to a WFE that would sleep) sleep until
 * a wake-up event: SEV from any CPU (arm_helper_sev kicks us), an interrupt
 * (has_work), or the exclusive monitor being cleared by another CPU's store
 * to the watched bytes.  Those stores go straight to memory, so the sleep
 * is bounded (ARM_WFE_POLL_US, shorter than the 100 us of the timer event
 * stream Linux relies on) and WFE does not sleep at all when the watched
 * bytes already differ from what the load-exclusive saw.  Waking early is
 * always allowed; the point is that spinning CPUs (Linux's
 * smp_cond_load_acquire, qspinlock) no longer burn a host CPU that the lock
 * holder's thread may need.
 */
#define ARM_WFE_POLL_US 50

static bool wfe_monitor_changed(ARMCPU *cpu)
{
    CPUARMState *env = &cpu->env;
    CPUState *cs = arm_cs(cpu);
    uint64_t size = env->excl_size;
    if (env->excl_addr == UINT64_MAX) {
        return false;
    }
    if (!size || size > 16 || (env->excl_addr & (size - 1))) {
        return true;
    }
    const uint8_t *p = cpu->engine->probe_access(cs, env->excl_addr, (unsigned)size,
                                                 TCG_ACCESS_READ, arm_tcg_mmu_index(cs, false),
                                                 true, NULL, 0);
    if (!p) {
        return true;                /* MMIO or no mapping: don't wait on it */
    }
    uint64_t now[2] = { 0, 0 }, was[2] = { env->excl_val, env->excl_val2 };
    if (size == 16) {
        now[0] = __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
        now[1] = __atomic_load_n((const uint64_t *)p + 1, __ATOMIC_ACQUIRE);
    } else {
        switch (size) {
        case 1: now[0] = __atomic_load_n(p, __ATOMIC_ACQUIRE); break;
        case 2: now[0] = __atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE); break;
        case 4: now[0] = __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE); break;
        default: now[0] = __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE); break;
        }
        was[1] = 0;
        if (size < 8) {
            was[0] &= (1ull << (8 * size)) - 1;
        }
    }
    return now[0] != was[0] || now[1] != was[1];
}

void arm_helper_wfe(CPUARMState *env, uint64_t syndrome)
{
    ARMCPU *cpu = arm_env_cpu(env);
    CPUState *cs = arm_cs(cpu);
    CPUClass *cc = CPU_GET_CLASS(cs);
    /* Nothing to wait for: an event, a lost monitor, an interrupt. */
    if (__atomic_exchange_n(&cpu->event_reg, 0, __ATOMIC_ACQ_REL) ||
        wfe_monitor_changed(cpu) || cc->has_work(cs)) {
        return;
    }
    /* It would wait: the traps apply. */
    if (env->el == 0 && !(arm_sctlr(cpu, 0) & SCTLR_nTWE)) {
        env->pc -= 4;
        raise_sync(cpu, syndrome, 1, 0);
    }
    if (env->el < 2 && cpu->has_el2 && (env->hcr_el2 & HCR_TWE)) {
        env->pc -= 4;
        raise_sync(cpu, syndrome, 2, 0);
    }
    cpu->wfe_sleeping = true;
    /* An event (SEV) posted from here on makes has_work true. */
    if (cc->has_work(cs)) {
        cpu->wfe_sleeping = false;
        return;
    }
    cpu->engine->wait_timeout(cs, ARM_WFE_POLL_US);
}

/* SEVL: this CPU's Event Register. */
void arm_helper_sevl(CPUARMState *env)
{
    __atomic_store_n(&arm_env_cpu(env)->event_reg, 1, __ATOMIC_RELEASE);
}

/* YIELD: the host CPU to other threads first. */
void arm_helper_yield(void)
{
    sched_yield();
}

/* SEV: every CPU's Event Register; sleeping ones are woken. */
void arm_helper_sev(CPUARMState *env)
{
    MachineState *ms = machine_current();
    ARMCPU *self = arm_env_cpu(env);
    __atomic_store_n(&self->event_reg, 1, __ATOMIC_RELEASE);
    for (guint i = 0; ms && ms->cpus && i < ms->cpus->len; i++) {
        Object *obj = g_ptr_array_index(ms->cpus, i);
        ARMCPU *cpu = (ARMCPU *)object_dynamic_cast(obj, TYPE_ARM_CPU);
        if (cpu && cpu != self) {
            __atomic_store_n(&cpu->event_reg, 1, __ATOMIC_RELEASE);
            cpu_kick(CPU(cpu));
        }
    }
}

uint64_t arm_helper_rbit(uint64_t x)
{
    x = ((x >> 1) & 0x5555555555555555ull) | ((x & 0x5555555555555555ull) << 1);
    x = ((x >> 2) & 0x3333333333333333ull) | ((x & 0x3333333333333333ull) << 2);
    x = ((x >> 4) & 0x0f0f0f0f0f0f0f0full) | ((x & 0x0f0f0f0f0f0f0f0full) << 4);
    return __builtin_bswap64(x);
}

/* CRC-32 (0x04C11DB7) or CRC-32C (0x1EDC6F41), bit-reflected as A64
 * defines them: polynomials 0xEDB88320 / 0x82F63B78. */
uint64_t arm_helper_crc32(uint64_t acc, uint64_t val, uint64_t bytes, uint64_t castagnoli)
{
    uint32_t poly = castagnoli ? 0x82f63b78u : 0xedb88320u;
    uint32_t crc = (uint32_t)acc;
    for (uint64_t i = 0; i < bytes; i++) {
        crc ^= (uint8_t)(val >> (8 * i));
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (poly & (0u - (crc & 1)));
        }
    }
    return crc;
}

/* 16-byte compare-and-swap on guest RAM (CASP, STXP of two X registers).
 * Returns 0 on success, 1 on mismatch; the old value goes to env->excl_val/
 * excl_val2.  MMIO is refused with a data abort (external). */
static bool cas16(void *host, uint64_t *lo, uint64_t *hi, uint64_t nlo, uint64_t nhi)
{
    unsigned __int128 expected = ((unsigned __int128)*hi << 64) | *lo;
    unsigned __int128 desired = ((unsigned __int128)nhi << 64) | nlo;
    bool ok;
    __asm__ __volatile__("lock cmpxchg16b %1"
                         : "=@ccz"(ok), "+m"(*(volatile unsigned __int128 *)host),
                           "+a"(*lo), "+d"(*hi)
                         : "b"((uint64_t)desired), "c"((uint64_t)(desired >> 64))
                         : "memory");
    (void)expected;
    return ok;
}

uint64_t arm_helper_cas128(CPUARMState *env, uint64_t addr, uint64_t cmp_lo, uint64_t cmp_hi,
                           uint64_t new_lo, uint64_t new_hi)
{
    ARMCPU *cpu = arm_env_cpu(env);
    uintptr_t ra = TCG_GETPC();
    int mmu_idx = arm_mmu_index(cpu, false);
    if (addr & 15) {
        cpu->engine->probe_access(arm_cs(cpu), addr, 1, TCG_ACCESS_WRITE, mmu_idx, false, NULL, ra);
        arm_tcg_do_unaligned_access(arm_cs(cpu), addr, TCG_ACCESS_WRITE, mmu_idx, ra);
    }
    void *host = cpu->engine->probe_access(arm_cs(cpu), addr, 16, TCG_ACCESS_WRITE, mmu_idx,
                                           false, NULL, ra);
    if (!host) {
        /* Not plain RAM: do it non-atomically through the slow path. */
        uint64_t lo = cpu->engine->ld(arm_cs(cpu), addr, 3, mmu_idx, ra);
        uint64_t hi = cpu->engine->ld(arm_cs(cpu), addr + 8, 3, mmu_idx, ra);
        env->excl_val = lo;
        env->excl_val2 = hi;
        if (lo == cmp_lo && hi == cmp_hi) {
            cpu->engine->st(arm_cs(cpu), addr, new_lo, 3, mmu_idx, ra);
            cpu->engine->st(arm_cs(cpu), addr + 8, new_hi, 3, mmu_idx, ra);
            return 0;
        }
        return 1;
    }
    uint64_t lo = cmp_lo, hi = cmp_hi;
    bool ok = cas16(host, &lo, &hi, new_lo, new_hi);
    env->excl_val = lo;
    env->excl_val2 = hi;
    return ok ? 0 : 1;
}

/* 16-byte single-copy-atomic load for LDXP/LDAXP of two X registers
 * (cmpxchg16b with equal old and new values); value in excl_val/excl_val2. */
uint64_t arm_helper_ldp128(CPUARMState *env, uint64_t addr)
{
    ARMCPU *cpu = arm_env_cpu(env);
    uintptr_t ra = TCG_GETPC();
    int mmu_idx = arm_mmu_index(cpu, false);
    if (addr & 15) {
        arm_tcg_do_unaligned_access(arm_cs(cpu), addr, TCG_ACCESS_READ, mmu_idx, ra);
    }
    void *host = cpu->engine->probe_access(arm_cs(cpu), addr, 16, TCG_ACCESS_WRITE, mmu_idx,
                                           true, NULL, ra);
    if (!host) {
        env->excl_val = cpu->engine->ld(arm_cs(cpu), addr, 3, mmu_idx, ra);
        env->excl_val2 = cpu->engine->ld(arm_cs(cpu), addr + 8, 3, mmu_idx, ra);
        return 0;
    }
    uint64_t lo = 0, hi = 0;
    cas16(host, &lo, &hi, 0, 0);
    env->excl_val = lo;
    env->excl_val2 = hi;
    return 0;
}

/* ---- floating point ---------------------------------------------------------------- */

/* CPACR_EL1.FPEN traps EL0 (01) or EL0 and EL1 (00, 10) to EL1;
 * CPTR_EL2.TFP traps EL0-EL2 to EL2. */
unsigned arm_fp_trap_el(ARMCPU *cpu)
{
    const CPUARMState *env = &cpu->env;
    if (arm_e2h(cpu)) {
        /* VHE: CPTR_EL2 has CPACR's format (FPEN, bits 21:20); host EL0
         * (TGE) obeys it instead of CPACR_EL1. */
        unsigned fpen2 = (env->cptr_el2 >> 20) & 3;
        bool host = arm_is_host(cpu);
        if (env->el <= 1 && !host) {
            unsigned fpen1 = (env->cpacr_el1 >> 20) & 3;
            if (fpen1 == 0 || fpen1 == 2 || (fpen1 == 1 && env->el == 0)) {
                return 1;
            }
        }
        if (fpen2 == 0 || fpen2 == 2 || (fpen2 == 1 && env->el == 0 && host)) {
            return 2;
        }
        return 0;
    }
    unsigned fpen = (env->cpacr_el1 >> 20) & 3;
    if (env->el <= 1 && (fpen == 0 || fpen == 2 || (fpen == 1 && env->el == 0))) {
        return 1;
    }
    if (cpu->has_el2 && (env->cptr_el2 & (1u << 10))) {
        return 2;
    }
    return 0;
}

void arm_helper_exception_to(CPUARMState *env, uint64_t syndrome, uint64_t target_el)
{
    raise_sync(arm_env_cpu(env), syndrome, (unsigned)target_el, TCG_GETPC());
}

uint64_t arm_helper_fp2(CPUARMState *env, uint64_t op, uint64_t ft, uint64_t a, uint64_t b)
{
    return arm_fp_op2(env, (ARMFpOp2)op, (unsigned)ft, a, b);
}

uint64_t arm_helper_fma(CPUARMState *env, uint64_t desc, uint64_t a, uint64_t n, uint64_t m)
{
    return arm_fp_fma(env, desc & 0xff, a, n, m, (desc >> 8) & 1, (desc >> 9) & 1);
}

uint64_t arm_helper_fsqrt(CPUARMState *env, uint64_t ft, uint64_t a)
{
    return arm_fp_sqrt(env, (unsigned)ft, a);
}

uint64_t arm_helper_fcvt(CPUARMState *env, uint64_t desc, uint64_t a)
{
    unsigned from = desc & 0xff, to = (desc >> 8) & 0xff;
    if (from == ARM_FT_H || to == ARM_FT_H) {
        return arm_fp_convert_half(env, from, to, a);
    }
    return arm_fp_convert(env, from, to, a);
}

uint64_t arm_helper_frint(CPUARMState *env, uint64_t desc, uint64_t a)
{
    return arm_fp_rint(env, desc & 0xff, a, (desc >> 8) & 0xff, (desc >> 16) & 1);
}

void arm_helper_fcmp(CPUARMState *env, uint64_t desc, uint64_t a, uint64_t b)
{
    uint32_t nzcv = arm_fp_compare(env, desc & 0xff, a, b, (desc >> 8) & 1);
    env->nf = (nzcv & PSTATE_N) ? UINT64_MAX : 0;
    env->zf = (nzcv & PSTATE_Z) ? 0 : 1;
    env->cf = (nzcv & PSTATE_C) ? 1 : 0;
    env->vf = (nzcv & PSTATE_V) ? UINT64_MAX : 0;
}

uint64_t arm_helper_cvtf(CPUARMState *env, uint64_t desc, uint64_t v)
{
    return arm_fp_from_int(env, desc & 0xff, v, (desc >> 8) & 1, (desc >> 24) & 0x7f);
}

uint64_t arm_helper_fcvt_int(CPUARMState *env, uint64_t desc, uint64_t a)
{
    return arm_fp_to_int(env, desc & 0xff, a, (desc >> 8) & 0xff, (desc >> 16) & 1,
                         (desc >> 17) & 1, (desc >> 24) & 0x7f);
}
