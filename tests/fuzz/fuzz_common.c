/* SPDX-License-Identifier: MIT */
/*
 * Set-up shared by the fuzz targets (see fuzz.h).
 */
#include <stdbool.h>
#include <stdlib.h>

#include "kernel/core.h"
#include "kernel/gdbstub.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "monitor/monitor-internal.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_RAM_SIZE (64 * 1024)

static bool fuzz_machine_init(MachineState *ms, GError **errp)
{
    memory_region_add_subregion(&ms->system_memory, 0, &ms->ram);
    return true;
}

static void fuzz_machine_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(klass);
    mc->name = "fuzz";
    mc->desc = "machine of the fuzz targets";
    mc->max_cpus = 1;
    mc->default_ram_size = FUZZ_RAM_SIZE;
    mc->init = fuzz_machine_init;
}

static const TypeInfo fuzz_machine_info = {
    .name = "fuzz" TYPE_MACHINE_SUFFIX,
    .parent = TYPE_MACHINE,
    .instance_size = sizeof(MachineState),
    .class_size = sizeof(MachineClass),
    .class_init = fuzz_machine_class_init,
};

void fuzz_core_setup_modules(const char *progname, const char *module_dir)
{
    /* Plain malloc for GLib so that the sanitizers see every block. */
    setenv("G_SLICE", "always-malloc", 1);
    unsetenv("TESSERA_MODULE_DIR");
    core_init(progname, module_dir);
}

void fuzz_core_setup(const char *progname, bool with_machine)
{
    fuzz_core_setup_modules(progname, "/nonexistent");
    if (!with_machine) {
        return;
    }
    monitor_types_init();
    type_register_static(&fuzz_machine_info);
    GError *err = NULL;
    MachineState *ms = machine_create("fuzz", &err);
    if (!ms || !machine_init(ms, &err)) {
        error_report("fuzz machine: %s", err ? err->message : "failed");
        abort();
    }
}

void fuzz_reset_state(void)
{
    log_set_mask_str("", NULL);
    gdbserver_stop();   /* HMP "gdbserver" (also through qRcmd) */
}
