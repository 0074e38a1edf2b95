/* SPDX-License-Identifier: MIT */
/*
 * Sdtrig: the guest-visible trigger module (tselect, tdata1-3, tinfo,
 * tcontrol) with mcontrol6 address/data match triggers for execute, load
 * and store, M/S/U mode selection and the breakpoint-exception action.
 * These are the guest's own triggers (a kernel's hardware breakpoints);
 * the gdbstub's breakpoints live in the engine and never show here.
 *
 * Translation: when an enabled trigger can fire in the current privilege,
 * get_tb_cpu_state adds TB_FLAG_TRIG_EXEC / TB_FLAG_TRIG_MEM and the
 * translator calls the check helpers below before each instruction /
 * around each load and store.  Every trigger CSR write ends the block, so
 * the flags are recomputed before the next one.
 */
#include "kernel/log.h"
#include "plugins/cpu/riscv/cpu.h"
#include "plugins/cpu/riscv/translate.h"

/* tdata1 fields common to all types, and mcontrol6's. */
#define TDATA1_TYPE_SHIFT 60
#define TDATA1_DMODE (1ull << 59)
#define TYPE_MCONTROL6 6ull
#define TYPE_DISABLED 15ull
#define MC6_HIT1 (1ull << 25)
#define MC6_VS (1ull << 24)
#define MC6_VU (1ull << 23)
#define MC6_HIT0 (1ull << 22)
#define MC6_SELECT (1ull << 21)
#define MC6_SIZE_SHIFT 16
#define MC6_SIZE_MASK (0xfull << MC6_SIZE_SHIFT)
#define MC6_ACTION_SHIFT 12
#define MC6_ACTION_MASK (0xfull << MC6_ACTION_SHIFT)
#define MC6_CHAIN (1ull << 11)
#define MC6_MATCH_SHIFT 7
#define MC6_MATCH_MASK (0xfull << MC6_MATCH_SHIFT)
#define MC6_M (1ull << 6)
#define MC6_UNCERTAINEN (1ull << 5)
#define MC6_S (1ull << 4)
#define MC6_U (1ull << 3)
#define MC6_EXECUTE (1ull << 2)
#define MC6_STORE (1ull << 1)
#define MC6_LOAD (1ull << 0)
/* What is kept of an mcontrol6 write: no dmode (no Debug Mode here), no
 * hypervisor bits, no chain, size "any", action 0 (breakpoint exception),
 * no uncertain. */
#define MC6_WRITABLE (MC6_HIT0 | MC6_SELECT | MC6_MATCH_MASK | MC6_M | MC6_S | MC6_U | \
                      MC6_EXECUTE | MC6_STORE | MC6_LOAD)
#define TCONTROL_MTE (1ull << 3)
#define TCONTROL_MPTE (1ull << 7)
/* tinfo: version 1 (Sdtrig 1.0) in bits 31:24, the types in 15:0. */
#define TINFO_VALUE ((1ull << 24) | (1ull << TYPE_MCONTROL6) | (1ull << TYPE_DISABLED))

static uint64_t trig_type(uint64_t tdata1)
{
    return tdata1 >> TDATA1_TYPE_SHIFT;
}

void riscv_trigger_reset(CPURISCVState *env)
{
    env->tselect = 0;
    env->tcontrol = 0;
    for (int i = 0; i < RISCV_NTRIGGERS; i++) {
        env->tdata1[i] = TYPE_DISABLED << TDATA1_TYPE_SHIFT;
        env->tdata2[i] = 0;
        env->tdata3[i] = 0;
    }
}

/* ---- CSRs ---------------------------------------------------------------------- */

RISCVCSRResult riscv_trigger_csr_read(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    CPURISCVState *env = &cpu->env;
    unsigned t = (unsigned)env->tselect;
    switch (csrno) {
    case CSR_TSELECT: *val = env->tselect; break;
    case CSR_TDATA1: *val = env->tdata1[t]; break;
    case CSR_TDATA2: *val = env->tdata2[t]; break;
    case CSR_TDATA3: *val = env->tdata3[t]; break;
    case CSR_TINFO: *val = TINFO_VALUE; break;
    case CSR_TCONTROL: *val = env->tcontrol; break;
    default: return RISCV_CSR_ILLEGAL;
    }
    return RISCV_CSR_OK;
}

RISCVCSRResult riscv_trigger_csr_write(RISCVCPU *cpu, int csrno, uint64_t val)
{
    CPURISCVState *env = &cpu->env;
    unsigned t = (unsigned)env->tselect;
    switch (csrno) {
    case CSR_TSELECT:
        /* WARL: a trigger that does not exist leaves tselect as it was
         * (debuggers find the count by writing and reading back). */
        if (val < RISCV_NTRIGGERS) {
            env->tselect = val;
        }
        break;
    case CSR_TDATA1:
        if (trig_type(val) == TYPE_MCONTROL6) {
            uint64_t action = (val & MC6_ACTION_MASK) >> MC6_ACTION_SHIFT;
            if (action != 0 || (val & (TDATA1_DMODE | MC6_CHAIN | MC6_SIZE_MASK))) {
                log_mask(LOG_UNIMP, "riscv: hart %" G_GUINT64_FORMAT ": mcontrol6 action %"
                         G_GUINT64_FORMAT ", dmode, chain or size not supported (ignored)\n",
                         cpu->hartid, action);
            }
            env->tdata1[t] = (TYPE_MCONTROL6 << TDATA1_TYPE_SHIFT) | (val & MC6_WRITABLE);
        } else {
            if (trig_type(val) != 0 && trig_type(val) != TYPE_DISABLED) {
                log_mask(LOG_UNIMP, "riscv: hart %" G_GUINT64_FORMAT ": trigger type %"
                         G_GUINT64_FORMAT " not supported (disabled)\n", cpu->hartid,
                         trig_type(val));
            }
            env->tdata1[t] = TYPE_DISABLED << TDATA1_TYPE_SHIFT;
        }
        break;
    case CSR_TDATA2: env->tdata2[t] = val; break;
    case CSR_TDATA3: env->tdata3[t] = 0; break;   /* no textra matching */
    case CSR_TINFO: break;                       /* read-only value, writes ignored */
    case CSR_TCONTROL: env->tcontrol = val & (TCONTROL_MTE | TCONTROL_MPTE); break;
    default: return RISCV_CSR_ILLEGAL;
    }
    return RISCV_CSR_OK;
}

/* ---- matching ------------------------------------------------------------------- */

/* Trigger @t can fire in the current privilege (mode bits, tcontrol.mte). */
static bool trig_armed(const CPURISCVState *env, unsigned t, uint64_t kinds)
{
    uint64_t d = env->tdata1[t];
    if (trig_type(d) != TYPE_MCONTROL6 || !(d & kinds)) {
        return false;
    }
    switch (env->priv) {
    case PRV_M: return (d & MC6_M) && (env->tcontrol & TCONTROL_MTE);
    case PRV_S: return (d & MC6_S) != 0;
    default: return (d & MC6_U) != 0;
    }
}

uint64_t riscv_trigger_tb_flags(const CPURISCVState *env)
{
    uint64_t f = 0;
    for (unsigned t = 0; t < RISCV_NTRIGGERS; t++) {
        if (trig_armed(env, t, MC6_EXECUTE)) {
            f |= TB_FLAG_TRIG_EXEC;
        }
        if (trig_armed(env, t, MC6_LOAD | MC6_STORE)) {
            f |= TB_FLAG_TRIG_MEM;
        }
    }
    return f;
}

/* mcontrol6 match field against tdata2 (@bits: XLEN here, 64). */
static bool value_matches(uint64_t match, uint64_t v, uint64_t t2)
{
    bool negate = match >= 8;
    bool r;
    switch (match & 7) {
    case 0: r = v == t2; break;
    case 1: {   /* NAPOT: trailing ones of tdata2 give the size */
        uint64_t ones = (uint64_t)__builtin_ctzll(~t2);
        uint64_t mask = ones >= 63 ? 0 : ~((2ull << ones) - 1);
        r = (v & mask) == (t2 & mask);
        break;
    }
    case 2: r = v >= t2; break;
    case 3: r = v < t2; break;
    case 4: r = (uint32_t)(v & (t2 >> 32)) == (uint32_t)t2; break;          /* low half */
    case 5: r = (uint32_t)((v >> 32) & (t2 >> 32)) == (uint32_t)t2; break;  /* high half */
    default: return false;   /* reserved encodings never match */
    }
    return negate ? !r : r;
}

/* The first trigger of @kinds matching address @addr or data @data. */
static int find_match(CPURISCVState *env, uint64_t kinds, uint64_t addr, uint64_t data,
                      bool have_data)
{
    for (unsigned t = 0; t < RISCV_NTRIGGERS; t++) {
        if (!trig_armed(env, t, kinds)) {
            continue;
        }
        uint64_t d = env->tdata1[t];
        uint64_t match = (d & MC6_MATCH_MASK) >> MC6_MATCH_SHIFT;
        bool data_match = (d & MC6_SELECT) != 0;
        if (data_match && !have_data) {
            continue;
        }
        if (value_matches(match, data_match ? data : addr, env->tdata2[t])) {
            return (int)t;
        }
    }
    return -1;
}

/* Called through helpers only: riscv_helper_raise uses the caller's
 * return address, so these must be the functions the IR calls. */
void riscv_helper_trigger_exec(CPURISCVState *env, uint64_t pc, uint64_t insn)
{
    int t = find_match(env, MC6_EXECUTE, pc, insn, true);
    if (t >= 0) {
        env->tdata1[t] |= MC6_HIT0;
        riscv_trigger_raise(env, pc, TCG_GETPC());
    }
}

void riscv_helper_trigger_mem(CPURISCVState *env, uint64_t addr, uint64_t kind, uint64_t data)
{
    /* kind: MC6_LOAD (address only, before the access) or MC6_STORE
     * (address and the value stored). */
    int t = find_match(env, kind, addr, data, kind == MC6_STORE);
    if (t >= 0) {
        env->tdata1[t] |= MC6_HIT0;
        riscv_trigger_raise(env, addr, TCG_GETPC());
    }
}

void riscv_helper_trigger_load_data(CPURISCVState *env, uint64_t addr, uint64_t data)
{
    for (unsigned t = 0; t < RISCV_NTRIGGERS; t++) {
        uint64_t d = env->tdata1[t];
        if (trig_armed(env, t, MC6_LOAD) && (d & MC6_SELECT) &&
            value_matches((d & MC6_MATCH_MASK) >> MC6_MATCH_SHIFT, data, env->tdata2[t])) {
            env->tdata1[t] |= MC6_HIT0;
            riscv_trigger_raise(env, addr, TCG_GETPC());
        }
    }
}

/* Trap entry into M saves and clears tcontrol.mte; mret restores it. */
void riscv_trigger_trap_to_m(CPURISCVState *env)
{
    uint64_t mte = (env->tcontrol & TCONTROL_MTE) != 0;
    env->tcontrol = (env->tcontrol & ~(TCONTROL_MTE | TCONTROL_MPTE)) | (mte ? TCONTROL_MPTE : 0);
}

void riscv_trigger_mret(CPURISCVState *env)
{
    uint64_t mpte = (env->tcontrol & TCONTROL_MPTE) != 0;
    env->tcontrol = (env->tcontrol & ~TCONTROL_MTE) | (mpte ? TCONTROL_MTE : 0);
}
