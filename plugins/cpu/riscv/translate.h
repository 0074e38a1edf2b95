/* SPDX-License-Identifier: MIT */
/*
 * Shared between the translator (translate.c) and the engine glue and
 * helpers it calls from translated code (tcg.c).
 */
#ifndef TESSERA_RISCV_TRANSLATE_H
#define TESSERA_RISCV_TRANSLATE_H

#include "tcg/tcg-cpu.h"
#include "plugins/cpu/riscv/cpu.h"

/* Globals the IR addresses directly: x1..x31, pc, f0..f31. */
#define RISCV_GLOBAL_X(i) ((i) - 1)
#define RISCV_GLOBAL_PC 31
#define RISCV_GLOBAL_F(i) (32 + (i))
#define RISCV_NUM_GLOBALS 64

/* TB flags: what translation depends on besides the code bytes. */
#define TB_FLAG_PRIV_MASK   0x3ull
#define TB_FLAG_MEMIDX_SHIFT 2
#define TB_FLAG_MEMIDX_MASK (0x3ull << TB_FLAG_MEMIDX_SHIFT)
#define TB_FLAG_FS_ON       (1ull << 4)
#define TB_FLAG_FS_DIRTY    (1ull << 5)
/* Sdtrig triggers that can fire now: check each instruction / access. */
#define TB_FLAG_TRIG_EXEC   (1ull << 6)
#define TB_FLAG_TRIG_MEM    (1ull << 7)
/* frm while FS is on (every frm write ends its block): dynamic-rm FP ops
 * need no run-time frm check or read when it is a valid mode. */
#define TB_FLAG_FRM_SHIFT   8
#define TB_FLAG_FRM_MASK    (0x7ull << TB_FLAG_FRM_SHIFT)

extern const TcgGlobalDesc riscv_tcg_globals[RISCV_NUM_GLOBALS];

unsigned riscv_translate(CPUState *cs, IrBuilder *b);

/* Helpers called from translated code (tcg.c).  All take and return 64-bit
 * integers or pointers, as IR calls require. */
void riscv_helper_raise(CPURISCVState *env, uint64_t cause, uint64_t tval);
/* Sdtrig checks (trigger.c); raise a breakpoint exception on a match. */
void riscv_helper_trigger_exec(CPURISCVState *env, uint64_t pc, uint64_t insn);
/* @kind: 1 load (before it, address), 2 store (address or @data). */
void riscv_helper_trigger_mem(CPURISCVState *env, uint64_t addr, uint64_t kind, uint64_t data);
void riscv_helper_trigger_load_data(CPURISCVState *env, uint64_t addr, uint64_t data);
/* Raise the trigger's breakpoint exception at the helper's caller @ra. */
void riscv_trigger_raise(CPURISCVState *env, uint64_t tval, uintptr_t ra) G_GNUC_NORETURN;
uint64_t riscv_helper_csr(CPURISCVState *env, uint64_t csrno, uint64_t new_val,
                          uint64_t write_mask, uint64_t insn, uint64_t is_write);
uint64_t riscv_helper_mret(CPURISCVState *env, uint64_t insn);
uint64_t riscv_helper_sret(CPURISCVState *env, uint64_t insn);
void riscv_helper_wfi(CPURISCVState *env, uint64_t insn);
void riscv_helper_spin_hint(void);
void riscv_helper_sfence_vma(CPURISCVState *env, uint64_t insn, uint64_t vaddr, uint64_t asid);
void riscv_helper_fence_i(CPURISCVState *env);
void riscv_helper_check_frm(CPURISCVState *env, uint64_t insn);
uint64_t riscv_helper_farith_s(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b,
                               uint64_t c, uint64_t rm);
uint64_t riscv_helper_farith_d(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b,
                               uint64_t c, uint64_t rm);
uint64_t riscv_helper_fminmax_s(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b);
uint64_t riscv_helper_fminmax_d(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b);
uint64_t riscv_helper_fcmp_s(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b);
uint64_t riscv_helper_fcmp_d(CPURISCVState *env, uint64_t op, uint64_t a, uint64_t b);
uint64_t riscv_helper_fclass_s(uint64_t a);
uint64_t riscv_helper_fclass_d(uint64_t a);
uint64_t riscv_helper_fsgnj_s(uint64_t a, uint64_t b, uint64_t kind);
uint64_t riscv_helper_fsgnj_d(uint64_t a, uint64_t b, uint64_t kind);
uint64_t riscv_helper_fcvt_to_int_s(CPURISCVState *env, uint64_t kind, uint64_t a, uint64_t rm);
uint64_t riscv_helper_fcvt_to_int_d(CPURISCVState *env, uint64_t kind, uint64_t a, uint64_t rm);
uint64_t riscv_helper_fcvt_from_int_s(CPURISCVState *env, uint64_t kind, uint64_t x, uint64_t rm);
uint64_t riscv_helper_fcvt_from_int_d(CPURISCVState *env, uint64_t kind, uint64_t x, uint64_t rm);
uint64_t riscv_helper_fcvt_s_d(CPURISCVState *env, uint64_t a, uint64_t rm);
uint64_t riscv_helper_fcvt_d_s(CPURISCVState *env, uint64_t a, uint64_t rm);
uint64_t riscv_helper_clmul(uint64_t a, uint64_t b);
uint64_t riscv_helper_clmulh(uint64_t a, uint64_t b);
uint64_t riscv_helper_clmulr(uint64_t a, uint64_t b);
uint64_t riscv_helper_orc_b(uint64_t a);

#endif
