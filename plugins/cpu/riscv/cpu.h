/* SPDX-License-Identifier: MIT */
/*
 * RISC-V CPU (RV64GC + Zba/Zbb/Zbc/Zbs, Sstc, Svpbmt; M/S/U per the
 * privileged spec 1.12): architectural state and the interfaces shared by
 * the files of the cpu-riscv module.  Nothing here is exported to other
 * modules: the board talks to the CPU through properties and IRQ pins.
 */
#ifndef TESSERA_RISCV_CPU_H
#define TESSERA_RISCV_CPU_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/accel.h"
#include "kernel/clock.h"

#define TYPE_RISCV_CPU "riscv-cpu"
#define TYPE_RISCV_CPU_RV64 "rv64-riscv-cpu"
#define TYPE_RISCV_CPU_MAX "max-riscv-cpu"

/* ---- extensions ------------------------------------------------------ */

enum {
    RISCV_EXT_I        = 1u << 0,
    RISCV_EXT_M        = 1u << 1,
    RISCV_EXT_A        = 1u << 2,
    RISCV_EXT_F        = 1u << 3,
    RISCV_EXT_D        = 1u << 4,
    RISCV_EXT_C        = 1u << 5,
    RISCV_EXT_S        = 1u << 6,
    RISCV_EXT_U        = 1u << 7,
    RISCV_EXT_ZICSR    = 1u << 8,
    RISCV_EXT_ZIFENCEI = 1u << 9,
    RISCV_EXT_ZBA      = 1u << 10,
    RISCV_EXT_ZBB      = 1u << 11,
    RISCV_EXT_ZBC      = 1u << 12,
    RISCV_EXT_ZBS      = 1u << 13,
    RISCV_EXT_SSTC     = 1u << 14,
    RISCV_EXT_SVPBMT   = 1u << 15,
};

/* ---- privilege, causes ----------------------------------------------- */

enum {
    PRV_U = 0,
    PRV_S = 1,
    PRV_M = 3,
};

/* Exception causes (mcause with interrupt bit clear). */
enum {
    EXCP_INST_MISALIGNED  = 0,
    EXCP_INST_ACCESS      = 1,
    EXCP_ILLEGAL_INST     = 2,
    EXCP_BREAKPOINT       = 3,
    EXCP_LOAD_MISALIGNED  = 4,
    EXCP_LOAD_ACCESS      = 5,
    EXCP_STORE_MISALIGNED = 6,  /* also AMO */
    EXCP_STORE_ACCESS     = 7,
    EXCP_ECALL_U          = 8,
    EXCP_ECALL_S          = 9,
    EXCP_ECALL_M          = 11,
    EXCP_INST_PAGE        = 12,
    EXCP_LOAD_PAGE        = 13,
    EXCP_STORE_PAGE       = 15,
};

/* Interrupt numbers = mip/mie bit positions = IRQ input pins. */
enum {
    IRQ_S_SOFT  = 1,
    IRQ_M_SOFT  = 3,
    IRQ_S_TIMER = 5,
    IRQ_M_TIMER = 7,
    IRQ_S_EXT   = 9,
    IRQ_M_EXT   = 11,
    RISCV_NUM_IRQ_PINS = 16,
};

#define MIP_SSIP (1ull << IRQ_S_SOFT)
#define MIP_MSIP (1ull << IRQ_M_SOFT)
#define MIP_STIP (1ull << IRQ_S_TIMER)
#define MIP_MTIP (1ull << IRQ_M_TIMER)
#define MIP_SEIP (1ull << IRQ_S_EXT)
#define MIP_MEIP (1ull << IRQ_M_EXT)
#define MIP_S_BITS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define MIP_ALL_BITS (MIP_S_BITS | MIP_MSIP | MIP_MTIP | MIP_MEIP)

#define CAUSE_INTERRUPT (1ull << 63)

/* CPUState.interrupt_request bit: some enabled interrupt may be pending. */
#define RISCV_INTERRUPT_HARD 1u

/* ---- mstatus --------------------------------------------------------- */

#define MSTATUS_SIE   (1ull << 1)
#define MSTATUS_MIE   (1ull << 3)
#define MSTATUS_SPIE  (1ull << 5)
#define MSTATUS_UBE   (1ull << 6)
#define MSTATUS_MPIE  (1ull << 7)
#define MSTATUS_SPP   (1ull << 8)
#define MSTATUS_VS    (3ull << 9)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP   (3ull << MSTATUS_MPP_SHIFT)
#define MSTATUS_FS_SHIFT 13
#define MSTATUS_FS    (3ull << MSTATUS_FS_SHIFT)
#define MSTATUS_XS    (3ull << 15)
#define MSTATUS_MPRV  (1ull << 17)
#define MSTATUS_SUM   (1ull << 18)
#define MSTATUS_MXR   (1ull << 19)
#define MSTATUS_TVM   (1ull << 20)
#define MSTATUS_TW    (1ull << 21)
#define MSTATUS_TSR   (1ull << 22)
#define MSTATUS_UXL_SHIFT 32
#define MSTATUS_UXL   (3ull << MSTATUS_UXL_SHIFT)
#define MSTATUS_SXL_SHIFT 34
#define MSTATUS_SXL   (3ull << MSTATUS_SXL_SHIFT)
#define MSTATUS_SBE   (1ull << 36)
#define MSTATUS_MBE   (1ull << 37)
#define MSTATUS_SD    (1ull << 63)

#define FS_OFF     0
#define FS_INITIAL 1
#define FS_CLEAN   2
#define FS_DIRTY   3

#define XLEN_64 2ull  /* UXL/SXL/MXL encoding of 64 bits */

/* sstatus is a view of these mstatus bits. */
#define SSTATUS_MASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_VS | \
                      MSTATUS_FS | MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL | \
                      MSTATUS_SD)

/* ---- satp, PTE, envcfg, counters, pmp --------------------------------- */

#define SATP_MODE_SHIFT 60
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK  0xffffull
#define SATP_PPN_MASK   ((1ull << 44) - 1)
enum {
    SATP_MODE_BARE = 0,
    SATP_MODE_SV39 = 8,
    SATP_MODE_SV48 = 9,
    SATP_MODE_SV57 = 10,
};

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_G (1ull << 5)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK  ((1ull << 44) - 1)
#define PTE_RESERVED  (0x7full << 54)
#define PTE_PBMT_SHIFT 61
#define PTE_PBMT      (3ull << PTE_PBMT_SHIFT)
#define PTE_N         (1ull << 63)

#define ENVCFG_FIOM  (1ull << 0)
#define ENVCFG_PBMTE (1ull << 62)
#define ENVCFG_STCE  (1ull << 63)

#define COUNTEREN_CY (1u << 0)
#define COUNTEREN_TM (1u << 1)
#define COUNTEREN_IR (1u << 2)

#define RISCV_PMP_ENTRIES 16
/* Sdtrig triggers per hart. */
#define RISCV_NTRIGGERS 4
#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_A_SHIFT 3
#define PMP_A     0x18
#define PMP_LOCK  0x80
enum {
    PMP_A_OFF   = 0,
    PMP_A_TOR   = 1,
    PMP_A_NA4   = 2,
    PMP_A_NAPOT = 3,
};

#define FFLAG_NX 0x01  /* inexact */
#define FFLAG_UF 0x02
#define FFLAG_OF 0x04
#define FFLAG_DZ 0x08
#define FFLAG_NV 0x10
#define FFLAGS_MASK 0x1f

enum {
    RM_RNE = 0,
    RM_RTZ = 1,
    RM_RDN = 2,
    RM_RUP = 3,
    RM_RMM = 4,
    RM_DYN = 7,
};

/* CSR numbers, CSR_<ID>, from the CSR table. */
enum {
#define RISCV_CSR(id, name, num, count, first, pred, rd, wr, dump) CSR_##id = (num),
#include "plugins/cpu/riscv/csr.def"
#undef RISCV_CSR
};

/* ---- state ----------------------------------------------------------- */

typedef enum {
    MMU_ACCESS_LOAD = 0,
    MMU_ACCESS_STORE = 1,
    MMU_ACCESS_FETCH = 2,
} MMUAccessType;

/* Architectural state (all that `info registers` and reset see). */
typedef struct CPURISCVState {
    uint64_t gpr[32];
    uint64_t fpr[32];
    uint64_t pc;
    uint32_t fflags;
    uint32_t frm;
    int priv;

    /* LR/SC reservation: address (or -1) and the value loaded. */
    uint64_t load_res;
    uint64_t load_val;

    uint64_t mstatus;
    uint64_t misa;
    uint64_t medeleg;
    uint64_t mideleg;
    uint64_t mie;
    /* Software-written bits; device-driven lines live in irq_lines. */
    uint64_t mip;
    uint64_t mtvec;
    uint64_t mscratch;
    uint64_t mepc;
    uint64_t mcause;
    uint64_t mtval;
    uint32_t mcounteren;
    uint32_t mcountinhibit;
    uint64_t menvcfg;
    uint64_t mseccfg;
    uint64_t stvec;
    uint64_t sscratch;
    uint64_t sepc;
    uint64_t scause;
    uint64_t stval;
    uint32_t scounteren;
    uint64_t senvcfg;
    uint64_t satp;
    uint64_t stimecmp;

    /* mcycle/minstret = base + virtual ns (one instruction per ns). */
    uint64_t mcycle_base;
    uint64_t minstret_base;

    uint8_t pmpcfg[RISCV_PMP_ENTRIES];
    uint64_t pmpaddr[RISCV_PMP_ENTRIES];

    /* Exception recorded for delivery by the engine's do_interrupt. */
    uint64_t excp_cause;
    uint64_t excp_tval;

    /* Sdtrig (trigger.c). */
    uint64_t tselect;
    uint64_t tcontrol;
    uint64_t tdata1[RISCV_NTRIGGERS];
    uint64_t tdata2[RISCV_NTRIGGERS];
    uint64_t tdata3[RISCV_NTRIGGERS];

    /* Derived from pmpcfg/pmpaddr by every write to them (mmu.c), zero
     * after reset like pmpcfg: the active entries in priority order with
     * their byte ranges [lo, hi), and whether any is locked (else M-mode
     * accesses pass PMP without looking). */
    uint8_t pmp_nactive;
    bool pmp_any_locked;
    uint8_t pmp_active[RISCV_PMP_ENTRIES];
    uint64_t pmp_lo[RISCV_PMP_ENTRIES];
    uint64_t pmp_hi[RISCV_PMP_ENTRIES];
} CPURISCVState;

typedef struct RISCVCPU {
    CPUState parent_obj;
    CPURISCVState env;

    /* Levels of the interrupt input pins (bit n = pin n), atomic. */
    volatile uint64_t irq_lines;
    /* STIP as driven by the Sstc comparator. */
    volatile uint64_t sstc_stip;
    Timer *stimecmp_timer;
    /* Serialises riscv_cpu_update_stimecmp() between the vCPU thread (CSR
     * writes) and the main loop (timer expiry), so a recomputation from a
     * stale stimecmp can never cancel the timer a newer one armed. */
    GMutex stimecmp_lock;

    /* Properties. */
    uint64_t hartid;
    uint64_t resetvec;
    uint64_t timebase_freq;
    char *satp_mode_str;
    bool ext_m, ext_a, ext_f, ext_d, ext_c;
    bool ext_zba, ext_zbb, ext_zbc, ext_zbs, ext_sstc, ext_svpbmt;
    bool pmp;

    /* Set by the accelerator glue: drop cached translations of addresses
     * (NULL when no engine is attached, e.g. in unit tests). */
    void (*tlb_flush)(struct RISCVCPU *cpu);
    /* Set by the accelerator glue: satp changed (NULL: no engine). */
    void (*satp_changed)(struct RISCVCPU *cpu);
    /* The translation engine's services (tcg.c), or NULL. */
    const struct TcgEngineOps *engine;

    /* Derived at realize. */
    uint32_t ext;              /* RISCV_EXT_* */
    int max_satp_mode;         /* SATP_MODE_* */
    /* GDB target description files, built on first request (gdbstub.c). */
    GHashTable *gdb_xml;       /* annex -> text */
} RISCVCPU;

typedef struct RISCVCPUClass {
    CPUClass parent_class;
    bool is_max;
} RISCVCPUClass;

OBJECT_DECLARE_TYPE(RISCVCPU, RISCVCPUClass, RISCV_CPU, TYPE_RISCV_CPU)

static inline bool riscv_has_ext(const RISCVCPU *cpu, uint32_t ext)
{
    return (cpu->ext & ext) == ext;
}

/* ---- cpu.c ----------------------------------------------------------- */

/* ABI names of x0..x31 and f0..f31 (disassembler, debugger). */
extern const char *const riscv_gpr_names[32];
extern const char *const riscv_fpr_names[32];

/* Current time CSR value: virtual ns scaled to the timebase. */
uint64_t riscv_cpu_get_time(RISCVCPU *cpu);
/* Effective mip: software bits, device lines, Sstc comparator. */
uint64_t riscv_cpu_read_mip(RISCVCPU *cpu);
/* Re-evaluate interrupt_request after mip/mie/mstatus/priv changes. */
void riscv_cpu_update_interrupts(RISCVCPU *cpu);
/* Re-arm the Sstc comparator after stimecmp/menvcfg writes. */
void riscv_cpu_update_stimecmp(RISCVCPU *cpu);
/* ISA string from the enabled extensions (caller frees). */
char *riscv_cpu_isa_string(RISCVCPU *cpu);
/* Architectural reset of @env alone (used by reset and the unit tests). */
void riscv_cpu_reset_state(RISCVCPU *cpu);

/* ---- tcg.c, translate.c ---------------------------------------------- */

/* CPUClass.accel_ops of every RISC-V CPU class ("tcg": a TcgCpuOps). */
extern const CPUAccelOps riscv_accel_ops[];
/* CPUClass.debug_ops (gdbstub.c): registers and target description. */
extern const CPUDebugOps riscv_debug_ops;
/* CPUClass.disas_insn (disas.c). */
unsigned riscv_cpu_disas_insn(CPUState *cs, uint64_t pc, const uint8_t *buf, size_t len,
                              GString *out);

/*
 * Unchecked conversions for hot paths (per instruction, TLB fill, interrupt
 * check): a checked cast (RISCV_CPU(), CPU()) compares type-name strings up
 * the class chain.  Only for objects known to be RISC-V CPUs.
 */
static inline CPUState *riscv_cpu_cs(RISCVCPU *cpu)
{
    return &cpu->parent_obj;
}

static inline RISCVCPU *riscv_cs_cpu(CPUState *cs)
{
    return (RISCVCPU *)((char *)cs - offsetof(RISCVCPU, parent_obj));
}

static inline RISCVCPU *riscv_env_cpu(CPURISCVState *env)
{
    return (RISCVCPU *)((char *)env - offsetof(RISCVCPU, env));
}

/* ---- helper.c: traps and interrupts ---------------------------------- */

/* Take exception @cause with @tval at env->pc (the faulting instruction). */
void riscv_cpu_do_exception(RISCVCPU *cpu, uint64_t cause, uint64_t tval);
/* Highest-priority interrupt that may be taken now, or -1. */
int riscv_cpu_pending_interrupt(RISCVCPU *cpu);
/* Take interrupt @irq (from riscv_cpu_pending_interrupt). */
void riscv_cpu_do_interrupt(RISCVCPU *cpu, int irq);
/* mret/sret: return the new pc; false means illegal instruction. */
bool riscv_cpu_mret(RISCVCPU *cpu, uint64_t *new_pc);
bool riscv_cpu_sret(RISCVCPU *cpu, uint64_t *new_pc);
void riscv_cpu_set_priv(RISCVCPU *cpu, int priv);

/* ---- mmu.c ----------------------------------------------------------- */

typedef struct RISCVTranslation {
    uint64_t paddr;
    int prot;                  /* PAGE_READ/WRITE/EXEC of the whole page */
    /* log2 of the region over which the result (incl. PMP) is uniform;
     * 12 for a normal page, less when PMP splits the page. */
    int lg_page;
    /* The same in every address space: a G bit on the walk (or no
     * translation at all). */
    bool global;
} RISCVTranslation;

#define RISCV_PROT_READ  1
#define RISCV_PROT_WRITE 2
#define RISCV_PROT_EXEC  4

/*
 * MMU indexes (translation regimes cached separately by the engine's TLB):
 * the effective privilege, with S split by mstatus.SUM.  mstatus.MXR is
 * not part of the index: changing it flushes the TLB.
 */
enum {
    MMUIDX_U = 0,
    MMUIDX_S = 1,
    MMUIDX_S_SUM = 2,
    MMUIDX_M = 3,
    RISCV_NB_MMU_MODES = 4,
};

/*
 * Translate @vaddr for an access in regime @mmu_idx.  On failure returns
 * false and sets *cause (page fault or access fault).
 */
bool riscv_cpu_translate(RISCVCPU *cpu, uint64_t vaddr, MMUAccessType access, int mmu_idx,
                         RISCVTranslation *out, uint64_t *cause);
/* MMU index of data accesses (mstatus.MPRV/MPP, SUM) and of fetches. */
int riscv_cpu_mmu_index(RISCVCPU *cpu, bool ifetch);
/* PMP: may @priv access [addr, addr+size)? */
bool riscv_pmp_check(RISCVCPU *cpu, uint64_t addr, uint64_t size, MMUAccessType access,
                     int priv);
/* Largest naturally aligned block around @addr (<= 4 KiB, log2) on which
 * the PMP decision is uniform. */
int riscv_pmp_uniform_lg(RISCVCPU *cpu, uint64_t addr);
void riscv_pmp_write_cfg(RISCVCPU *cpu, int reg_index, uint64_t val);
uint64_t riscv_pmp_read_cfg(RISCVCPU *cpu, int reg_index);
void riscv_pmp_write_addr(RISCVCPU *cpu, int i, uint64_t val);

/* ---- csr.c ----------------------------------------------------------- */

typedef enum {
    RISCV_CSR_OK = 0,
    RISCV_CSR_ILLEGAL = 1,
} RISCVCSRResult;

/*
 * csrrw-style access: reads the old value into *old (if @old) and, when
 * @write_mask is non-zero or the instruction always writes, writes
 * (old & ~write_mask) | (new & write_mask).  @is_write says whether the
 * instruction writes at all (csrrs/csrrc with rs1=x0 do not).
 */
RISCVCSRResult riscv_csr_access(RISCVCPU *cpu, int csrno, uint64_t *old, uint64_t new_val,
                                uint64_t write_mask, bool is_write);
/* Name of CSR @csrno or NULL. */
const char *riscv_csr_name(int csrno);
/* Append the CSRs marked for dumping. */
void riscv_csr_dump(RISCVCPU *cpu, GString *out);
/* Append a <reg> line per CSR this hart has, numbered first_regnum + csrno. */
void riscv_csr_gdb_xml(RISCVCPU *cpu, GString *out, int first_regnum);
/* Read or write a CSR for the debugger, regardless of privilege. */
/* ---- trigger.c (Sdtrig) ------------------------------------------------ */

void riscv_trigger_reset(CPURISCVState *env);
RISCVCSRResult riscv_trigger_csr_read(RISCVCPU *cpu, int csrno, uint64_t *val);
RISCVCSRResult riscv_trigger_csr_write(RISCVCPU *cpu, int csrno, uint64_t val);
/* TB_FLAG_TRIG_* for the current state. */
uint64_t riscv_trigger_tb_flags(const CPURISCVState *env);
/* tcontrol.mte/mpte on trap entry into M and on mret. */
void riscv_trigger_trap_to_m(CPURISCVState *env);
void riscv_trigger_mret(CPURISCVState *env);

RISCVCSRResult riscv_csr_debug_access(RISCVCPU *cpu, int csrno, uint64_t *val, bool is_write);

/* mstatus with SD computed. */
uint64_t riscv_mstatus_read(const CPURISCVState *env);

/* ---- added for the monitor's x (mmu.c) ---------------------------------- */

/* CPUClass.debug_translate: the page walk without side effects, at the
 * current privilege (MPRV applied, as for a load) and satp. */
bool riscv_cpu_debug_translate(CPUState *cs, uint64_t vaddr, uint64_t *paddr);

#endif
