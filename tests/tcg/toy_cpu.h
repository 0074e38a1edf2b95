/* SPDX-License-Identifier: MIT */
/*
 * A toy CPU for the TCG engine tests, and a harness that runs it on the
 * real engine and interpreter (compiled into the test program).
 *
 * Toy ISA: 32-bit little-endian words: op = bits 0-7, rd = 8-11, rs = 12-15,
 * imm = bits 16-31 (sign-extended).  Branch offsets count words.
 *   01 LI rd, imm         02 ADDI rd, rs, imm     03 ADD rd, rs, r[imm]
 *   04 LD rd, imm(rs)     05 ST rd, imm(rs)       0C SW rd, imm(rs)
 *   0D LW rd, imm(rs)     0F LBU rd, imm(rs)      (64/32/8-bit accesses)
 *   06 BNE rd, rs, imm    09 J imm                07 JR rs
 *   0A AMOADD rd, (rs), r[imm]                    10 LDA rd, imm(rs) aligned
 *   08 HALT (done = 1, halts)   0B ECALL (cause 11)   0E WFI (halts)
 *   11 FENCEI (engine icache_flush, ends the block)
 *   12 BNEX rd, rs, imm   as BNE, but a side exit: the taken way leaves the
 *                         block (goto_tb slots 2 and up) and the block goes
 *                         on with the next instruction
 * Faults: addresses >= fault_limit fault (cause 13 load, 15 store, 12
 * fetch); misaligned aligned-accesses give cause 4; unknown opcodes 2.
 * Exceptions and interrupt bit 1 enter tvec, recording cause and epc.
 * Alternatively env.gen, when set, emits the whole body of a block.
 */
#ifndef TESSERA_TESTS_TCG_TOY_CPU_H
#define TESSERA_TESTS_TCG_TOY_CPU_H

#include <check.h>

#include "plugins/accel/tcg/tcg-internal.h"

#define TOY_NREGS 16
#define TOY_NW32 4
#define TOY_NOUT 96
#define TOY_MAX_CPUS 4
#define TOY_RAM_SIZE (1u << 20)
#define TOY_MMIO_BASE 0x100000u
#define TOY_MMIO_SIZE 0x1000u
#define TOY_IRQ 1u

/* Global numbers (IR_GLOBAL(n)). */
#define TOY_G_R(i) IR_GLOBAL(i)
#define TOY_G_PC IR_GLOBAL(TOY_NREGS)
#define TOY_G_W(i) IR_GLOBAL(TOY_NREGS + 1 + (i))

enum {
    TOY_LI = 1, TOY_ADDI, TOY_ADD, TOY_LD, TOY_ST, TOY_BNE, TOY_JR, TOY_HALT, TOY_J,
    TOY_AMOADD, TOY_ECALL, TOY_SW, TOY_LW, TOY_WFI, TOY_LBU, TOY_LDA, TOY_FENCEI, TOY_BNEX,
};

static inline uint32_t toy_insn(unsigned op, unsigned rd, unsigned rs, int imm)
{
    return op | (rd << 8) | (rs << 12) | ((uint32_t)(uint16_t)imm << 16);
}

typedef struct ToyEnv {
    uint64_t r[TOY_NREGS];
    uint64_t pc;
    uint32_t w[TOY_NW32];
    uint64_t out[TOY_NOUT];
    uint64_t gen_id;             /* TB flags: a new value forces retranslation */
    uint64_t tvec, cause, epc, tval;
    uint64_t fault_limit;
    volatile int done;
    volatile int exceptions;
    volatile int interrupts;
    int translations;
    unsigned side_slot;          /* translator: next side-exit slot */
    /* Emit a block body instead of decoding (tests of single ops). */
    void (*gen)(IrBuilder *b, void *opaque);
    void *gen_opaque;
    /* Called by the translator after fetching each instruction. */
    void (*on_fetch)(struct ToyEnv *env, uint64_t pc, void *opaque);
    void *on_fetch_opaque;
    const TcgEngineOps *engine;
} ToyEnv;

typedef struct ToyCPU {
    CPUState parent_obj;
    ToyEnv env;
} ToyCPU;

typedef struct ToyHarness {
    MachineState ms;             /* plain struct: only cpus/address space used */
    MemoryRegion sysmem, ram, mmio;
    AddressSpace as;
    AccelState *accel;
    ToyCPU *cpus[TOY_MAX_CPUS];
    unsigned ncpus;
    uint8_t *ram_ptr;
    /* MMIO log. */
    uint64_t mmio_last_addr, mmio_last_val;
    unsigned mmio_last_size;
    int mmio_writes, mmio_reads;
} ToyHarness;

/* Set up types, memory, @ncpus toy CPUs and the tcg accelerator. */
ToyHarness *toy_setup(unsigned ncpus, const char *accel_opts);
void toy_teardown(ToyHarness *h);
/* Copy @n words of code to guest address @addr. */
void toy_load(ToyHarness *h, uint64_t addr, const uint32_t *code, unsigned n);
/* Run all CPUs from their current pc until every one has env.done set
 * (or @cpu_mask says which must finish); false on timeout. */
bool toy_run_until_done(ToyHarness *h, unsigned cpu_mask, unsigned timeout_ms);
/* Run one generated block on cpu 0 (env.gen), returning when it halts. */
void toy_run_gen(ToyHarness *h, void (*gen)(IrBuilder *b, void *opaque), void *opaque);
/* Resume/pause the vCPUs. */
void toy_resume(ToyHarness *h);
void toy_pause(ToyHarness *h);
/* Raise the toy interrupt on @cpu (and kick it). */
void toy_interrupt(ToyHarness *h, unsigned cpu);
TcgAccel *toy_accel(ToyHarness *h);

#endif
