/* SPDX-License-Identifier: MIT */
/*
 * Guest debugging in the tcg engine (AccelClass.update_guest_debug):
 *
 *  - breakpoints: blocks covering a breakpoint are invalidated when it is
 *    set; translators end blocks before any breakpoint pc
 *    (TcgEngineOps.debug_stop_before), and the loop stops before running a
 *    block whose first pc has one.  While a vCPU has debug state its
 *    blocks are not chained, so every block start passes the loop.
 *  - single-step: one instruction per freshly translated one-instruction
 *    block, with interrupts masked by default; an exception taken by that
 *    instruction ends the step at its handler, and so does an interrupt
 *    taken when they are let in.
 *  - watchpoints: watched pages get no data TLB entries, so every access
 *    to them takes the slow path, which checks them.  A hit in a normal
 *    run unwinds to the instruction and runs it again alone, then stops:
 *    the debugger sees the access done (old and new values).
 *  A stop parks the vCPU and asks the core to pause the VM
 *  (cpu_debug_request_stop).
 */
#include "plugins/accel/tcg/tcg-internal.h"

static void debug_stop(TcgVcpuState *v, CPUDebugEvent ev)
{
    CPUState *cpu = v->pub.cpu;
    cpu->debug_event = ev;
    cpu->stopped = true;
    cpu_debug_request_stop(cpu);
}

void tcg_update_guest_debug(AccelState *accel, CPUState *cpu)
{
    TcgAccel *a = TCG_ACCEL(accel);
    TcgVcpuState *v = tcg_vcpu_of(cpu);
    if (!v) {
        return;
    }
    CPUClass *cc = CPU_GET_CLASS(cpu);
    bool was_watching = v->dbg_watching;
    v->debug_active = cpu_debug_active(cpu);
    v->dbg_watching = cpu->watchpoints && cpu->watchpoints->len;
    /* Blocks holding a breakpoint are translated again (ending before it). */
    bool flush_all = false;
    for (guint i = 0; cpu->breakpoints && i < cpu->breakpoints->len; i++) {
        uint64_t pc = g_array_index(cpu->breakpoints, CPUBreakpoint, i).addr;
        uint64_t paddr = pc;
        if (cc->debug_translate && !cc->debug_translate(cpu, pc, &paddr)) {
            flush_all = true;    /* not mapped now: drop everything */
            continue;
        }
        tcg_tb_invalidate_phys_range(a, paddr, 4);
    }
    int req = flush_all ? TCG_REQ_TB_FLUSH : 0;
    /* Watched pages leave the TLB (and come back when unwatched). */
    if (v->dbg_watching || was_watching) {
        req |= TCG_REQ_TLB_FLUSH;
    }
    if (req) {
        __atomic_fetch_or(&v->requests, req, __ATOMIC_SEQ_CST);
    }
}

bool tcg_debug_irqs_blocked(TcgVcpuState *v)
{
    return v->watch_step || (v->pub.cpu->singlestep && cpu_debug_step_irqs_masked());
}

bool tcg_debug_page_watched(TcgVcpuState *v, uint64_t vpage)
{
    return v->dbg_watching && cpu_watchpoint_page_test(v->pub.cpu, vpage, TCG_PAGE_SIZE);
}

void tcg_debug_check_watch(TcgVcpuState *v, uint64_t vaddr, unsigned size, bool is_write,
                           uintptr_t ra)
{
    CPUState *cpu = v->pub.cpu;
    const CPUWatchpoint *wp = cpu_watchpoint_hit(cpu, vaddr, size, is_write);
    if (!wp) {
        return;
    }
    if (v->watch_hit.kind == CPU_DEBUG_NONE) {
        v->watch_hit = (CPUDebugEvent){ .kind = CPU_DEBUG_WATCHPOINT,
                                        .addr = vaddr < wp->addr ? wp->addr : vaddr,
                                        .wp_type = wp->type };
    }
    if (v->dbg_one_insn) {
        return;                  /* reported when the instruction is done */
    }
    /* Run this instruction again on its own, then stop. */
    v->watch_step = true;
    tcg_loop_exit(cpu, ra);
}

/* Translate and run the one instruction at the current pc. */
static void exec_one(TcgVcpuState *v)
{
    TcgAccel *a = v->accel;
    const TcgCpuOps *ops = v->pub.ops;
    uint64_t pc, flags;
    ops->get_tb_cpu_state(v->pub.cpu, &pc, &flags);
    v->dbg_inflight = true;
    v->dbg_one_insn = true;
    TcgTb *tb = tcg_tb_gen_code_n(v, pc, flags, 1);
    v->pub.cur_tb = tb;
    int slot = -1;
    a->bops->exec(a->backend, &v->pub, tb, &slot);
    v->pub.cur_tb = NULL;
    v->dbg_inflight = false;
    v->dbg_one_insn = false;
    tcg_tb_discard(v, tb);
}

/* The single instruction is done (normally or by entering a trap). */
static void step_done(TcgVcpuState *v)
{
    CPUState *cpu = v->pub.cpu;
    CPUDebugEvent ev = v->watch_hit;
    v->watch_hit.kind = CPU_DEBUG_NONE;
    v->watch_step = false;
    if (ev.kind != CPU_DEBUG_NONE) {
        debug_stop(v, ev);
    } else if (cpu->singlestep) {
        debug_stop(v, (CPUDebugEvent){ .kind = CPU_DEBUG_STEP });
    }
}

bool tcg_debug_exec(TcgVcpuState *v)
{
    CPUState *cpu = v->pub.cpu;
    if (v->dbg_inflight) {
        /* The stepped instruction raised an exception (or halted): the
         * trap was entered, which ends the step. */
        v->dbg_inflight = false;
        v->dbg_one_insn = false;
        step_done(v);
        return true;
    }
    bool irq_taken = v->dbg_irq_taken;
    v->dbg_irq_taken = false;
    if (irq_taken && cpu->singlestep) {
        /* Stepping with interrupts let in: entering the handler is the step. */
        step_done(v);
        return true;
    }
    if (cpu->halted) {
        return false;
    }
    uint64_t pc, flags;
    v->pub.ops->get_tb_cpu_state(cpu, &pc, &flags);
    if (!v->watch_step) {
        const CPUBreakpoint *bp = cpu_breakpoint_find(cpu, pc);
        if (bp) {
            debug_stop(v, (CPUDebugEvent){ .kind = CPU_DEBUG_BREAKPOINT, .addr = pc,
                                           .wp_type = bp->type });
            return true;
        }
    }
    if (cpu->singlestep || v->watch_step) {
        exec_one(v);
        step_done(v);
        return true;
    }
    return false;
}

/* TcgEngineOps.debug_stop_before, for translators. */
bool tcg_debug_stop_before(CPUState *cpu, uint64_t pc)
{
    TcgVcpuState *v = tcg_vcpu_of(cpu);
    return v && v->debug_active && cpu_breakpoint_find(cpu, pc);
}
