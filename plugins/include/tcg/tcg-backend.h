/* SPDX-License-Identifier: MIT */
/*
 * The contract between the tcg engine and its code-generation backends.
 *
 * A backend is a QOM type "<name>-tcg-backend" deriving from TYPE_TCG_BACKEND
 * (registered by the accel-tcg module), in its own module of kind
 * "tcg-backend" that requires "accel-tcg".  It links no engine symbol: the
 * engine reaches it through TcgBackendOps and it reaches the engine through
 * the function pointers in TcgVcpu.
 *
 * Translated code is per vCPU: the engine keeps one block cache per vCPU and
 * compiles each block for one TcgVcpu, so compiled code may embed addresses
 * of that vCPU's env, TLB and temp frame.  A compiled block runs on its
 * vCPU's thread only.
 *
 * The IR a backend receives is the CPU's IR after the engine's passes:
 * globals (IR_GLOBAL) are env fields; temps numbered from ir->first_local
 * are block temps; constants are temps with kind IR_TEMP_KIND_CONST.
 */
#ifndef TESSERA_TCG_BACKEND_H
#define TESSERA_TCG_BACKEND_H

#include <setjmp.h>

#include "tcg/tcg-cpu.h"

#define TYPE_TCG_BACKEND "tcg-backend"
#define TYPE_TCG_BACKEND_SUFFIX "-tcg-backend"

/* ---- IR blocks as handed to backends ---------------------------------- */

typedef struct IrOp {
    uint16_t opc;           /* IrOpcode */
    uint8_t type;           /* IrType */
    uint8_t nargs;
    uint32_t insn;          /* index of the guest instruction (insn_start) */
    uint64_t args[IR_MAX_OP_ARGS];
} IrOp;

typedef enum IrTempKind {
    IR_TEMP_KIND_ENV,       /* IR_TEMP_ENV */
    IR_TEMP_KIND_GLOBAL,    /* env field at env_offset */
    IR_TEMP_KIND_LOCAL,     /* block temp */
    IR_TEMP_KIND_CONST,     /* read-only, value */
} IrTempKind;

typedef struct IrTempInfo {
    uint8_t kind;           /* IrTempKind */
    uint8_t type;           /* IrType */
    uint8_t freed;          /* builder: on the free list */
    ptrdiff_t env_offset;   /* GLOBAL */
    uint64_t value;         /* CONST (I32 values are zero-extended) */
    const char *name;       /* GLOBAL: from TcgGlobalDesc */
} IrTempInfo;

typedef struct IrBlock {
    IrOp *ops;
    unsigned nops;
    IrTempInfo *temps;
    unsigned ntemps;
    unsigned first_local;   /* 1 + num_globals */
    unsigned nlabels;
    unsigned ninsns;        /* number of INSN_START ops */
} IrBlock;

/* Number of operands of each kind of an op (CALL counted from its args). */
typedef struct IrOpDef {
    const char *name;
    uint8_t nout, nin, nconst;
} IrOpDef;

/* ---- soft TLB ------------------------------------------------------------ */

#define TCG_TLB_BITS 10
#define TCG_TLB_SIZE (1u << TCG_TLB_BITS)

/* Flag bits in the low bits of the comparators: any set forces the slow
 * path.  A comparator is the page's virtual address when the access may use
 * host = vaddr + addend directly. */
enum {
    TCG_TLB_INVALID = 1 << 11,    /* no mapping cached */
    TCG_TLB_MMIO = 1 << 10,       /* not RAM (or ROM on write): dispatch */
    TCG_TLB_NOTDIRTY = 1 << 9,    /* write to a page holding translated code */
};
#define TCG_TLB_FLAGS_MASK (TCG_TLB_INVALID | TCG_TLB_MMIO | TCG_TLB_NOTDIRTY)
#define TCG_TLB_EMPTY UINT64_MAX

typedef struct TcgTlbEntry {
    uint64_t addr_read;
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;       /* host address = guest vaddr + addend */
} TcgTlbEntry;

/* Index of @vaddr's entry. */
static inline unsigned tcg_tlb_index(uint64_t vaddr)
{
    return (unsigned)(vaddr >> TCG_PAGE_BITS) & (TCG_TLB_SIZE - 1);
}

/* ---- jump cache ---------------------------------------------------------- */

#define TCG_JMP_CACHE_BITS 14
#define TCG_JMP_CACHE_SIZE (1u << TCG_JMP_CACHE_BITS)

/*
 * Jump cache index of a virtual pc (pcs are at least 2-byte aligned): the
 * page's group of TCG_JMP_GROUP_SIZE entries (low page-number bits), then a
 * slot in the group from the offset bits, so that a page's blocks can be
 * dropped without clearing the whole cache.  Compiled code computes the
 * same: with s = pc >> TCG_JMP_GROUP_SHIFT, (s & group mask) | ((s ^ pc) >> 1
 * & slot mask).
 */
#define TCG_JMP_GROUP_BITS 8
#define TCG_JMP_GROUP_SIZE (1u << TCG_JMP_GROUP_BITS)
#define TCG_JMP_GROUP_SHIFT (TCG_PAGE_BITS - TCG_JMP_GROUP_BITS)
G_STATIC_ASSERT(TCG_JMP_GROUP_BITS <= TCG_PAGE_BITS && TCG_JMP_GROUP_BITS < TCG_JMP_CACHE_BITS &&
                TCG_JMP_CACHE_BITS <= 24);
static inline unsigned tcg_jc_group(uint64_t vaddr)
{
    return (unsigned)((vaddr >> TCG_JMP_GROUP_SHIFT) &
                      ((TCG_JMP_CACHE_SIZE - 1) & ~(TCG_JMP_GROUP_SIZE - 1)));
}

static inline unsigned tcg_jc_hash(uint64_t pc)
{
    return tcg_jc_group(pc) |
           ((unsigned)(((pc >> TCG_JMP_GROUP_SHIFT) ^ pc) >> 1) & (TCG_JMP_GROUP_SIZE - 1));
}

/* ---- translation blocks -------------------------------------------------- */

typedef struct TcgTb TcgTb;
typedef struct TcgVcpu TcgVcpu;
typedef struct TcgBackend TcgBackend;

/* TcgTb.jmp_in entries carry the slot in a block pointer's low bits. */
#define TCG_TB_SLOT_MASK 7u
G_STATIC_ASSERT(IR_MAX_GOTO_TB <= TCG_TB_SLOT_MASK + 1);

struct TcgTb {
    uint64_t pc;            /* guest virtual pc */
    uint64_t flags;
    uint64_t phys_pc;       /* guest physical pc (UINT64_MAX: not RAM) */
    uint32_t size;          /* guest bytes */
    uint32_t ninsns;
    uint64_t *insn_data;    /* ninsns x TcgCpuOps.insn_start_words */
    /* Chained successors, read by compiled code (atomically; NULL: not
     * linked); written by the engine. */
    TcgTb *jmp_target[IR_MAX_GOTO_TB];
    /* Backend code and its size in bytes (for the cache size limit). */
    void *code;
    size_t code_size;
    /* Always 0.  With verified_gen it forms the 64-bit word that compiled
     * code compares, in one load, with TcgVcpu's exit_flag and icache_gen. */
    uint32_t entry_zero;
    /* TcgVcpu.icache_gen when the code bytes were last checked; compiled
     * code follows a chain link only when it equals the current one. */
    uint32_t verified_gen;
    volatile int invalid;   /* invalidated: never enter again */
    /* Engine bookkeeping follows (see tcg-internal.h). */
    TcgVcpu *owner;
    TcgTb *hash_next;
    uint64_t phys_page[2];  /* pages covered (UINT64_MAX: none) */
    GPtrArray *jmp_in;      /* (TcgTb *from) | slot, as uintptr_t (TCG_TB_SLOT_MASK) */
    /* The guest code as translated, and where it lives in host RAM (two
     * pieces when the block crosses a page), for checks after fence.i. */
    uint8_t *code_copy;
    const uint8_t *host_code[2];
    uint16_t host_len[2];
};

/* ---- per-vCPU engine state shared with backends ------------------------- */

struct TcgVcpu {
    CPUState *cpu;
    void *env;
    const TcgCpuOps *ops;
    /* Set (non-zero) to make compiled code return at the next goto_tb /
     * lookup_and_goto_ptr / block entry. */
    volatile int exit_flag;
    /* Bumped by icache_flush (fence.i): blocks must be re-checked against
     * guest memory (which DMA may have changed) before being entered. */
    uint32_t icache_gen;
    unsigned nb_mmu_modes;
    TcgTlbEntry *tlb[TCG_MAX_MMU_MODES];   /* TCG_TLB_SIZE entries each */

    /* Engine services for compiled code.  @ra is non-zero when the caller
     * has stored cur_tb/cur_insn for precise faults. */
    uint64_t (*slow_ld)(TcgVcpu *v, uint64_t addr, unsigned memop, int mmu_idx, uintptr_t ra);
    void (*slow_st)(TcgVcpu *v, uint64_t addr, uint64_t val, unsigned memop, int mmu_idx,
                    uintptr_t ra);
    uint64_t (*atomic_cmpxchg)(TcgVcpu *v, uint64_t addr, uint64_t cmp, uint64_t newv,
                               unsigned memop, int mmu_idx, uintptr_t ra);
    uint64_t (*atomic_rmw)(TcgVcpu *v, uint64_t addr, uint64_t val, IrAtomicOp op,
                           unsigned memop, int mmu_idx, uintptr_t ra);
    /* Next block for the current env state from the caches, or NULL
     * (also when exit_flag is set or chaining is disabled). */
    TcgTb *(*lookup_tb)(TcgVcpu *v);
    /* A chained or jump-cache entry into @tb found it must not run now
     * (exit_flag set, @tb invalid, or its code not re-checked since the
     * last fence.i): set the guest state to @tb's first instruction (its
     * pc; the guest has not started it).  Compiled code then returns to
     * the loop with no exit slot. */
    void (*enter_abort)(TcgVcpu *v, TcgTb *tb);

    /*
     * For inline lookups in compiled code (lookup_and_goto_ptr):
     * jmp_cache is TCG_JMP_CACHE_SIZE block pointers indexed by
     * tcg_jc_hash(pc), or NULL while compiled code must not look blocks up
     * itself (chaining off); entries may be NULL or hold blocks of any
     * pc/flags, possibly invalid.  pc_offset is the env offset of the
     * 64-bit guest pc (the CPU's global named "pc"), or -1 if the CPU has
     * none.  A lookup_and_goto_ptr op carries the TB flags env has at that
     * point (the translator's knowledge), which compiled code compares
     * entries with.
     */
    TcgTb **jmp_cache;
    ptrdiff_t pc_offset;

    /* Where compiled code is: the block being executed and the index of
     * the guest instruction that called out (set before helper calls and
     * slow paths). */
    TcgTb *cur_tb;
    uint32_t cur_insn;

    void *backend_data;     /* the backend's per-vCPU state */
};

/* ---- backends ------------------------------------------------------------ */

typedef struct TcgBackendOps {
    /* Set up / tear down per-vCPU state (v->backend_data). */
    bool (*vcpu_init)(TcgBackend *be, TcgVcpu *v, GError **errp);
    void (*vcpu_cleanup)(TcgBackend *be, TcgVcpu *v);
    /*
     * Compile @ir for @v into tb->code / tb->code_size.  Returns false when
     * the block is too big for the backend (the engine retranslates with
     * fewer instructions).  Must not depend on tb->jmp_target.
     */
    bool (*compile)(TcgBackend *be, TcgVcpu *v, const IrBlock *ir, TcgTb *tb);
    void (*free_code)(TcgBackend *be, TcgVcpu *v, TcgTb *tb);
    /*
     * Run @tb and whatever it chains to.  Returns the block that left and
     * stores the exit slot it left through (0..IR_MAX_GOTO_TB-1, or -1 for
     * IR_EXIT_NO_CHAIN / lookup misses / exit requests).  Faults leave by
     * siglongjmp instead.
     */
    TcgTb *(*exec)(TcgBackend *be, TcgVcpu *v, TcgTb *tb, int *exit_slot);
    /* Optional: tb->jmp_target[slot] changed (native backends patch code). */
    void (*link)(TcgBackend *be, TcgTb *tb, int slot);
    /* Index of the guest instruction of tb being executed when a helper
     * called with return address @ra (TCG_GETPC) or a slow path faulted. */
    unsigned (*find_insn)(TcgBackend *be, TcgVcpu *v, TcgTb *tb, uintptr_t ra);
    /*
     * Optional (backends that generate host code): from now on append a
     * line "START SIZE tb cpuN 0xPC" to /tmp/perf-PID.map for each block
     * compiled, so that perf attributes samples in generated code to guest
     * blocks.  NULL: the accelerator refuses perfmap=on.
     */
    bool (*perfmap_open)(TcgBackend *be, GError **errp);
    /* Optional: append @tb's generated code, one host instruction a line,
     * to @out (-d out_asm).  NULL: the log says the backend has none. */
    void (*dump_code)(TcgBackend *be, const TcgTb *tb, GString *out);
    /*
     * Optional pair, for blocks shared between vCPUs (a backend whose code
     * embeds nothing of its vCPU).  export_code: @tb's code as compile()
     * made it, before any link, into @buf (NULL: only the size is wanted);
     * returns its size.  clone: code exported from another vCPU's block
     * becomes @tb's code for @v (tb->code, tb->code_size, as compile()
     * would set them); false when there is no room.
     */
    size_t (*export_code)(TcgBackend *be, const TcgTb *tb, void *buf);
    bool (*clone)(TcgBackend *be, TcgVcpu *v, const void *code, size_t size, TcgTb *tb);
} TcgBackendOps;

struct TcgBackend {
    Object parent_obj;
};

typedef struct TcgBackendClass {
    ObjectClass parent_class;
    const TcgBackendOps *ops;
    /* Whether compiled blocks follow jmp_target links themselves. */
    bool chaining;
} TcgBackendClass;

OBJECT_DECLARE_TYPE(TcgBackend, TcgBackendClass, TCG_BACKEND, TYPE_TCG_BACKEND)

#endif
