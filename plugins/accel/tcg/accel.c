/* SPDX-License-Identifier: MIT */
/*
 * The "tcg" accelerator: binary translation through an IR, executed by a
 * pluggable backend ("<name>-tcg-backend" types in their own modules).
 *
 * Properties:
 *   backend   backend name ("interp"); default: the best one installed
 *   tb-size   translated-code budget per vCPU in MiB (flush when exceeded)
 *   chain     link blocks directly (off: every block returns to the loop)
 *   perfmap   the backend writes /tmp/perf-PID.map (launcher: -perfmap)
 *
 * Each vCPU runs on its own thread (tcg-cpuN), started parked; the core
 * resumes and pauses them through the VcpuControl installed here.
 */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/core.h"
#include "kernel/module.h"
#include "plugins/accel/tcg/tcg-internal.h"

/* Backends in order of preference for the default: the best installed. */
static const char *const tcg_backend_preference[] = { "x86_64", "interp", NULL };

static void tcg_as_commit(AddressSpace *as, void *opaque);

/* ---- backend selection ---------------------------------------------------------- */

static bool backend_installed(const char *name)
{
    g_autofree char *type = g_strconcat(name, TYPE_TCG_BACKEND_SUFFIX, NULL);
    return type_lookup(type) || module_find_type(type);
}

static char *default_backend_name(void)
{
    for (const char *const *p = tcg_backend_preference; *p; p++) {
        if (backend_installed(*p)) {
            return g_strdup(*p);
        }
    }
    /* Anything else that is installed. */
    g_autoptr(GPtrArray) types = module_list_types(TYPE_TCG_BACKEND);
    for (guint i = 0; types && i < types->len; i++) {
        const ModuleTypeEntry *e = g_ptr_array_index(types, i);
        if (!e->abstract && g_str_has_suffix(e->name, TYPE_TCG_BACKEND_SUFFIX)) {
            return g_strndup(e->name, strlen(e->name) - strlen(TYPE_TCG_BACKEND_SUFFIX));
        }
    }
    GSList *classes = object_class_get_list(TYPE_TCG_BACKEND, false);
    char *name = NULL;
    for (GSList *l = classes; l && !name; l = l->next) {
        const char *tn = object_class_get_name(l->data);
        if (g_str_has_suffix(tn, TYPE_TCG_BACKEND_SUFFIX)) {
            name = g_strndup(tn, strlen(tn) - strlen(TYPE_TCG_BACKEND_SUFFIX));
        }
    }
    g_slist_free(classes);
    return name;
}

static bool create_backend(TcgAccel *a, GError **errp)
{
    g_autofree char *name = a->backend_name && *a->backend_name ? g_strdup(a->backend_name)
                                                                : default_backend_name();
    if (!name) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "-accel tcg: no TCG backend is installed");
        return false;
    }
    g_autofree char *type = g_strconcat(name, TYPE_TCG_BACKEND_SUFFIX, NULL);
    GError *err = NULL;
    TypeImpl *t = type_lookup_or_load(type, &err);
    if (!t || !type_is_a(t, TYPE_TCG_BACKEND) || type_is_abstract(t)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "-accel tcg,backend=%s: no such TCG backend%s%s", name,
                    err ? ": " : "", err ? err->message : "");
        g_clear_error(&err);
        return false;
    }
    a->backend = TCG_BACKEND(object_new(type));
    TcgBackendClass *bc = TCG_BACKEND_GET_CLASS(a->backend);
    g_assert(bc->ops && bc->ops->compile && bc->ops->exec && bc->ops->free_code &&
             bc->ops->find_insn);
    a->bops = bc->ops;
    a->backend_chains = bc->chaining;
    if (a->perfmap) {
        if (!a->bops->perfmap_open) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                        "-accel tcg,perfmap=on: the %s backend generates no host code for perf"
                        " to attribute (use backend=x86_64)", name);
            return false;
        }
        if (!a->bops->perfmap_open(a->backend, errp)) {
            return false;
        }
    }
    return true;
}

/* ---- vCPUs ------------------------------------------------------------------------ */

static bool check_cpu_ops(CPUState *cpu, const TcgCpuOps *ops, GError **errp)
{
    const char *type = object_get_typename(OBJECT(cpu));
    if (!ops || ops->abi_version != TCG_CPU_ABI_VERSION) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-accel tcg: CPU type %s does not support TCG (interface version %u, "
                    "need %u)", type, ops ? ops->abi_version : 0, TCG_CPU_ABI_VERSION);
        return false;
    }
    if (!ops->translate || !ops->get_tb_cpu_state || !ops->tlb_fill || !ops->do_interrupt ||
        !ops->exec_interrupt || !ops->restore_state_to_opc || !ops->mmu_index ||
        !ops->do_unaligned_access || ops->nb_mmu_modes < 1 ||
        ops->nb_mmu_modes > TCG_MAX_MMU_MODES ||
        ops->insn_start_words > 1 + IR_MAX_INSN_START_EXTRA) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-accel tcg: CPU type %s has an incomplete TCG interface", type);
        return false;
    }
    return true;
}

static void vcpu_free(TcgAccel *a, TcgVcpuState *v)
{
    tcg_tb_cache_destroy(v);
    if (a->bops && a->bops->vcpu_cleanup) {
        a->bops->vcpu_cleanup(a->backend, &v->pub);
    }
    tcg_tlb_destroy(v);
    ir_builder_destroy(&v->builder);
    v->pub.cpu->accel_data = NULL;
    g_free(v);
}

static bool vcpu_create(TcgAccel *a, CPUState *cpu, unsigned index, GError **errp)
{
    const TcgCpuOps *ops = tcg_cpu_ops(cpu);
    if (!check_cpu_ops(cpu, ops, errp)) {
        return false;
    }
    TcgVcpuState *v = g_new0(TcgVcpuState, 1);
    v->accel = a;
    v->index = index;
    v->pub.cpu = cpu;
    v->pub.ops = ops;
    v->pub.env = (char *)cpu + ops->env_offset;
    /* Looked up once: the checked class cast compares type names. */
    v->has_work = CPU_GET_CLASS(cpu)->has_work;
    tcg_tlb_install_vcpu_hooks(&v->pub);
    v->pub.enter_abort = tcg_enter_abort;
    v->pub.pc_offset = -1;
    for (unsigned i = 0; i < ops->num_globals; i++) {
        if (ops->globals[i].type == IR_I64 && !g_strcmp0(ops->globals[i].name, "pc")) {
            v->pub.pc_offset = ops->globals[i].offset;
        }
    }
    ir_builder_init(&v->builder, ops);
    cpu->accel_data = v;
    if (!tcg_tlb_init(v) || !tcg_tb_cache_init(v) ||
        (a->bops->vcpu_init && !a->bops->vcpu_init(a->backend, &v->pub, errp))) {
        vcpu_free(a, v);
        return false;
    }
    g_ptr_array_add(a->vcpus, v);
    if (ops->attach) {
        ops->attach(cpu, &tcg_engine_ops);
    }
    return true;
}

/* ---- memory topology ---------------------------------------------------------------- */

/* (start, size, host) of every RAM/ROM/ROM-device range: blocks depend on
 * these only (a ROM device switching modes keeps its signature: its bytes
 * did not change; a device changing them says so through the written hook). */
static GArray *ram_signature(AddressSpace *as)
{
    GArray *sig = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    FlatView *fv = address_space_get_flatview(as);
    for (unsigned i = 0; fv && i < fv->nr; i++) {
        const FlatRange *r = &fv->ranges[i];
        if (r->mr->kind == MR_RAM || r->mr->kind == MR_ROM || r->mr->kind == MR_ROM_DEVICE) {
            uint64_t t[3] = { r->start, r->size,
                              (uint64_t)(uintptr_t)(r->mr->ram + r->offset_in_region) };
            g_array_append_vals(sig, t, 3);
        }
    }
    if (fv) {
        flatview_unref(fv);
    }
    return sig;
}

static void tcg_as_commit(AddressSpace *as, void *opaque)
{
    TcgAccel *a = opaque;
    GArray *sig = ram_signature(as);
    bool ram_changed = !a->ram_signature || sig->len != a->ram_signature->len ||
                       memcmp(sig->data, a->ram_signature->data, sig->len * sizeof(uint64_t));
    if (a->ram_signature) {
        g_array_free(a->ram_signature, TRUE);
    }
    a->ram_signature = sig;
    int req = TCG_REQ_TLB_FLUSH | (ram_changed ? TCG_REQ_TB_FLUSH : 0);
    int self = (int)syscall(SYS_gettid);
    for (guint i = 0; i < a->vcpus->len; i++) {
        TcgVcpuState *v = g_ptr_array_index(a->vcpus, i);
        if (v->pub.cpu->thread_id == self) {
            /* A vCPU's own store changed the view (a device command): the
             * rest of its block must already see the new one. */
            tcg_tlb_flush_local(v);
        }
        __atomic_fetch_or(&v->requests, req, __ATOMIC_SEQ_CST);
        tcg_cpu_exit(v->pub.cpu);
    }
}

static void tcg_as_written(AddressSpace *as, hwaddr addr, uint64_t len, void *opaque)
{
    tcg_tb_invalidate_phys_range(opaque, addr, len);
}

/* ---- AccelClass ---------------------------------------------------------------------- */

static bool tcg_init_machine(AccelState *accel, MachineState *ms, GError **errp)
{
    TcgAccel *a = TCG_ACCEL(accel);
    a->ms = ms;
    if (!create_backend(a, errp)) {
        return false;
    }
    for (guint i = 0; ms->cpus && i < ms->cpus->len; i++) {
        CPUState *cpu = g_ptr_array_index(ms->cpus, i);
        if (!vcpu_create(a, cpu, i, errp)) {
            return false;
        }
    }
    if (a->vcpus->len) {
        CPUState *cpu0 = ((TcgVcpuState *)g_ptr_array_index(a->vcpus, 0))->pub.cpu;
        a->listened_as = cpu0->as ? cpu0->as : &ms->address_space;
        a->ram_signature = ram_signature(a->listened_as);
        a->as_listener = (AddressSpaceListener){
            .commit = tcg_as_commit,
            .written = tcg_as_written,
            .opaque = a,
        };
        address_space_add_listener(a->listened_as, &a->as_listener);
    }
    a->vcpu_ctl = (VcpuControl){
        .pause_all = tcg_pause_all,
        .resume_all = tcg_resume_all,
        .reset_all = tcg_reset_all,
        .opaque = a,
    };
    runstate_set_vcpu_control(&a->vcpu_ctl);
    return true;
}

static bool tcg_start_vcpus(AccelState *accel, MachineState *ms, GError **errp)
{
    TcgAccel *a = TCG_ACCEL(accel);
    /* The CPUs are realized: their translation keys are final. */
    for (guint i = 0; i < a->vcpus->len; i++) {
        TcgVcpuState *v = g_ptr_array_index(a->vcpus, i);
        if (!v->thread && v->pub.ops->code_key) {
            v->code_key = v->pub.ops->code_key(v->pub.cpu);
            v->has_code_key = true;
        }
    }
    tcg_share_init(a);
    for (guint i = 0; i < a->vcpus->len; i++) {
        TcgVcpuState *v = g_ptr_array_index(a->vcpus, i);
        if (v->thread) {
            continue;
        }
        g_autofree char *name = g_strdup_printf("CPU %u/TCG", v->index);
        GError *err = NULL;
        g_mutex_lock(&a->run_lock);
        a->nthreads++;
        g_mutex_unlock(&a->run_lock);
        v->thread = g_thread_try_new(core_thread_name(name), tcg_vcpu_thread, v, &err);
        if (!v->thread) {
            g_mutex_lock(&a->run_lock);
            a->nthreads--;
            g_mutex_unlock(&a->run_lock);
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-accel tcg: cannot start vCPU thread %s: %s", name, err->message);
            g_error_free(err);
            return false;
        }
        v->pub.cpu->thread = v->thread;
    }
    /* Every thread has recorded its id (thread_id) before we report success. */
    g_mutex_lock(&a->run_lock);
    for (guint i = 0; i < a->vcpus->len; i++) {
        TcgVcpuState *v = g_ptr_array_index(a->vcpus, i);
        while (!v->pub.cpu->thread_id) {
            g_cond_wait(&a->run_cond, &a->run_lock);
        }
    }
    g_mutex_unlock(&a->run_lock);
    return true;
}

/* Per interrupt raised (cpu_interrupt): no checked cast on the way. */
static void tcg_kick(AccelState *accel, CPUState *cpu)
{
    TcgVcpuState *v = tcg_vcpu_of(cpu);
    tcg_kick_vcpu(v ? v->accel : TCG_ACCEL(accel), cpu);
}

static void tcg_accel_instance_init(Object *obj)
{
    TcgAccel *a = TCG_ACCEL(obj);
    g_mutex_init(&a->run_lock);
    g_cond_init(&a->run_cond);
    g_mutex_init(&a->tb_lock);
    a->pages = tcg_pages_new();
    a->code_count = g_new0(uint32_t, TCG_CODE_COUNT_SIZE);
    a->vcpus = g_ptr_array_new();
}

static void tcg_accel_instance_finalize(Object *obj)
{
    TcgAccel *a = TCG_ACCEL(obj);
    /* Stop and join the vCPU threads (tests create and drop machines). */
    g_mutex_lock(&a->run_lock);
    for (guint i = 0; i < a->vcpus->len; i++) {
        TcgVcpuState *v = g_ptr_array_index(a->vcpus, i);
        v->stop_thread = true;
        tcg_cpu_exit(v->pub.cpu);
    }
    g_cond_broadcast(&a->run_cond);
    g_mutex_unlock(&a->run_lock);
    for (guint i = 0; i < a->vcpus->len; i++) {
        TcgVcpuState *v = g_ptr_array_index(a->vcpus, i);
        if (v->thread) {
            g_thread_join(v->thread);
            v->pub.cpu->thread = NULL;
            v->pub.cpu->thread_id = 0;
        }
    }
    if (a->listened_as) {
        address_space_remove_listener(a->listened_as, &a->as_listener);
    }
    for (guint i = 0; i < a->vcpus->len; i++) {
        vcpu_free(a, g_ptr_array_index(a->vcpus, i));
    }
    g_ptr_array_free(a->vcpus, TRUE);
    g_hash_table_destroy(a->pages);
    tcg_share_destroy(a);
    g_free(a->code_count);
    if (a->ram_signature) {
        g_array_free(a->ram_signature, TRUE);
    }
    if (a->backend) {
        object_unref(OBJECT(a->backend));
    }
    g_mutex_clear(&a->run_lock);
    g_cond_clear(&a->run_cond);
    g_mutex_clear(&a->tb_lock);
}

static const PropertyInfo tcg_accel_props[] = {
    PROP_STRING("backend", TcgAccel, backend_name, NULL,
                "TCG backend (interp, ...); default: the best installed"),
    PROP_UINT64("tb-size", TcgAccel, tb_size_mb, TCG_DEFAULT_TB_SIZE_MB,
                "Translated code per vCPU in MiB before the cache is flushed"),
    PROP_BOOL("chain", TcgAccel, chaining, true,
              "Chain translated blocks directly (off: return to the loop after each)"),
    PROP_BOOL("perfmap", TcgAccel, perfmap, false,
              "Write /tmp/perf-PID.map naming the host code of each block (perf report)"),
    PROP_END
};

static void tcg_accel_class_init(ObjectClass *klass, const void *data)
{
    AccelClass *ac = ACCEL_CLASS(klass);
    ac->name = "tcg";
    ac->desc = "binary translation through an IR and a backend";
    ac->init_machine = tcg_init_machine;
    ac->start_vcpus = tcg_start_vcpus;
    ac->kick = tcg_kick;
    ac->update_guest_debug = tcg_update_guest_debug;
    object_class_add_field_properties(klass, tcg_accel_props);
}

static const TypeInfo tcg_type_infos[] = {
    {
        .name = TYPE_TCG_ACCEL,
        .parent = TYPE_ACCEL,
        .category = "accel",
        .description = "binary translation (tiny code generator style)",
        .instance_size = sizeof(TcgAccel),
        .class_size = sizeof(AccelClass),
        .class_init = tcg_accel_class_init,
        .instance_init = tcg_accel_instance_init,
        .instance_finalize = tcg_accel_instance_finalize,
    },
    {
        .name = TYPE_TCG_BACKEND,
        .parent = TYPE_OBJECT,
        .category = "tcg-backend",
        .description = "base type of TCG code-generation backends",
        .abstract = true,
        .instance_size = sizeof(TcgBackend),
        .class_size = sizeof(TcgBackendClass),
    },
};

TESSERA_MODULE(.name = "accel-tcg", .kind = "accel",
               .types = TESSERA_TYPES(&tcg_type_infos[0], &tcg_type_infos[1]));
