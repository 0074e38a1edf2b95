/* SPDX-License-Identifier: MIT */
/*
 * Debugger services over the CPU class hooks: guest memory through the
 * CPU's MMU, and the breakpoint/watchpoint/single-step state that the
 * accelerator honours.  Used by the gdbstub and the monitor.
 */
#include "kernel/accel.h"
#include "kernel/runstate.h"

#include <string.h>

#define DEBUG_PAGE_SIZE 4096ull

bool cpu_memory_rw_debug(CPUState *cpu, uint64_t vaddr, void *buf, size_t len, bool is_write)
{
    CPUClass *cc = CPU_GET_CLASS(cpu);
    uint8_t *p = buf;
    while (len) {
        uint64_t in_page = DEBUG_PAGE_SIZE - (vaddr & (DEBUG_PAGE_SIZE - 1));
        size_t chunk = len < in_page ? len : (size_t)in_page;
        uint64_t paddr = vaddr;
        if (cc->debug_translate && !cc->debug_translate(cpu, vaddr, &paddr)) {
            return false;
        }
        MemTxResult r = is_write ? address_space_write_rom(cpu->as, paddr, p, chunk)
                                 : address_space_read_buf(cpu->as, paddr, p, chunk);
        if (r != MEMTX_OK) {
            return false;
        }
        vaddr += chunk;
        p += chunk;
        len -= chunk;
    }
    return true;
}

static bool debug_changed(CPUState *cpu)
{
    MachineState *ms = machine_current();
    AccelState *accel = ms ? ms->accel : NULL;
    AccelClass *ac = accel ? ACCEL_GET_CLASS(accel) : NULL;
    if (!ac || !ac->update_guest_debug) {
        return false;
    }
    ac->update_guest_debug(accel, cpu);
    return true;
}

static bool can_debug(void)
{
    MachineState *ms = machine_current();
    return ms && ms->accel && ACCEL_GET_CLASS(ms->accel)->update_guest_debug;
}

static GArray *lazy_array(GArray **a, size_t elt)
{
    if (!*a) {
        *a = g_array_new(false, true, elt);
    }
    return *a;
}

bool cpu_breakpoint_insert(CPUState *cpu, CPUBreakpointType type, uint64_t addr)
{
    if (type > CPU_BP_HARDWARE || !can_debug()) {
        return false;
    }
    CPUBreakpoint bp = { .addr = addr, .type = type };
    g_array_append_val(lazy_array(&cpu->breakpoints, sizeof(bp)), bp);
    return debug_changed(cpu);
}

bool cpu_breakpoint_remove(CPUState *cpu, CPUBreakpointType type, uint64_t addr)
{
    for (guint i = 0; cpu->breakpoints && i < cpu->breakpoints->len; i++) {
        CPUBreakpoint *bp = &g_array_index(cpu->breakpoints, CPUBreakpoint, i);
        if (bp->addr == addr && bp->type == type) {
            g_array_remove_index(cpu->breakpoints, i);
            debug_changed(cpu);
            return true;
        }
    }
    return false;
}

bool cpu_watchpoint_insert(CPUState *cpu, CPUBreakpointType type, uint64_t addr, uint64_t len)
{
    if (type < CPU_WP_WRITE || type > CPU_WP_ACCESS || !len || addr + len - 1 < addr ||
        !can_debug()) {
        return false;
    }
    CPUWatchpoint wp = { .addr = addr, .len = len, .type = type };
    g_array_append_val(lazy_array(&cpu->watchpoints, sizeof(wp)), wp);
    return debug_changed(cpu);
}

bool cpu_watchpoint_remove(CPUState *cpu, CPUBreakpointType type, uint64_t addr, uint64_t len)
{
    for (guint i = 0; cpu->watchpoints && i < cpu->watchpoints->len; i++) {
        CPUWatchpoint *wp = &g_array_index(cpu->watchpoints, CPUWatchpoint, i);
        if (wp->addr == addr && wp->len == len && wp->type == type) {
            g_array_remove_index(cpu->watchpoints, i);
            debug_changed(cpu);
            return true;
        }
    }
    return false;
}

void cpu_breakpoint_remove_all(CPUState *cpu)
{
    if (cpu->breakpoints) {
        g_array_set_size(cpu->breakpoints, 0);
    }
    if (cpu->watchpoints) {
        g_array_set_size(cpu->watchpoints, 0);
    }
    cpu->singlestep = false;
    debug_changed(cpu);
}

bool cpu_single_step(CPUState *cpu, bool enable)
{
    if (enable && !can_debug()) {
        return false;
    }
    cpu->singlestep = enable;
    debug_changed(cpu);
    return true;
}

bool cpu_breakpoint_test(CPUState *cpu, uint64_t pc)
{
    for (guint i = 0; cpu->breakpoints && i < cpu->breakpoints->len; i++) {
        if (g_array_index(cpu->breakpoints, CPUBreakpoint, i).addr == pc) {
            return true;
        }
    }
    return false;
}

/* ---- debug stops ------------------------------------------------------------ */

static struct {
    GMutex lock;
    CPUDebugStopFn fn;
    void *opaque;
    CPUState *pending;          /* first vCPU that stopped, until handled */
    bool step_irqs_unmasked;    /* default: interrupts masked while stepping */
} dbg;

void cpu_debug_set_stop_handler(CPUDebugStopFn fn, void *opaque)
{
    g_mutex_lock(&dbg.lock);
    dbg.fn = fn;
    dbg.opaque = opaque;
    g_mutex_unlock(&dbg.lock);
}

static gboolean debug_stop_dispatch(gpointer opaque)
{
    (void)opaque;
    vm_stop();
    g_mutex_lock(&dbg.lock);
    CPUState *cpu = dbg.pending;
    dbg.pending = NULL;
    CPUDebugStopFn fn = dbg.fn;
    void *fn_opaque = dbg.opaque;
    g_mutex_unlock(&dbg.lock);
    /* Every vCPU is parked now: the VM is paused as a whole. */
    MachineState *ms = machine_current();
    for (guint i = 0; ms && ms->cpus && i < ms->cpus->len; i++) {
        CPUState *c = g_ptr_array_index(ms->cpus, i);
        c->stopped = false;
    }
    if (cpu && fn) {
        fn(cpu, fn_opaque);
    }
    return G_SOURCE_REMOVE;
}

void cpu_debug_request_stop(CPUState *cpu)
{
    g_mutex_lock(&dbg.lock);
    bool first = dbg.pending == NULL;
    if (first) {
        dbg.pending = cpu;
    }
    g_mutex_unlock(&dbg.lock);
    if (first) {
        GSource *src = g_idle_source_new();
        g_source_set_callback(src, debug_stop_dispatch, NULL, NULL);
        g_source_attach(src, main_loop_context());
        g_source_unref(src);
    }
}

bool cpu_debug_stop_pending(void)
{
    g_mutex_lock(&dbg.lock);
    bool pending = dbg.pending != NULL;
    g_mutex_unlock(&dbg.lock);
    return pending;
}

void cpu_debug_set_step_irqs_masked(bool masked)
{
    dbg.step_irqs_unmasked = !masked;
}

bool cpu_debug_step_irqs_masked(void)
{
    return !dbg.step_irqs_unmasked;
}

bool cpu_debug_active(CPUState *cpu)
{
    return cpu->singlestep || (cpu->breakpoints && cpu->breakpoints->len) ||
           (cpu->watchpoints && cpu->watchpoints->len);
}

const CPUBreakpoint *cpu_breakpoint_find(CPUState *cpu, uint64_t pc)
{
    for (guint i = 0; cpu->breakpoints && i < cpu->breakpoints->len; i++) {
        CPUBreakpoint *bp = &g_array_index(cpu->breakpoints, CPUBreakpoint, i);
        if (bp->addr == pc) {
            return bp;
        }
    }
    return NULL;
}

const CPUWatchpoint *cpu_watchpoint_hit(CPUState *cpu, uint64_t addr, uint64_t len,
                                        bool is_write)
{
    for (guint i = 0; cpu->watchpoints && i < cpu->watchpoints->len; i++) {
        CPUWatchpoint *wp = &g_array_index(cpu->watchpoints, CPUWatchpoint, i);
        bool kind = wp->type == CPU_WP_ACCESS || (is_write ? wp->type == CPU_WP_WRITE
                                                           : wp->type == CPU_WP_READ);
        if (kind && addr <= wp->addr + wp->len - 1 && wp->addr <= addr + len - 1) {
            return wp;
        }
    }
    return NULL;
}

bool cpu_watchpoint_page_test(CPUState *cpu, uint64_t page, uint64_t page_size)
{
    for (guint i = 0; cpu->watchpoints && i < cpu->watchpoints->len; i++) {
        CPUWatchpoint *wp = &g_array_index(cpu->watchpoints, CPUWatchpoint, i);
        if (page <= wp->addr + wp->len - 1 && wp->addr <= page + page_size - 1) {
            return true;
        }
    }
    return false;
}
