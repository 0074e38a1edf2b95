/* SPDX-License-Identifier: MIT */
/*
 * The IR semantics tests of test_tcg_ir.c run against the native x86-64
 * backend: the same program, with every harness created with
 * "backend=x86_64" and the backend compiled in (its module descriptor
 * renamed, like the interpreter's in SConscript).
 */
#include "tests/tcg/toy_cpu.h"

#if defined(__x86_64__)
#define tessera_module tcg_x86_64_module_desc
#include "plugins/accel/tcg-x86_64/backend.c"
#include "plugins/accel/tcg-x86_64/disas.c"
#include "plugins/accel/tcg-x86_64/emit.c"
#include "plugins/accel/tcg-x86_64/gen.c"
#include "plugins/accel/tcg-x86_64/mem.c"
#include "plugins/accel/tcg-x86_64/regs.c"
#undef tessera_module

/* Register the backend once, then build the harness on it. */
static ToyHarness *x86_toy_setup(unsigned ncpus, const char *accel_opts)
{
    static gsize once;
    core_init("unit-tcg", NULL);
    if (g_once_init_enter(&once)) {
        module_register_linked(&tcg_x86_64_module_desc);
        g_once_init_leave(&once, 1);
    }
    (void)accel_opts;
    return toy_setup(ncpus, "backend=x86_64");
}
#define toy_setup(n, opts) x86_toy_setup((n), (opts))
#include "tests/tcg/test_tcg_ir.c"

#else
int main(void)
{
    return 0;
}
#endif
