/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the devices of a whole board, driven the way a guest (or a
 * DMA-capable device's driver) drives them, through the qtest protocol
 * (plugins/accel/qtest/qtest.h) in-process.  One build per board
 * (FUZZ_BOARD: "virt" with FUZZ_DEVICES, "@"-separated "-device"s, or "spike"); the board
 * is built once as `-M BOARD -bios none -m 16` would build it (modules
 * from FUZZ_MODULE_DIR, or $TESSERA_MODULE_DIR), its CPUs never run.
 *
 * An input is a byte string decoded into at most MAX_OPS operations, each
 * sent as a qtest command line:
 *   op % 8 in 0..2  write of width 1/2/4/8 (next byte) to an MMIO region
 *                   (next byte picks one of every MMIO region mapped in
 *                   the board's memory, devices' included) at an offset
 *                   (next 4 bytes) with a value (next 8 bytes)
 *          3..4     read, likewise
 *          5        guest-memory write: up to 64 bytes of the input at an
 *                   offset of RAM (what a DMA-capable device would read)
 *          6        clock_step NS (next 4 bytes)
 *          7        clock_step (to the next timer)
 * Offsets are taken modulo the region size and left unaligned on purpose.
 * FUZZ_VERBOSE=1 in the environment lists the regions at start-up.
 * After each input the machine is reset (system_reset), so inputs do not
 * depend on each other beyond the virtual clock, which only moves forward.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/core.h"
#include "kernel/device.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/options.h"
#include "kernel/runstate.h"
#include "plugins/accel/qtest/qtest.h"
#include "tests/fuzz/fuzz.h"

#ifndef FUZZ_BOARD
#define FUZZ_BOARD "virt"
#endif
#ifndef FUZZ_DEVICES
#define FUZZ_DEVICES ""
#endif
#ifndef FUZZ_MODULE_DIR
#define FUZZ_MODULE_DIR NULL
#endif
#define FUZZ_RAM_SIZE (16 * 1024 * 1024)
#define MAX_OPS 2000
#define MAX_DMA 64

typedef struct Region {
    const char *name;
    uint64_t base, size;
} Region;

static QTestSession *session;
static GArray *mmio;         /* Region */
static Region ram;

static void discard(void *opaque, const char *text, size_t len)
{
}

/* Every leaf region below @mr at absolute address @base. */
static void collect(MemoryRegion *mr, uint64_t base)
{
    if (!mr->enabled) {
        return;
    }
    uint64_t at = base + mr->addr;
    switch (mr->kind) {
    case MR_CONTAINER:
        for (guint i = 0; mr->subregions && i < mr->subregions->len; i++) {
            collect(g_ptr_array_index(mr->subregions, i), at);
        }
        break;
    case MR_MMIO:
    case MR_ROM_DEVICE: {
        Region r = { mr->name, at, mr->size };
        g_array_append_val(mmio, r);
        break;
    }
    case MR_RAM:
        if (mr->size > ram.size) {
            ram = (Region){ mr->name, at, mr->size };
        }
        break;
    default:
        break;
    }
}

static void fatal(const char *what, GError *err)
{
    fprintf(stderr, "device-fuzz: %s: %s\n", what, err ? err->message : "failed");
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *moddir = getenv("TESSERA_MODULE_DIR");
    fuzz_core_setup_modules("device-fuzz", moddir ? moddir : FUZZ_MODULE_DIR);
    module_set_target("riscv64");
    GError *err = NULL;
    MachineState *ms = machine_create(FUZZ_BOARD, &err);
    if (!ms) {
        fatal("machine " FUZZ_BOARD, err);
    }
    ms->ram_size = FUZZ_RAM_SIZE;
    if (!object_property_set_str(OBJECT(ms), "firmware", "none", &err) ||
        !machine_init(ms, &err)) {
        fatal("machine init", err);
    }
    g_auto(GStrv) devices = g_strsplit(FUZZ_DEVICES, "@", -1);
    for (char **d = devices; *d && **d; d++) {
        OptDict *opts = opt_dict_parse("-device", *d, "driver", true, &err);
        if (!opts || !device_create_from_opts(opts, false, &err)) {
            fatal(*d, err);
        }
        opt_dict_free(opts);
    }
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    if (mc->finalize && !mc->finalize(ms, &err)) {
        fatal("machine finalize", err);
    }
    system_reset();
    mmio = g_array_new(FALSE, FALSE, sizeof(Region));
    collect(&ms->system_memory, 0);
    if (!mmio->len || !ram.size) {
        fprintf(stderr, "device-fuzz: board " FUZZ_BOARD " has no MMIO region or no RAM\n");
        abort();
    }
    if (getenv("FUZZ_VERBOSE")) {
        for (guint i = 0; i < mmio->len; i++) {
            const Region *r = &g_array_index(mmio, Region, i);
            fprintf(stderr, "device-fuzz: region %u: %s at 0x%" PRIx64 ", 0x%" PRIx64 " bytes\n",
                    i, r->name, r->base, r->size);
        }
        fprintf(stderr, "device-fuzz: RAM %s at 0x%" PRIx64 ", 0x%" PRIx64 " bytes\n", ram.name,
                ram.base, ram.size);
    }
    session = qtest_session_new(NULL, discard, NULL);
    return 0;
}

typedef struct Input {
    const uint8_t *p, *end;
} Input;

static uint64_t take(Input *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && in->p < in->end; i++) {
        v |= (uint64_t)*in->p++ << (8 * i);
    }
    return v;
}

static void run(const char *line)
{
    g_free(qtest_session_command(session, line));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const writes[] = { "writeb", "writew", "writel", "writeq" };
    static const char *const reads[] = { "readb", "readw", "readl", "readq" };
    Input in = { data, data + size };
    char line[64 + 2 * MAX_DMA];
    for (int n = 0; n < MAX_OPS && in.p < in.end; n++) {
        unsigned op = take(&in, 1) % 8;
        if (op <= 4) {
            unsigned width = take(&in, 1) % 4;
            const Region *r = &g_array_index(mmio, Region, take(&in, 1) % mmio->len);
            uint64_t addr = r->base + take(&in, 4) % r->size;
            if (op <= 2) {
                snprintf(line, sizeof(line), "%s 0x%" PRIx64 " 0x%" PRIx64, writes[width], addr,
                         take(&in, 8));
            } else {
                snprintf(line, sizeof(line), "%s 0x%" PRIx64, reads[width], addr);
            }
        } else if (op == 5) {
            unsigned len = 1 + take(&in, 1) % MAX_DMA;
            uint64_t addr = ram.base + take(&in, 4) % (ram.size - len);
            int pos = snprintf(line, sizeof(line), "write 0x%" PRIx64 " %u 0x", addr, len);
            for (unsigned i = 0; i < len; i++) {
                pos += snprintf(line + pos, sizeof(line) - pos, "%02x", (unsigned)take(&in, 1));
            }
        } else if (op == 6) {
            snprintf(line, sizeof(line), "clock_step %" PRIu64, take(&in, 4));
        } else {
            snprintf(line, sizeof(line), "clock_step");
        }
        run(line);
    }
    system_reset();
    fuzz_reset_state();
    return 0;
}
