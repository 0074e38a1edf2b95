/* SPDX-License-Identifier: MIT */
/*
 * The engine tests of test_tcg_exec.c (chaining and unchaining on
 * invalidation, the jump cache, fence.i, precise faults, interrupts
 * reaching chained and indirect loops, SMP) run on the native x86-64
 * backend: every harness is created with "backend=x86_64" (keeping
 * "chain=off" where a test asks for it).
 */
#include <string.h>

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

static ToyHarness *x86_toy_setup(unsigned ncpus, const char *accel_opts)
{
    static gsize once;
    core_init("unit-tcg", NULL);
    if (g_once_init_enter(&once)) {
        module_register_linked(&tcg_x86_64_module_desc);
        g_once_init_leave(&once, 1);
    }
    bool no_chain = accel_opts && strstr(accel_opts, "chain=off");
    return toy_setup(ncpus, no_chain ? "backend=x86_64,chain=off" : "backend=x86_64");
}
#define toy_setup(n, opts) x86_toy_setup((n), (opts))
#include "tests/tcg/test_tcg_exec.c"

#else
int main(void)
{
    return 0;
}
#endif
