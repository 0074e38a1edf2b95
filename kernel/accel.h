/* SPDX-License-Identifier: MIT */
/*
 * Accelerators and the CPU base type.
 *
 * An accelerator (tcg, kvm, qtest) is an object of a subclass of TYPE_ACCEL
 * named "<name>-accel".  It sets up per-vCPU execution when the board has
 * created the CPUs and starts one thread per vCPU.  CPU models derive from
 * TYPE_CPU; the target module defines the architecture-specific classes and
 * the interface its accelerator needs.
 */
#ifndef TESSERA_KERNEL_ACCEL_H
#define TESSERA_KERNEL_ACCEL_H

#include "kernel/device.h"
#include "kernel/machine.h"

#define TYPE_ACCEL "accel"
#define TYPE_ACCEL_SUFFIX "-accel"
#define TYPE_CPU "cpu"

/* Breakpoint and watchpoint kinds (GDB's Z packet types). */
typedef enum {
    CPU_BP_SOFTWARE = 0,
    CPU_BP_HARDWARE = 1,
    CPU_WP_WRITE = 2,
    CPU_WP_READ = 3,
    CPU_WP_ACCESS = 4,
} CPUBreakpointType;

typedef struct CPUBreakpoint {
    uint64_t addr;             /* guest virtual address */
    CPUBreakpointType type;
} CPUBreakpoint;

typedef struct CPUWatchpoint {
    uint64_t addr;             /* guest virtual address */
    uint64_t len;
    CPUBreakpointType type;    /* CPU_WP_* */
} CPUWatchpoint;

/* What stopped a CPU for the debugger (set by the accelerator). */
typedef struct CPUDebugEvent {
    enum { CPU_DEBUG_NONE, CPU_DEBUG_BREAKPOINT, CPU_DEBUG_WATCHPOINT,
           CPU_DEBUG_STEP } kind;
    uint64_t addr;             /* watchpoint: the data address hit */
    CPUBreakpointType wp_type;
} CPUDebugEvent;

struct CPUState {
    DeviceState parent_obj;
    int index;                 /* hart id / cpu number */
    AddressSpace *as;
    GThread *thread;
    /* Set from any thread to make the vCPU leave its execution loop. */
    volatile int exit_request;
    /* Architecture-defined pending-interrupt bits, updated atomically. */
    volatile uint64_t interrupt_request;
    bool halted;
    bool stopped;
    void *accel_data;          /* the accelerator's per-vCPU state */
    /*
     * Host thread id (gettid) of the vCPU thread, as info cpus and
     * query-cpus-fast report it; 0 while no thread runs this CPU.
     */
    int thread_id;
    /* Debugger state (kernel/cpu-debug.c), changed only while the VM is
     * paused; the accelerator honours it (AccelClass.update_guest_debug). */
    GArray *breakpoints;       /* CPUBreakpoint */
    GArray *watchpoints;       /* CPUWatchpoint */
    bool singlestep;
    /* Why the accelerator last stopped this CPU for the debugger. */
    CPUDebugEvent debug_event;
};

/* A CPU's interface for one accelerator: @ops is what accelerator
 * @accel ("tcg", later "kvm") defines for CPUs (TcgCpuOps for tcg). */
typedef struct CPUAccelOps {
    const char *accel;
    const void *ops;
} CPUAccelOps;

/*
 * What a debugger (the gdbstub, the monitor) needs from a target.
 * Registers are numbered as in the target description: GDB's XML form,
 * "target.xml" including the feature files gdb_xml also serves.
 */
typedef struct CPUDebugOps {
    const char *gdb_arch;      /* GDB's architecture name ("riscv:rv64") */
    int gdb_num_regs;          /* registers in the description */
    /* The description file @annex ("target.xml", "riscv-64bit-cpu.xml"...);
     * NULL when there is none of that name.  Owned by the CPU. */
    const char *(*gdb_xml)(CPUState *cpu, const char *annex);
    /* Append register @n to @buf in target byte order; returns its size,
     * 0 when there is no register @n. */
    int (*gdb_read_register)(CPUState *cpu, GByteArray *buf, int n);
    /* Set register @n from @len bytes at @buf; returns the bytes used, 0
     * when there is no register @n or @len is too short. */
    int (*gdb_write_register)(CPUState *cpu, const uint8_t *buf, size_t len, int n);
    uint64_t (*get_pc)(CPUState *cpu);
    void (*set_pc)(CPUState *cpu, uint64_t pc);
} CPUDebugOps;

typedef struct CPUClass {
    DeviceClass parent_class;
    /* Printed by info registers. */
    void (*dump_state)(CPUState *cpu, GString *out);
    /* Has a pending interrupt that ends WFI/halt. */
    bool (*has_work)(CPUState *cpu);
    /* Per-accelerator interfaces, ending with { NULL }; see cpu_accel_ops(). */
    const CPUAccelOps *accel_ops;
    const char *arch;          /* "riscv64" */
    /*
     * Debugger view of the MMU (the monitor's x, the gdbstub): translate
     * @vaddr as a data access would with the current translation settings
     * and privilege, without side effects (no A/D updates, no fault
     * raised, no TLB change).  Returns false when @vaddr is not mapped.
     * NULL: no MMU to walk (virtual = physical).
     */
    bool (*debug_translate)(CPUState *cpu, uint64_t vaddr, uint64_t *paddr);
    /* Registers and target description for debuggers; NULL: none. */
    const CPUDebugOps *debug_ops;
    /* Disassemble one instruction at @pc from @buf (@len bytes available)
     * into @out (monitor x/i, gdbstub); returns its length in bytes, 0
     * when @len is too short.  NULL: no disassembler. */
    unsigned (*disas_insn)(CPUState *cpu, uint64_t pc, const uint8_t *buf, size_t len,
                           GString *out);
} CPUClass;

OBJECT_DECLARE_TYPE(CPUState, CPUClass, CPU, TYPE_CPU)

typedef struct AccelState {
    Object parent_obj;
} AccelState;

typedef struct AccelClass {
    ObjectClass parent_class;
    const char *name;
    const char *desc;
    /* Called after the machine has created its CPUs. */
    bool (*init_machine)(AccelState *accel, MachineState *ms, GError **errp);
    /* Start one thread per vCPU; they wait until the VM runs. */
    bool (*start_vcpus)(AccelState *accel, MachineState *ms, GError **errp);
    /* Make @cpu notice interrupt_request / exit_request promptly. */
    void (*kick)(AccelState *accel, CPUState *cpu);
    /* @cpu's breakpoints, watchpoints or single-step changed (VM paused);
     * NULL: the accelerator cannot debug guests. */
    void (*update_guest_debug)(AccelState *accel, CPUState *cpu);
} AccelClass;

OBJECT_DECLARE_TYPE(AccelState, AccelClass, ACCEL, TYPE_ACCEL)

/* @cpu's interface for accelerator @accel ("tcg"), or NULL. */
const void *cpu_accel_ops(CPUState *cpu, const char *accel);

/* ---- debugger services (kernel/cpu-debug.c) ---- */

/* Read or write guest virtual memory as the CPU sees it now (through
 * debug_translate), page by page; writes reach ROM too (breakpoints in
 * firmware).  False when a page is unmapped or nothing backs it. */
bool cpu_memory_rw_debug(CPUState *cpu, uint64_t vaddr, void *buf, size_t len, bool is_write);
/* Breakpoints and watchpoints; the accelerator is told after each change.
 * Insert fails (false) when the accelerator cannot debug guests or the
 * kind is not supported; removing one that is not there returns false. */
bool cpu_breakpoint_insert(CPUState *cpu, CPUBreakpointType type, uint64_t addr);
bool cpu_breakpoint_remove(CPUState *cpu, CPUBreakpointType type, uint64_t addr);
bool cpu_watchpoint_insert(CPUState *cpu, CPUBreakpointType type, uint64_t addr, uint64_t len);
bool cpu_watchpoint_remove(CPUState *cpu, CPUBreakpointType type, uint64_t addr, uint64_t len);
void cpu_breakpoint_remove_all(CPUState *cpu);
bool cpu_single_step(CPUState *cpu, bool enable);
/* True when a breakpoint of any kind is set at @pc (for translators). */
bool cpu_breakpoint_test(CPUState *cpu, uint64_t pc);

/* Breakpoints, watchpoints or single-step set on @cpu. */
bool cpu_debug_active(CPUState *cpu);
/* The breakpoint at @pc, or NULL. */
const CPUBreakpoint *cpu_breakpoint_find(CPUState *cpu, uint64_t pc);
/* The watchpoint a @len-byte access at @addr triggers, or NULL. */
const CPUWatchpoint *cpu_watchpoint_hit(CPUState *cpu, uint64_t addr, uint64_t len,
                                        bool is_write);
/* Some watchpoint overlaps virtual [page, page + page_size). */
bool cpu_watchpoint_page_test(CPUState *cpu, uint64_t page, uint64_t page_size);
/*
 * Debug stops.  The accelerator, on @cpu's thread, sets cpu->debug_event,
 * sets cpu->stopped (the vCPU parks) and calls cpu_debug_request_stop().
 * The main loop then pauses the whole VM, clears every CPU's stopped flag
 * and calls the handler (the gdbstub) with the first vCPU that stopped.
 */
typedef void (*CPUDebugStopFn)(CPUState *cpu, void *opaque);
void cpu_debug_set_stop_handler(CPUDebugStopFn fn, void *opaque);
void cpu_debug_request_stop(CPUState *cpu);
/* A debug stop is on its way to the main loop. */
bool cpu_debug_stop_pending(void);
/* Single-step with interrupts masked (default true; gdb's
 * "maintenance packet qqemu.sstep" / "monitor gdbserver-step-irq"). */
void cpu_debug_set_step_irqs_masked(bool masked);
bool cpu_debug_step_irqs_masked(void);

/* Kick through the current machine's accelerator (any thread). */
void cpu_kick(CPUState *cpu);
/* Set/clear bits in interrupt_request and kick. */
void cpu_interrupt(CPUState *cpu, uint64_t mask);
void cpu_reset_interrupt(CPUState *cpu, uint64_t mask);
/* Create the accelerator from "-accel" options ("tcg,backend=interp"). */
AccelState *accel_create(OptDict *opts, GError **errp);
void accel_types_init(void);

#endif
