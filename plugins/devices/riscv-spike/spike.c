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
 * Boot: the reset vector at 0x1000 (MROM) jumps with a0 = hartid, a1 = the
 * device tree and a2 = OpenSBI's fw_dynamic_info (next stage: the kernel in
 * S-mode) to the firmware or, with -bios none, to the kernel's entry in
 * M-mode.  The default firmware is Debian's OpenSBI generic fw_dynamic.bin,
 * as QEMU's spike defaults to OpenSBI; bare-metal programs want
 * `-bios none -kernel prog.elf`.  Placement: firmware at the start of RAM
 * (ELF: its own addresses); kernel ELF at its own addresses, raw after the
 * firmware rounded up to 2 MiB; the device tree at the top of RAM below
 * 3 GiB, rounded down to 2 MiB.  -initrd is not supported.
 *
 * Properties: none of its own; -M spike,dumpdtb=FILE writes the blob.
 */
#include <string.h>

#include "kernel/accel.h"
#include "kernel/fdt.h"
#include "kernel/loader.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/runstate.h"

#define TYPE_SPIKE_MACHINE "spike-machine"
#define SPIKE_ERROR (g_quark_from_static_string("tessera-riscv-spike-error"))

#define SPIKE_MAX_HARTS 8
#define SPIKE_DEFAULT_CPU "rv64-riscv-cpu"
#define SPIKE_DEFAULT_BIOS "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
#define SPIKE_TIMEBASE_FREQ 10000000

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)
#define SPIKE_DEFAULT_RAM (128 * MiB)
#define SPIKE_KERNEL_ALIGN (2 * MiB)
#define SPIKE_FDT_ALIGN (2 * MiB)
#define SPIKE_FDT_LIMIT (3 * GiB)

#define EM_RISCV_MACHINE 243

/* mip bits the hart's input pins are numbered by. */
#define IRQ_M_SOFT 3
#define IRQ_M_TIMER 7

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

/* ---- reset trampoline ----------------------------------------------------- */

/* OpenSBI's fw_dynamic interface (docs/firmware/fw_dynamic.md). */
#define FW_DYNAMIC_INFO_MAGIC 0x4942534fULL
#define FW_DYNAMIC_INFO_VERSION 2
#define FW_DYNAMIC_INFO_NEXT_MODE_S 1
#define FW_DYNAMIC_BOOT_HART_ANY UINT64_MAX

enum {
    RV_REG_ZERO = 0,
    RV_REG_T0 = 5,
    RV_REG_A0 = 10,
    RV_REG_A1 = 11,
    RV_REG_A2 = 12,
};
#define RV_OP_LOAD 0x03
#define RV_OP_IMM 0x13
#define RV_OP_AUIPC 0x17
#define RV_OP_JALR 0x67
#define RV_OP_SYSTEM 0x73
#define RV_F3_ADDI 0
#define RV_F3_LD 3
#define RV_F3_CSRRS 2
#define RV_F3_JALR 0
#define RV_CSR_MHARTID 0xf14

/* Layout: six instructions, two addresses, then fw_dynamic_info. */
#define TRAMP_START_ADDR_OFF 0x18
#define TRAMP_FDT_ADDR_OFF 0x20
#define TRAMP_INFO_OFF 0x28
#define TRAMP_INFO_WORDS 6
#define TRAMP_SIZE (TRAMP_INFO_OFF + TRAMP_INFO_WORDS * 8)

static uint32_t rv_itype(unsigned opcode, unsigned funct3, unsigned rd, unsigned rs1, int imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}

static uint32_t rv_utype(unsigned opcode, unsigned rd, uint32_t imm20)
{
    return imm20 << 12 | rd << 7 | opcode;
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Fill @buf (TRAMP_SIZE bytes): jump to @start with a0/a1/a2 set. */
static void spike_build_trampoline(uint8_t *buf, uint64_t start, uint64_t fdt_addr,
                                   uint64_t next_addr)
{
    const uint32_t code[] = {
        rv_utype(RV_OP_AUIPC, RV_REG_T0, 0),                            /* t0 = here */
        rv_itype(RV_OP_IMM, RV_F3_ADDI, RV_REG_A2, RV_REG_T0, TRAMP_INFO_OFF),
        rv_itype(RV_OP_SYSTEM, RV_F3_CSRRS, RV_REG_A0, RV_REG_ZERO, RV_CSR_MHARTID),
        rv_itype(RV_OP_LOAD, RV_F3_LD, RV_REG_A1, RV_REG_T0, TRAMP_FDT_ADDR_OFF),
        rv_itype(RV_OP_LOAD, RV_F3_LD, RV_REG_T0, RV_REG_T0, TRAMP_START_ADDR_OFF),
        rv_itype(RV_OP_JALR, RV_F3_JALR, RV_REG_ZERO, RV_REG_T0, 0),  /* jr t0 */
    };
    const uint64_t info[TRAMP_INFO_WORDS] = {
        FW_DYNAMIC_INFO_MAGIC, FW_DYNAMIC_INFO_VERSION, next_addr,
        FW_DYNAMIC_INFO_NEXT_MODE_S, 0 /* options */, FW_DYNAMIC_BOOT_HART_ANY,
    };
    memset(buf, 0, TRAMP_SIZE);
    for (size_t i = 0; i < G_N_ELEMENTS(code); i++) {
        for (int b = 0; b < 4; b++) {
            buf[4 * i + b] = (uint8_t)(code[i] >> (8 * b));
        }
    }
    put_le64(buf + TRAMP_START_ADDR_OFF, start);
    put_le64(buf + TRAMP_FDT_ADDR_OFF, fdt_addr);
    for (size_t i = 0; i < TRAMP_INFO_WORDS; i++) {
        put_le64(buf + TRAMP_INFO_OFF + 8 * i, info[i]);
    }
}

/* ---- board state ---------------------------------------------------------- */

typedef struct SpikeMachineState {
    MachineState parent_obj;
    MemoryRegion mrom;
    DeviceState *clint;
    DeviceState *htif;
    FdtBuilder *fdt;
    LoaderImages *images;
} SpikeMachineState;

OBJECT_DECLARE_SIMPLE_TYPE(SpikeMachineState, SPIKE_MACHINE, TYPE_SPIKE_MACHINE)

static CPUState *spike_hart(MachineState *ms, unsigned i)
{
    return g_ptr_array_index(ms->cpus, i);
}

/* ---- init: harts and on-board devices -------------------------------------- */

static bool spike_create_harts(SpikeMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    Object *soc = object_new(TYPE_CONTAINER);
    bool ok = object_property_add_child(OBJECT(ms), "soc0", soc, errp);
    object_unref(soc);
    if (!ok) {
        return false;
    }
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        Object *obj = object_new_checked(ms->cpu_type, errp);
        if (!obj) {
            return false;
        }
        if (!object_dynamic_cast(obj, TYPE_CPU)) {
            g_set_error(errp, SPIKE_ERROR, 0, "'%s' is not a CPU type", ms->cpu_type);
            object_unref(obj);
            return false;
        }
        char *name = g_strdup_printf("harts[%u]", i);
        ok = object_property_set_uint(obj, "hartid", i, errp) &&
             object_property_set_uint(obj, "resetvec", spike_memmap[SPIKE_MROM].base, errp) &&
             object_property_set_uint(obj, "timebase-frequency", SPIKE_TIMEBASE_FREQ, errp) &&
             object_property_add_child(soc, name, obj, errp);
        g_free(name);
        object_unref(obj); /* the tree holds it now (or it is gone on failure) */
        if (!ok) {
            return false;
        }
        CPUState *cpu = CPU(obj);
        cpu->as = &ms->address_space;
        if (!device_realize(DEVICE(cpu), errp)) {
            return false;
        }
        g_ptr_array_add(ms->cpus, cpu);
    }
    return true;
}

/* New on-board device @type at /machine/@name, configured by @configure. */
static DeviceState *spike_new_device(SpikeMachineState *s, const char *name, const char *type,
                                     bool (*configure)(SpikeMachineState *s, Object *obj,
                                                       GError **errp),
                                     GError **errp)
{
    Object *obj = object_new_checked(type, errp);
    if (!obj) {
        return NULL;
    }
    bool ok = configure(s, obj, errp) &&
              object_property_add_child(OBJECT(s), name, obj, errp);
    object_unref(obj);
    if (!ok || !device_realize(DEVICE(obj), errp)) {
        return NULL;
    }
    return DEVICE(obj);
}

static bool spike_configure_clint(SpikeMachineState *s, Object *obj, GError **errp)
{
    return object_property_set_uint(obj, "num-harts", MACHINE(s)->smp_cpus, errp) &&
           object_property_set_uint(obj, "timebase-frequency", SPIKE_TIMEBASE_FREQ, errp);
}

static bool spike_configure_htif(SpikeMachineState *s, Object *obj, GError **errp)
{
    const char *chr = machine_serial_chardev_id(0);
    return !chr || object_property_set_str(obj, "chardev", chr, errp);
}

/* CLINT pins to each hart's local interrupt inputs, noted for the FDT. */
static void spike_wire_harts(SpikeMachineState *s)
{
    MachineState *ms = MACHINE(s);
    static const int hart_pins[] = { IRQ_M_SOFT, IRQ_M_TIMER };
    for (unsigned h = 0; h < ms->smp_cpus; h++) {
        DeviceState *hart = DEVICE(spike_hart(ms, h));
        char *intc = g_strdup_printf(FDT_HART_INTC_LABEL_FMT, h);
        for (unsigned p = 0; p < G_N_ELEMENTS(hart_pins); p++) {
            int pin = (int)(G_N_ELEMENTS(hart_pins) * h + p);
            device_connect_irq_out(s->clint, pin, device_get_irq_in(hart, hart_pins[p]));
            fdt_builder_set_irq(s->fdt, s->clint, pin, intc, (uint32_t)hart_pins[p]);
        }
        g_free(intc);
    }
}

static bool spike_init(MachineState *ms, GError **errp)
{
    SpikeMachineState *s = SPIKE_MACHINE(ms);
    if (ms->smp_cpus < 1 || ms->smp_cpus > SPIKE_MAX_HARTS) {
        g_set_error(errp, SPIKE_ERROR, 0, "spike: %u CPUs requested, the board supports 1..%u",
                    ms->smp_cpus, SPIKE_MAX_HARTS);
        return false;
    }
    const SpikeRegion *dram = &spike_memmap[SPIKE_DRAM];
    if (ms->ram_size == 0 || ms->ram_size > UINT64_MAX - dram->base) {
        g_set_error(errp, SPIKE_ERROR, 0, "spike: invalid RAM size %" PRIu64, ms->ram_size);
        return false;
    }
    memory_region_add_subregion(&ms->system_memory, dram->base, &ms->ram);
    const SpikeRegion *mrom = &spike_memmap[SPIKE_MROM];
    if (!memory_region_init_rom(&s->mrom, OBJECT(ms), "riscv.spike.mrom", mrom->size, errp)) {
        return false;
    }
    memory_region_add_subregion(&ms->system_memory, mrom->base, &s->mrom);
    s->fdt = fdt_builder_new();
    s->images = loader_images_new(&ms->address_space);
    if (!spike_create_harts(s, errp)) {
        return false;
    }
    s->clint = spike_new_device(s, "clint", "riscv-aclint", spike_configure_clint, errp);
    if (!s->clint) {
        return false;
    }
    device_mmio_map(s->clint, 0, &ms->system_memory, spike_memmap[SPIKE_CLINT].base);
    s->htif = spike_new_device(s, "htif", "htif", spike_configure_htif, errp);
    if (!s->htif) {
        return false;
    }
    spike_wire_harts(s);
    return true;
}

/* ---- finalize: images -------------------------------------------------------- */

typedef struct SpikeBootInfo {
    const char *firmware;      /* file name, or NULL for none */
    LoaderImageInfo fw;
    bool have_kernel;
    LoaderImageInfo kernel;
} SpikeBootInfo;

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
    return v & ~(a - 1);
}

/* Resolve -bios: NULL for none, the default's path, or the user's file. */
static bool spike_firmware_name(MachineState *ms, const char **name, GError **errp)
{
    const char *fw = ms->firmware;
    *name = NULL;
    if (fw && !strcmp(fw, "none")) {
        return true;
    }
    if (!fw || !strcmp(fw, "default")) {
        if (!g_file_test(SPIKE_DEFAULT_BIOS, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(errp, SPIKE_ERROR, 0,
                        "spike: no firmware: %s is missing; install Debian's opensbi package, "
                        "or pass -bios none to start the kernel in M-mode",
                        SPIKE_DEFAULT_BIOS);
            return false;
        }
        fw = SPIKE_DEFAULT_BIOS;
    }
    *name = fw;
    return true;
}

static bool spike_load_images(SpikeMachineState *s, SpikeBootInfo *bi, GError **errp)
{
    MachineState *ms = MACHINE(s);
    const SpikeRegion *dram = &spike_memmap[SPIKE_DRAM];
    if (bi->firmware) {
        const char *fw = bi->firmware;
        bool ok = loader_is_elf(fw)
            ? loader_load_elf(s->images, fw, EM_RISCV_MACHINE, &bi->fw, errp)
            : loader_load_raw(s->images, fw, dram->base, ms->ram_size, &bi->fw, errp);
        if (!ok) {
            g_prefix_error(errp, "-bios: ");
            return false;
        }
    }
    const char *k = ms->kernel_filename;
    if (!k) {
        return true;
    }
    bool ok;
    if (loader_is_elf(k)) {
        ok = loader_load_elf(s->images, k, EM_RISCV_MACHINE, &bi->kernel, errp);
    } else {
        hwaddr addr = bi->firmware ? align_up(bi->fw.high, SPIKE_KERNEL_ALIGN) : dram->base;
        hwaddr ram_end = dram->base + ms->ram_size;
        if (addr >= ram_end) {
            g_set_error(errp, LOADER_ERROR, LOADER_ERROR_TOO_BIG,
                        "-kernel: no room for '%s' after the firmware", k);
            return false;
        }
        ok = loader_load_raw(s->images, k, addr, ram_end - addr, &bi->kernel, errp);
    }
    if (!ok) {
        g_prefix_error(errp, "-kernel: ");
        return false;
    }
    bi->have_kernel = true;
    return true;
}

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
static void spike_map_htif(SpikeMachineState *s, const SpikeBootInfo *bi)
{
    MachineState *ms = MACHINE(s);
    hwaddr tohost, fromhost;
    if (!spike_htif_symbols(ms->kernel_filename, &tohost, &fromhost) &&
        !spike_htif_symbols(bi->firmware, &tohost, &fromhost)) {
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

/* ---- finalize: device tree ------------------------------------------------- */

static void spike_fdt_add_devices(Object *obj, void *opaque)
{
    FdtBuilder *fdt = opaque;
    DeviceState *dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    if (dev && dev->realized && !object_dynamic_cast(obj, TYPE_CPU)) {
        DeviceClass *dc = DEVICE_GET_CLASS(dev);
        if (dc->fdt_node) {
            dc->fdt_node(dev, fdt);
        }
    }
    object_child_foreach(obj, spike_fdt_add_devices, fdt);
}

static bool spike_fdt_hart(FdtBuilder *fdt, CPUState *cpu, unsigned h, GError **errp)
{
    char *isa = object_property_get_str(OBJECT(cpu), "isa-string", errp);
    char *mmu = isa ? object_property_get_str(OBJECT(cpu), "mmu-type", errp) : NULL;
    if (!mmu) {
        g_free(isa);
        return false;
    }
    char *path = g_strdup_printf("/cpus/cpu@%u", h);
    char *intc_path = g_strconcat(path, "/interrupt-controller", NULL);
    char *cpu_label = g_strdup_printf("hart%u", h);
    char *intc_label = g_strdup_printf(FDT_HART_INTC_LABEL_FMT, h);
    char *map_path = g_strdup_printf("/cpus/cpu-map/cluster0/core%u", h);
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_string(fdt, path, "device_type", "cpu");
    fdt_builder_prop_u32(fdt, path, "reg", h);
    fdt_builder_prop_string(fdt, path, "status", "okay");
    fdt_builder_prop_string(fdt, path, "compatible", "riscv");
    fdt_builder_prop_string(fdt, path, "riscv,isa", isa);
    if (mmu[0] && strcmp(mmu, "bare") && strcmp(mmu, "none")) {
        char *mmu_type = g_str_has_prefix(mmu, "riscv,") ? g_strdup(mmu)
                                                         : g_strconcat("riscv,", mmu, NULL);
        fdt_builder_prop_string(fdt, path, "mmu-type", mmu_type);
        g_free(mmu_type);
    }
    uint32_t cpu_ph = fdt_builder_set_phandle(fdt, path, cpu_label);
    fdt_builder_add_node(fdt, intc_path);
    fdt_builder_prop_u32(fdt, intc_path, "#address-cells", 0);
    fdt_builder_prop_u32(fdt, intc_path, "#interrupt-cells", 1);
    fdt_builder_prop_empty(fdt, intc_path, "interrupt-controller");
    fdt_builder_prop_string(fdt, intc_path, "compatible", "riscv,cpu-intc");
    fdt_builder_set_phandle(fdt, intc_path, intc_label);
    fdt_builder_add_node(fdt, map_path);
    fdt_builder_prop_u32(fdt, map_path, "cpu", cpu_ph);
    g_free(map_path);
    g_free(intc_label);
    g_free(cpu_label);
    g_free(intc_path);
    g_free(path);
    g_free(mmu);
    g_free(isa);
    return true;
}

static bool spike_fdt_build(SpikeMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    FdtBuilder *fdt = s->fdt;
    const SpikeRegion *dram = &spike_memmap[SPIKE_DRAM];
    fdt_builder_prop_u32(fdt, "/", "#address-cells", 2);
    fdt_builder_prop_u32(fdt, "/", "#size-cells", 2);
    fdt_builder_prop_string(fdt, "/", "compatible", "ucbbar,spike-bare-dev");
    fdt_builder_prop_string(fdt, "/", "model", "ucbbar,spike-bare,tessera");

    char *mem_path = g_strdup_printf("/memory@%" HWADDR_PRIx, dram->base);
    uint64_t mem_reg[] = { dram->base, ms->ram_size };
    fdt_builder_add_node(fdt, mem_path);
    fdt_builder_prop_string(fdt, mem_path, "device_type", "memory");
    fdt_builder_prop_reg(fdt, mem_path, mem_reg, 1);
    g_free(mem_path);

    fdt_builder_add_node(fdt, "/cpus");
    fdt_builder_prop_u32(fdt, "/cpus", "#address-cells", 1);
    fdt_builder_prop_u32(fdt, "/cpus", "#size-cells", 0);
    fdt_builder_prop_u32(fdt, "/cpus", "timebase-frequency", SPIKE_TIMEBASE_FREQ);
    /* Last hart first: libfdt prepends subnodes, so they end up in order. */
    for (unsigned h = ms->smp_cpus; h-- > 0;) {
        if (!spike_fdt_hart(fdt, spike_hart(ms, h), h, errp)) {
            return false;
        }
    }

    fdt_builder_add_node(fdt, "/soc");
    fdt_builder_prop_u32(fdt, "/soc", "#address-cells", 2);
    fdt_builder_prop_u32(fdt, "/soc", "#size-cells", 2);
    fdt_builder_prop_string(fdt, "/soc", "compatible", "simple-bus");
    fdt_builder_prop_empty(fdt, "/soc", "ranges");
    fdt_builder_set_bus_path(fdt, "/soc");
    spike_fdt_add_devices(OBJECT(ms), fdt);

    fdt_builder_add_node(fdt, "/chosen");
    fdt_builder_prop_string(fdt, "/chosen", "stdout-path", "/htif");
    if (ms->kernel_cmdline && ms->kernel_cmdline[0]) {
        fdt_builder_prop_string(fdt, "/chosen", "bootargs", ms->kernel_cmdline);
    }
    return fdt_builder_take_error(fdt, errp);
}

/* Use -dtb FILE instead of the generated tree. */
static bool spike_fdt_from_file(SpikeMachineState *s, const char *file, GError **errp)
{
    void *blob;
    size_t size;
    if (!fdt_load_file(file, &blob, &size, errp)) {
        return false;
    }
    FdtBuilder *user = fdt_builder_new_from_blob(blob, size, errp);
    g_free(blob);
    if (!user) {
        g_prefix_error(errp, "-dtb '%s': ", file);
        return false;
    }
    fdt_builder_free(s->fdt);
    s->fdt = user;
    return true;
}

/* Put the finished blob at the top of RAM (below 3 GiB). */
static bool spike_place_fdt(SpikeMachineState *s, uint64_t *fdt_addr, GError **errp)
{
    MachineState *ms = MACHINE(s);
    const SpikeRegion *dram = &spike_memmap[SPIKE_DRAM];
    if (!fdt_builder_finish(s->fdt, errp)) {
        return false;
    }
    size_t size;
    const void *blob = fdt_builder_blob(s->fdt, &size);
    uint64_t top = MIN(dram->base + ms->ram_size, SPIKE_FDT_LIMIT);
    if (top < dram->base + size) {
        g_set_error(errp, SPIKE_ERROR, 0, "spike: no room in RAM for the device tree");
        return false;
    }
    *fdt_addr = MAX(align_down(top - size, SPIKE_FDT_ALIGN), dram->base);
    return loader_images_add(s->images, "device tree", *fdt_addr, blob, size, errp);
}

static bool spike_dump_dtb(SpikeMachineState *s, const char *file, GError **errp)
{
    size_t size;
    const void *blob = fdt_builder_blob(s->fdt, &size);
    GError *err = NULL;
    if (!g_file_set_contents(file, blob, (gssize)size, &err)) {
        g_set_error(errp, SPIKE_ERROR, 0, "dumpdtb: cannot write '%s': %s", file, err->message);
        g_error_free(err);
        return false;
    }
    return true;
}

static void spike_reset_hook(void *opaque)
{
    SpikeMachineState *s = opaque;
    loader_images_replay(s->images);
}

static bool spike_finalize(MachineState *ms, GError **errp)
{
    SpikeMachineState *s = SPIKE_MACHINE(ms);
    SpikeBootInfo bi = { 0 };
    if (ms->initrd_filename) {
        g_set_error(errp, SPIKE_ERROR, 0, "-initrd: not supported by the spike board");
        return false;
    }
    /* Images first: the HTIF words then cover RAM the loader has filled. */
    if (!spike_firmware_name(ms, &bi.firmware, errp) || !spike_load_images(s, &bi, errp)) {
        return false;
    }
    spike_map_htif(s, &bi);
    if (ms->dtb ? !spike_fdt_from_file(s, ms->dtb, errp) : !spike_fdt_build(s, errp)) {
        return false;
    }
    uint64_t fdt_addr;
    if (!spike_place_fdt(s, &fdt_addr, errp)) {
        return false;
    }
    uint64_t next = bi.have_kernel ? bi.kernel.entry : 0;
    uint64_t start = bi.firmware ? bi.fw.entry
                   : bi.have_kernel ? bi.kernel.entry : spike_memmap[SPIKE_DRAM].base;
    uint8_t tramp[TRAMP_SIZE];
    spike_build_trampoline(tramp, start, fdt_addr, next);
    if (!loader_images_add(s->images, "reset vector", spike_memmap[SPIKE_MROM].base, tramp,
                           sizeof(tramp), errp)) {
        return false;
    }
    if (ms->dumpdtb && !spike_dump_dtb(s, ms->dumpdtb, errp)) {
        return false;
    }
    runstate_set_reset_hook(spike_reset_hook, s);
    return true;
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
    fdt_builder_free(s->fdt);
    loader_images_free(s->images);
}

static void spike_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(klass);
    mc->name = "spike";
    mc->desc = "RISC-V Spike board";
    mc->target = "riscv64";
    mc->is_default = false;
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
    .instance_size = sizeof(SpikeMachineState),
    .class_size = sizeof(MachineClass),
    .instance_finalize = spike_instance_finalize,
    .class_init = spike_class_init,
};

static void spike_register(void)
{
    type_register_static(&spike_machine_info);
}

static const TesseraTypeDesc spike_types[] = {
    {
        .name = TYPE_SPIKE_MACHINE,
        .parent = TYPE_MACHINE,
        .category = "machine",
        .target = "riscv64",
        .description = "RISC-V Spike board",
    },
    { .name = NULL },
};

TESSERA_MODULE(.name = "board-riscv-spike", .kind = "board", .types = spike_types,
               .register_types = spike_register);
