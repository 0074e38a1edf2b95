/* SPDX-License-Identifier: MIT */
/*
 * RISC-V "virt" board, laid out like QEMU's virt machine so that firmware
 * and kernels built for it (OpenSBI generic, U-Boot qemu-riscv64, Linux)
 * run unmodified.
 *
 * Address map: the virt_memmap table below; nothing else names an address.
 * IRQs: on-board devices -> PLIC sources (UART0 10, RTC 11); PLIC context
 * 2h/2h+1 -> hart h's MEIP (11) / SEIP (9); CLINT pin 2h/2h+1 -> hart h's
 * MSIP (3) / MTIP (7).
 *
 * PCI Express: a gpex-pcihost with QEMU's windows (ECAM 0x30000000 256 MiB,
 * MMIO 0x40000000 1 GiB, MMIO64 0x400000000 16 GiB, PIO 0x03000000 64 KiB)
 * and INTA..INTD on PLIC sources 32..35; PCI devices (-device X-pci) go on
 * its bus pcie.0 or behind a pcie-root-port.
 *
 * User devices (-device NAME,...): placed in the "user" window of 4 KiB
 * slots, IRQ outputs wired to PLIC sources 64..95, at the device's
 * "addr"/"irq" properties or, when 0, the first free ones
 * (user-devices.c); each writes its own device-tree node.
 *
 * Boot (riscv-common/riscv-board.h): the reset vector at 0x1000 (MROM)
 * jumps to OpenSBI (or, with -bios none, the kernel); firmware, kernel,
 * initrd and device tree are placed by the shared RISC-V rules.
 *
 * fw_cfg (QEMU's firmware configuration, MMIO with DMA) at 0x10100000 as in
 * QEMU's virt: FW_CFG_NB_CPUS, -fw_cfg files, and "bootorder" (the devices'
 * bootindex, kernel/bootorder.h).
 *
 * Properties: "aclint" (describe the CLINT as ACLINT MSWI + MTIMER nodes;
 * same registers).  -M virt,dumpdtb=FILE (MachineState.dumpdtb) writes the
 * final blob, after which main() exits.
 */
#include "kernel/accel.h"
#include "kernel/bus.h"
#include "kernel/fdt.h"
#include "kernel/loader.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "fw-cfg/fw-cfg.h"
#include "riscv/board.h"
#include "plugins/devices/riscv-virt/user-devices.h"

#define TYPE_VIRT_MACHINE "virt-machine"

#define VIRT_MAX_HARTS 8
#define VIRT_DEFAULT_RAM (128 * MiB)
#define VIRT_DEFAULT_CPU "rv64-riscv-cpu"
#define VIRT_DEFAULT_BIOS "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
#define VIRT_TIMEBASE_FREQ 10000000
#define VIRT_PLIC_NUM_SOURCES 96
#define VIRT_UART_CLOCK 3686400
/* PLIC sources for PCIe INTA..D, as QEMU's virt. */
#define VIRT_PCIE_IRQ 32
#define VIRT_PCIE_NUM_IRQS 4
/* virtio-mmio slots: 0x1000 apart from the "virtio" entry, PLIC 1..8. */
#define VIRT_VIRTIO_COUNT 8
#define VIRT_VIRTIO_IRQ 1
#define VIRT_VIRTIO_SLOT 0x1000
/* PLIC sources for user devices (UART0 10, RTC 11, virtio 1..8, PCIe 32..35):
 * 64..95, above QEMU's own numbers. */
#define VIRT_USER_IRQ_FIRST 64
#define VIRT_USER_IRQ_COUNT 32

#define MiB (1024ULL * 1024)

enum {
    VIRT_MROM,
    VIRT_TEST,
    VIRT_PCIE_PIO,
    VIRT_RTC,
    VIRT_CLINT,
    VIRT_PLIC,
    VIRT_UART0,
    VIRT_VIRTIO,
    VIRT_USER,
    VIRT_FW_CFG,
    VIRT_PCIE_ECAM,
    VIRT_PCIE_MMIO,
    VIRT_DRAM,
    VIRT_PCIE_MMIO_HIGH,
};

typedef struct VirtRegion {
    const char *name;
    hwaddr base;
    uint64_t size;
} VirtRegion;

/* The board's whole address map. */
static const VirtRegion virt_memmap[] = {
    [VIRT_MROM] = { .name = "mrom", .base = 0x1000, .size = 0xf000 },
    [VIRT_TEST] = { .name = "test", .base = 0x100000, .size = 0x1000 },
    [VIRT_RTC] = { .name = "rtc", .base = 0x101000, .size = 0x1000 },
    [VIRT_CLINT] = { .name = "clint", .base = 0x2000000, .size = 0x10000 },
    [VIRT_PLIC] = { .name = "plic", .base = 0xc000000, .size = 0x600000 },
    [VIRT_UART0] = { .name = "uart0", .base = 0x10000000, .size = 0x100 },
    /* Eight virtio-mmio slots of 0x1000, PLIC sources 1..8. */
    [VIRT_VIRTIO] = { .name = "virtio", .base = 0x10001000, .size = 0x8000 },
    /* Sixteen 4 KiB slots for -device MMIO devices (user-devices.c). */
    [VIRT_USER] = { .name = "user", .base = 0x10010000, .size = 0x10000 },
    [VIRT_FW_CFG] = { .name = "fw-cfg", .base = 0x10100000, .size = 0x18 },
    [VIRT_PCIE_PIO] = { .name = "pcie-pio", .base = 0x03000000, .size = 0x10000 },
    [VIRT_PCIE_ECAM] = { .name = "pcie-ecam", .base = 0x30000000, .size = 0x10000000 },
    [VIRT_PCIE_MMIO] = { .name = "pcie-mmio", .base = 0x40000000, .size = 0x40000000 },
    [VIRT_DRAM] = { .name = "dram", .base = 0x80000000, .size = 0 /* -m */ },
    [VIRT_PCIE_MMIO_HIGH] = { .name = "pcie-mmio-high", .base = 0x400000000ULL,
                              .size = 0x400000000ULL },
};

typedef enum {
    VIRT_CFG_NONE,
    VIRT_CFG_PLIC,
    VIRT_CFG_CLINT,
    VIRT_CFG_UART,
    VIRT_CFG_FW_CFG,
} VirtDeviceConfig;

typedef struct VirtDevice {
    const char *name;          /* child name under /machine */
    const char *type;
    int region;
    uint32_t plic_irq;         /* PLIC source of output pin 0, or 0 */
    VirtDeviceConfig config;
} VirtDevice;

/* On-board devices, created in this order (the PLIC first: others wire to it). */
static const VirtDevice virt_devices[] = {
    { .name = "plic", .type = "riscv-plic", .region = VIRT_PLIC, .config = VIRT_CFG_PLIC },
    { .name = "clint", .type = "riscv-aclint", .region = VIRT_CLINT,
      .config = VIRT_CFG_CLINT },
    { .name = "test", .type = "sifive-test", .region = VIRT_TEST },
    { .name = "rtc", .type = "goldfish-rtc", .region = VIRT_RTC, .plic_irq = 11 },
    { .name = "uart0", .type = "ns16550a", .region = VIRT_UART0, .plic_irq = 10,
      .config = VIRT_CFG_UART },
    { .name = "fw-cfg", .type = TYPE_FW_CFG_MMIO, .region = VIRT_FW_CFG,
      .config = VIRT_CFG_FW_CFG },
};
#define VIRT_NUM_DEVICES G_N_ELEMENTS(virt_devices)
#define VIRT_DEV_PLIC 0
#define VIRT_DEV_CLINT 1
#define VIRT_DEV_UART0 4

/* ---- board state ---------------------------------------------------------- */

typedef struct VirtMachineState {
    MachineState parent_obj;
    RiscvBoard board;          /* harts, MROM, FDT builder, boot images */
    bool aclint;               /* property: ACLINT device tree nodes */
    DeviceState *devs[G_N_ELEMENTS(virt_devices)];
    DeviceState *pcie;         /* gpex-pcihost */
    DeviceState *virtio[VIRT_VIRTIO_COUNT];
    VirtUserWindow user;       /* placement of -device MMIO devices */
} VirtMachineState;

OBJECT_DECLARE_SIMPLE_TYPE(VirtMachineState, VIRT_MACHINE, TYPE_VIRT_MACHINE)

/* ---- init: on-board devices ------------------------------------------------- */

typedef struct VirtDeviceSetup {
    VirtMachineState *s;
    const VirtDevice *vd;
} VirtDeviceSetup;

static bool virt_configure_device(void *opaque, Object *obj, GError **errp)
{
    const VirtDeviceSetup *setup = opaque;
    VirtMachineState *s = setup->s;
    const VirtDevice *vd = setup->vd;
    MachineState *ms = MACHINE(s);
    switch (vd->config) {
    case VIRT_CFG_PLIC:
        return object_property_set_uint(obj, "num-harts", ms->smp_cpus, errp) &&
               object_property_set_uint(obj, "num-sources", VIRT_PLIC_NUM_SOURCES, errp);
    case VIRT_CFG_CLINT:
        return object_property_set_uint(obj, "num-harts", ms->smp_cpus, errp) &&
               object_property_set_uint(obj, "timebase-frequency", VIRT_TIMEBASE_FREQ, errp) &&
               object_property_set_bool(obj, "aclint", s->aclint, errp);
    case VIRT_CFG_UART:
        if (machine_serial_chardev_id(0) &&
            !object_property_set_str(obj, "chardev", machine_serial_chardev_id(0), errp)) {
            return false;
        }
        return object_property_set_uint(obj, "clock-frequency", VIRT_UART_CLOCK, errp);
    case VIRT_CFG_FW_CFG:
        fw_cfg_add_u16(DEVICE(obj), FW_CFG_NB_CPUS, (uint16_t)ms->smp_cpus);
        break;
    case VIRT_CFG_NONE:
        break;
    }
    return true;
}

static bool virt_create_devices(VirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    for (size_t i = 0; i < VIRT_NUM_DEVICES; i++) {
        const VirtDevice *vd = &virt_devices[i];
        VirtDeviceSetup setup = { .s = s, .vd = vd };
        DeviceState *dev = riscv_board_new_device(&s->board, vd->name, vd->type,
                                                  virt_configure_device, &setup, errp);
        if (!dev) {
            return false;
        }
        g_assert(memory_region_size(dev->mmio[0]) <= virt_memmap[vd->region].size);
        s->devs[i] = dev;
        device_mmio_map(dev, 0, &ms->system_memory, virt_memmap[vd->region].base);
        if (vd->plic_irq) {
            DeviceState *plic = s->devs[VIRT_DEV_PLIC];
            char *label = fdt_device_label(plic);
            riscv_board_wire(&s->board, dev, 0, plic, (int)vd->plic_irq, label);
            g_free(label);
        }
    }
    return true;
}

static bool virt_configure_pcie(void *opaque, Object *obj, GError **errp)
{
    return object_property_set_uint(obj, "ecam-size", virt_memmap[VIRT_PCIE_ECAM].size, errp) &&
           object_property_set_uint(obj, "mmio32-base", virt_memmap[VIRT_PCIE_MMIO].base,
                                    errp) &&
           object_property_set_uint(obj, "mmio32-size", virt_memmap[VIRT_PCIE_MMIO].size,
                                    errp) &&
           object_property_set_uint(obj, "mmio64-base", virt_memmap[VIRT_PCIE_MMIO_HIGH].base,
                                    errp) &&
           object_property_set_uint(obj, "mmio64-size", virt_memmap[VIRT_PCIE_MMIO_HIGH].size,
                                    errp) &&
           object_property_set_uint(obj, "pio-size", virt_memmap[VIRT_PCIE_PIO].size, errp);
}

/* The PCIe host: ECAM, the two memory windows and the I/O window at their
 * map entries (regions 0..3 of gpex-pcihost), INTA..D to the PLIC. */
static bool virt_create_pcie(VirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    static const int regions[] = { VIRT_PCIE_ECAM, VIRT_PCIE_MMIO, VIRT_PCIE_MMIO_HIGH,
                                   VIRT_PCIE_PIO };
    s->pcie = riscv_board_new_device(&s->board, "pcie", "gpex-pcihost", virt_configure_pcie,
                                     s, errp);
    if (!s->pcie) {
        return false;
    }
    for (int i = 0; i < (int)G_N_ELEMENTS(regions); i++) {
        device_mmio_map(s->pcie, i, &ms->system_memory, virt_memmap[regions[i]].base);
    }
    DeviceState *plic = s->devs[VIRT_DEV_PLIC];
    char *label = fdt_device_label(plic);
    for (int pin = 0; pin < VIRT_PCIE_NUM_IRQS; pin++) {
        riscv_board_wire(&s->board, s->pcie, pin, plic, VIRT_PCIE_IRQ + pin, label);
    }
    g_free(label);
    return true;
}

static bool virt_configure_nothing(void *opaque, Object *obj, GError **errp)
{
    return true;
}

/* The virtio-mmio slots: as in QEMU, slot i owns virtio-mmio-bus.i, and
 * -device virtio-X-device without bus= takes the free slot with the highest
 * address (the first at 0x10008000). */
static bool virt_create_virtio_mmio(VirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    DeviceState *plic = s->devs[VIRT_DEV_PLIC];
    char *label = fdt_device_label(plic);
    bool ok = true;
    for (int i = 0; i < VIRT_VIRTIO_COUNT && ok; i++) {
        g_autofree char *name = g_strdup_printf("virtio-mmio[%d]", i);
        s->virtio[i] = riscv_board_new_device(&s->board, name, "virtio-mmio",
                                              virt_configure_nothing, NULL, errp);
        ok = s->virtio[i] != NULL;
        if (ok) {
            device_mmio_map(s->virtio[i], 0, &ms->system_memory,
                            virt_memmap[VIRT_VIRTIO].base + (hwaddr)i * VIRT_VIRTIO_SLOT);
            riscv_board_wire(&s->board, s->virtio[i], 0, plic, VIRT_VIRTIO_IRQ + i, label);
            bus_set_fill_order(bus_owned_by(s->virtio[i], TYPE_BUS), VIRT_VIRTIO_COUNT - 1 - i);
        }
    }
    g_free(label);
    return ok;
}

/* PLIC contexts and CLINT pins to each hart's local interrupt inputs. */
static void virt_wire_harts(VirtMachineState *s)
{
    MachineState *ms = MACHINE(s);
    for (unsigned h = 0; h < ms->smp_cpus; h++) {
        DeviceState *hart = DEVICE(riscv_board_hart(&s->board, h));
        char *intc = riscv_board_hart_intc_label(h);
        riscv_board_wire(&s->board, s->devs[VIRT_DEV_PLIC], (int)(2 * h), hart,
                         RISCV_IRQ_M_EXT, intc);
        riscv_board_wire(&s->board, s->devs[VIRT_DEV_PLIC], (int)(2 * h + 1), hart,
                         RISCV_IRQ_S_EXT, intc);
        g_free(intc);
    }
    riscv_board_wire_clint(&s->board, s->devs[VIRT_DEV_CLINT]);
}

/* The address map is a table of disjoint ranges (DRAM's size comes from -m). */
static void virt_memmap_check(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(virt_memmap); i++) {
        for (size_t j = i + 1; j < G_N_ELEMENTS(virt_memmap); j++) {
            const VirtRegion *a = &virt_memmap[i], *b = &virt_memmap[j];
            g_assert(a->base + a->size <= b->base || b->base + b->size <= a->base ||
                     !a->size || !b->size);
        }
    }
}

static bool virt_init(MachineState *ms, GError **errp)
{
    VirtMachineState *s = VIRT_MACHINE(ms);
    const RiscvBoardInfo info = {
        .name = "virt",
        .error_domain = VIRT_ERROR_DOMAIN,
        .mrom_name = "riscv_virt_board.mrom",
        .mrom_base = virt_memmap[VIRT_MROM].base,
        .mrom_size = virt_memmap[VIRT_MROM].size,
        .dram_base = virt_memmap[VIRT_DRAM].base,
        .max_harts = VIRT_MAX_HARTS,
        .timebase_freq = VIRT_TIMEBASE_FREQ,
        .default_bios = VIRT_DEFAULT_BIOS,
        .no_bios_hint = "-bios FILE (or -bios none to start the kernel in M-mode)",
    };
    virt_memmap_check();
    uint64_t max_ram = virt_memmap[VIRT_PCIE_MMIO_HIGH].base - virt_memmap[VIRT_DRAM].base;
    if (ms->ram_size > max_ram) {
        g_set_error(errp, VIRT_ERROR, 0,
                    "virt: -m %" PRIu64 "M is more than the board's %" PRIu64 "M of RAM space "
                    "(below the PCIe 64-bit window)", ms->ram_size >> 20, max_ram >> 20);
        return false;
    }
    if (!riscv_board_init(&s->board, &info, ms, errp) || !virt_create_devices(s, errp) ||
        !virt_create_pcie(s, errp) || !virt_create_virtio_mmio(s, errp)) {
        return false;
    }
    virt_wire_harts(s);
    const VirtRegion *user = &virt_memmap[VIRT_USER];
    virt_user_window_init(&s->user, &ms->system_memory, s->devs[VIRT_DEV_PLIC], user->base,
                          user->size, VIRT_USER_IRQ_FIRST, VIRT_USER_IRQ_COUNT);
    return true;
}

/* ---- finalize ------------------------------------------------------------------ */

static bool virt_fdt_build(VirtMachineState *s, GError **errp)
{
    FdtBuilder *fdt = s->board.fdt;
    if (!riscv_board_fdt_begin(&s->board, "riscv-virtio", "riscv-virtio,tessera", errp)) {
        return false;
    }
    char *plic_label = fdt_device_label(s->devs[VIRT_DEV_PLIC]);
    virt_user_fdt_routes(&s->user, fdt, plic_label);
    g_free(plic_label);
    riscv_board_fdt_add_devices(&s->board);

    fdt_builder_add_node(fdt, "/chosen");
    char *stdout_path = fdt_builder_device_path(fdt, "serial", virt_memmap[VIRT_UART0].base);
    fdt_builder_prop_string(fdt, "/chosen", "stdout-path", stdout_path);
    g_free(stdout_path);
    return fdt_builder_take_error(fdt, errp);
}

static bool virt_finalize(MachineState *ms, GError **errp)
{
    VirtMachineState *s = VIRT_MACHINE(ms);
    RiscvBootInfo bi = { 0 };
    if (ms->dtb ? !riscv_board_fdt_from_file(&s->board, ms->dtb, errp)
                : !virt_fdt_build(s, errp)) {
        return false;
    }
    if (!riscv_board_load_firmware(&s->board, &bi, errp) ||
        !riscv_board_load_kernel(&s->board, &bi, errp)) {
        return false;
    }
    /* Also with -dtb: the command line goes into /chosen. */
    fdt_builder_add_node(s->board.fdt, "/chosen");
    if (ms->kernel_cmdline && ms->kernel_cmdline[0]) {
        fdt_builder_prop_string(s->board.fdt, "/chosen", "bootargs", ms->kernel_cmdline);
    }
    uint64_t fdt_addr;
    return riscv_board_place_fdt(&s->board, &bi, &fdt_addr, errp) &&
           riscv_board_finish_boot(&s->board, &bi, fdt_addr, errp);
}

static bool virt_plug_device(MachineState *ms, DeviceState *dev, GError **errp)
{
    return virt_user_plug(&VIRT_MACHINE(ms)->user, dev, errp);
}

static void virt_unplug_device(MachineState *ms, DeviceState *dev)
{
    virt_user_unplug(&VIRT_MACHINE(ms)->user, dev);
}

/* ---- type ------------------------------------------------------------------- */

/* -device virtio-X: PCI first, as QEMU's virt. */
static const char *const virt_alias_suffixes[] = { "-pci", "-device", NULL };

static const PropertyInfo virt_props[] = {
    PROP_BOOL("aclint", VirtMachineState, aclint, false,
              "Describe the CLINT as ACLINT MSWI and MTIMER devices"),
    PROP_END
};

static void virt_instance_finalize(Object *obj)
{
    VirtMachineState *s = VIRT_MACHINE(obj);
    riscv_board_destroy(&s->board);
    virt_user_window_destroy(&s->user);
}

static void virt_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(klass);
    mc->default_cpu_type = VIRT_DEFAULT_CPU;
    mc->default_ram_size = VIRT_DEFAULT_RAM;
    mc->max_cpus = VIRT_MAX_HARTS;
    mc->init = virt_init;
    mc->plug_device = virt_plug_device;
    mc->unplug_device = virt_unplug_device;
    mc->finalize = virt_finalize;
    mc->device_alias_suffixes = virt_alias_suffixes;
    object_class_add_field_properties(klass, virt_props);
}

static const TypeInfo virt_machine_info = {
    .name = TYPE_VIRT_MACHINE,
    .parent = TYPE_MACHINE,
    .category = "machine",
    .description = "RISC-V VirtIO board",
    .target = "riscv64",
    .is_default = true,
    .instance_size = sizeof(VirtMachineState),
    .class_size = sizeof(MachineClass),
    .instance_finalize = virt_instance_finalize,
    .class_init = virt_class_init,
};

TESSERA_MODULE(.name = "board-riscv-virt", .kind = "board",
               .types = TESSERA_TYPES(&virt_machine_info));
