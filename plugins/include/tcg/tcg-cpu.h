/* SPDX-License-Identifier: MIT */
/*
 * The contract between the tcg accelerator (the engine) and CPU modules.
 *
 * A CPU class lists a const TcgCpuOps under "tcg" in CPUClass.accel_ops.  The engine
 * calls those hooks; in exchange it hands each vCPU a const TcgEngineOps
 * (through TcgCpuOps.attach) whose functions the CPU module's helpers call.
 * The CPU module links no engine symbol: everything goes through these two
 * tables and the IrBuilder (ir.h).
 *
 * Threads: each vCPU runs on its own thread; every hook below is called on
 * that vCPU's thread unless noted.  Helpers touching devices take the
 * device lock (kernel/runstate.h) themselves; guest RAM is accessed
 * without it.
 *
 * Exceptions: a hook or helper that must raise a guest exception records it
 * in its own state (e.g. env->pending cause/tval) and calls
 * engine->raise_exception(cpu, ra).  That never returns: the engine restores
 * the guest state of the faulting instruction (restore_state_to_opc, when
 * @ra identifies a spot in translated code), unwinds to the execution loop
 * with siglongjmp, and calls do_interrupt(cpu) there, which delivers it.
 *
 * Return addresses (@ra): helpers called from translated code pass
 * TCG_GETPC() (evaluated in the helper called directly by the IR call op,
 * not in a function it calls) so that a fault inside the helper is precise.
 * Code outside translated code (the loop, hooks, the translator) passes 0
 * and must have synced the guest state itself.
 *
 * Everything is append-only: new fields go at the end of the structs;
 * breaking changes are listed in CHANGES-FOR-CPU.md.
 */
#ifndef TESSERA_TCG_CPU_H
#define TESSERA_TCG_CPU_H

#include "kernel/accel.h"
#include "tcg/ir.h"

/* Version of this interface; TcgCpuOps.abi_version must equal it. */
#define TCG_CPU_ABI_VERSION 3

/* Guest page size used by the soft TLB and the block cache. */
#define TCG_PAGE_BITS 12
#define TCG_PAGE_SIZE (1ull << TCG_PAGE_BITS)
#define TCG_PAGE_MASK (~(TCG_PAGE_SIZE - 1))

/* Maximum number of MMU indexes (translation regimes) per CPU. */
#define TCG_MAX_MMU_MODES 8

/* Host return address of the current helper; see the header comment. */
#define TCG_GETPC() ((uintptr_t)__builtin_return_address(0))

/* Kinds of guest memory access. */
typedef enum TcgAccessType {
    TCG_ACCESS_READ = 0,
    TCG_ACCESS_WRITE = 1,
    TCG_ACCESS_FETCH = 2,
} TcgAccessType;

/* Page protection bits returned by tlb_fill. */
enum {
    TCG_PROT_READ = 1 << 0,
    TCG_PROT_WRITE = 1 << 1,
    TCG_PROT_EXEC = 1 << 2,
};

/* Result of a successful translation (page walk + PMP). */
typedef struct TcgTlbFillResult {
    /* Guest physical address of the accessed byte (not page aligned). */
    uint64_t paddr;
    /* TCG_PROT_* the mapping grants for this mmu_idx: all of them, not just
     * the access asked for (for RISC-V leave out WRITE while the PTE's D
     * bit is clear so that the first store comes back to tlb_fill). */
    int prot;
    /* Size of the mapping (4 KiB, 2 MiB, 1 GiB...).  Less than
     * TCG_PAGE_SIZE (e.g. a small PMP region) means "do not cache": the
     * engine calls tlb_fill again for every access to the page. */
    uint64_t page_size;
    /* The mapping is the same in every address space whose tag agrees with
     * the current one on tlb_set_tag's @global_mask (RISC-V: a G-bit PTE;
     * also untranslated accesses): it survives switches and flushes by tag
     * that keep global entries.  Left false, the engine assumes nothing. */
    bool global;
} TcgTlbFillResult;

/* A register the IR addresses directly: IR_GLOBAL(i) is globals[i]. */
typedef struct TcgGlobalDesc {
    const char *name;       /* for IR dumps: "x5", "pc" */
    ptrdiff_t offset;       /* offset of the field in the env struct */
    IrType type;            /* field is uint32_t (I32) or uint64_t (I64) */
} TcgGlobalDesc;

typedef struct TcgEngineOps TcgEngineOps;

/*
 * Hooks a CPU module provides (listed under "tcg" in CPUClass.accel_ops).
 * Required unless marked optional.
 */
typedef struct TcgCpuOps {
    uint32_t abi_version;          /* TCG_CPU_ABI_VERSION */

    /* The architectural state ("env"): at byte @env_offset inside the
     * CPUState subclass, @env_size bytes long.  Offsets in globals, ld/st
     * ops and the env pointer given to helpers refer to it. */
    size_t env_offset;
    size_t env_size;
    const TcgGlobalDesc *globals;
    unsigned num_globals;
    /* Number of mmu indexes used (<= TCG_MAX_MMU_MODES). */
    unsigned nb_mmu_modes;
    /* insn_start words used, counting the pc (1..1+IR_MAX_INSN_START_EXTRA). */
    unsigned insn_start_words;

    /* Called once per vCPU by the accelerator's init_machine, before the
     * vCPU thread starts: keep @engine (it outlives the vCPU). */
    void (*attach)(CPUState *cpu, const TcgEngineOps *engine);

    /* The pc and the TB flags of the current state.  Everything the
     * translation depends on besides the code bytes must be in @flags
     * (privilege, MMU on, FS/VS state, XLEN...): blocks are reused only
     * when pc, physical pc and flags all match. */
    void (*get_tb_cpu_state)(CPUState *cpu, uint64_t *pc, uint64_t *flags);

    /*
     * Emit IR for one block starting at b->pc_first with b->flags.  Fetch
     * code only with engine->fetch_code.  Stop at a control transfer, at
     * b->max_insns instructions, before an instruction that would not lie
     * entirely in the page of pc_first (unless it is the first one), and
     * after anything that changes the TB flags or may unmask an interrupt
     * (end those with ir_exit_tb(b, IR_EXIT_NO_CHAIN)).  Emit
     * ir_insn_start() before each instruction.  Every path must end in
     * exit_tb or lookup_and_goto_ptr.  Returns the number of guest bytes
     * translated (> 0).  A fetch fault raised from here (only possible for
     * the first instruction) is delivered like any other exception.
     */
    unsigned (*translate)(CPUState *cpu, IrBuilder *b);

    /*
     * Translate @vaddr for an access of @size bytes (which does not cross a
     * page) of @access_type in @mmu_idx.  On success fill @out and return
     * true.  On failure: return false when @probe, otherwise record the
     * guest fault and call engine->raise_exception(cpu, ra) (no return).
     */
    bool (*tlb_fill)(CPUState *cpu, uint64_t vaddr, unsigned size, TcgAccessType access_type,
                     int mmu_idx, bool probe, uintptr_t ra, TcgTlbFillResult *out);

    /* A misaligned access with IR_MO_ALIGN: record and raise the guest's
     * misaligned-address fault (must not return). */
    void (*do_unaligned_access)(CPUState *cpu, uint64_t vaddr, TcgAccessType access_type,
                                int mmu_idx, uintptr_t ra);

    /* Deliver the exception recorded before raise_exception (trap entry:
     * update the privilege state and the pc).  Called on the loop after
     * each raise_exception. */
    void (*do_interrupt)(CPUState *cpu);

    /*
     * Called at block boundaries while cpu->interrupt_request != 0 (with
     * its current value).  If an interrupt is pending and enabled, enter
     * its trap handler and return true; otherwise return false.  (A halted
     * vCPU is woken, halted cleared, when CPUClass.has_work says so; kicks
     * from cpu_interrupt make the loop look again.)
     */
    bool (*exec_interrupt)(CPUState *cpu, uint64_t interrupt_request);

    /* Fault in the middle of a block: set the state (at least the pc) from
     * the insn_start words of the faulting instruction: data[0] = pc,
     * data[1..] = the extra words. */
    void (*restore_state_to_opc)(CPUState *cpu, const uint64_t *data);

    /* Optional: one line of disassembly for -d in_asm of the instruction at
     * @pc whose bytes are @insn (@len bytes).  NULL: raw words are shown. */
    void (*disas)(CPUState *cpu, uint64_t pc, const uint8_t *insn, unsigned len, GString *out);

    /* Optional: called after a system reset has reset the CPU device,
     * with the vCPU stopped (the engine has flushed TLB and caches). */
    void (*reset)(CPUState *cpu);

    /* The mmu index of the current state for instruction fetch (@ifetch)
     * or for ordinary data accesses.  The engine uses the fetch index to
     * look code up; translators normally embed data indexes in the IR. */
    int (*mmu_index)(CPUState *cpu, bool ifetch);

    /*
     * Optional: an access reached nothing (@result MEMTX_DECODE_ERROR) or a
     * device refused it (MEMTX_ERROR).  Record the guest's access fault for
     * @vaddr and call engine->raise_exception(cpu, ra) (no return).  The
     * engine has logged it under -d guest_errors and released the device
     * lock.  NULL: reads return 0 and writes are dropped.
     */
    void (*do_transaction_failed)(CPUState *cpu, uint64_t vaddr, uint64_t paddr, unsigned size,
                                  TcgAccessType access_type, int mmu_idx, MemTxResult result,
                                  uintptr_t ra);

    /*
     * Optional: a value that is equal for two vCPUs exactly when translating
     * the same (pc, flags, code bytes) gives the same IR on both: a hash of
     * what the translator reads from the CPU besides the flags (features,
     * ID registers).  Two vCPUs with equal keys share translations (the
     * engine copies one vCPU's compiled block to another instead of
     * translating again).  NULL: every vCPU translates for itself.
     */
    uint64_t (*code_key)(CPUState *cpu);
} TcgCpuOps;

/*
 * Services of the engine, handed to each vCPU by TcgCpuOps.attach.
 * "@cpu" is always the calling vCPU unless noted.
 */
struct TcgEngineOps {
    uint32_t abi_version;          /* TCG_CPU_ABI_VERSION */

    /* ---- leaving translated code (never return) ---- */

    /* Restore the state to the instruction at @ra (if non-zero), unwind to
     * the loop and call do_interrupt there. */
    void (*raise_exception)(CPUState *cpu, uintptr_t ra) G_GNUC_NORETURN;
    /* Restore to @ra (if non-zero) and return to the loop without
     * delivering anything (e.g. after WFI set cpu->halted, or after a
     * helper changed the TB flags mid-block and synced the pc itself). */
    void (*loop_exit)(CPUState *cpu, uintptr_t ra) G_GNUC_NORETURN;
    /* Halt (cpu->halted) until CPUClass.has_work says there is work or
     * @timeout_us microseconds have passed, then go on at the pc the
     * helper's caller set: a bounded sleep for WFE-like waits whose
     * wake-up (a store by another CPU) the engine cannot see. */
    void (*wait_timeout)(CPUState *cpu, uint64_t timeout_us) G_GNUC_NORETURN;

    /* ---- guest memory for helpers and the translator ---- */

    /* Instruction fetch of @size (2 or 4) bytes for the translator; faults
     * are raised through tlb_fill with ra 0. */
    uint32_t (*fetch_code)(CPUState *cpu, uint64_t vaddr, unsigned size);
    /* Loads/stores through the TLB with the semantics of GUEST_LD/ST; value
     * extended per memop. */
    uint64_t (*ld)(CPUState *cpu, uint64_t vaddr, unsigned memop, int mmu_idx, uintptr_t ra);
    void (*st)(CPUState *cpu, uint64_t vaddr, uint64_t val, unsigned memop, int mmu_idx,
               uintptr_t ra);
    /* Atomic across vCPUs; alignment is required (do_unaligned_access).
     * Return the old value extended per memop. */
    uint64_t (*atomic_cmpxchg)(CPUState *cpu, uint64_t vaddr, uint64_t cmp, uint64_t newv,
                               unsigned memop, int mmu_idx, uintptr_t ra);
    uint64_t (*atomic_rmw)(CPUState *cpu, uint64_t vaddr, uint64_t val, IrAtomicOp op,
                           unsigned memop, int mmu_idx, uintptr_t ra);
    /*
     * Check that @size bytes at @vaddr (within one page) are accessible
     * for @access_type, filling the TLB.  Returns the host pointer when the
     * range is plain RAM that may be accessed directly (for writes: not a
     * page holding translated code), else NULL (MMIO, or must use st()).
     * When the access would fault: with @nonfault return NULL and set
     * *@faulted = true (if given); otherwise raise.
     */
    void *(*probe_access)(CPUState *cpu, uint64_t vaddr, unsigned size, TcgAccessType access_type,
                          int mmu_idx, bool nonfault, bool *faulted, uintptr_t ra);

    /* ---- TLB and translated code ---- */

    /* Flush this vCPU's TLB (all mmu indexes and every cached address
     * space, see tlb_set_tag) / entries for one page (in every address
     * space).  Flush when the translation regime changes in a way the
     * address-space tag does not capture (PMP, MXR...). */
    void (*tlb_flush)(CPUState *cpu);
    void (*tlb_flush_page)(CPUState *cpu, uint64_t vaddr);
    /* Flush every vCPU's TLB / one page of every vCPU's TLB, synchronously:
     * when the call returns, every other vCPU has done it or will do it
     * before it runs guest code again (inner-shareable TLBI + DSB). */
    void (*tlb_flush_all_cpus)(CPUState *cpu);
    void (*tlb_flush_page_all_cpus)(CPUState *cpu, uint64_t vaddr);
    /* Drop translations of guest-physical [paddr, paddr+len). */
    void (*tb_invalidate_phys_range)(CPUState *cpu, uint64_t paddr, uint64_t len);
    /* fence.i: make prior code writes visible to this vCPU's fetches.
     * Stores from vCPUs already invalidate affected blocks; this also
     * catches code written by device DMA.  End the block after it. */
    void (*icache_flush)(CPUState *cpu);

    /* ---- execution control ---- */

    /* Make @cpu (any vCPU, from any thread) leave translated code at the
     * next block boundary and re-check interrupts. */
    void (*cpu_exit)(CPUState *cpu);

    /* ---- guest debugging (appended) ---- */

    /* The translator calls this before each instruction of a block but
     * the first, with its pc: true when the block must end there (a
     * debugger breakpoint is set at @pc; the engine stops before running
     * the block that starts with it).  End the block as at max_insns. */
    bool (*debug_stop_before)(CPUState *cpu, uint64_t pc);

    /* ---- address-space tags (appended) ---- */

    /*
     * The TLB and the jump cache (blocks found by virtual pc) are kept per
     * address-space tag, for a few recently used tags: a CPU whose
     * translation regime is named by a value (RISC-V: satp; aarch64:
     * ASID/VMID/TTBR) calls this when it changes instead of tlb_flush, and
     * switching back to a cached tag finds its entries again.  Entries
     * filled with TcgTlbFillResult.global in the previous address space are
     * carried into a newly started one when both tags agree on
     * @global_mask.  Every vCPU starts (and restarts after a system reset)
     * with tag 0.  The tag must capture everything the cached translations
     * depend on besides what tlb_flush/tlb_flush_page are called for.
     */
    void (*tlb_set_tag)(CPUState *cpu, uint64_t tag, uint64_t global_mask);
    /* Flush this vCPU's entries of every cached address space whose
     * tag & @mask == @value (RISC-V: sfence.vma x0, asid), except those
     * filled as global when @keep_global. */
    void (*tlb_flush_tag)(CPUState *cpu, uint64_t value, uint64_t mask, bool keep_global);
    /* tlb_flush_tag on every vCPU, synchronously like tlb_flush_all_cpus
     * (tags must mean the same on every vCPU of the CPU type). */
    void (*tlb_flush_tag_all_cpus)(CPUState *cpu, uint64_t value, uint64_t mask,
                                   bool keep_global);
};

/* The TcgCpuOps of @cpu's class (NULL when it has none). */
static inline const TcgCpuOps *tcg_cpu_ops(CPUState *cpu)
{
    return (const TcgCpuOps *)cpu_accel_ops(cpu, "tcg");
}
/* The env pointer of @cpu. */
static inline void *tcg_cpu_env(CPUState *cpu)
{
    return (char *)cpu + tcg_cpu_ops(cpu)->env_offset;
}

#endif
