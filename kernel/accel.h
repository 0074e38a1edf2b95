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
};

typedef struct CPUClass {
    DeviceClass parent_class;
    /* Printed by info registers. */
    void (*dump_state)(CPUState *cpu, GString *out);
    /* Has a pending interrupt that ends WFI/halt. */
    bool (*has_work)(CPUState *cpu);
    /* Architecture-specific interface for accelerators (e.g. TCG hooks). */
    const void *accel_ops;
    const char *arch;          /* "riscv64" */
    /*
     * Debugger view of the MMU (the monitor's x): translate @vaddr as a data
     * access would with the current translation settings and privilege,
     * without side effects (no A/D updates, no fault raised, no TLB change).
     * Returns false when @vaddr is not mapped.  NULL: no MMU to walk.
     */
    bool (*debug_translate)(CPUState *cpu, uint64_t vaddr, uint64_t *paddr);
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
} AccelClass;

OBJECT_DECLARE_TYPE(AccelState, AccelClass, ACCEL, TYPE_ACCEL)

/* Kick through the current machine's accelerator (any thread). */
void cpu_kick(CPUState *cpu);
/* Set/clear bits in interrupt_request and kick. */
void cpu_interrupt(CPUState *cpu, uint64_t mask);
void cpu_reset_interrupt(CPUState *cpu, uint64_t mask);
/* Create the accelerator from "-accel" options ("tcg,backend=interp"). */
AccelState *accel_create(OptDict *opts, GError **errp);
void accel_types_init(void);

#endif
