/* SPDX-License-Identifier: MIT */
/*
 * The per-vCPU execution loop: run state (pause/resume/halt), interrupts
 * at block boundaries, block lookup/translation/chaining, and exceptions
 * (siglongjmp back to the loop after restoring the faulting instruction's
 * state).
 *
 * Interrupt latency: a kick sets exit_flag, which compiled code checks at
 * every chained jump and indirect lookup, so the vCPU comes back to the
 * loop within one block; the loop then reads interrupt_request.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "plugins/accel/tcg/tcg-internal.h"

/* ---- leaving translated code ------------------------------------------------- */

void tcg_restore_state(TcgVcpuState *v, uintptr_t ra)
{
    TcgTb *tb = v->pub.cur_tb;
    if (!ra || !tb) {
        return;
    }
    TcgAccel *a = v->accel;
    const TcgCpuOps *ops = v->pub.ops;
    unsigned idx = a->bops->find_insn(a->backend, &v->pub, tb, ra);
    g_assert(idx < tb->ninsns);
    unsigned words = ops->insn_start_words ? ops->insn_start_words : 1;
    uint64_t data[1 + IR_MAX_INSN_START_EXTRA] = { 0 };
    for (unsigned i = 0; i < words; i++) {
        data[i] = tb->insn_data[idx * words + i];
    }
    ops->restore_state_to_opc(v->pub.cpu, data);
}

void tcg_raise_exception(CPUState *cpu, uintptr_t ra)
{
    TcgVcpuState *v = tcg_vcpu_of(cpu);
    tcg_restore_state(v, ra);
    v->exception_pending = true;
    siglongjmp(v->jmp_env, 1);
}

void tcg_loop_exit(CPUState *cpu, uintptr_t ra)
{
    TcgVcpuState *v = tcg_vcpu_of(cpu);
    tcg_restore_state(v, ra);
    v->exception_pending = false;
    siglongjmp(v->jmp_env, 1);
}

void tcg_wait_timeout(CPUState *cpu, uint64_t timeout_us)
{
    TcgVcpuState *v = tcg_vcpu_of(cpu);
    v->halt_deadline = g_get_monotonic_time() + (gint64)MIN(timeout_us, (uint64_t)G_MAXINT32);
    cpu->halted = true;
    tcg_loop_exit(cpu, 0);
}

void tcg_cpu_exit(CPUState *cpu)
{
    TcgVcpuState *v = tcg_vcpu_of(cpu);
    if (v) {
        __atomic_store_n(&v->pub.exit_flag, 1, __ATOMIC_SEQ_CST);
    }
}

void tcg_kick_vcpu(TcgAccel *a, CPUState *cpu)
{
    tcg_cpu_exit(cpu);
    g_mutex_lock(&a->run_lock);
    g_cond_broadcast(&a->run_cond);
    g_mutex_unlock(&a->run_lock);
}

static bool chaining_allowed(TcgVcpuState *v)
{
    /* Per-block logging and guest debugging need every block to pass
     * through the loop. */
    return v->accel->chaining && !log_enabled(LOG_EXEC | LOG_CPU) && !v->debug_active;
}

TcgTb *tcg_lookup_tb_for_backend(TcgVcpu *pub)
{
    TcgVcpuState *v = (TcgVcpuState *)pub;
    if (__atomic_load_n(&pub->exit_flag, __ATOMIC_RELAXED) || !chaining_allowed(v)) {
        return NULL;
    }
    uint64_t pc, flags;
    pub->ops->get_tb_cpu_state(pub->cpu, &pc, &flags);
    return tcg_tb_lookup(v, pc, flags, false);
}

void tcg_enter_abort(TcgVcpu *pub, TcgTb *tb)
{
    const TcgCpuOps *ops = pub->ops;
    unsigned words = ops->insn_start_words ? ops->insn_start_words : 1;
    uint64_t data[1 + IR_MAX_INSN_START_EXTRA] = { 0 };
    memcpy(data, tb->insn_data, words * sizeof(uint64_t));
    ops->restore_state_to_opc(pub->cpu, data);
}

/* ---- the loop ------------------------------------------------------------------- */

static bool vcpu_should_stop(TcgVcpuState *v)
{
    CPUState *cpu = v->pub.cpu;
    return !__atomic_load_n(&v->accel->running, __ATOMIC_SEQ_CST) || cpu->exit_request ||
           cpu->stopped || v->stop_thread;
}

static void log_cpu_state(TcgVcpuState *v, TcgTb *tb)
{
    CPUState *cpu = v->pub.cpu;
    if (log_enabled(LOG_EXEC)) {
        log_mask_printf(LOG_EXEC, "Trace cpu %u: %016" PRIx64 " [flags %" PRIx64 "]\n",
                        v->index, tb->pc, tb->flags);
    }
    if (log_enabled(LOG_CPU)) {
        CPUClass *cc = CPU_GET_CLASS(cpu);
        if (cc->dump_state) {
            g_autoptr(GString) out = g_string_new(NULL);
            cc->dump_state(cpu, out);
            log_mask_printf(LOG_CPU, "%s\n", out->str);
        }
    }
}

static void handle_requests(TcgVcpuState *v)
{
    tcg_tlb_process_requests(v);
    int req = __atomic_fetch_and(&v->requests, ~TCG_REQ_TB_FLUSH, __ATOMIC_SEQ_CST);
    if (req & TCG_REQ_TB_FLUSH) {
        tcg_tb_flush_vcpu(v);
    }
}

/* Runs blocks until something asks the vCPU to stop or it halts. */
static void cpu_exec_loop(TcgVcpuState *v)
{
    TcgAccel *a = v->accel;
    CPUState *cpu = v->pub.cpu;
    const TcgCpuOps *ops = v->pub.ops;
    TcgTb *last = NULL;
    int slot = -1;

    for (;;) {
        /* Clear before checking anything (requests included), so a kick
         * from now on is seen by the code: a request posted between its
         * check and this clear would otherwise wait for the next exit. */
        __atomic_store_n(&v->pub.exit_flag, 0, __ATOMIC_SEQ_CST);
        /* Freeing blocks may free @last: forget it first. */
        if (__atomic_load_n(&v->has_retired, __ATOMIC_SEQ_CST) ||
            __atomic_load_n(&v->requests, __ATOMIC_SEQ_CST)) {
            last = NULL;
            handle_requests(v);
            tcg_tb_process_retired(v);
        }
        if (v->code_bytes > a->tb_size_mb * 1024 * 1024) {
            last = NULL;
            tcg_tb_flush_vcpu(v);
        }
        if (vcpu_should_stop(v)) {
            cpu->exit_request = 0;
            return;
        }
        uint64_t irq = __atomic_load_n(&cpu->interrupt_request, __ATOMIC_SEQ_CST);
        if (irq && !(v->debug_active && tcg_debug_irqs_blocked(v))) {
            uint64_t old_pc = 0, new_pc = 0, fl;
            if (log_enabled(LOG_INT)) {
                ops->get_tb_cpu_state(cpu, &old_pc, &fl);
            }
            if (ops->exec_interrupt(cpu, irq)) {
                last = NULL;
                v->dbg_irq_taken = v->debug_active;
                if (log_enabled(LOG_INT)) {
                    ops->get_tb_cpu_state(cpu, &new_pc, &fl);
                    log_mask_printf(LOG_INT, "cpu %u: interrupt taken at pc 0x%" PRIx64
                                    " -> 0x%" PRIx64 "\n", v->index, old_pc, new_pc);
                }
            }
        }
        /* Compiled code probes the jump cache itself only while chaining is
         * allowed (not while logging every block or debugging). */
        v->pub.jmp_cache = tcg_active_jmp_cache(v, chaining_allowed(v));
        if ((v->debug_active || v->dbg_inflight) && tcg_debug_exec(v)) {
            last = NULL;
            continue;
        }
        if (cpu->halted) {
            return;
        }
        uint64_t pc, flags;
        ops->get_tb_cpu_state(cpu, &pc, &flags);
        TcgTb *tb = tcg_tb_lookup(v, pc, flags, true);
        if (!tb) {
            tb = tcg_tb_gen_code(v, pc, flags);
        }
        if (last && slot >= 0 && chaining_allowed(v)) {
            tcg_tb_link(v, last, slot, tb);
        }
        if (log_enabled(LOG_EXEC | LOG_CPU)) {
            log_cpu_state(v, tb);
        }
        v->pub.cur_tb = tb;
        last = a->bops->exec(a->backend, &v->pub, tb, &slot);
    }
}

/* One run until stop/halt, taking exceptions on the way. */
static void cpu_exec(TcgVcpuState *v)
{
    const TcgCpuOps *ops = v->pub.ops;
    /* In code from here: broadcast TLB maintenance waits for this vCPU
     * (the loop applies requests before each block). */
    tcg_vcpu_enter_code(v);
    for (;;) {
        if (sigsetjmp(v->jmp_env, 0) == 0) {
            cpu_exec_loop(v);
            tcg_vcpu_leave_code(v);
            return;
        }
        /* Unwound from raise_exception / loop_exit. */
        v->translating = false;
        v->pub.cur_tb = NULL;
        if (v->exception_pending) {
            v->exception_pending = false;
            uint64_t old_pc = 0, new_pc = 0, fl;
            if (log_enabled(LOG_INT)) {
                ops->get_tb_cpu_state(v->pub.cpu, &old_pc, &fl);
            }
            ops->do_interrupt(v->pub.cpu);
            if (log_enabled(LOG_INT)) {
                ops->get_tb_cpu_state(v->pub.cpu, &new_pc, &fl);
                log_mask_printf(LOG_INT, "cpu %u: exception at pc 0x%" PRIx64
                                " -> 0x%" PRIx64 "\n", v->index, old_pc, new_pc);
            }
        }
    }
}

static bool cpu_has_work(TcgVcpuState *v)
{
    return v->has_work ? v->has_work(v->pub.cpu) : true;
}

gpointer tcg_vcpu_thread(gpointer opaque)
{
    TcgVcpuState *v = opaque;
    TcgAccel *a = v->accel;
    CPUState *cpu = v->pub.cpu;

    /* Named for the monitor before anything runs; tcg_start_vcpus waits. */
    g_mutex_lock(&a->run_lock);
    cpu->thread_id = (int)syscall(SYS_gettid);
    g_cond_broadcast(&a->run_cond);
    g_mutex_unlock(&a->run_lock);

    for (;;) {
        g_mutex_lock(&a->run_lock);
        for (;;) {
            if (v->stop_thread) {
                if (!v->parked) {
                    v->parked = true;
                    a->nparked++;
                    g_cond_broadcast(&a->run_cond);
                }
                g_mutex_unlock(&a->run_lock);
                return NULL;
            }
            if (!a->running || cpu->stopped) {
                if (!v->parked) {
                    v->parked = true;
                    a->nparked++;
                    g_cond_broadcast(&a->run_cond);
                }
                g_cond_wait(&a->run_cond, &a->run_lock);
                continue;
            }
            if (v->parked) {
                v->parked = false;
                a->nparked--;
            }
            if (cpu->halted) {
                if (!cpu_has_work(v)) {
                    if (!v->halt_deadline) {
                        g_cond_wait(&a->run_cond, &a->run_lock);
                        continue;
                    }
                    if (g_get_monotonic_time() < v->halt_deadline) {
                        g_cond_wait_until(&a->run_cond, &a->run_lock, v->halt_deadline);
                        continue;
                    }
                }
                cpu->halted = false;
            }
            break;
        }
        /* Whatever ended the wait, a later halt (WFI) has no deadline. */
        v->halt_deadline = 0;
        g_mutex_unlock(&a->run_lock);
        cpu_exec(v);
    }
}

/* ---- run-state control for the core -------------------------------------------- */

void tcg_pause_all(void *opaque)
{
    TcgAccel *a = opaque;
    g_mutex_lock(&a->run_lock);
    a->running = false;
    unsigned self = 0;
    TcgVcpuState *self_v = NULL;
    for (guint i = 0; i < a->vcpus->len; i++) {
        TcgVcpuState *v = g_ptr_array_index(a->vcpus, i);
        tcg_cpu_exit(v->pub.cpu);
        if (v->thread == g_thread_self() && !v->parked) {
            self = 1;       /* a vCPU pausing the VM parks once it returns */
            self_v = v;
        }
    }
    /* A vCPU waiting here runs no guest code: broadcast TLB maintenance
     * by the others must not wait for it (they wait to park). */
    bool self_in_code = self_v && __atomic_load_n(&self_v->in_code, __ATOMIC_RELAXED);
    if (self_in_code) {
        tcg_vcpu_leave_code(self_v);
    }
    g_cond_broadcast(&a->run_cond);
    /* vCPUs may be waiting for the device lock in MMIO dispatch. */
    unsigned depth = 0;
    g_mutex_unlock(&a->run_lock);
    while (devlock_held()) {
        devlock_unlock();
        depth++;
    }
    g_mutex_lock(&a->run_lock);
    while (a->nparked + self < a->nthreads) {
        g_cond_wait(&a->run_cond, &a->run_lock);
    }
    g_mutex_unlock(&a->run_lock);
    while (depth--) {
        devlock_lock();
    }
    if (self_in_code) {
        tcg_vcpu_enter_code(self_v);
    }
}

void tcg_resume_all(void *opaque)
{
    TcgAccel *a = opaque;
    g_mutex_lock(&a->run_lock);
    a->running = true;
    g_cond_broadcast(&a->run_cond);
    g_mutex_unlock(&a->run_lock);
}

void tcg_reset_all(void *opaque)
{
    TcgAccel *a = opaque;
    for (guint i = 0; i < a->vcpus->len; i++) {
        TcgVcpuState *v = g_ptr_array_index(a->vcpus, i);
        /* Guest RAM is reloaded on reset without passing through the TLB. */
        tcg_tlb_set_tag(v, 0, 0);
        tcg_tlb_flush_local(v);
        tcg_tb_flush_vcpu(v);
        __atomic_store_n(&v->requests, 0, __ATOMIC_SEQ_CST);
        tcg_tlb_reset_requests(v);
        v->exception_pending = false;
        v->pub.cpu->exit_request = 0;
        if (v->pub.ops->reset) {
            v->pub.ops->reset(v->pub.cpu);
        }
    }
}
