/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the QMP input path: bytes from the fuzzer go into a
 * QMP session exactly as they would arrive from a socket, after the
 * capabilities negotiation, so every command (human-monitor-command, and
 * through it every HMP command, included) is reachable.  The process has a
 * small machine of its own ("fuzz", 64 KiB of RAM at 0) so that qom-*,
 * xp and info mtree have something to work on; no module is loaded.
 *
 * Not part of the scons build: see docs/fuzzing.md.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kernel/core.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/runstate.h"
#include "monitor/monitor-internal.h"

#define FUZZ_RAM_SIZE (64 * 1024)

/* The core's build id lives in a generated object in scons builds. */
__attribute__((visibility("hidden"))) const char tessera_build_id_str[] = "qmp-fuzz";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_machine_init(MachineState *ms, GError **errp)
{
    memory_region_add_subregion(&ms->system_memory, 0, &ms->ram);
    return true;
}

static void fuzz_machine_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(klass);
    mc->name = "fuzz";
    mc->desc = "machine of the QMP fuzz target";
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

static void discard(void *opaque, const char *data, size_t len)
{
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* Plain malloc for GLib so that the sanitizers see every block. */
    setenv("G_SLICE", "always-malloc", 1);
    unsetenv("TESSERA_MODULE_DIR");
    core_init("qmp-fuzz", "/nonexistent");
    monitor_types_init();
    type_register_static(&fuzz_machine_info);
    GError *err = NULL;
    MachineState *ms = machine_create("fuzz", &err);
    if (!ms || !machine_init(ms, &err)) {
        error_report("fuzz machine: %s", err->message);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char negotiate[] = "{\"execute\": \"qmp_capabilities\"}";
    QmpSession *s = qmp_session_new(discard, NULL);
    qmp_session_open(s);
    qmp_session_input(s, (const uint8_t *)negotiate, sizeof(negotiate) - 1);
    qmp_session_input(s, data, size);
    qmp_session_free(s);
    /* "log" may have switched categories on; keep runs quiet and alike. */
    log_set_mask_str("", NULL);
    return 0;
}
