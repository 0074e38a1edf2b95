/* SPDX-License-Identifier: MIT */
/*
 * RISC-V "spike" board: the platform of the spike ISA simulator, laid out
 * like QEMU's spike machine, for bare-metal code (ISA tests, course
 * material, benchmark ports) that reports through HTIF.
 *
 * Address map: the spike_memmap table below.  Devices: a CLINT
 * ("riscv-aclint": pin 2h -> hart h's MSIP (3), pin 2h+1 -> MTIP (7)) and
 * an HTIF ("htif") whose console is serial port 0 (stdio with -nographic).
 *
 * HTIF placement: when the kernel (else the firmware) is an ELF with a
 * `tohost` symbol, the tohost/fromhost words are mapped over RAM at the
 * symbols' values (taken as physical addresses), with a higher priority
 * than RAM, after the images are loaded.  Otherwise they sit at the fixed
 * SPIKE_HTIF window (fromhost at +0, tohost at +8).  Either way the device
 * tree's /htif node ("ucb,htif0") gives reg = <fromhost 8>, <tohost 8>.
 *
 * Boot (riscv-common/riscv-board.h): the reset vector at 0x1000 (MROM)
 * jumps to the firmware or, with -bios none, to the kernel's entry in
 * M-mode.  The default firmware is Debian's OpenSBI generic fw_dynamic.bin,
 * as QEMU's spike defaults to OpenSBI; bare-metal programs want
 * `-bios none -kernel prog.elf`.  Images are placed by the shared RISC-V
 * rules.  -initrd is not supported.
 *
 * Properties: none of its own; -M spike,dumpdtb=FILE writes the blob.
 */
#include "kernel/accel.h"
#include "kernel/fdt.h"
#include "kernel/loader.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "riscv/board.h"

#define TYPE_SPIKE_MACHINE "spike-machine"
#define SPIKE_ERROR_DOMAIN "tessera-riscv-spike-error"
#define SPIKE_ERROR (g_quark_from_static_string(SPIKE_ERROR_DOMAIN))

#define SPIKE_MAX_HARTS 8
#define SPIKE_DEFAULT_CPU "rv64-riscv-cpu"
#define SPIKE_DEFAULT_BIOS "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
#define SPIKE_TIMEBASE_FREQ 10000000

#define MiB (1024ULL * 1024)
#define SPIKE_DEFAULT_RAM (128 * MiB)

/* HTIF MMIO regions (see plugins/devices/htif/htif.c) and their layout in
 * the fixed window. */
enum { HTIF_MMIO_TOHOST = 0, HTIF_MMIO_FROMHOST = 1 };
#define HTIF_WINDOW_FROMHOST 0x0
#define HTIF_WINDOW_TOHOST 0x8
/* Above RAM, so the words win over the RAM they sit in. */
#define HTIF_OVERLAP_PRIORITY 1

enum {
    SPIKE_MROM,
    SPIKE_HTIF,
    SPIKE_CLINT,
    SPIKE_DRAM,
};

typedef struct SpikeRegion {
    const char *name;
    hwaddr base;
    uint64_t size;
} SpikeRegion;

/* The board's whole address map. */
static const SpikeRegion spike_memmap[] = {
    [SPIKE_MROM] = { .name = "mrom", .base = 0x1000, .size = 0xf000 },
    [SPIKE_HTIF] = { .name = "htif", .base = 0x1000000, .size = 0x1000 },
    [SPIKE_CLINT] = { .name = "clint", .base = 0x2000000, .size = 0x10000 },
    [SPIKE_DRAM] = { .name = "dram", .base = 0x80000000, .size = 0 /* -m */ },
};

/* ---- board state ---------------------------------------------------------- */

typedef struct SpikeMachineState {
    MachineState parent_obj;
    RiscvBoard board;          /* harts, MROM, FDT builder, boot images */
    DeviceState *clint;
    DeviceState *htif;
} SpikeMachineState;

OBJECT_DECLARE_SIMPLE_TYPE(SpikeMachineState, SPIKE_MACHINE, TYPE_SPIKE_MACHINE)

/* ---- init: on-board devices ------------------------------------------------- */

static bool spike_configure_clint(void *opaque, Object *obj, GError **errp)
{
    SpikeMachineState *s = opaque;
    return object_property_set_uint(obj, "num-harts", MACHINE(s)->smp_cpus, errp) &&
           object_property_set_uint(obj, "timebase-frequency", SPIKE_TIMEBASE_FREQ, errp);
}

static bool spike_configure_htif(void *opaque, Object *obj, GError **errp)
{
    const char *chr = machine_serial_chardev_id(0);
    return !chr || object_property_set_str(obj, "chardev", chr, errp);
}

static bool spike_init(MachineState *ms, GError **errp)
{
    SpikeMachineState *s = SPIKE_MACHINE(ms);
    const RiscvBoardInfo info = {
        .name = "spike",
        .error_domain = SPIKE_ERROR_DOMAIN,
        .mrom_name = "riscv.spike.mrom",
        .mrom_base = spike_memmap[SPIKE_MROM].base,
        .mrom_size = spike_memmap[SPIKE_MROM].size,
        .dram_base = spike_memmap[SPIKE_DRAM].base,
        .max_harts = SPIKE_MAX_HARTS,
        .timebase_freq = SPIKE_TIMEBASE_FREQ,
        .default_bios = SPIKE_DEFAULT_BIOS,
        .no_bios_hint = "-bios none to start the kernel in M-mode",
    };
    if (!riscv_board_init(&s->board, &info, ms, errp)) {
        return false;
    }
    s->clint = riscv_board_new_device(&s->board, "clint", "riscv-aclint",
                                      spike_configure_clint, s, errp);
    if (!s->clint) {
        return false;
    }
    device_mmio_map(s->clint, 0, &ms->system_memory, spike_memmap[SPIKE_CLINT].base);
    s->htif = riscv_board_new_device(&s->board, "htif", "htif", spike_configure_htif, s,
                                     errp);
    if (!s->htif) {
        return false;
    }
    riscv_board_wire_clint(&s->board, s->clint);
    return true;
}

/* ---- finalize ------------------------------------------------------------------ */

/* The ELF's tohost/fromhost symbols; false when @file has no tohost. */
static bool spike_htif_symbols(const char *file, hwaddr *tohost, hwaddr *fromhost)
{
    if (!file || !loader_is_elf(file) ||
        !loader_elf_lookup_symbol(file, "tohost", tohost, NULL)) {
        return false;
    }
    if (!loader_elf_lookup_symbol(file, "fromhost", fromhost, NULL)) {
        *fromhost = HWADDR_UNMAPPED;
    }
    return true;
}

/* Map the HTIF words: at the kernel's symbols, the firmware's, or the window. */
static void spike_map_htif(SpikeMachineState *s, const RiscvBootInfo *bi)
{
    MachineState *ms = MACHINE(s);
    hwaddr tohost, fromhost;
    if (!spike_htif_symbols(ms->kernel_filename, &tohost, &fromhost) &&
        !spike_htif_symbols(bi->firmware_file, &tohost, &fromhost)) {
        hwaddr base = spike_memmap[SPIKE_HTIF].base;
        tohost = base + HTIF_WINDOW_TOHOST;
        fromhost = base + HTIF_WINDOW_FROMHOST;
    }
    const struct {
        int n;
        hwaddr addr;
    } words[] = {
        { .n = HTIF_MMIO_TOHOST, .addr = tohost },
        { .n = HTIF_MMIO_FROMHOST, .addr = fromhost },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
        if (words[i].addr == HWADDR_UNMAPPED) {
            continue; /* no fromhost symbol: replies are not delivered */
        }
        memory_region_add_subregion_overlap(&ms->system_memory, words[i].addr,
                                            s->htif->mmio[words[i].n], HTIF_OVERLAP_PRIORITY);
        s->htif->mmio_addr[words[i].n] = words[i].addr;
    }
}

static bool spike_fdt_build(SpikeMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    FdtBuilder *fdt = s->board.fdt;
    if (!riscv_board_fdt_begin(&s->board, "ucbbar,spike-bare-dev", "ucbbar,spike-bare,tessera",
                               errp)) {
        return false;
    }
    riscv_board_fdt_add_devices(&s->board);

    fdt_builder_add_node(fdt, "/chosen");
    fdt_builder_prop_string(fdt, "/chosen", "stdout-path", "/htif");
    if (ms->kernel_cmdline && ms->kernel_cmdline[0]) {
        fdt_builder_prop_string(fdt, "/chosen", "bootargs", ms->kernel_cmdline);
    }
    return fdt_builder_take_error(fdt, errp);
}

static bool spike_finalize(MachineState *ms, GError **errp)
{
    SpikeMachineState *s = SPIKE_MACHINE(ms);
    RiscvBootInfo bi = { 0 };
    if (ms->initrd_filename) {
        g_set_error(errp, SPIKE_ERROR, 0, "-initrd: not supported by the spike board");
        return false;
    }
    /* Images first: the HTIF words then cover RAM the loader has filled. */
    if (!riscv_board_load_firmware(&s->board, &bi, errp) ||
        !riscv_board_load_kernel(&s->board, &bi, errp)) {
        return false;
    }
    spike_map_htif(s, &bi);
    if (ms->dtb ? !riscv_board_fdt_from_file(&s->board, ms->dtb, errp)
                : !spike_fdt_build(s, errp)) {
        return false;
    }
    uint64_t fdt_addr;
    return riscv_board_place_fdt(&s->board, &bi, &fdt_addr, errp) &&
           riscv_board_finish_boot(&s->board, &bi, fdt_addr, errp);
}

static bool spike_plug_device(MachineState *ms, DeviceState *dev, GError **errp)
{
    g_set_error(errp, SPIKE_ERROR, 0, "device '%s' cannot be plugged into the spike board",
                object_get_typename(OBJECT(dev)));
    return false;
}

/* ---- type ------------------------------------------------------------------- */

static void spike_instance_finalize(Object *obj)
{
    SpikeMachineState *s = SPIKE_MACHINE(obj);
    riscv_board_destroy(&s->board);
}

static void spike_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(klass);
    mc->default_cpu_type = SPIKE_DEFAULT_CPU;
    mc->default_ram_size = SPIKE_DEFAULT_RAM;
    mc->max_cpus = SPIKE_MAX_HARTS;
    mc->init = spike_init;
    mc->plug_device = spike_plug_device;
    mc->finalize = spike_finalize;
}

static const TypeInfo spike_machine_info = {
    .name = TYPE_SPIKE_MACHINE,
    .parent = TYPE_MACHINE,
    .category = "machine",
    .description = "RISC-V Spike board",
    .target = "riscv64",
    .instance_size = sizeof(SpikeMachineState),
    .class_size = sizeof(MachineClass),
    .instance_finalize = spike_instance_finalize,
    .class_init = spike_class_init,
};

TESSERA_MODULE(.name = "board-riscv-spike", .kind = "board",
               .types = TESSERA_TYPES(&spike_machine_info));
