/* SPDX-License-Identifier: MIT */
/*
 * The portable IR interpreter: pre-decoded instruction records shared by
 * the compiler (compile.c) and the executor (exec.c).
 *
 * A block compiles into an array of 32-byte records.  The first record of
 * an instruction holds the handler's label address (computed-goto dispatch)
 * and up to three operand pointers: into the vCPU's env (globals), its temp
 * frame (block temps) or the block's constant pool.  Instructions that need
 * more data use extension records (four words each) right after it.
 */
#ifndef TESSERA_TCG_INTERP_H
#define TESSERA_TCG_INTERP_H

#include "tcg/tcg-backend.h"

#define TYPE_INTERP_TCG_BACKEND "interp-tcg-backend"

/* Temp slots per vCPU frame; bigger blocks are retranslated smaller. */
#define INTERP_FRAME_SLOTS 4096

typedef union InterpInsn {
    struct {
        const void *h;
        void *p0, *p1, *p2;
    } op;
    uint64_t w[4];
    void *p[4];
} InterpInsn;

/* Binary and unary ops at both widths. */
#define INTERP_BINOPS(X)                                                     \
    X(ADD) X(SUB) X(MUL) X(AND) X(OR) X(XOR) X(SHL) X(SHR) X(SAR) X(ROTL)    \
    X(ROTR) X(DIV) X(DIVU) X(REM) X(REMU) X(MULSH) X(MULUH) X(MULSUH)        \
    X(ANDC) X(ORC) X(EQV)
#define INTERP_UNOPS(X)                                                      \
    X(MOV) X(NEG) X(NOT) X(CLZ) X(CTZ) X(CTPOP) X(BSWAP) X(EXT8S) X(EXT8U)   \
    X(EXT16S) X(EXT16U)
#define INTERP_CONDS(X)                                                      \
    X(EQ) X(NE) X(LT) X(GE) X(LE) X(GT) X(LTU) X(GEU) X(LEU) X(GTU)
/* Loads by memop size|sign. */
#define INTERP_LOADS(X) X(U8) X(S8) X(U16) X(S16) X(U32) X(S32) X(64)
#define INTERP_STORES(X) X(8) X(16) X(32) X(64)

/* Every handler, in the order of InterpHandler. */
#define INTERP_HANDLERS(X)                                                   \
    X(ADD_I32) X(ADD_I64) X(SUB_I32) X(SUB_I64) X(MUL_I32) X(MUL_I64)        \
    X(AND_I32) X(AND_I64) X(OR_I32) X(OR_I64) X(XOR_I32) X(XOR_I64)          \
    X(SHL_I32) X(SHL_I64) X(SHR_I32) X(SHR_I64) X(SAR_I32) X(SAR_I64)        \
    X(ROTL_I32) X(ROTL_I64) X(ROTR_I32) X(ROTR_I64) X(DIV_I32) X(DIV_I64)    \
    X(DIVU_I32) X(DIVU_I64) X(REM_I32) X(REM_I64) X(REMU_I32) X(REMU_I64)    \
    X(MULSH_I32) X(MULSH_I64) X(MULUH_I32) X(MULUH_I64)                      \
    X(MULSUH_I32) X(MULSUH_I64) X(ANDC_I32) X(ANDC_I64) X(ORC_I32)           \
    X(ORC_I64) X(EQV_I32) X(EQV_I64)                                         \
    X(MOV_I32) X(MOV_I64) X(NEG_I32) X(NEG_I64) X(NOT_I32) X(NOT_I64)        \
    X(CLZ_I32) X(CLZ_I64) X(CTZ_I32) X(CTZ_I64) X(CTPOP_I32) X(CTPOP_I64)    \
    X(BSWAP_I32) X(BSWAP_I64) X(EXT8S_I32) X(EXT8S_I64) X(EXT8U_I32)         \
    X(EXT8U_I64) X(EXT16S_I32) X(EXT16S_I64) X(EXT16U_I32) X(EXT16U_I64)     \
    X(EXT32S_I64) X(EXT32U_I64) X(EXTU_I32_I64) X(EXTS_I32_I64)              \
    X(EXTRL_I64_I32) X(EXTRH_I64_I32)                                        \
    X(ADDI_I64) X(ANDI_I64) X(SHLI_I64) X(SHRI_I64) X(SARI_I64)              \
    X(MOVI_I32) X(MOVI_I64)                                                  \
    X(EXTRACT_I32) X(EXTRACT_I64) X(SEXTRACT_I32) X(SEXTRACT_I64)            \
    X(DEPOSIT_I32) X(DEPOSIT_I64)                                            \
    X(SET_EQ_I32) X(SET_EQ_I64) X(SET_NE_I32) X(SET_NE_I64)                  \
    X(SET_LT_I32) X(SET_LT_I64) X(SET_GE_I32) X(SET_GE_I64)                  \
    X(SET_LE_I32) X(SET_LE_I64) X(SET_GT_I32) X(SET_GT_I64)                  \
    X(SET_LTU_I32) X(SET_LTU_I64) X(SET_GEU_I32) X(SET_GEU_I64)              \
    X(SET_LEU_I32) X(SET_LEU_I64) X(SET_GTU_I32) X(SET_GTU_I64)              \
    X(MOVC_EQ_I32) X(MOVC_EQ_I64) X(MOVC_NE_I32) X(MOVC_NE_I64)              \
    X(MOVC_LT_I32) X(MOVC_LT_I64) X(MOVC_GE_I32) X(MOVC_GE_I64)              \
    X(MOVC_LE_I32) X(MOVC_LE_I64) X(MOVC_GT_I32) X(MOVC_GT_I64)              \
    X(MOVC_LTU_I32) X(MOVC_LTU_I64) X(MOVC_GEU_I32) X(MOVC_GEU_I64)          \
    X(MOVC_LEU_I32) X(MOVC_LEU_I64) X(MOVC_GTU_I32) X(MOVC_GTU_I64)          \
    X(BR_EQ_I32) X(BR_EQ_I64) X(BR_NE_I32) X(BR_NE_I64)                      \
    X(BR_LT_I32) X(BR_LT_I64) X(BR_GE_I32) X(BR_GE_I64)                      \
    X(BR_LE_I32) X(BR_LE_I64) X(BR_GT_I32) X(BR_GT_I64)                      \
    X(BR_LTU_I32) X(BR_LTU_I64) X(BR_GEU_I32) X(BR_GEU_I64)                  \
    X(BR_LEU_I32) X(BR_LEU_I64) X(BR_GTU_I32) X(BR_GTU_I64)                  \
    X(BR)                                                                    \
    X(LDENV_U8_I32) X(LDENV_U8_I64) X(LDENV_S8_I32) X(LDENV_S8_I64)          \
    X(LDENV_U16_I32) X(LDENV_U16_I64) X(LDENV_S16_I32) X(LDENV_S16_I64)      \
    X(LDENV_U32_I32) X(LDENV_U32_I64) X(LDENV_S32_I32) X(LDENV_S32_I64)      \
    X(LDENV_64_I32) X(LDENV_64_I64)                                          \
    X(STENV_8) X(STENV_16) X(STENV_32) X(STENV_64)                           \
    X(QLD_U8_I32) X(QLD_U8_I64) X(QLD_S8_I32) X(QLD_S8_I64)                  \
    X(QLD_U16_I32) X(QLD_U16_I64) X(QLD_S16_I32) X(QLD_S16_I64)              \
    X(QLD_U32_I32) X(QLD_U32_I64) X(QLD_S32_I32) X(QLD_S32_I64)              \
    X(QLD_64_I32) X(QLD_64_I64)                                              \
    X(QST_8) X(QST_16) X(QST_32) X(QST_64)                                   \
    X(CMPXCHG_I32) X(CMPXCHG_I64) X(RMW_I32) X(RMW_I64)                      \
    X(CALL)                                                                  \
    X(GOTO_TB) X(EXIT_TB) X(LOOKUP_AND_GOTO_PTR) X(MB)                       \
    X(ADD_I32SX) X(SUB_I32SX) X(MUL_I32SX) X(AND_I32SX) X(OR_I32SX)          \
    X(XOR_I32SX) X(SHL_I32SX) X(SHR_I32SX) X(SAR_I32SX) X(ROTL_I32SX)        \
    X(ROTR_I32SX) X(DIV_I32SX) X(DIVU_I32SX) X(REM_I32SX) X(REMU_I32SX)      \
    X(ANDC_I32SX) X(ORC_I32SX) X(EQV_I32SX)

typedef enum InterpHandler {
    IH_NONE,                /* 0: "no handler" in lookup tables */
#define INTERP_ENUM_(n) IH_##n,
    INTERP_HANDLERS(INTERP_ENUM_)
#undef INTERP_ENUM_
    IH_COUNT
} InterpHandler;

/* A compiled block (TcgTb.code); the records follow the header in the same
 * allocation, so entering a block costs no extra pointer load. */
typedef struct InterpCode {
    uint64_t *consts;
    unsigned nconsts;
    unsigned ninsns;
    InterpInsn insns[];
} InterpCode;

/* Per-vCPU state (TcgVcpu.backend_data). */
typedef struct InterpVcpu {
    uint64_t frame[INTERP_FRAME_SLOTS];
} InterpVcpu;

typedef struct InterpBackend {
    TcgBackend parent_obj;
    const void *const *handlers;   /* label addresses, IH_COUNT entries */
} InterpBackend;

/* exec.c: run a block; with tb == NULL return the handler table instead. */
TcgTb *interp_run(TcgVcpu *v, TcgTb *tb, int *exit_slot, const void *const **table);
/* compile.c */
bool interp_compile(InterpBackend *be, TcgVcpu *v, const IrBlock *ir, TcgTb *tb);

#endif
