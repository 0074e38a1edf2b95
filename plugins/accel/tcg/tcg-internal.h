/* SPDX-License-Identifier: MIT */
/*
 * Internals of the tcg accelerator shared between its source files:
 * the accelerator object, the per-vCPU state, the IR builder, the block
 * cache, the soft TLB and the execution loop.
 *
 * Locks, outermost first:
 *  - TcgAccel.run_lock: run state (pause/resume/halt), with run_cond;
 *  - TcgAccel.tb_lock: code pages, chaining links, invalidation, the
 *    retired lists; also taken while a vCPU inserts a writable TLB entry so
 *    that "page holds code" and "TLB entry is fast-writable" stay exclusive.
 * A vCPU's block hash table and jump cache are touched only by its thread.
 * Nothing raises a guest exception (siglongjmp) while holding a lock.
 */
#ifndef TESSERA_TCG_INTERNAL_H
#define TESSERA_TCG_INTERNAL_H

#include <setjmp.h>

#include "kernel/accel.h"
#include "kernel/log.h"
#include "kernel/runstate.h"
#include "tcg/tcg-backend.h"

#define TYPE_TCG_ACCEL "tcg-accel"

/* Default and maximum guest instructions per block. */
#define TCG_MAX_INSNS 512
/* Per-vCPU jump cache (virtual pc -> block): TCG_JMP_CACHE_SIZE in
 * tcg-backend.h, shared with compiled code. */
/* Per-vCPU block hash table. */
#define TCG_TB_HASH_BITS 15
#define TCG_TB_HASH_SIZE (1u << TCG_TB_HASH_BITS)
/* Default translated-code budget per vCPU (MiB); over it the cache is flushed. */
#define TCG_DEFAULT_TB_SIZE_MB 256

typedef struct TcgAccel TcgAccel;

/* Slots of TcgAccel.code_count (1 GiB of guest RAM without aliasing). */
#define TCG_CODE_COUNT_BITS 18
#define TCG_CODE_COUNT_SIZE (1u << TCG_CODE_COUNT_BITS)
static inline unsigned tcg_code_count_slot(uint64_t page)
{
    return (unsigned)(page >> 12) & (TCG_CODE_COUNT_SIZE - 1);
}
typedef struct TcgVcpuState TcgVcpuState;

/* ---- the IR builder (ir-builder.c) ------------------------------------- */

typedef struct IrBuilderImpl {
    IrBuilder pub;
    IrBlock blk;
    unsigned ops_cap;
    unsigned temps_cap;
    /* Freed block temps per type, reused by temp_new. */
    GArray *free_temps[2];
    int cur_insn;
    /* Constant interning: small open-addressed table of temp numbers. */
    IrTemp const_slots[256];
} IrBuilderImpl;

void ir_builder_init(IrBuilderImpl *ib, const TcgCpuOps *ops);
void ir_builder_destroy(IrBuilderImpl *ib);
/* Start a new block. */
void ir_builder_reset(IrBuilderImpl *ib, uint64_t pc, uint64_t flags, int max_insns);
/* Text dump of a block for -d op. */
void ir_block_dump(const IrBlock *blk, GString *out);
/* Opcode properties. */
const char *ir_opcode_name(unsigned opc);
/* True for ops after which control never continues to the next op. */
bool ir_op_is_terminator(unsigned opc);

/* Constant folding, copy propagation and dead-code removal (ir-opt.c). */
void ir_optimize(IrBuilderImpl *ib);

/* ---- code pages (tb.c) --------------------------------------------------- */

typedef struct TcgPageRef {
    TcgTb *tb;
    uint16_t start, end;     /* byte range of the block within the page */
} TcgPageRef;

typedef struct TcgPage {
    uint64_t page;           /* physical page address */
    GArray *refs;            /* TcgPageRef */
    uint64_t code_bitmap;    /* bit i: some block covers bytes [64i, 64i+64) */
} TcgPage;

/* ---- the accelerator object ---------------------------------------------- */

/* Locks of the shared-translation table (tb-share.c), striped by slot so
 * that vCPUs looking up different blocks do not wait for each other. */
#define TCG_SHARE_LOCKS 64

struct TcgAccel {
    AccelState parent_obj;
    /* Properties. */
    char *backend_name;
    uint64_t tb_size_mb;
    bool chaining;           /* property "chain" (debug: off disables links) */
    bool perfmap;            /* property "perfmap": the backend writes /tmp/perf-PID.map */

    MachineState *ms;
    TcgBackend *backend;
    const TcgBackendOps *bops;
    bool backend_chains;
    GPtrArray *vcpus;        /* TcgVcpuState * */

    GMutex run_lock;
    GCond run_cond;          /* vCPUs wait for run/kick; pausers for parking */
    bool running;            /* resumed by the core */
    unsigned nparked;
    unsigned nthreads;       /* vCPU threads started */
    VcpuControl vcpu_ctl;

    GMutex tb_lock;
    GHashTable *pages;       /* physical page -> TcgPage * */
    /* Code pages per hash slot of the physical page number (changed under
     * tb_lock, read without it): a TLB fill whose slot counts 0 knows the
     * page holds no code without taking tb_lock (see tlb.c). */
    uint32_t *code_count;

    /* Blocks shared between vCPUs (tb-share.c): NULL when sharing is off
     * (one vCPU, a backend without clone, a CPU without code_key). */
    struct TcgShared **shared;
    GMutex share_lock[TCG_SHARE_LOCKS];   /* slot % TCG_SHARE_LOCKS */

    AddressSpaceListener as_listener;
    AddressSpace *listened_as;
    GArray *ram_signature;   /* uint64_t triples describing RAM ranges */
};

OBJECT_DECLARE_SIMPLE_TYPE(TcgAccel, TCG_ACCEL, TYPE_TCG_ACCEL)

/* Per-TLB-entry data that compiled code does not need. */
typedef struct TcgTlbFull {
    uint64_t paddr_page;     /* physical page (TCG_TLB_EMPTY: none) */
    bool global;             /* valid in every address space (tlb_fill said so) */
} TcgTlbFull;

/* Address spaces (tags set by the CPU with tlb_set_tag) cached per vCPU. */
#define TCG_TLB_TAG_SETS 8

/*
 * The TLB (every mmu index) and jump cache of one address-space tag.
 * Allocated by the owner under tb_lock (other threads walk every set in
 * tcg_tlb_mark_code_page_locked), never freed before the vCPU.
 */
typedef struct TcgTlbSet {
    uint64_t tag;
    uint64_t stamp;          /* last use, for replacement */
    bool live;               /* holds entries of @tag (false: free) */
    bool jc_used;            /* jump cache has entries */
    unsigned used;           /* bit m: mmu index m filled since its last flush */
    /* Large pages cached: a flush_page inside one flushes the mmu index. */
    uint64_t large_page_addr[TCG_MAX_MMU_MODES];
    uint64_t large_page_mask[TCG_MAX_MMU_MODES];
    TcgTlbEntry *tlb[TCG_MAX_MMU_MODES];
    TcgTlbFull *full[TCG_MAX_MMU_MODES];
    TcgTb **jmp_cache;       /* TCG_JMP_CACHE_SIZE */
} TcgTlbSet;

/* Requests from other threads, bits of TcgVcpuState.requests. */
enum {
    TCG_REQ_TLB_FLUSH = 1 << 0,
    TCG_REQ_TB_FLUSH = 1 << 1,
    TCG_REQ_TLB_QUEUE = 1 << 2,   /* TcgVcpuState.flush_q holds operations */
};

/* One TLB operation broadcast to another vCPU (see tlb.c, "broadcast"). */
typedef enum {
    TCG_FLUSH_ALL,
    TCG_FLUSH_PAGE,          /* @value: the virtual address, every address space */
    TCG_FLUSH_TAG,           /* tag & @mask == @value, keeping globals if asked */
} TcgFlushKind;

typedef struct TcgFlushOp {
    TcgFlushKind kind;
    bool keep_global;
    uint64_t value;
    uint64_t mask;
} TcgFlushOp;

/* Queued operations per target vCPU; past this the target flushes all. */
#define TCG_FLUSH_QUEUE 16

struct TcgVcpuState {
    TcgVcpu pub;             /* first: TcgVcpu * converts to TcgVcpuState * */
    TcgAccel *accel;
    unsigned index;
    bool (*has_work)(CPUState *cpu);   /* CPUClass.has_work, or NULL */

    /* TLB and jump cache per address-space tag; pub.tlb[] and
     * pub.jmp_cache point into cur's. */
    TcgTlbSet *sets[TCG_TLB_TAG_SETS];
    unsigned nsets;          /* allocated (published with release) */
    TcgTlbSet *cur;
    uint64_t set_clock;

    TcgTb **tb_hash;         /* TCG_TB_HASH_SIZE chains */
    unsigned ntbs;
    size_t code_bytes;

    sigjmp_buf jmp_env;
    bool exception_pending;
    volatile int requests;   /* TCG_REQ_* from other threads */
    /*
     * Synchronous broadcast TLB maintenance (protocol in tlb.c and
     * docs/architecture.md): issuers queue operations under flush_lock and
     * bump flush_posted; this vCPU applies them and publishes flush_acked,
     * broadcasting flush_cond when flush_waiters is non-zero.  in_code is
     * set while the thread may run guest code without first looking at
     * requests (cleared while halted, parked or waiting for the device lock).
     */
    GMutex flush_lock;
    GCond flush_cond;
    TcgFlushOp flush_q[TCG_FLUSH_QUEUE];
    unsigned flush_n;
    bool flush_overflow;
    uint64_t flush_posted;
    uint64_t flush_acked;
    int flush_waiters;
    int in_code;
    GPtrArray *retired;      /* invalidated blocks to free (under tb_lock) */
    volatile int has_retired;

    IrBuilderImpl builder;
    /* Pages fetched while translating the current block, and the host
     * address of each page. */
    uint64_t tr_pages[2];
    uint8_t *tr_host[2];
    bool tr_mmio;
    /* The code bytes as the translator read them, by offset from the
     * block's pc (a block spans at most two pages): what the block means,
     * checked against memory once its pages are marked as holding code. */
    uint8_t tr_bytes[2 * TCG_PAGE_SIZE];
    bool translating;
    /* TcgCpuOps.code_key of this vCPU (valid when has_code_key). */
    bool has_code_key;
    uint64_t code_key;

    /* While halted by wait_timeout: when to go on anyway (g_get_monotonic_time;
     * 0: halted until there is work). */
    gint64 halt_deadline;

    bool parked;
    bool stop_thread;
    GThread *thread;

    /* Guest debugging (debug.c); changed by update_guest_debug while the
     * VM is paused, otherwise by the vCPU thread only. */
    bool debug_active;       /* breakpoints, watchpoints or single-step set */
    bool dbg_watching;       /* watchpoints set */
    bool watch_step;         /* run the current instruction alone, then stop */
    bool dbg_inflight;       /* a one-instruction step is running */
    bool dbg_one_insn;       /* watchpoint hits are recorded, not acted on */
    bool dbg_irq_taken;      /* the loop just entered an interrupt handler */
    CPUDebugEvent watch_hit; /* first watchpoint hit of the step */
};

static inline TcgVcpuState *tcg_vcpu_of(CPUState *cpu)
{
    return (TcgVcpuState *)cpu->accel_data;
}

/* ---- tb-share.c ------------------------------------------------------------- */

/* Turn sharing on once all vCPUs exist (when it can work). */
void tcg_share_init(TcgAccel *a);
void tcg_share_destroy(TcgAccel *a);
/* Whether @v may take blocks from, and give blocks to, the others now. */
bool tcg_share_usable(TcgVcpuState *v);
/* A new block for (pc, flags) at @phys (host copy at @host) from another
 * vCPU's translation, not yet installed (tcg_tb_install); NULL if none
 * matches the current code bytes. */
TcgTb *tcg_share_find(TcgVcpuState *v, uint64_t pc, uint64_t flags, uint64_t phys,
                      const uint8_t *host);
/* Offer @v's freshly installed, unlinked block to the other vCPUs. */
void tcg_share_add(TcgVcpuState *v, const TcgTb *tb);

/* ---- tb.c ----------------------------------------------------------------- */

/* Put a new block (code compiled or cloned, v->tr_* describing its guest
 * code) into @v's cache and the code pages. */
void tcg_tb_install(TcgVcpuState *v, TcgTb *tb, uint64_t phys);

bool tcg_tb_cache_init(TcgVcpuState *v);
void tcg_tb_cache_destroy(TcgVcpuState *v);
/* Find a block for (pc, flags) through the jump cache, then the hash table
 * (computing the physical pc, which may fill the TLB and raise when
 * @may_fault).  NULL when absent. */
TcgTb *tcg_tb_lookup(TcgVcpuState *v, uint64_t pc, uint64_t flags, bool may_fault);
/* Translate and insert a block (may raise a fetch fault). */
TcgTb *tcg_tb_gen_code(TcgVcpuState *v, uint64_t pc, uint64_t flags);
/* The same with at most @max_insns guest instructions (single-step: 1). */
TcgTb *tcg_tb_gen_code_n(TcgVcpuState *v, uint64_t pc, uint64_t flags, int max_insns);
/* Invalidate one block of this vCPU (freed at its next loop iteration). */
void tcg_tb_discard(TcgVcpuState *v, TcgTb *tb);
/* Link last->jmp_target[slot] = next unless either is invalid. */
void tcg_tb_link(TcgVcpuState *v, TcgTb *last, int slot, TcgTb *next);
/* Invalidate blocks (of every vCPU) on guest-physical [start, start+len).
 * Returns true if a block was invalidated. */
bool tcg_tb_invalidate_phys_range(TcgAccel *a, uint64_t start, uint64_t len);
/* Whether a physical page holds translated code (tb_lock held). */
bool tcg_page_has_code_locked(TcgAccel *a, uint64_t page);
/* The code-page table for TcgAccel.pages. */
GHashTable *tcg_pages_new(void);
/* Free retired blocks, flush the whole cache if asked: on the vCPU thread,
 * outside translated code. */
void tcg_tb_process_retired(TcgVcpuState *v);
void tcg_tb_flush_vcpu(TcgVcpuState *v);
/* Clear the jump caches of every address-space set / of one set. */
void tcg_jmp_cache_clear(TcgVcpuState *v);
void tcg_jmp_cache_clear_set(TcgTlbSet *s);
void tcg_jmp_cache_clear_page(TcgTlbSet *s, uint64_t vaddr);
/* Remember @tb in the current set's jump cache. */
void tcg_jmp_cache_put(TcgVcpuState *v, TcgTb *tb);

/* ---- tlb.c ----------------------------------------------------------------- */

bool tcg_tlb_init(TcgVcpuState *v);
void tcg_tlb_destroy(TcgVcpuState *v);
/* Flush every cached address space / one page in every address space. */
void tcg_tlb_flush_local(TcgVcpuState *v);
void tcg_tlb_flush_page_local(TcgVcpuState *v, uint64_t vaddr);
/* Make @tag the current address space (see TcgEngineOps.tlb_set_tag). */
void tcg_tlb_set_tag(TcgVcpuState *v, uint64_t tag, uint64_t global_mask);
/* Flush the address spaces whose tag & @mask == @value, keeping global
 * entries when @keep_global. */
void tcg_tlb_flush_tag(TcgVcpuState *v, uint64_t value, uint64_t mask, bool keep_global);
/* Apply the TLB requests other threads posted (TCG_REQ_TLB_FLUSH,
 * TCG_REQ_TLB_QUEUE) and acknowledge them: on the vCPU's own thread, outside
 * translated code or inside a helper (it frees nothing). */
void tcg_tlb_process_requests(TcgVcpuState *v);
/* Mark the vCPU in or out of guest code (see TcgVcpuState.in_code);
 * entering processes pending TLB requests. */
void tcg_vcpu_leave_code(TcgVcpuState *v);
void tcg_vcpu_enter_code(TcgVcpuState *v);
/* Drop queued broadcast operations (system reset, vCPUs stopped). */
void tcg_tlb_reset_requests(TcgVcpuState *v);
/* The jump cache compiled code may probe (NULL: none). */
static inline TcgTb **tcg_active_jmp_cache(TcgVcpuState *v, bool allowed)
{
    return allowed ? v->cur->jmp_cache : NULL;
}
/* A page became code: make every vCPU's writable entries for it slow (tb_lock held). */
void tcg_tlb_mark_code_page_locked(TcgAccel *a, uint64_t page);
/* Physical address of code at @vaddr for the current fetch mmu index;
 * UINT64_MAX if it is not RAM-backed; *host gets the host pointer (or NULL).
 * Returns false without raising if not mapped and !@may_fault. */
bool tcg_get_code_page(TcgVcpuState *v, uint64_t vaddr, bool may_fault, uint64_t *paddr,
                       void **host);

extern const TcgEngineOps tcg_engine_ops;
/* Engine services for backends, installed into TcgVcpu. */
void tcg_tlb_install_vcpu_hooks(TcgVcpu *v);

/* ---- debug.c ------------------------------------------------------------- */

void tcg_update_guest_debug(AccelState *accel, CPUState *cpu);
/* Loop hooks: interrupts held back (single-step); handle this iteration
 * (breakpoint at pc, step, watchpoint re-run) -- true when done. */
bool tcg_debug_irqs_blocked(TcgVcpuState *v);
bool tcg_debug_exec(TcgVcpuState *v);
/* TLB hooks: a watched virtual page; check a slow-path access. */
bool tcg_debug_page_watched(TcgVcpuState *v, uint64_t vpage);
void tcg_debug_check_watch(TcgVcpuState *v, uint64_t vaddr, unsigned size, bool is_write,
                           uintptr_t ra);
bool tcg_debug_stop_before(CPUState *cpu, uint64_t pc);

/* ---- cpu-exec.c ---------------------------------------------------------- */

/* The vCPU thread body. */
gpointer tcg_vcpu_thread(gpointer opaque);
/* Restore guest state to the instruction at @ra (non-zero) of cur_tb. */
void tcg_restore_state(TcgVcpuState *v, uintptr_t ra);
void tcg_raise_exception(CPUState *cpu, uintptr_t ra) G_GNUC_NORETURN;
void tcg_loop_exit(CPUState *cpu, uintptr_t ra) G_GNUC_NORETURN;
void tcg_wait_timeout(CPUState *cpu, uint64_t timeout_us) G_GNUC_NORETURN;
void tcg_cpu_exit(CPUState *cpu);
TcgTb *tcg_lookup_tb_for_backend(TcgVcpu *pub);
void tcg_enter_abort(TcgVcpu *pub, TcgTb *tb);
/* Pause/resume/reset hooks for the core (installed by accel.c). */
void tcg_pause_all(void *opaque);
void tcg_resume_all(void *opaque);
void tcg_reset_all(void *opaque);
void tcg_kick_vcpu(TcgAccel *a, CPUState *cpu);

#endif
