/* SPDX-License-Identifier: MIT */
/*
 * aarch64 "virt" board, laid out like QEMU 7.2's virt machine (the same
 * addresses and interrupt numbers): RAM at 0x40000000, the GIC (GICv2:
 * distributor 0x08000000, CPU interface 0x08010000, GICv2m MSI frame
 * 0x08020000 for SPIs 80..143; GICv3: distributor 0x08000000,
 * redistributors 0x080a0000), the PL011 UART at
 * 0x09000000 (SPI 1), PL031 0x09010000, fw_cfg 0x09020000, PL061
 * 0x09030000 (power button), 32 virtio-mmio slots from 0x0a000000, the
 * PCIe host (ECAM 0x4010000000, windows 0x10000000 and 0x8000000000, I/O
 * 0x3eff0000, INTA..D on SPIs 3..6), the generic timer's PPIs (EL1 physical 14, virtual
 * 11, EL2 physical 10) and PSCI served by the CPUs (HVC, or SMC with
 * virtualization=on, as QEMU chooses).
 *
 * Type name: "virt-machine" for the target aarch64 (-M virt, the aarch64
 * default machine); riscv64's board has the same name for its target: the
 * module index tells them apart by target.
 *
 * Boot: -kernel is an arm64 Image (Linux's boot protocol: a generated
 * device tree, -initrd, -append; a small stub in RAM puts the DTB address
 * in x0 and jumps to the kernel) or an ELF program (entered at its entry,
 * no device tree).  CPU 0 starts at EL1, or EL2 with virtualization=on;
 * the others wait for PSCI CPU_ON.  Properties: virtualization,
 * gic-version (2, QEMU 7.2's default; 3; max = 3), dumpdtb.
 */
#include <string.h>

#include "acpi/ged.h"
#include "fw-cfg/fw-cfg.h"
#include "kernel/accel.h"
#include "kernel/bus.h"
#include "kernel/fdt.h"
#include "kernel/hostfile.h"
#include "kernel/loader.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/runstate.h"
#include "plugins/cpu/arm/cpu.h"
#include "virt-acpi.h"

#define TYPE_ARM_VIRT_MACHINE "virt-machine"
#define ARM_VIRT_ERROR (g_quark_from_static_string("arm-virt"))

#define VIRT_MAX_CPUS 8
#define VIRT_DEFAULT_RAM (128 * MiB)
#define VIRT_DEFAULT_CPU "max-arm-cpu"
#define VIRT_NUM_IRQS 256          /* SPIs, as QEMU's virt */
#define EM_AARCH64 183

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)

enum {
    VIRT_FLASH,
    VIRT_GIC_DIST,
    VIRT_GIC_CPU,
    VIRT_GIC_V2M,
    VIRT_GIC_ITS,
    VIRT_GIC_HYP,
    VIRT_GIC_VCPU,
    VIRT_GIC_REDIST,
    VIRT_UART,
    VIRT_RTC,
    VIRT_FW_CFG,
    VIRT_GPIO,
    VIRT_MMIO,
    VIRT_PCIE_MMIO,
    VIRT_PCIE_PIO,
    VIRT_MEM,
    VIRT_HIGH_PCIE_ECAM,
    VIRT_HIGH_PCIE_MMIO,
};

typedef struct VirtRegion {
    const char *name;
    hwaddr base;
    uint64_t size;
} VirtRegion;

/* The board's address map (QEMU's virt addresses). */
static const VirtRegion virt_memmap[] = {
    [VIRT_FLASH] = { .name = "flash", .base = 0x00000000, .size = 0x08000000 },
    [VIRT_GIC_DIST] = { .name = "gic-dist", .base = 0x08000000, .size = 0x10000 },
    [VIRT_GIC_CPU] = { .name = "gic-cpu", .base = 0x08010000, .size = 0x10000 },
    [VIRT_GIC_V2M] = { .name = "gic-v2m", .base = 0x08020000, .size = 0x1000 },
    [VIRT_GIC_ITS] = { .name = "gic-its", .base = 0x08080000, .size = 0x20000 },
    [VIRT_GIC_HYP] = { .name = "gic-hyp", .base = 0x08030000, .size = 0x10000 },
    [VIRT_GIC_VCPU] = { .name = "gic-vcpu", .base = 0x08040000, .size = 0x10000 },
    [VIRT_GIC_REDIST] = { .name = "gic-redist", .base = 0x080a0000, .size = 0xf60000 },
    [VIRT_UART] = { .name = "uart", .base = 0x09000000, .size = 0x1000 },
    [VIRT_RTC] = { .name = "rtc", .base = 0x09010000, .size = 0x1000 },
    [VIRT_FW_CFG] = { .name = "fw-cfg", .base = 0x09020000, .size = 0x18 },
    [VIRT_GPIO] = { .name = "gpio", .base = 0x09030000, .size = 0x1000 },
    [VIRT_MMIO] = { .name = "virtio-mmio", .base = 0x0a000000, .size = 0x200 },
    [VIRT_PCIE_MMIO] = { .name = "pcie-mmio", .base = 0x10000000, .size = 0x2eff0000 },
    [VIRT_PCIE_PIO] = { .name = "pcie-pio", .base = 0x3eff0000, .size = 0x10000 },
    [VIRT_MEM] = { .name = "mem", .base = 0x40000000, .size = 255 * GiB },
    [VIRT_HIGH_PCIE_ECAM] = { .name = "pcie-ecam", .base = 0x4010000000ULL, .size = 256 * MiB },
    [VIRT_HIGH_PCIE_MMIO] = { .name = "pcie-mmio-high", .base = 0x8000000000ULL,
                              .size = 0x8000000000ULL },
};

/* SPI numbers (INTID - 32), QEMU's. */
enum { VIRT_SPI_UART = 1, VIRT_SPI_RTC = 2, VIRT_SPI_PCIE = 3, VIRT_SPI_GPIO = 7,
       VIRT_SPI_MMIO = 16, VIRT_SPI_V2M = 48,
       VIRT_V2M_SPIS = 64 };
#define VIRT_MMIO_SLOTS 32
#define VIRT_GPIO_POWER 3          /* PL061 line of the power button */
#define KEY_POWER 116

/* Generic timer PPIs (INTID - 16), QEMU's, by the CPU's timer output. */
static const struct { int timer; unsigned ppi; } virt_timer_ppis[] = {
    { ARM_TIMER_PHYS, 14 },
    { ARM_TIMER_VIRT, 11 },
    { ARM_TIMER_HYP, 10 },
    { ARM_TIMER_HYPVIRT, 12 },     /* EL2 virtual timer (VHE) */
};

/* Interrupt specifier flags (include/dt-bindings/interrupt-controller). */
#define GIC_FDT_SPI 0
#define GIC_FDT_PPI 1
#define IRQ_TYPE_LEVEL_HIGH 4

/* arm64 Image header (Documentation/arm64/booting.rst). */
#define IMAGE_MAGIC 0x644d5241u    /* "ARM\x64" at offset 56 */
#define IMAGE_HEADER_SIZE 64
#define IMAGE_KERNEL_OFFSET (2 * MiB)  /* from RAM base; 2 MiB aligned */
#define VIRT_STUB_ADDR 0x40000000      /* boot stub, then the DTB */
#define VIRT_FDT_OFFSET 0x10000
#define VIRT_FDT_MAX (2 * MiB - VIRT_FDT_OFFSET)

typedef struct ArmVirtMachineState {
    MachineState parent_obj;
    bool virtualization;
    char *gic_version;
    char *pflash[2];
    DeviceState *flash[2];
    bool gic_v3;
    DeviceState *gic;
    DeviceState *v2m;
    bool its;                  /* "its": GICv3 ITS for MSIs */
    DeviceState *its_dev;
    /* GICv2: CPUs 1.. see the system through their own address space, where
     * their banked GIC view overlays the system memory (CPU 0 uses the
     * system's, which holds its view). */
    MemoryRegion cpu_mem[VIRT_MAX_CPUS];
    MemoryRegion cpu_sysmem[VIRT_MAX_CPUS];
    MemoryRegion gic_view[VIRT_MAX_CPUS];
    /* virtualization=on: each CPU's GICH and GICV at gic-hyp/gic-vcpu. */
    MemoryRegion gic_virt_view[VIRT_MAX_CPUS];
    AddressSpace cpu_as[VIRT_MAX_CPUS];
    bool cpu_as_init[VIRT_MAX_CPUS];
    DeviceState *uart;
    DeviceState *rtc;
    DeviceState *gpio;         /* PL061 with the power button, or */
    DeviceState *ged;          /* the ACPI GED (firmware boot with ACPI) */
    char *acpi;                /* on, off, auto */
    bool acpi_on;
    DeviceState *fw_cfg;
    DeviceState *pcie;
    DeviceState *virtio[VIRT_MMIO_SLOTS];
    LoaderImages *images;
    FdtBuilder *fdt;
} ArmVirtMachineState;

OBJECT_DECLARE_SIMPLE_TYPE(ArmVirtMachineState, ARM_VIRT_MACHINE, TYPE_ARM_VIRT_MACHINE)

static CPUState *virt_cpu(MachineState *ms, unsigned i)
{
    return g_ptr_array_index(ms->cpus, i);
}

/*
 * The board chooses these CPU properties; a -cpu/-global value for them
 * would be overwritten, so it is refused instead of ignored.
 */
static bool virt_check_board_props(Object *cpu, GError **errp)
{
    static const struct {
        const char *prop;
        const char *instead;
    } board_props[] = {
        { "mp-affinity", "the board numbers CPUs itself" },
        { "reset-pc", "the board starts CPU 0 at the -kernel entry" },
        { "has-el2", "use -M virt,virtualization=on" },
        { "start-powered-off", "secondary CPUs start with PSCI CPU_ON" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(board_props); i++) {
        const char *p = board_props[i].prop;
        bool set = !strcmp(p, "has-el2") || !strcmp(p, "start-powered-off")
                       ? object_property_get_bool(cpu, p, NULL)
                       : object_property_get_uint(cpu, p, NULL) != 0;
        if (set) {
            g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): the CPU property %s is "
                        "set by the board (%s)", p, board_props[i].instead);
            return false;
        }
    }
    g_autofree char *conduit = object_property_get_str(cpu, "psci-conduit", NULL);
    if (conduit && conduit[0]) {
        g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): the CPU property psci-conduit "
                    "is set by the board (HVC, or SMC with virtualization=on)");
        return false;
    }
    return true;
}

static bool virt_create_cpus(ArmVirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    const char *type = ms->cpu_type ? ms->cpu_type : VIRT_DEFAULT_CPU;
    Object *cluster = object_new(TYPE_CONTAINER);
    bool ok = object_property_add_child(OBJECT(ms), "cpus", cluster, errp);
    object_unref(cluster);
    if (!ok) {
        return false;
    }
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        Object *obj = object_new_checked(type, errp);
        if (!obj) {
            return false;
        }
        if (!object_dynamic_cast(obj, TYPE_CPU)) {
            g_set_error(errp, ARM_VIRT_ERROR, 0, "'%s' is not a CPU type", type);
            object_unref(obj);
            return false;
        }
        if (!virt_check_board_props(obj, errp)) {
            object_unref(obj);
            return false;
        }
        char *name = g_strdup_printf("cpu[%u]", i);
        /* Affinity as QEMU's virt: clusters of 8 (Aff1), core in Aff0. */
        uint64_t aff = ((uint64_t)(i / 8) << 8) | (i % 8);
        ok = object_property_set_uint(obj, "mp-affinity", aff, errp) &&
             object_property_set_bool(obj, "has-el2", s->virtualization, errp) &&
             object_property_set_str(obj, "psci-conduit", s->virtualization ? "smc" : "hvc",
                                     errp) &&
             object_property_set_bool(obj, "start-powered-off", i > 0, errp) &&
             object_property_add_child(cluster, name, obj, errp);
        g_free(name);
        object_unref(obj);
        if (!ok) {
            return false;
        }
        CPUState *cpu = CPU(obj);
        cpu->as = s->cpu_as_init[i] ? &s->cpu_as[i] : &ms->address_space;
        if (!device_realize(DEVICE(cpu), errp)) {
            return false;
        }
        g_ptr_array_add(ms->cpus, cpu);
    }
    return true;
}


static DeviceState *virt_new_device(MachineState *ms, const char *type, const char *name,
                                    GError **errp)
{
    Object *obj = object_new_checked(type, errp);
    if (!obj) {
        return NULL;
    }
    bool ok = object_property_add_child(OBJECT(ms), name, obj, errp);
    object_unref(obj);
    return ok ? DEVICE(obj) : NULL;
}

static bool virt_check_gic_version(ArmVirtMachineState *s, GError **errp)
{
    const char *v = s->gic_version;
    if (!v || !strcmp(v, "2")) {
        s->gic_v3 = false;
        return true;
    }
    if (!strcmp(v, "3") || !strcmp(v, "max")) {
        s->gic_v3 = true;
        return true;
    }
    g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): gic-version=%s: expected 2, 3 or max",
                v);
    return false;
}

/* GICv2: the address spaces of CPUs 1.., made before the CPUs. */
static void virt_create_cpu_address_spaces(ArmVirtMachineState *s)
{
    MachineState *ms = MACHINE(s);
    for (unsigned i = 1; i < ms->smp_cpus; i++) {
        g_autofree char *name = g_strdup_printf("cpu%u-memory", i);
        memory_region_init(&s->cpu_mem[i], OBJECT(s), name, UINT64_MAX);
        memory_region_init_alias(&s->cpu_sysmem[i], OBJECT(s), "system", &ms->system_memory, 0,
                                 UINT64_MAX);
        memory_region_add_subregion(&s->cpu_mem[i], 0, &s->cpu_sysmem[i]);
        address_space_init(&s->cpu_as[i], &s->cpu_mem[i], name);
        s->cpu_as_init[i] = true;
    }
}

/* GICv2 and its v2m frame: each CPU's banked view at the GIC's address. */
static DeviceState *virt_create_gicv2(ArmVirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    DeviceState *gic = virt_new_device(ms, "arm-gic", "gic", errp);
    if (!gic || !object_property_set_uint(OBJECT(gic), "num-cpu", ms->smp_cpus, errp) ||
        !object_property_set_uint(OBJECT(gic), "num-irq", VIRT_NUM_IRQS + 32, errp) ||
        !object_property_set_uint(OBJECT(gic), "reg-base", virt_memmap[VIRT_GIC_DIST].base,
                                  errp) ||
        !object_property_set_bool(OBJECT(gic), "virt-ext", s->virtualization, errp) ||
        !device_realize(gic, errp)) {
        return NULL;
    }
    uint64_t stride = virt_memmap[VIRT_GIC_V2M].base - virt_memmap[VIRT_GIC_DIST].base;
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        MemoryRegion *as_root = i ? &s->cpu_mem[i] : &ms->system_memory;
        g_autofree char *name = g_strdup_printf("gic-cpu%u-view", i);
        memory_region_init_alias(&s->gic_view[i], OBJECT(s), name, gic->mmio[0], stride * i,
                                 stride);
        memory_region_add_subregion_overlap(as_root, virt_memmap[VIRT_GIC_DIST].base,
                                            &s->gic_view[i], 1);
        if (s->virtualization) {
            /* The GIC's virtualization extensions: GICH then GICV, 64 KiB apart. */
            g_autofree char *vname = g_strdup_printf("gic-cpu%u-virt-view", i);
            memory_region_init_alias(&s->gic_virt_view[i], OBJECT(s), vname, gic->mmio[1],
                                     stride * i, stride);
            memory_region_add_subregion_overlap(as_root, virt_memmap[VIRT_GIC_HYP].base,
                                                &s->gic_virt_view[i], 1);
        }
    }
    DeviceState *v2m = virt_new_device(ms, "arm-gicv2m", "v2m", errp);
    if (!v2m || !object_property_set_uint(OBJECT(v2m), "base-spi", VIRT_SPI_V2M + 32, errp) ||
        !object_property_set_uint(OBJECT(v2m), "num-spi", VIRT_V2M_SPIS, errp) ||
        !device_realize(v2m, errp)) {
        return NULL;
    }
    s->v2m = v2m;
    device_mmio_map(v2m, 0, &ms->system_memory, virt_memmap[VIRT_GIC_V2M].base);
    for (unsigned n = 0; n < VIRT_V2M_SPIS; n++) {
        device_connect_irq_out(v2m, n, device_get_irq_in(gic, VIRT_SPI_V2M + n));
    }
    return gic;
}

static DeviceState *virt_create_gicv3(ArmVirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    DeviceState *gic = virt_new_device(ms, "arm-gicv3", "gic", errp);
    if (!gic || !object_property_set_uint(OBJECT(gic), "num-cpu", ms->smp_cpus, errp) ||
        !object_property_set_bool(OBJECT(gic), "virt-ext", s->virtualization, errp) ||
        !object_property_set_uint(OBJECT(gic), "num-irq", VIRT_NUM_IRQS + 32, errp) ||
        !object_property_set_bool(OBJECT(gic), "lpis", s->its, errp) ||
        !device_realize(gic, errp)) {
        return NULL;
    }
    device_mmio_map(gic, 0, &ms->system_memory, virt_memmap[VIRT_GIC_DIST].base);
    device_mmio_map(gic, 1, &ms->system_memory, virt_memmap[VIRT_GIC_REDIST].base);
    if (s->its) {
        DeviceState *its = virt_new_device(ms, "arm-gicv3-its", "gic-its", errp);
        if (!its || !object_property_set_link(OBJECT(its), "gic", OBJECT(gic), errp) ||
            !device_realize(its, errp)) {
            return NULL;
        }
        device_mmio_map(its, 0, &ms->system_memory, virt_memmap[VIRT_GIC_ITS].base);
        s->its_dev = its;
    }
    return gic;
}

/* The GIC wired to the CPUs (IRQ/FIQ) and their timers (PPIs); both
 * versions number their pins alike. */
static bool virt_create_gic(ArmVirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    DeviceState *gic = s->gic_v3 ? virt_create_gicv3(s, errp) : virt_create_gicv2(s, errp);
    if (!gic) {
        return false;
    }
    s->gic = gic;
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        DeviceState *cpu = DEVICE(virt_cpu(ms, i));
        device_connect_irq_out(gic, 2 * i, device_get_irq_in(cpu, ARM_IRQ_PIN_IRQ));
        device_connect_irq_out(gic, 2 * i + 1, device_get_irq_in(cpu, ARM_IRQ_PIN_FIQ));
        if (s->virtualization) {
            /* The virtual CPU interface: virtual IRQ/FIQ after the physical ones. */
            int base = 2 * (int)ms->smp_cpus + 2 * (int)i;
            device_connect_irq_out(gic, base, device_get_irq_in(cpu, ARM_IRQ_PIN_VIRQ));
            device_connect_irq_out(gic, base + 1, device_get_irq_in(cpu, ARM_IRQ_PIN_VFIQ));
        }
        for (size_t t = 0; t < G_N_ELEMENTS(virt_timer_ppis); t++) {
            int pin = VIRT_NUM_IRQS + 32 * i + 16 + virt_timer_ppis[t].ppi;
            device_connect_irq_out(cpu, virt_timer_ppis[t].timer,
                                   device_get_irq_in(gic, pin));
        }
    }
    return true;
}

/* Two 64 MiB CFI flashes (QEMU's 256 blocks of 256 KiB, 4-byte bank of two
 * 16-bit chips) at 0 and 0x04000000, from the pflash0/pflash1 nodes. */
static bool virt_create_flash(ArmVirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    uint64_t half = virt_memmap[VIRT_FLASH].size / 2;
    for (unsigned i = 0; i < 2; i++) {
        g_autofree char *name = g_strdup_printf("flash%u", i);
        DeviceState *f = virt_new_device(ms, "cfi.pflash01", name, errp);
        if (!f || !object_property_set_uint(OBJECT(f), "sector-length", 256 * 1024, errp) ||
            !object_property_set_uint(OBJECT(f), "num-blocks", half / (256 * 1024), errp) ||
            (s->pflash[i] && !object_property_set_str(OBJECT(f), "drive", s->pflash[i], errp)) ||
            !device_realize(f, errp)) {
            if (errp && *errp) {
                g_prefix_error(errp, "virt (aarch64): pflash%u: ", i);
            }
            return false;
        }
        device_mmio_map(f, 0, &ms->system_memory, virt_memmap[VIRT_FLASH].base + half * i);
        s->flash[i] = f;
    }
    return true;
}

/* A realized device mapped at @region, its pin 0 wired to SPI @spi. */
static DeviceState *virt_place(ArmVirtMachineState *s, const char *type, const char *name,
                               hwaddr base, unsigned spi, GError **errp)
{
    MachineState *ms = MACHINE(s);
    DeviceState *dev = virt_new_device(ms, type, name, errp);
    if (!dev || !device_realize(dev, errp)) {
        return NULL;
    }
    device_mmio_map(dev, 0, &ms->system_memory, base);
    device_connect_irq_out(dev, 0, device_get_irq_in(s->gic, spi));
    return dev;
}

/* system_powerdown: press the power button (PL061 line 3, gpio-keys),
 * held until reset, as QEMU does. */
static void virt_powerdown(void *opaque)
{
    ArmVirtMachineState *s = opaque;
    if (s->ged) {
        acpi_ged_event(s->ged, ACPI_GED_POWER_DOWN);
    } else {
        irq_raise(device_get_irq_in(s->gpio, VIRT_GPIO_POWER));
    }
}

/* The PCIe host (gpex) with QEMU's high ECAM and windows, INTA..D on SPIs
 * 3..6; MSIs through the GICv2m frame or the GICv3 ITS (its=on). */
static bool virt_create_pcie(ArmVirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    DeviceState *pcie = virt_new_device(ms, "gpex-pcihost", "pcie", errp);
    Object *o = OBJECT(pcie);
    if (!pcie ||
        !object_property_set_uint(o, "ecam-size", virt_memmap[VIRT_HIGH_PCIE_ECAM].size,
                                  errp) ||
        !object_property_set_uint(o, "mmio32-base", virt_memmap[VIRT_PCIE_MMIO].base, errp) ||
        !object_property_set_uint(o, "mmio32-size", virt_memmap[VIRT_PCIE_MMIO].size, errp) ||
        !object_property_set_uint(o, "mmio64-base", virt_memmap[VIRT_HIGH_PCIE_MMIO].base,
                                  errp) ||
        !object_property_set_uint(o, "mmio64-size", virt_memmap[VIRT_HIGH_PCIE_MMIO].size,
                                  errp) ||
        !object_property_set_uint(o, "pio-size", virt_memmap[VIRT_PCIE_PIO].size, errp) ||
        !object_property_set_bool(o, "msi", s->v2m || s->its_dev, errp) ||
        !object_property_set_str(o, "msi-parent", s->v2m ? "v2m" : s->its_dev ? "its" : "",
                                 errp) ||
        !object_property_set_bool(o, "msi-map", s->its_dev != NULL, errp) ||
        !device_realize(pcie, errp)) {
        return false;
    }
    s->pcie = pcie;
    static const int regions[] = { VIRT_HIGH_PCIE_ECAM, VIRT_PCIE_MMIO, VIRT_HIGH_PCIE_MMIO,
                                   VIRT_PCIE_PIO };
    for (int i = 0; i < 4; i++) {
        device_mmio_map(pcie, i, &ms->system_memory, virt_memmap[regions[i]].base);
        device_connect_irq_out(pcie, i, device_get_irq_in(s->gic, VIRT_SPI_PCIE + i));
    }
    return true;
}

/* ---- ACPI (tables in virt-acpi.c) ------------------------------------------- */

/* The GED's event register and interrupt, QEMU's. */
#define VIRT_GED_BASE 0x09080000
#define VIRT_SPI_GED 9

static bool virt_firmware_boot(ArmVirtMachineState *s)
{
    const char *bios = MACHINE(s)->firmware;
    return s->pflash[0] || (bios && bios[0] && strcmp(bios, "none"));
}

static bool virt_check_acpi(ArmVirtMachineState *s, GError **errp)
{
    const char *v = s->acpi ? s->acpi : "auto";
    if (strcmp(v, "on") && strcmp(v, "off") && strcmp(v, "auto")) {
        g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): acpi=%s: expected on, off or "
                    "auto", v);
        return false;
    }
    s->acpi_on = !strcmp(v, "on") || (!strcmp(v, "auto") && virt_firmware_boot(s));
    return true;
}

/* The PL061 with the gpio-keys power button, or with firmware and ACPI the
 * GED (as QEMU: the firmware boots the OS with ACPI). */
static bool virt_create_power_button(ArmVirtMachineState *s, GError **errp)
{
    if (s->acpi_on && virt_firmware_boot(s)) {
        s->ged = virt_place(s, TYPE_ACPI_GED, "acpi-ged", VIRT_GED_BASE, VIRT_SPI_GED, errp);
        return s->ged != NULL;
    }
    s->gpio = virt_place(s, "pl061", "gpio", virt_memmap[VIRT_GPIO].base, VIRT_SPI_GPIO, errp);
    return s->gpio != NULL;
}

static VirtAcpiRange virt_range(int region)
{
    return (VirtAcpiRange){ virt_memmap[region].base, virt_memmap[region].size };
}

static bool virt_setup_acpi(ArmVirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    uint64_t mpidr[VIRT_MAX_CPUS];
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        mpidr[i] = ((ARMCPU *)virt_cpu(ms, i))->mp_affinity;
    }
    VirtAcpiConfig c = {
        .cpus = ms->smp_cpus,
        .mpidr = mpidr,
        .psci_smc = s->virtualization,
        .ram = { virt_memmap[VIRT_MEM].base, ms->ram_size },
        .gic_version = s->gic_v3 ? 3 : 2,
        .gicd = virt_memmap[VIRT_GIC_DIST].base,
        .gicc = virt_memmap[VIRT_GIC_CPU].base,
        .gicr = { virt_memmap[VIRT_GIC_REDIST].base, 0x20000ull * ms->smp_cpus },
        .v2m = s->v2m ? virt_memmap[VIRT_GIC_V2M].base : 0,
        .its = s->its_dev ? virt_memmap[VIRT_GIC_ITS].base : 0,
        /* With the virtualization extensions: the maintenance interrupt
         * (PPI 9) and, for GICv2, the GICV/GICH frames (as QEMU's MADT). */
        .gicv = s->virtualization && !s->gic_v3 ? virt_memmap[VIRT_GIC_VCPU].base : 0,
        .gich = s->virtualization && !s->gic_v3 ? virt_memmap[VIRT_GIC_HYP].base : 0,
        .vgic_maint_intid = s->virtualization ? 16 + 9 : 0,
        .v2m_spi_base = 32 + VIRT_SPI_V2M,
        .v2m_spi_count = VIRT_V2M_SPIS,
        .timer_sec_intid = 16 + 13,
        .timer_phys_intid = 16 + 14,
        .timer_virt_intid = 16 + 11,
        .timer_hyp_intid = 16 + 10,
        .uart = virt_range(VIRT_UART),
        .uart_intid = 32 + VIRT_SPI_UART,
        .fw_cfg = virt_range(VIRT_FW_CFG),
        .virtio = virt_range(VIRT_MMIO),
        .virtio_count = VIRT_MMIO_SLOTS,
        .virtio_intid = 32 + VIRT_SPI_MMIO,
        .ged = { s->ged ? VIRT_GED_BASE : 0, s->ged ? ACPI_GED_MMIO_SIZE : 0 },
        .ged_intid = 32 + VIRT_SPI_GED,
        .ecam = virt_range(VIRT_HIGH_PCIE_ECAM),
        .mmio32 = virt_range(VIRT_PCIE_MMIO),
        .mmio64 = virt_range(VIRT_HIGH_PCIE_MMIO),
        .pio = virt_range(VIRT_PCIE_PIO),
        .pcie_intid = 32 + VIRT_SPI_PCIE,
    };
    return virt_acpi_setup(s->fw_cfg, &c, errp);
}

/* PL031, PL061, fw_cfg and the 32 virtio-mmio slots.  As in QEMU, slot i
 * owns virtio-mmio-bus.i, and -device virtio-X-device without bus= takes
 * the free slot with the highest address (the first at 0x0a003e00). */
static bool virt_create_platform_devices(ArmVirtMachineState *s, GError **errp)
{
    s->rtc = virt_place(s, "pl031", "rtc", virt_memmap[VIRT_RTC].base, VIRT_SPI_RTC, errp);
    if (!s->rtc || !virt_create_power_button(s, errp)) {
        return false;
    }
    runstate_set_powerdown_handler(virt_powerdown, s);
    MachineState *ms = MACHINE(s);
    s->fw_cfg = virt_new_device(ms, TYPE_FW_CFG_MMIO, "fw-cfg", errp);
    if (!s->fw_cfg || !device_realize(s->fw_cfg, errp)) {
        return false;
    }
    device_mmio_map(s->fw_cfg, 0, &ms->system_memory, virt_memmap[VIRT_FW_CFG].base);
    fw_cfg_add_u16(s->fw_cfg, FW_CFG_NB_CPUS, (uint16_t)ms->smp_cpus);
    fw_cfg_add_u16(s->fw_cfg, FW_CFG_MAX_CPUS, (uint16_t)ms->smp_cpus);
    fw_cfg_add_u64(s->fw_cfg, FW_CFG_RAM_SIZE, ms->ram_size);
    for (unsigned i = 0; i < VIRT_MMIO_SLOTS; i++) {
        g_autofree char *name = g_strdup_printf("virtio-mmio[%u]", i);
        s->virtio[i] = virt_place(s, "virtio-mmio", name,
                                  virt_memmap[VIRT_MMIO].base + virt_memmap[VIRT_MMIO].size * i,
                                  VIRT_SPI_MMIO + i, errp);
        if (!s->virtio[i]) {
            return false;
        }
        bus_set_fill_order(bus_owned_by(s->virtio[i], TYPE_BUS), VIRT_MMIO_SLOTS - 1 - (int)i);
    }
    return virt_create_pcie(s, errp);
}

static bool virt_init(MachineState *ms, GError **errp)
{
    ArmVirtMachineState *s = ARM_VIRT_MACHINE(ms);
    const VirtRegion *mem = &virt_memmap[VIRT_MEM];
    if (ms->smp_cpus < 1 || ms->smp_cpus > VIRT_MAX_CPUS) {
        g_set_error(errp, ARM_VIRT_ERROR, 0, "virt: %u CPUs requested, the board supports 1..%u",
                    ms->smp_cpus, VIRT_MAX_CPUS);
        return false;
    }
    if (ms->ram_size == 0 || ms->ram_size > mem->size) {
        g_set_error(errp, ARM_VIRT_ERROR, 0,
                    "virt: invalid RAM size %" PRIu64 " (1 byte .. 255 GiB)", ms->ram_size);
        return false;
    }
    if (!virt_check_gic_version(s, errp) || !virt_check_acpi(s, errp)) {
        return false;
    }
    memory_region_add_subregion(&ms->system_memory, mem->base, &ms->ram);
    s->images = loader_images_new(&ms->address_space);
    if (!s->gic_v3) {
        virt_create_cpu_address_spaces(s);
    }
    if (!virt_create_cpus(s, errp) || !virt_create_gic(s, errp)) {
        return false;
    }
    if (!virt_create_flash(s, errp)) {
        return false;
    }
    DeviceState *uart = virt_new_device(ms, "pl011", "uart", errp);
    if (!uart || (machine_serial_chardev_id(0) &&
                  !object_property_set_str(OBJECT(uart), "chardev", machine_serial_chardev_id(0),
                                           errp)) ||
        !device_realize(uart, errp)) {
        return false;
    }
    s->uart = uart;
    device_mmio_map(uart, 0, &ms->system_memory, virt_memmap[VIRT_UART].base);
    device_connect_irq_out(uart, 0, device_get_irq_in(s->gic, VIRT_SPI_UART));
    return virt_create_platform_devices(s, errp) && (!s->acpi_on || virt_setup_acpi(s, errp));
}

/* ---- device tree ---------------------------------------------------------- */

/* An MSI controller under the GIC's node (the GICv2m frame or the GICv3
 * ITS), labelled @name for msi-parent / msi-map. */
static void fdt_msi_frame(FdtBuilder *fdt, unsigned region, const char *name,
                          const char *compat, bool msi_cells)
{
    const char *const compats[] = { compat, NULL };
    g_autofree char *path = g_strdup_printf(
        "/intc@%" PRIx64 "/%s@%" PRIx64, (uint64_t)virt_memmap[VIRT_GIC_DIST].base, name,
        (uint64_t)virt_memmap[region].base);
    uint64_t reg[] = { virt_memmap[region].base, virt_memmap[region].size };
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_strings(fdt, path, "compatible", compats);
    fdt_builder_prop_empty(fdt, path, "msi-controller");
    if (msi_cells) {
        fdt_builder_prop_u32(fdt, path, "#msi-cells", 1);
    }
    fdt_builder_prop_reg(fdt, path, reg, 1);
    fdt_builder_set_phandle(fdt, path, name);
}

static void fdt_irq(FdtBuilder *fdt, const char *path, unsigned type, unsigned num)
{
    uint32_t cells[] = { type, num, IRQ_TYPE_LEVEL_HIGH };
    fdt_builder_prop_cells(fdt, path, "interrupts", cells, 3);
}

/* The PL061 and its power button (gpio-keys). */
static void virt_fdt_gpio(ArmVirtMachineState *s, FdtBuilder *fdt, uint32_t clk)
{
    static const char *const gpio_compat[] = { "arm,pl061", "arm,primecell", NULL };
    g_autofree char *gpio_path = g_strdup_printf("/pl061@%" PRIx64,
                                                 (uint64_t)virt_memmap[VIRT_GPIO].base);
    uint64_t gpio_reg[] = { virt_memmap[VIRT_GPIO].base, virt_memmap[VIRT_GPIO].size };
    fdt_builder_add_node(fdt, gpio_path);
    fdt_builder_prop_strings(fdt, gpio_path, "compatible", gpio_compat);
    fdt_builder_prop_reg(fdt, gpio_path, gpio_reg, 1);
    fdt_irq(fdt, gpio_path, GIC_FDT_SPI, VIRT_SPI_GPIO);
    fdt_builder_prop_u32(fdt, gpio_path, "#gpio-cells", 2);
    fdt_builder_prop_empty(fdt, gpio_path, "gpio-controller");
    fdt_builder_prop_u32(fdt, gpio_path, "clocks", clk);
    fdt_builder_prop_string(fdt, gpio_path, "clock-names", "apb_pclk");
    uint32_t gpio_phandle = fdt_builder_set_phandle(fdt, gpio_path, "pl061");
    fdt_builder_add_node(fdt, "/gpio-keys/poweroff");
    fdt_builder_prop_string(fdt, "/gpio-keys", "compatible", "gpio-keys");
    uint32_t key_gpio[] = { gpio_phandle, VIRT_GPIO_POWER, 0 };
    fdt_builder_prop_cells(fdt, "/gpio-keys/poweroff", "gpios", key_gpio, 3);
    fdt_builder_prop_u32(fdt, "/gpio-keys/poweroff", "linux,code", KEY_POWER);
    fdt_builder_prop_string(fdt, "/gpio-keys/poweroff", "label", "GPIO Key Poweroff");
}

static bool virt_build_fdt(ArmVirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    FdtBuilder *fdt = s->fdt = fdt_builder_new();
    static const char *const psci_compat[] = { "arm,psci-1.0", "arm,psci-0.2", "arm,psci",
                                               NULL };
    static const char *const uart_compat[] = { "arm,pl011", "arm,primecell", NULL };
    static const char *const clock_names[] = { "uartclk", "apb_pclk", NULL };

    fdt_builder_prop_string(fdt, "/", "compatible", "linux,dummy-virt");
    fdt_builder_prop_string(fdt, "/", "model", "linux,dummy-virt");
    fdt_builder_prop_u32(fdt, "/", "#address-cells", 2);
    fdt_builder_prop_u32(fdt, "/", "#size-cells", 2);

    g_autofree char *gic_label = fdt_device_label(s->gic);
    DEVICE_GET_CLASS(s->gic)->fdt_node(s->gic, fdt);
    fdt_builder_prop_u32(fdt, "/", "interrupt-parent", fdt_builder_phandle(fdt, gic_label));
    if (s->v2m) {
        fdt_msi_frame(fdt, VIRT_GIC_V2M, "v2m", "arm,gic-v2m-frame", false);
    }
    if (s->its_dev) {
        fdt_msi_frame(fdt, VIRT_GIC_ITS, "its", "arm,gic-v3-its", true);
    }

    fdt_builder_add_node(fdt, "/psci");
    fdt_builder_prop_strings(fdt, "/psci", "compatible", psci_compat);
    fdt_builder_prop_string(fdt, "/psci", "method", s->virtualization ? "smc" : "hvc");
    fdt_builder_prop_u32(fdt, "/psci", "cpu_suspend", 0xc4000001);
    fdt_builder_prop_u32(fdt, "/psci", "cpu_off", 0x84000002);
    fdt_builder_prop_u32(fdt, "/psci", "cpu_on", 0xc4000003);
    fdt_builder_prop_u32(fdt, "/psci", "migrate", 0xc4000005);

    fdt_builder_add_node(fdt, "/cpus");
    fdt_builder_prop_u32(fdt, "/cpus", "#address-cells", 1);
    fdt_builder_prop_u32(fdt, "/cpus", "#size-cells", 0);
    /* libfdt puts a new node first: add them last to first. */
    for (unsigned i = ms->smp_cpus; i-- > 0;) {
        ARMCPU *cpu = (ARMCPU *)virt_cpu(ms, i);
        g_autofree char *path = g_strdup_printf("/cpus/cpu@%" PRIx64, cpu->mp_affinity);
        fdt_builder_add_node(fdt, path);
        fdt_builder_prop_string(fdt, path, "device_type", "cpu");
        fdt_builder_prop_string(fdt, path, "compatible", "arm,armv8");
        fdt_builder_prop_u32(fdt, path, "reg", (uint32_t)cpu->mp_affinity);
        fdt_builder_prop_string(fdt, path, "enable-method", "psci");
    }

    static const char *const timer_compat[] = { "arm,armv8-timer", "arm,armv7-timer", NULL };
    fdt_builder_add_node(fdt, "/timer");
    fdt_builder_prop_strings(fdt, "/timer", "compatible", timer_compat);
    /* Secure physical (13, not delivered: no EL3), non-secure physical,
     * virtual, EL2 physical. */
    /* GICv2 specifiers also name the CPUs a PPI exists on (bits 15:8). */
    uint32_t ppi_flags = IRQ_TYPE_LEVEL_HIGH |
                         (s->gic_v3 ? 0 : ((1u << ms->smp_cpus) - 1) << 8);
    uint32_t timer_irqs[] = { GIC_FDT_PPI, 13, ppi_flags, GIC_FDT_PPI, 14, ppi_flags,
                              GIC_FDT_PPI, 11, ppi_flags, GIC_FDT_PPI, 10, ppi_flags };
    fdt_builder_prop_cells(fdt, "/timer", "interrupts", timer_irqs, G_N_ELEMENTS(timer_irqs));
    fdt_builder_prop_empty(fdt, "/timer", "always-on");

    g_autofree char *mem_path = g_strdup_printf("/memory@%" PRIx64,
                                                (uint64_t)virt_memmap[VIRT_MEM].base);
    uint64_t mem_reg[] = { virt_memmap[VIRT_MEM].base, ms->ram_size };
    fdt_builder_add_node(fdt, mem_path);
    fdt_builder_prop_string(fdt, mem_path, "device_type", "memory");
    fdt_builder_prop_reg(fdt, mem_path, mem_reg, 1);

    fdt_builder_add_node(fdt, "/apb-pclk");
    fdt_builder_prop_string(fdt, "/apb-pclk", "compatible", "fixed-clock");
    fdt_builder_prop_u32(fdt, "/apb-pclk", "#clock-cells", 0);
    fdt_builder_prop_u32(fdt, "/apb-pclk", "clock-frequency", 24000000);
    fdt_builder_prop_string(fdt, "/apb-pclk", "clock-output-names", "clk24mhz");
    uint32_t clk = fdt_builder_set_phandle(fdt, "/apb-pclk", "apb-pclk");

    g_autofree char *uart_path = g_strdup_printf("/pl011@%" PRIx64,
                                                 (uint64_t)virt_memmap[VIRT_UART].base);
    uint64_t uart_reg[] = { virt_memmap[VIRT_UART].base, virt_memmap[VIRT_UART].size };
    uint32_t clocks[] = { clk, clk };
    fdt_builder_add_node(fdt, uart_path);
    fdt_builder_prop_strings(fdt, uart_path, "compatible", uart_compat);
    fdt_builder_prop_reg(fdt, uart_path, uart_reg, 1);
    fdt_irq(fdt, uart_path, GIC_FDT_SPI, VIRT_SPI_UART);
    fdt_builder_prop_cells(fdt, uart_path, "clocks", clocks, 2);
    fdt_builder_prop_strings(fdt, uart_path, "clock-names", clock_names);

    static const char *const rtc_compat[] = { "arm,pl031", "arm,primecell", NULL };
    g_autofree char *rtc_path = g_strdup_printf("/pl031@%" PRIx64,
                                                (uint64_t)virt_memmap[VIRT_RTC].base);
    uint64_t rtc_reg[] = { virt_memmap[VIRT_RTC].base, virt_memmap[VIRT_RTC].size };
    fdt_builder_add_node(fdt, rtc_path);
    fdt_builder_prop_strings(fdt, rtc_path, "compatible", rtc_compat);
    fdt_builder_prop_reg(fdt, rtc_path, rtc_reg, 1);
    fdt_irq(fdt, rtc_path, GIC_FDT_SPI, VIRT_SPI_RTC);
    fdt_builder_prop_u32(fdt, rtc_path, "clocks", clk);
    fdt_builder_prop_string(fdt, rtc_path, "clock-names", "apb_pclk");

    if (s->gpio) {
        virt_fdt_gpio(s, fdt, clk);
    }

    DEVICE_GET_CLASS(s->fw_cfg)->fdt_node(s->fw_cfg, fdt);
    for (unsigned i = 0; i < 4; i++) {
        uint32_t cells[] = { GIC_FDT_SPI, VIRT_SPI_PCIE + i, IRQ_TYPE_LEVEL_HIGH };
        fdt_builder_set_irq_cells(fdt, s->pcie, (int)i, gic_label, cells, 3);
    }
    DEVICE_GET_CLASS(s->pcie)->fdt_node(s->pcie, fdt);

    /* Last to first: libfdt puts a new node first, so they list in order. */
    for (unsigned i = VIRT_MMIO_SLOTS; i-- > 0;) {
        uint32_t cells[] = { GIC_FDT_SPI, VIRT_SPI_MMIO + i, IRQ_TYPE_LEVEL_HIGH };
        fdt_builder_set_irq_cells(fdt, s->virtio[i], 0, gic_label, cells, 3);
        DEVICE_GET_CLASS(s->virtio[i])->fdt_node(s->virtio[i], fdt);
    }

    uint64_t half = virt_memmap[VIRT_FLASH].size / 2;
    uint64_t flash_reg[] = { virt_memmap[VIRT_FLASH].base, half,
                             virt_memmap[VIRT_FLASH].base + half, half };
    fdt_builder_add_node(fdt, "/flash@0");
    fdt_builder_prop_string(fdt, "/flash@0", "compatible", "cfi-flash");
    fdt_builder_prop_reg(fdt, "/flash@0", flash_reg, 2);
    fdt_builder_prop_u32(fdt, "/flash@0", "bank-width", 4);

    fdt_builder_add_node(fdt, "/chosen");
    fdt_builder_prop_string(fdt, "/chosen", "stdout-path", uart_path);
    if (ms->kernel_cmdline && ms->kernel_cmdline[0]) {
        fdt_builder_prop_string(fdt, "/chosen", "bootargs", ms->kernel_cmdline);
    }
    return fdt_builder_take_error(fdt, errp);
}

/* ---- boot ----------------------------------------------------------------- */

static void virt_reset_hook(void *opaque)
{
    ArmVirtMachineState *s = opaque;
    loader_images_replay(s->images);
    if (s->gpio) {
        irq_lower(device_get_irq_in(s->gpio, VIRT_GPIO_POWER)); /* button released */
    }
}

static uint64_t le64_at(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return GUINT64_FROM_LE(v);
}

/* True with the header's fields when @file is an arm64 Image. */
static bool read_image_header(const char *file, uint64_t *text_offset, uint64_t *image_size,
                              GError **errp)
{
    uint8_t hdr[IMAGE_HEADER_SIZE];
    FILE *f = fopen(file, "rb");
    bool ok = f && fread(hdr, 1, sizeof(hdr), f) == sizeof(hdr);
    if (f) {
        fclose(f);
    }
    if (!ok || (uint32_t)le64_at(hdr + 56) != IMAGE_MAGIC) {
        g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): -kernel %s: neither an ELF "
                    "program nor an arm64 Image (no \"ARM\\x64\" magic)", file);
        return false;
    }
    *text_offset = le64_at(hdr + 8);
    *image_size = le64_at(hdr + 16);
    return true;
}

static bool virt_load_linux(ArmVirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    const VirtRegion *mem = &virt_memmap[VIRT_MEM];
    uint64_t text_offset, image_size, file_size;
    if (!loader_file_size(ms->kernel_filename, 0, &file_size, errp) ||
        !read_image_header(ms->kernel_filename, &text_offset, &image_size, errp)) {
        return false;
    }
    if (!image_size) {
        image_size = file_size; /* pre-3.17 kernels leave it 0 */
    }
    hwaddr kernel = mem->base + IMAGE_KERNEL_OFFSET + text_offset;
    hwaddr kernel_end = kernel + MAX(image_size, file_size);
    if (kernel_end > mem->base + ms->ram_size) {
        g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): -kernel %s needs %" PRIu64
                    " MiB of RAM past 0x%" PRIx64 "; -m is too small", ms->kernel_filename,
                    (uint64_t)((kernel_end - mem->base + MiB - 1) / MiB), (uint64_t)mem->base);
        return false;
    }
    LoaderImageInfo info;
    if (!loader_load_raw(s->images, ms->kernel_filename, kernel, 0, &info, errp)) {
        return false;
    }
    if (ms->initrd_filename) {
        hwaddr initrd = (kernel_end + 2 * MiB - 1) & ~(2 * MiB - 1);
        uint64_t size;
        if (!loader_file_size(ms->initrd_filename, 0, &size, errp)) {
            return false;
        }
        if (initrd + size > mem->base + ms->ram_size) {
            g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): -initrd %s does not fit in "
                        "RAM after the kernel; -m is too small", ms->initrd_filename);
            return false;
        }
        if (!loader_load_raw(s->images, ms->initrd_filename, initrd, 0, &info, errp)) {
            return false;
        }
        fdt_builder_prop_u64(s->fdt, "/chosen", "linux,initrd-start", initrd);
        fdt_builder_prop_u64(s->fdt, "/chosen", "linux,initrd-end", initrd + size);
    }
    if (!fdt_builder_finish(s->fdt, errp)) {
        return false;
    }
    size_t fdt_size;
    const void *blob = fdt_builder_blob(s->fdt, &fdt_size);
    if (fdt_size > VIRT_FDT_MAX) {
        g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): the device tree (%zu bytes) is "
                    "too large", fdt_size);
        return false;
    }
    hwaddr fdt_addr = VIRT_STUB_ADDR + VIRT_FDT_OFFSET;
    /* ldr x0, dtb; mov x1..x3, xzr; ldr x4, entry; br x4 (booting.rst). */
    uint32_t stub[10] = { 0x580000c0, 0xaa1f03e1, 0xaa1f03e2, 0xaa1f03e3, 0x58000084,
                          0xd61f0080 };
    stub[6] = (uint32_t)fdt_addr;
    stub[7] = (uint32_t)(fdt_addr >> 32);
    stub[8] = (uint32_t)kernel;
    stub[9] = (uint32_t)(kernel >> 32);
    for (size_t i = 0; i < G_N_ELEMENTS(stub); i++) {
        stub[i] = GUINT32_TO_LE(stub[i]);
    }
    return loader_images_add(s->images, "boot stub", VIRT_STUB_ADDR, stub, sizeof(stub), errp) &&
           loader_images_add(s->images, "device tree", fdt_addr, blob, fdt_size, errp) &&
           object_property_set_uint(OBJECT(virt_cpu(ms, 0)), "reset-pc", VIRT_STUB_ADDR, errp);
}

/* -bios FILE: the image at the start of flash 0 (the rest erased), as
 * QEMU loads it; the flash still takes commands but writes no file. */
static bool virt_load_bios(ArmVirtMachineState *s, const char *file, GError **errp)
{
    uint64_t size = virt_memmap[VIRT_FLASH].size / 2;
    gchar *buf = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(file, &buf, &len, &err)) {
        g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): could not load -bios '%s': %s",
                    file, err->message);
        g_error_free(err);
        return false;
    }
    if (len == 0 || len > size) {
        g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): -bios '%s' has %zu bytes; flash 0 "
                    "holds 1 to %" PRIu64, file, (size_t)len, size);
        g_free(buf);
        return false;
    }
    bool ok = loader_images_add(s->images, "bios", virt_memmap[VIRT_FLASH].base, buf, len, errp);
    g_free(buf);
    return ok;
}

static bool virt_finalize(MachineState *ms, GError **errp)
{
    ArmVirtMachineState *s = ARM_VIRT_MACHINE(ms);
    static const struct {
        size_t offset;
        const char *option;
    } unsupported[] = {
        { offsetof(MachineState, dtb), "-dtb" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(unsupported); i++) {
        const char *v = *(char **)((char *)ms + unsupported[i].offset);
        if (v && v[0]) {
            g_set_error(errp, ARM_VIRT_ERROR, 0,
                        "virt (aarch64): %s is not supported yet; use -kernel with an arm64 "
                        "Image or an ELF program", unsupported[i].option);
            return false;
        }
    }
    if (!virt_build_fdt(s, errp)) {
        return false;
    }
    if (ms->dumpdtb) {
        GError *err = NULL;
        size_t size;
        if (!fdt_builder_finish(s->fdt, errp)) {
            return false;
        }
        const void *blob = fdt_builder_blob(s->fdt, &size);
        if (!host_file_write(ms->dumpdtb, blob, size, &err)) {
            g_set_error(errp, ARM_VIRT_ERROR, 0, "dumpdtb: %s", err->message);
            g_error_free(err);
            return false;
        }
        return true;
    }
    bool bios = ms->firmware && ms->firmware[0];
    if (bios && s->pflash[0]) {
        g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): the contents of the first flash "
                    "device may be specified with -bios or with pflash0=, but not both");
        return false;
    }
    if (bios || s->pflash[0]) {
        /* Firmware from flash 0: CPU 0 starts at 0, the device tree waits at
         * the start of RAM (where EDK2 for QEMU's virt looks for it), a
         * -kernel/-initrd/-append go to the firmware through fw_cfg. */
        size_t fdt_size;
        if ((bios && !virt_load_bios(s, ms->firmware, errp)) ||
            (ms->kernel_filename &&
             !fw_cfg_add_kernel_images(s->fw_cfg, ms->kernel_filename, ms->initrd_filename,
                                       ms->kernel_cmdline, errp)) ||
            !fdt_builder_finish(s->fdt, errp)) {
            return false;
        }
        const void *blob = fdt_builder_blob(s->fdt, &fdt_size);
        if (!loader_images_add(s->images, "device tree", virt_memmap[VIRT_MEM].base, blob,
                               fdt_size, errp)) {
            return false;
        }
        runstate_set_reset_hook(virt_reset_hook, s);
        return true;
    }
    if (!ms->kernel_filename) {
        g_set_error(errp, ARM_VIRT_ERROR, 0,
                    "virt (aarch64): nothing to run: give -kernel (an arm64 Image or an ELF "
                    "program) or firmware with pflash0=NODE");
        return false;
    }
    if (loader_is_elf(ms->kernel_filename)) {
        if ((ms->initrd_filename && ms->initrd_filename[0]) ||
            (ms->kernel_cmdline && ms->kernel_cmdline[0])) {
            g_set_error(errp, ARM_VIRT_ERROR, 0, "virt (aarch64): -initrd and -append need "
                        "an arm64 Image (an ELF program gets no device tree)");
            return false;
        }
        LoaderImageInfo info;
        if (!loader_load_elf(s->images, ms->kernel_filename, EM_AARCH64, &info, errp) ||
            !object_property_set_uint(OBJECT(virt_cpu(ms, 0)), "reset-pc", info.entry, errp)) {
            return false;
        }
    } else if (!virt_load_linux(s, errp)) {
        return false;
    }
    runstate_set_reset_hook(virt_reset_hook, s);
    return true;
}

static const PropertyInfo virt_props[] = {
    PROP_BOOL("virtualization", ArmVirtMachineState, virtualization, false,
              "Implement EL2 and start the CPUs in it (PSCI through SMC)"),
    PROP_STRING("pflash0", ArmVirtMachineState, pflash[0], NULL,
                "block node with the firmware for flash 0 (64 MiB; CPU 0 starts there)"),
    PROP_STRING("pflash1", ArmVirtMachineState, pflash[1], NULL,
                "block node for flash 1 (64 MiB, the firmware's variable store)"),
    PROP_STRING("acpi", ArmVirtMachineState, acpi, "auto",
                "ACPI tables and SMBIOS for the firmware (fw_cfg): on, off, auto (on with "
                "firmware); with firmware and ACPI the power button is the ACPI GED"),
    PROP_STRING("gic-version", ArmVirtMachineState, gic_version, "2",
                "GIC version: 2 (with a GICv2m MSI frame), 3, or max (3)"),
    PROP_BOOL("its", ArmVirtMachineState, its, true,
              "GICv3 Interrupt Translation Service for PCIe MSIs (gic-version=3 only)"),
    PROP_END
};

static void virt_instance_finalize(Object *obj)
{
    ArmVirtMachineState *s = ARM_VIRT_MACHINE(obj);
    for (unsigned i = 0; i < VIRT_MAX_CPUS; i++) {
        if (s->cpu_as_init[i]) {
            address_space_destroy(&s->cpu_as[i]);
        }
    }
    if (s->images) {
        loader_images_free(s->images);
    }
    if (s->fdt) {
        fdt_builder_free(s->fdt);
    }
}

static void virt_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(klass);
    mc->default_cpu_type = VIRT_DEFAULT_CPU;
    mc->default_ram_size = VIRT_DEFAULT_RAM;
    mc->max_cpus = VIRT_MAX_CPUS;
    mc->init = virt_init;
    mc->finalize = virt_finalize;
    object_class_add_field_properties(klass, virt_props);
}

static const TypeInfo virt_machine_info = {
    .name = TYPE_ARM_VIRT_MACHINE,
    .parent = TYPE_MACHINE,
    .category = "machine",
    .description = "ARM Virtual Machine",
    .target = "aarch64",
    .is_default = true,
    .instance_size = sizeof(ArmVirtMachineState),
    .class_size = sizeof(MachineClass),
    .instance_finalize = virt_instance_finalize,
    .class_init = virt_class_init,
};

TESSERA_MODULE(.name = "board-arm-virt", .kind = "board", .types = TESSERA_TYPES(&virt_machine_info));
