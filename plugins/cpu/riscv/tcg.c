/* SPDX-License-Identifier: MIT */
/*
 * The RISC-V side of the tcg engine contract (tcg/tcg-cpu.h):
 * the TcgCpuOps hooks and the helpers translated code calls.  The engine's
 * services are reached only through the TcgEngineOps handed to attach().
 */
#include <sched.h>
#include <string.h>

#include "kernel/log.h"
#include "plugins/cpu/riscv/decode.h"
#include "plugins/cpu/riscv/fpu.h"
#include "plugins/cpu/riscv/translate.h"

#define GX(i) { .name = "x" #i, .offset = offsetof(CPURISCVState, gpr[i]), .type = IR_I64 }
#define GF(i) { .name = "f" #i, .offset = offsetof(CPURISCVState, fpr[i]), .type = IR_I64 }

const TcgGlobalDesc riscv_tcg_globals[RISCV_NUM_GLOBALS] = {
    GX(1), GX(2), GX(3), GX(4), GX(5), GX(6), GX(7), GX(8), GX(9), GX(10), GX(11), GX(12),
    GX(13), GX(14), GX(15), GX(16), GX(17), GX(18), GX(19), GX(20), GX(21), GX(22), GX(23),
    GX(24), GX(25), GX(26), GX(27), GX(28), GX(29), GX(30), GX(31),
    [RISCV_GLOBAL_PC] = { .name = "pc", .offset = offsetof(CPURISCVState, pc), .type = IR_I64 },
    GF(0), GF(1), GF(2), GF(3), GF(4), GF(5), GF(6), GF(7), GF(8), GF(9), GF(10), GF(11),
    GF(12), GF(13), GF(14), GF(15), GF(16), GF(17), GF(18), GF(19), GF(20), GF(21), GF(22),
    GF(23), GF(24), GF(25), GF(26), GF(27), GF(28), GF(29), GF(30), GF(31),
};

/* ---- raising ------------------------------------------------------------------ */

static G_GNUC_NORETURN void raise_at(RISCVCPU *cpu, uint64_t cause, uint64_t tval,
                                     uintptr_t ra)
{
    cpu->env.excp_cause = cause;
    cpu->env.excp_tval = tval;
    cpu->engine->raise_exception(riscv_cpu_cs(cpu), ra);
}

/* ---- hooks ----------------------------------------------------------------------- */

static void riscv_tlb_flush_via_engine(RISCVCPU *cpu)
{
    cpu->engine->tlb_flush(riscv_cpu_cs(cpu));
}

/* The engine caches translations per satp value (mode, ASID, root table);
 * global (G) mappings carry over between tags of the same mode. */
static void riscv_satp_changed_via_engine(RISCVCPU *cpu)
{
    cpu->engine->tlb_set_tag(riscv_cpu_cs(cpu), cpu->env.satp, 0xfull << SATP_MODE_SHIFT);
}

static void riscv_tcg_attach(CPUState *cs, const TcgEngineOps *engine)
{
    RISCVCPU *cpu = riscv_cs_cpu(cs);
    g_assert(engine->abi_version == TCG_CPU_ABI_VERSION);
    cpu->engine = engine;
    cpu->tlb_flush = riscv_tlb_flush_via_engine;
    cpu->satp_changed = riscv_satp_changed_via_engine;
}


static void riscv_tcg_get_tb_cpu_state(CPUState *cs, uint64_t *pc, uint64_t *flags)
{
    RISCVCPU *cpu = riscv_cs_cpu(cs);
    CPURISCVState *env = &cpu->env;
    uint64_t fs = (env->mstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT;
    uint64_t f = (uint64_t)env->priv & TB_FLAG_PRIV_MASK;
    f |= (uint64_t)riscv_cpu_mmu_index(cpu, false) << TB_FLAG_MEMIDX_SHIFT;
    if (riscv_has_ext(cpu, RISCV_EXT_F) && fs != FS_OFF) {
        f |= TB_FLAG_FS_ON;
        if (fs == FS_DIRTY) {
            f |= TB_FLAG_FS_DIRTY;
        }
        f |= ((uint64_t)env->frm << TB_FLAG_FRM_SHIFT) & TB_FLAG_FRM_MASK;
    }
    f |= riscv_trigger_tb_flags(env);
    *pc = env->pc;
    *flags = f;
}

static MMUAccessType access_from_tcg(TcgAccessType t)
{
    switch (t) {
    case TCG_ACCESS_WRITE:
        return MMU_ACCESS_STORE;
    case TCG_ACCESS_FETCH:
        return MMU_ACCESS_FETCH;
    default:
        return MMU_ACCESS_LOAD;
    }
}

static bool riscv_tcg_tlb_fill(CPUState *cs, uint64_t vaddr, unsigned size,
                               TcgAccessType access_type, int mmu_idx, bool probe, uintptr_t ra,
                               TcgTlbFillResult *out)
{
    RISCVCPU *cpu = riscv_cs_cpu(cs);
    RISCVTranslation t;
    uint64_t cause = 0;
    if (!riscv_cpu_translate(cpu, vaddr, access_from_tcg(access_type), mmu_idx, &t, &cause)) {
        if (probe) {
            return false;
        }
        log_mask(LOG_MMU, "riscv: fault cause %" G_GUINT64_FORMAT " at 0x%"
                 G_GINT64_MODIFIER "x (mmu_idx %d)\n", cause, vaddr, mmu_idx);
        raise_at(cpu, cause, vaddr, ra);
    }
    out->paddr = t.paddr;
    out->prot = (t.prot & RISCV_PROT_READ ? TCG_PROT_READ : 0) |
                (t.prot & RISCV_PROT_WRITE ? TCG_PROT_WRITE : 0) |
                (t.prot & RISCV_PROT_EXEC ? TCG_PROT_EXEC : 0);
    out->page_size = 1ull << t.lg_page;
    out->global = t.global;
    return true;
}

static void riscv_tcg_do_unaligned_access(CPUState *cs, uint64_t vaddr,
                                          TcgAccessType access_type, int mmu_idx, uintptr_t ra)
{
    uint64_t cause = access_type == TCG_ACCESS_WRITE ? EXCP_STORE_MISALIGNED :
                     access_type == TCG_ACCESS_FETCH ? EXCP_INST_MISALIGNED :
                     EXCP_LOAD_MISALIGNED;
    raise_at(riscv_cs_cpu(cs), cause, vaddr, ra);
}

/* An access to nothing (or refused by a device) is an access fault whose
 * tval is the virtual address (privileged spec, 3.7.1 PMA checks). */
static void riscv_tcg_do_transaction_failed(CPUState *cs, uint64_t vaddr, uint64_t paddr,
                                            unsigned size, TcgAccessType access_type,
                                            int mmu_idx, MemTxResult result, uintptr_t ra)
{
    uint64_t cause = access_type == TCG_ACCESS_WRITE ? EXCP_STORE_ACCESS :
                     access_type == TCG_ACCESS_FETCH ? EXCP_INST_ACCESS :
                     EXCP_LOAD_ACCESS;
    raise_at(riscv_cs_cpu(cs), cause, vaddr, ra);
}

static void riscv_tcg_do_interrupt(CPUState *cs)
{
    RISCVCPU *cpu = riscv_cs_cpu(cs);
    riscv_cpu_do_exception(cpu, cpu->env.excp_cause, cpu->env.excp_tval);
}

static bool riscv_tcg_exec_interrupt(CPUState *cs, uint64_t interrupt_request)
{
    RISCVCPU *cpu = riscv_cs_cpu(cs);
    int irq = riscv_cpu_pending_interrupt(cpu);
    if (irq >= 0) {
        cs->halted = false;
        riscv_cpu_do_interrupt(cpu, irq);
        return true;
    }
    /* Pending but masked (MIE/SIE, delegation): keep the request without
     * kicking ourselves again.  Nothing pending in mip & mie: drop it, then
     * re-check so a line raised meanwhile is not lost. */
    if (!(riscv_cpu_read_mip(cpu) & cpu->env.mie)) {
        cpu_reset_interrupt(cs, RISCV_INTERRUPT_HARD);
        if (riscv_cpu_read_mip(cpu) & cpu->env.mie) {
            cpu_interrupt(cs, RISCV_INTERRUPT_HARD);
        }
    }
    return false;
}

static void riscv_tcg_restore_state_to_opc(CPUState *cs, const uint64_t *data)
{
    riscv_cs_cpu(cs)->env.pc = data[0];
}

static void riscv_tcg_disas(CPUState *cs, uint64_t pc, const uint8_t *bytes, unsigned len,
                            GString *out)
{
    /* The same table-driven disassembler as the monitor's x/i. */
    riscv_cpu_disas_insn(cs, pc, bytes, len, out);
}

static int riscv_tcg_mmu_index(CPUState *cs, bool ifetch)
{
    return riscv_cpu_mmu_index(riscv_cs_cpu(cs), ifetch);
}

/* TcgCpuOps.code_key: translation reads only the extensions from the
 * CPU besides the flags. */
static uint64_t riscv_tcg_code_key(CPUState *cs)
{
    return riscv_cs_cpu(cs)->ext;
}

static const TcgCpuOps riscv_tcg_cpu_ops = {
    .abi_version = TCG_CPU_ABI_VERSION,
    .env_offset = offsetof(RISCVCPU, env),
    .env_size = sizeof(CPURISCVState),
    .globals = riscv_tcg_globals,
    .num_globals = RISCV_NUM_GLOBALS,
    .nb_mmu_modes = RISCV_NB_MMU_MODES,
    .insn_start_words = 1,
    .attach = riscv_tcg_attach,
    .get_tb_cpu_state = riscv_tcg_get_tb_cpu_state,
    .translate = riscv_translate,
    .tlb_fill = riscv_tcg_tlb_fill,
    .do_unaligned_access = riscv_tcg_do_unaligned_access,
    .do_interrupt = riscv_tcg_do_interrupt,
    .exec_interrupt = riscv_tcg_exec_interrupt,
    .restore_state_to_opc = riscv_tcg_restore_state_to_opc,
    .disas = riscv_tcg_disas,
    .mmu_index = riscv_tcg_mmu_index,
    .do_transaction_failed = riscv_tcg_do_transaction_failed,
    .code_key = riscv_tcg_code_key,
};

const CPUAccelOps riscv_accel_ops[] = {
    { .accel = "tcg", .ops = &riscv_tcg_cpu_ops },
    { NULL },
};

/* ---- helpers called from translated code ---------------------------------------- */

void riscv_trigger_raise(CPURISCVState *env, uint64_t tval, uintptr_t ra)
{
    raise_at(riscv_env_cpu(env), EXCP_BREAKPOINT, tval, ra);
}

void riscv_helper_raise(CPURISCVState *env, uint64_t cause, uint64_t tval)
{
    raise_at(riscv_env_cpu(env), cause, tval, TCG_GETPC());
}

uint64_t riscv_helper_csr(CPURISCVState *env, uint64_t csrno, uint64_t new_val,
                          uint64_t write_mask, uint64_t insn, uint64_t is_write)
{
    RISCVCPU *cpu = riscv_env_cpu(env);
    uint64_t old = 0;
    if (riscv_csr_access(cpu, (int)csrno, &old, new_val, write_mask, is_write) !=
        RISCV_CSR_OK) {
        raise_at(cpu, EXCP_ILLEGAL_INST, insn, TCG_GETPC());
    }
    return old;
}

uint64_t riscv_helper_mret(CPURISCVState *env, uint64_t insn)
{
    RISCVCPU *cpu = riscv_env_cpu(env);
    uint64_t pc;
    if (!riscv_cpu_mret(cpu, &pc)) {
        raise_at(cpu, EXCP_ILLEGAL_INST, insn, TCG_GETPC());
    }
    return pc;
}

uint64_t riscv_helper_sret(CPURISCVState *env, uint64_t insn)
{
    RISCVCPU *cpu = riscv_env_cpu(env);
    uint64_t pc;
    if (!riscv_has_ext(cpu, RISCV_EXT_S) || !riscv_cpu_sret(cpu, &pc)) {
        raise_at(cpu, EXCP_ILLEGAL_INST, insn, TCG_GETPC());
    }
    return pc;
}

void riscv_helper_wfi(CPURISCVState *env, uint64_t insn)
{
    RISCVCPU *cpu = riscv_env_cpu(env);
    CPUState *cs = riscv_cpu_cs(cpu);
    /* U-mode may not wait (S is implemented); S-mode not when TW=1. */
    if (env->priv == PRV_U || (env->priv == PRV_S && (env->mstatus & MSTATUS_TW))) {
        raise_at(cpu, EXCP_ILLEGAL_INST, insn, TCG_GETPC());
    }
    if ((riscv_cpu_read_mip(cpu) & cpu->env.mie)) {
        /* An interrupt is already pending: wfi is a nop.  When it cannot be
         * taken now (masked by the status register), the guest polls
         * around the wfi (OpenSBI's hart wait after a stale IPI spins like
         * this until its hart is started): the other vCPU threads get the
         * host CPU first. */
        if (riscv_cpu_pending_interrupt(cpu) < 0) {
            sched_yield();
        }
        return;
    }
    cs->halted = true;
    /* The translator set pc to the next instruction before the call. */
    cpu->engine->loop_exit(cs, 0);
}

void riscv_helper_spin_hint(void)
{
    sched_yield();
}

/*
 * sfence.vma rs1, rs2 (privileged spec 10.2.1): rs1 = rs2 = x0 drops every
 * translation; rs1 = x0 with an ASID drops that ASID's non-global ones; with
 * rs1 != x0 those of @vaddr's page go (for every ASID and global ones too: a
 * superset of what rs2 names).
 */
void riscv_helper_sfence_vma(CPURISCVState *env, uint64_t insn, uint64_t vaddr, uint64_t asid)
{
    RISCVCPU *cpu = riscv_env_cpu(env);
    if (env->priv == PRV_U || (env->priv == PRV_S && (env->mstatus & MSTATUS_TVM))) {
        raise_at(cpu, EXCP_ILLEGAL_INST, insn, TCG_GETPC());
    }
    if (((insn >> 15) & 31) != 0) {
        cpu->engine->tlb_flush_page(riscv_cpu_cs(cpu), vaddr);
    } else if (((insn >> 20) & 31) != 0) {
        /* ASIDLEN is 16: higher bits of rs2 are ignored. */
        const uint64_t field = SATP_ASID_MASK << SATP_ASID_SHIFT;
        cpu->engine->tlb_flush_tag(riscv_cpu_cs(cpu), (asid << SATP_ASID_SHIFT) & field, field, true);
    } else {
        cpu->engine->tlb_flush(riscv_cpu_cs(cpu));
    }
}

void riscv_helper_fence_i(CPURISCVState *env)
{
    RISCVCPU *cpu = riscv_env_cpu(env);
    cpu->engine->icache_flush(riscv_cpu_cs(cpu));
}

void riscv_helper_check_frm(CPURISCVState *env, uint64_t insn)
{
    if (!riscv_fpu_rm_valid(env, RM_DYN)) {
        raise_at(riscv_env_cpu(env), EXCP_ILLEGAL_INST, insn, TCG_GETPC());
    }
}

uint64_t riscv_helper_farith_s(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b,
                               uint64_t c, uint64_t rm)
{
    return riscv_fpu_arith_s(env, (RISCVFpuOp)op, a, b, c, rm);
}

uint64_t riscv_helper_farith_d(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b,
                               uint64_t c, uint64_t rm)
{
    return riscv_fpu_arith_d(env, (RISCVFpuOp)op, a, b, c, rm);
}

uint64_t riscv_helper_fminmax_s(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b)
{
    return riscv_fpu_minmax_s(env, (RISCVFpuMinMax)op, a, b);
}

uint64_t riscv_helper_fminmax_d(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b)
{
    return riscv_fpu_minmax_d(env, (RISCVFpuMinMax)op, a, b);
}

uint64_t riscv_helper_fcmp_s(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b)
{
    return riscv_fpu_cmp_s(env, (RISCVFpuCmp)op, a, b);
}

uint64_t riscv_helper_fcmp_d(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b)
{
    return riscv_fpu_cmp_d(env, (RISCVFpuCmp)op, a, b);
}

uint64_t riscv_helper_fclass_s(uint64_t a)
{
    return riscv_fpu_class_s(a);
}

uint64_t riscv_helper_fclass_d(uint64_t a)
{
    return riscv_fpu_class_d(a);
}

uint64_t riscv_helper_fsgnj_s(uint64_t a, uint64_t b, uint64_t kind)
{
    return riscv_fpu_sgnj_s(a, b, kind);
}

uint64_t riscv_helper_fsgnj_d(uint64_t a, uint64_t b, uint64_t kind)
{
    return riscv_fpu_sgnj_d(a, b, kind);
}

uint64_t riscv_helper_fcvt_to_int_s(CPURISCVState *env, uint64_t kind, uint64_t a, uint64_t rm)
{
    return riscv_fpu_to_int_s(env, (RISCVFpuIntKind)kind, a, rm);
}

uint64_t riscv_helper_fcvt_to_int_d(CPURISCVState *env, uint64_t kind, uint64_t a, uint64_t rm)
{
    return riscv_fpu_to_int_d(env, (RISCVFpuIntKind)kind, a, rm);
}

uint64_t riscv_helper_fcvt_from_int_s(CPURISCVState *env, uint64_t kind, uint64_t x, uint64_t rm)
{
    return riscv_fpu_from_int_s(env, (RISCVFpuIntKind)kind, x, rm);
}

uint64_t riscv_helper_fcvt_from_int_d(CPURISCVState *env, uint64_t kind, uint64_t x, uint64_t rm)
{
    return riscv_fpu_from_int_d(env, (RISCVFpuIntKind)kind, x, rm);
}

uint64_t riscv_helper_fcvt_s_d(CPURISCVState *env, uint64_t a, uint64_t rm)
{
    return riscv_fpu_cvt_s_d(env, a, rm);
}

uint64_t riscv_helper_fcvt_d_s(CPURISCVState *env, uint64_t a, uint64_t rm)
{
    return riscv_fpu_cvt_d_s(env, a, rm);
}

uint64_t riscv_helper_clmul(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i++) {
        if ((b >> i) & 1) {
            r ^= a << i;
        }
    }
    return r;
}

uint64_t riscv_helper_clmulh(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (int i = 1; i < 64; i++) {
        if ((b >> i) & 1) {
            r ^= a >> (64 - i);
        }
    }
    return r;
}

uint64_t riscv_helper_clmulr(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i++) {
        if ((b >> i) & 1) {
            r ^= a >> (63 - i);
        }
    }
    return r;
}

uint64_t riscv_helper_orc_b(uint64_t a)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i += 8) {
        if ((a >> i) & 0xff) {
            r |= 0xffull << i;
        }
    }
    return r;
}
