/* SPDX-License-Identifier: MIT */
/*
 * The "interp" TCG backend: runs IR blocks with a portable threaded-code
 * interpreter (compile.c turns IR into records, exec.c runs them).  Needs
 * GCC's labels-as-values.  Supports direct chaining.
 */
#include "kernel/module.h"
#include "plugins/accel/tcg-interp/interp.h"

OBJECT_DECLARE_SIMPLE_TYPE(InterpBackend, INTERP_BACKEND, TYPE_INTERP_TCG_BACKEND)

static bool interp_vcpu_init(TcgBackend *be, TcgVcpu *v, GError **errp)
{
    v->backend_data = g_new0(InterpVcpu, 1);
    return true;
}

static void interp_vcpu_cleanup(TcgBackend *be, TcgVcpu *v)
{
    g_free(v->backend_data);
    v->backend_data = NULL;
}

static bool interp_be_compile(TcgBackend *be, TcgVcpu *v, const IrBlock *ir, TcgTb *tb)
{
    return interp_compile(INTERP_BACKEND(be), v, ir, tb);
}

static void interp_free_code(TcgBackend *be, TcgVcpu *v, TcgTb *tb)
{
    InterpCode *code = tb->code;
    if (code) {
        g_free(code->consts);
        g_free(code);
        tb->code = NULL;
    }
}

static TcgTb *interp_exec(TcgBackend *be, TcgVcpu *v, TcgTb *tb, int *exit_slot)
{
    *exit_slot = -1;
    return interp_run(v, tb, exit_slot, NULL);
}

static unsigned interp_find_insn(TcgBackend *be, TcgVcpu *v, TcgTb *tb, uintptr_t ra)
{
    /* Compiled code stores the instruction index before every call-out. */
    return v->cur_insn;
}

static const TcgBackendOps interp_ops = {
    .vcpu_init = interp_vcpu_init,
    .vcpu_cleanup = interp_vcpu_cleanup,
    .compile = interp_be_compile,
    .free_code = interp_free_code,
    .exec = interp_exec,
    .find_insn = interp_find_insn,
};

static void interp_instance_init(Object *obj)
{
    InterpBackend *s = INTERP_BACKEND(obj);
    interp_run(NULL, NULL, NULL, &s->handlers);
}

static void interp_class_init(ObjectClass *klass, const void *data)
{
    TcgBackendClass *bc = TCG_BACKEND_CLASS(klass);
    bc->ops = &interp_ops;
    bc->chaining = true;
}

static const TypeInfo interp_type_info = {
    .name = TYPE_INTERP_TCG_BACKEND,
    .parent = TYPE_TCG_BACKEND,
    .category = "tcg-backend",
    .description = "portable IR interpreter",
    .instance_size = sizeof(InterpBackend),
    .class_size = sizeof(TcgBackendClass),
    .instance_init = interp_instance_init,
    .class_init = interp_class_init,
};

TESSERA_MODULE(.name = "tcg-interp", .kind = "tcg-backend",
               .types = TESSERA_TYPES(&interp_type_info));
