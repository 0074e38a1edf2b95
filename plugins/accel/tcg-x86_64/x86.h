/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 native TCG backend: shared declarations of the code generator
 * (gen.c, emit.c, regs.c) and the module glue (backend.c).
 *
 * IR temps have homes in memory (globals in env, block temps in a per-vCPU
 * frame; constants are immediates) and are cached in rbp, rsi, rdi, r8-r10
 * within a block (regs.c); rax, rcx, rdx and r11 are scratch.  Fixed
 * registers while a block runs:
 *   rbx = env, r12 = temp frame, r13 = TcgVcpu *, r14 = int *exit_slot,
 *   r15 = the TcgTb being executed (set at every block entry).
 * A per-vCPU entry stub saves the callee-saved registers, loads the fixed
 * ones and jumps to the block; exits restore them and return the block in
 * rax.  The stack stays 16-byte aligned inside blocks, so helpers are called
 * directly (SysV ABI).
 */
#ifndef TESSERA_TCG_X86_64_H
#define TESSERA_TCG_X86_64_H

#include "tcg/tcg-backend.h"

#define TYPE_X86_64_TCG_BACKEND "x86_64-tcg-backend"

/* Temp slots per vCPU frame; bigger blocks are retranslated smaller. */
#define X86_FRAME_SLOTS 4096
/* Size of one executable code chunk. */
#define X86_CHUNK_SIZE (4u << 20)

/* A chunk of RWX memory that blocks are bump-allocated from. */
typedef struct X86Chunk {
    uint8_t *base;
    size_t used;
    unsigned live;          /* blocks allocated here and not yet freed */
} X86Chunk;

/* Offset in a block's code of the TcgTb pointer its entry loads (the only
 * absolute address in a block that is not a helper's). */
#define X86_TB_IMM_OFF 2

/*
 * A block's patchable jumps, as offsets from its code start (4-byte
 * aligned rel32s; 0: none).  jmp_off: each goto_tb's jump, patched to the
 * target block's code.  self_at/self_to: a goto_tb whose target is the
 * block's own first instruction also has a jump before it that, when the
 * slot is linked to the block itself, goes to the slot's loop stub at
 * self_to (see "Self loops" in gen.c) instead of the goto_tb.
 */
typedef struct X86Links {
    uint32_t jmp_off[IR_MAX_GOTO_TB];
    uint32_t self_at[IR_MAX_GOTO_TB];
    uint32_t self_to[IR_MAX_GOTO_TB];
} X86Links;

/* Header in front of each block's code (tb->code points after it). */
typedef struct X86CodeHeader {
    _Alignas(16) X86Chunk *chunk;   /* (a multiple of 16 bytes in all) */
    uint64_t size;
    X86Links links;
} X86CodeHeader;

/* The code generator's per-vCPU scratch arrays (gen.c). */
typedef struct XGenScratch XGenScratch;

typedef TcgTb *(*X86EntryFn)(TcgVcpu *v, const void *code, int *exit_slot);

/* Per-vCPU state (TcgVcpu.backend_data). */
typedef struct X86Vcpu {
    uint64_t *frame;        /* X86_FRAME_SLOTS slots */
    uint8_t *stub;          /* mmap'd page holding the entry stub */
    X86EntryFn entry;
    GPtrArray *chunks;      /* X86Chunk * */
    X86Chunk *cur;          /* chunk new blocks go to */
    XGenScratch *gen;       /* reused by every block's generation */
} X86Vcpu;

/* gen.c: machine code for @ir, @len bytes valid until @xv's next block
 * (NULL: block too big). */
const uint8_t *x86_gen_block(TcgVcpu *v, X86Vcpu *xv, const IrBlock *ir, TcgTb *tb,
                             X86Links *links, unsigned *len);
void x86_gen_scratch_free(XGenScratch *s);
/* disas.c: @len bytes of host code at @code, one instruction a line. */
void x86_disas(const uint8_t *code, size_t len, GString *out);
/* gen.c: the entry stub for @v. */
GByteArray *x86_gen_entry_stub(TcgVcpu *v, uint64_t *frame);

#endif
