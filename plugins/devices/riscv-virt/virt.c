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
 * User devices (-device NAME,...): placed in the "user" window of 4 KiB
 * slots, IRQ outputs wired to PLIC sources 32..63, at the device's
 * "addr"/"irq" properties or, when 0, the first free ones
 * (user-devices.c); each writes its own device-tree node.
 *
 * Boot: the reset vector at 0x1000 (MROM) holds a trampoline that jumps to
 * the firmware (or, with -bios none, the kernel) with a0 = hartid, a1 = the
 * device tree, a2 = OpenSBI's struct fw_dynamic_info (next stage = the
 * kernel, in S-mode).  Placement rules:
 *   firmware  at the start of RAM (ELF: its own addresses);
 *   kernel    ELF: its own addresses; raw: the firmware's end rounded up
 *             to 2 MiB (0x80200000 for OpenSBI), or RAM start without
 *             firmware;
 *   fdt       like QEMU: the top of RAM below 3 GiB (absolute), minus the
 *             blob's size, rounded down to 2 MiB;
 *   initrd    just below the fdt, 4 KiB aligned; it must clear the kernel.
 * Every image is kept by a LoaderImages set that the reset hook rewrites.
 *
 * Properties: "aclint" (describe the CLINT as ACLINT MSWI + MTIMER nodes;
 * same registers).  -M virt,dumpdtb=FILE (MachineState.dumpdtb) writes the
 * final blob, after which main() exits.
 */
#include <string.h>

#include "kernel/accel.h"
#include "kernel/fdt.h"
#include "kernel/loader.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/runstate.h"
#include "plugins/devices/riscv-virt/user-devices.h"

#define TYPE_VIRT_MACHINE "virt-machine"

#define VIRT_MAX_HARTS 8
#define VIRT_DEFAULT_RAM (128 * MiB)
#define VIRT_DEFAULT_CPU "rv64-riscv-cpu"
#define VIRT_DEFAULT_BIOS "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
#define VIRT_TIMEBASE_FREQ 10000000
#define VIRT_PLIC_NUM_SOURCES 96
#define VIRT_UART_CLOCK 3686400
/* PLIC sources for user devices (UART0 10, RTC 11, virtio 1..8 below). */
#define VIRT_USER_IRQ_FIRST 32
#define VIRT_USER_IRQ_COUNT 32

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)
#define VIRT_KERNEL_ALIGN (2 * MiB)
#define VIRT_FDT_ALIGN (2 * MiB)
#define VIRT_FDT_LIMIT (3 * GiB)
#define VIRT_INITRD_ALIGN 4096

#define EM_RISCV_MACHINE 243

/* mip bits the hart's input pins are numbered by. */
#define IRQ_M_SOFT 3
#define IRQ_M_TIMER 7
#define IRQ_S_EXT 9
#define IRQ_M_EXT 11

enum {
    VIRT_MROM,
    VIRT_TEST,
    VIRT_RTC,
    VIRT_CLINT,
    VIRT_PLIC,
    VIRT_UART0,
    VIRT_VIRTIO,
    VIRT_USER,
    VIRT_DRAM,
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
    /* Eight virtio-mmio slots of 0x1000, IRQs 1..8: left empty for now. */
    [VIRT_VIRTIO] = { .name = "virtio", .base = 0x10001000, .size = 0x8000 },
    /* Sixteen 4 KiB slots for -device MMIO devices (user-devices.c). */
    [VIRT_USER] = { .name = "user", .base = 0x10010000, .size = 0x10000 },
    [VIRT_DRAM] = { .name = "dram", .base = 0x80000000, .size = 0 /* -m */ },
};

typedef enum {
    VIRT_CFG_NONE,
    VIRT_CFG_PLIC,
    VIRT_CFG_CLINT,
    VIRT_CFG_UART,
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
};
#define VIRT_NUM_DEVICES G_N_ELEMENTS(virt_devices)
#define VIRT_DEV_PLIC 0
#define VIRT_DEV_CLINT 1
#define VIRT_DEV_UART0 4

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

/* Trampoline layout: six instructions, two addresses, then fw_dynamic_info. */
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

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Fill @buf (TRAMP_SIZE bytes) with the reset trampoline. */
static void virt_build_trampoline(uint8_t *buf, uint64_t start, uint64_t fdt_addr,
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
        put_le32(buf + 4 * i, code[i]);
    }
    put_le64(buf + TRAMP_START_ADDR_OFF, start);
    put_le64(buf + TRAMP_FDT_ADDR_OFF, fdt_addr);
    for (size_t i = 0; i < TRAMP_INFO_WORDS; i++) {
        put_le64(buf + TRAMP_INFO_OFF + 8 * i, info[i]);
    }
}

/* ---- board state ---------------------------------------------------------- */

typedef struct VirtMachineState {
    MachineState parent_obj;
    bool aclint;               /* property: ACLINT device tree nodes */
    MemoryRegion mrom;
    DeviceState *devs[G_N_ELEMENTS(virt_devices)];
    FdtBuilder *fdt;           /* IRQ routes recorded at init, tree built at finalize */
    LoaderImages *images;
    VirtUserWindow user;       /* placement of -device MMIO devices */
} VirtMachineState;

OBJECT_DECLARE_SIMPLE_TYPE(VirtMachineState, VIRT_MACHINE, TYPE_VIRT_MACHINE)

static CPUState *virt_hart(MachineState *ms, unsigned i)
{
    return g_ptr_array_index(ms->cpus, i);
}

static char *virt_hart_intc_label(unsigned i)
{
    return g_strdup_printf(FDT_HART_INTC_LABEL_FMT, i);
}

/* Connect @src's output @pin to input @dst_pin of @dst, and note it for the FDT. */
static void virt_wire(VirtMachineState *s, DeviceState *src, int pin, DeviceState *dst,
                      int dst_pin, const char *dst_label)
{
    device_connect_irq_out(src, pin, device_get_irq_in(dst, dst_pin));
    fdt_builder_set_irq(s->fdt, src, pin, dst_label, (uint32_t)dst_pin);
}

/* ---- init: harts and on-board devices -------------------------------------- */

static bool virt_create_harts(VirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    const char *cpu_type = ms->cpu_type ? ms->cpu_type : MACHINE_GET_CLASS(ms)->default_cpu_type;
    Object *soc = object_new(TYPE_CONTAINER);
    bool ok = object_property_add_child(OBJECT(ms), "soc0", soc, errp);
    object_unref(soc);
    if (!ok) {
        return false;
    }
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        Object *obj = object_new_checked(cpu_type, errp);
        if (!obj) {
            return false;
        }
        if (!object_dynamic_cast(obj, TYPE_CPU)) {
            g_set_error(errp, VIRT_ERROR, 0, "'%s' is not a CPU type", cpu_type);
            object_unref(obj);
            return false;
        }
        char *hartid = g_strdup_printf("%u", i);
        char *resetvec = g_strdup_printf("%" PRIu64, (uint64_t)virt_memmap[VIRT_MROM].base);
        char *tbfreq = g_strdup_printf("%u", VIRT_TIMEBASE_FREQ);
        char *name = g_strdup_printf("harts[%u]", i);
        ok = object_property_parse(obj, "hartid", hartid, errp) &&
             object_property_parse(obj, "resetvec", resetvec, errp) &&
             object_property_parse(obj, "timebase-frequency", tbfreq, errp) &&
             object_property_add_child(soc, name, obj, errp);
        g_free(hartid);
        g_free(resetvec);
        g_free(tbfreq);
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

static bool virt_configure_device(VirtMachineState *s, const VirtDevice *vd, Object *obj,
                                  GError **errp)
{
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
        Object *obj = object_new_checked(vd->type, errp);
        if (!obj) {
            return false;
        }
        bool ok = virt_configure_device(s, vd, obj, errp) &&
                  object_property_add_child(OBJECT(ms), vd->name, obj, errp);
        object_unref(obj);
        if (!ok || !device_realize(DEVICE(obj), errp)) {
            return false;
        }
        DeviceState *dev = DEVICE(obj);
        g_assert(memory_region_size(dev->mmio[0]) <= virt_memmap[vd->region].size);
        s->devs[i] = dev;
        device_mmio_map(dev, 0, &ms->system_memory, virt_memmap[vd->region].base);
        if (vd->plic_irq) {
            DeviceState *plic = s->devs[VIRT_DEV_PLIC];
            char *label = fdt_device_label(plic);
            virt_wire(s, dev, 0, plic, (int)vd->plic_irq, label);
            g_free(label);
        }
    }
    return true;
}

/* PLIC contexts and CLINT pins to each hart's local interrupt inputs. */
static void virt_wire_harts(VirtMachineState *s)
{
    MachineState *ms = MACHINE(s);
    for (unsigned h = 0; h < ms->smp_cpus; h++) {
        DeviceState *hart = DEVICE(virt_hart(ms, h));
        char *intc = virt_hart_intc_label(h);
        virt_wire(s, s->devs[VIRT_DEV_PLIC], (int)(2 * h), hart, IRQ_M_EXT, intc);
        virt_wire(s, s->devs[VIRT_DEV_PLIC], (int)(2 * h + 1), hart, IRQ_S_EXT, intc);
        virt_wire(s, s->devs[VIRT_DEV_CLINT], (int)(2 * h), hart, IRQ_M_SOFT, intc);
        virt_wire(s, s->devs[VIRT_DEV_CLINT], (int)(2 * h + 1), hart, IRQ_M_TIMER, intc);
        g_free(intc);
    }
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
    virt_memmap_check();
    if (ms->smp_cpus < 1 || ms->smp_cpus > VIRT_MAX_HARTS) {
        g_set_error(errp, VIRT_ERROR, 0, "virt: %u CPUs requested, the board supports 1..%u",
                    ms->smp_cpus, VIRT_MAX_HARTS);
        return false;
    }
    const VirtRegion *dram = &virt_memmap[VIRT_DRAM];
    if (ms->ram_size == 0 || ms->ram_size > UINT64_MAX - dram->base) {
        g_set_error(errp, VIRT_ERROR, 0, "virt: invalid RAM size %" PRIu64, ms->ram_size);
        return false;
    }
    memory_region_add_subregion(&ms->system_memory, dram->base, &ms->ram);
    const VirtRegion *mrom = &virt_memmap[VIRT_MROM];
    if (!memory_region_init_rom(&s->mrom, OBJECT(ms), "riscv_virt_board.mrom", mrom->size,
                                errp)) {
        return false;
    }
    memory_region_add_subregion(&ms->system_memory, mrom->base, &s->mrom);
    s->fdt = fdt_builder_new();
    s->images = loader_images_new(&ms->address_space);
    if (!virt_create_harts(s, errp) || !virt_create_devices(s, errp)) {
        return false;
    }
    virt_wire_harts(s);
    const VirtRegion *user = &virt_memmap[VIRT_USER];
    virt_user_window_init(&s->user, &ms->system_memory, s->devs[VIRT_DEV_PLIC], user->base,
                          user->size, VIRT_USER_IRQ_FIRST, VIRT_USER_IRQ_COUNT);
    return true;
}

/* ---- finalize: device tree ------------------------------------------------- */

static void virt_fdt_add_devices(Object *obj, void *opaque)
{
    FdtBuilder *fdt = opaque;
    DeviceState *dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    if (dev && dev->realized && !object_dynamic_cast(obj, TYPE_CPU)) {
        DeviceClass *dc = DEVICE_GET_CLASS(dev);
        if (dc->fdt_node) {
            dc->fdt_node(dev, fdt);
        }
    }
    object_child_foreach(obj, virt_fdt_add_devices, fdt);
}

static bool virt_fdt_harts(VirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    FdtBuilder *fdt = s->fdt;
    fdt_builder_add_node(fdt, "/cpus");
    fdt_builder_prop_u32(fdt, "/cpus", "#address-cells", 1);
    fdt_builder_prop_u32(fdt, "/cpus", "#size-cells", 0);
    fdt_builder_prop_u32(fdt, "/cpus", "timebase-frequency", VIRT_TIMEBASE_FREQ);
    /* Last hart first: libfdt prepends subnodes, so they end up in order. */
    for (unsigned h = ms->smp_cpus; h-- > 0;) {
        Object *cpu = OBJECT(virt_hart(ms, h));
        char *isa = object_property_get_str(cpu, "isa-string", errp);
        if (!isa) {
            return false;
        }
        char *mmu = object_property_get_str(cpu, "mmu-type", errp);
        if (!mmu) {
            g_free(isa);
            return false;
        }
        char *path = g_strdup_printf("/cpus/cpu@%u", h);
        char *intc_path = g_strconcat(path, "/interrupt-controller", NULL);
        char *cpu_label = g_strdup_printf("hart%u", h);
        char *intc_label = virt_hart_intc_label(h);
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
    }
    return true;
}

static bool virt_fdt_build(VirtMachineState *s, GError **errp)
{
    MachineState *ms = MACHINE(s);
    FdtBuilder *fdt = s->fdt;
    const VirtRegion *dram = &virt_memmap[VIRT_DRAM];
    fdt_builder_prop_u32(fdt, "/", "#address-cells", 2);
    fdt_builder_prop_u32(fdt, "/", "#size-cells", 2);
    fdt_builder_prop_string(fdt, "/", "compatible", "riscv-virtio");
    fdt_builder_prop_string(fdt, "/", "model", "riscv-virtio,tessera");

    char *mem_path = g_strdup_printf("/memory@%" HWADDR_PRIx, dram->base);
    uint64_t mem_reg[] = { dram->base, ms->ram_size };
    fdt_builder_add_node(fdt, mem_path);
    fdt_builder_prop_string(fdt, mem_path, "device_type", "memory");
    fdt_builder_prop_reg(fdt, mem_path, mem_reg, 1);
    g_free(mem_path);

    if (!virt_fdt_harts(s, errp)) {
        return false;
    }

    fdt_builder_add_node(fdt, "/soc");
    fdt_builder_prop_u32(fdt, "/soc", "#address-cells", 2);
    fdt_builder_prop_u32(fdt, "/soc", "#size-cells", 2);
    fdt_builder_prop_string(fdt, "/soc", "compatible", "simple-bus");
    fdt_builder_prop_empty(fdt, "/soc", "ranges");
    fdt_builder_set_bus_path(fdt, "/soc");
    char *plic_label = fdt_device_label(s->devs[VIRT_DEV_PLIC]);
    virt_user_fdt_routes(&s->user, fdt, plic_label);
    g_free(plic_label);
    virt_fdt_add_devices(OBJECT(ms), fdt);

    fdt_builder_add_node(fdt, "/chosen");
    char *stdout_path = fdt_builder_device_path(fdt, "serial", virt_memmap[VIRT_UART0].base);
    fdt_builder_prop_string(fdt, "/chosen", "stdout-path", stdout_path);
    g_free(stdout_path);
    return fdt_builder_take_error(fdt, errp);
}

/* ---- finalize: images ------------------------------------------------------- */

typedef struct VirtBootInfo {
    bool have_firmware;
    LoaderImageInfo firmware;
    bool have_kernel;
    LoaderImageInfo kernel;
    uint64_t initrd_size;
} VirtBootInfo;

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
    return v & ~(a - 1);
}

static bool virt_load_firmware(VirtMachineState *s, VirtBootInfo *bi, GError **errp)
{
    MachineState *ms = MACHINE(s);
    const VirtRegion *dram = &virt_memmap[VIRT_DRAM];
    const char *fw = ms->firmware;
    if (fw && !strcmp(fw, "none")) {
        return true;
    }
    if (!fw || !strcmp(fw, "default")) {
        if (!g_file_test(VIRT_DEFAULT_BIOS, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(errp, VIRT_ERROR, 0,
                        "virt: no firmware: %s is missing; install Debian's opensbi package, "
                        "or pass -bios FILE (or -bios none to start the kernel in M-mode)",
                        VIRT_DEFAULT_BIOS);
            return false;
        }
        fw = VIRT_DEFAULT_BIOS;
    }
    bool ok = loader_is_elf(fw)
        ? loader_load_elf(s->images, fw, EM_RISCV_MACHINE, &bi->firmware, errp)
        : loader_load_raw(s->images, fw, dram->base, ms->ram_size, &bi->firmware, errp);
    if (!ok) {
        g_prefix_error(errp, "-bios: ");
        return false;
    }
    bi->have_firmware = true;
    return true;
}

/* Linux's RISC-V Image header: image_size at 16, magic2 "RSC\x05" at 56. */
#define LINUX_IMAGE_SIZE_OFF 16
#define LINUX_IMAGE_MAGIC2_OFF 56
#define LINUX_IMAGE_MAGIC2 "RSC\x05"

/* Memory the raw kernel at @addr will occupy once running (bss included). */
static uint64_t virt_kernel_extent(VirtMachineState *s, const LoaderImageInfo *k)
{
    uint8_t hdr[LINUX_IMAGE_MAGIC2_OFF + 4];
    MachineState *ms = MACHINE(s);
    if (address_space_read_buf(&ms->address_space, k->low, hdr, sizeof(hdr)) != MEMTX_OK ||
        memcmp(hdr + LINUX_IMAGE_MAGIC2_OFF, LINUX_IMAGE_MAGIC2, 4) != 0) {
        return k->high;
    }
    uint64_t size = 0;
    for (int i = 7; i >= 0; i--) {
        size = size << 8 | hdr[LINUX_IMAGE_SIZE_OFF + i];
    }
    return MAX(k->high, k->low + size);
}

static bool virt_load_kernel(VirtMachineState *s, VirtBootInfo *bi, GError **errp)
{
    MachineState *ms = MACHINE(s);
    const VirtRegion *dram = &virt_memmap[VIRT_DRAM];
    const char *k = ms->kernel_filename;
    if (!k) {
        return true;
    }
    bool ok;
    if (loader_is_elf(k)) {
        ok = loader_load_elf(s->images, k, EM_RISCV_MACHINE, &bi->kernel, errp);
    } else {
        hwaddr addr = bi->have_firmware ? align_up(bi->firmware.high, VIRT_KERNEL_ALIGN)
                                        : dram->base;
        hwaddr ram_end = dram->base + ms->ram_size;
        if (addr >= ram_end) {
            g_set_error(errp, LOADER_ERROR, LOADER_ERROR_TOO_BIG,
                        "-kernel: no room for '%s' after the firmware", k);
            return false;
        }
        ok = loader_load_raw(s->images, k, addr, ram_end - addr, &bi->kernel, errp);
        if (ok) {
            bi->kernel.high = virt_kernel_extent(s, &bi->kernel);
        }
    }
    if (!ok) {
        g_prefix_error(errp, "-kernel: ");
        return false;
    }
    bi->have_kernel = true;
    return true;
}

/*
 * Complete /chosen, place the blob at the top of RAM and the initrd below
 * it, and write both.
 */
static bool virt_place_fdt_and_initrd(VirtMachineState *s, VirtBootInfo *bi,
                                      uint64_t *fdt_addr, GError **errp)
{
    MachineState *ms = MACHINE(s);
    const VirtRegion *dram = &virt_memmap[VIRT_DRAM];
    FdtBuilder *fdt = s->fdt;
    fdt_builder_add_node(fdt, "/chosen");
    if (ms->kernel_cmdline && ms->kernel_cmdline[0]) {
        fdt_builder_prop_string(fdt, "/chosen", "bootargs", ms->kernel_cmdline);
    }
    if (ms->initrd_filename) {
        if (!loader_file_size(ms->initrd_filename, ms->ram_size, &bi->initrd_size, errp)) {
            g_prefix_error(errp, "-initrd: ");
            return false;
        }
        /* Placeholders of the final size, so the blob's size is known now. */
        fdt_builder_prop_u64(fdt, "/chosen", "linux,initrd-start", 0);
        fdt_builder_prop_u64(fdt, "/chosen", "linux,initrd-end", 0);
    }
    if (!fdt_builder_finish(fdt, errp)) {
        return false;
    }
    size_t fdt_size;
    fdt_builder_blob(fdt, &fdt_size);
    uint64_t top = MIN(dram->base + ms->ram_size, VIRT_FDT_LIMIT);
    if (top < dram->base + fdt_size) {
        g_set_error(errp, VIRT_ERROR, 0, "virt: no room in RAM for the device tree");
        return false;
    }
    *fdt_addr = align_down(top - fdt_size, VIRT_FDT_ALIGN);
    if (*fdt_addr < dram->base) {
        *fdt_addr = dram->base;
    }
    if (ms->initrd_filename) {
        uint64_t low_limit = bi->have_kernel ? bi->kernel.high
                           : bi->have_firmware ? bi->firmware.high : dram->base;
        if (bi->initrd_size > *fdt_addr - dram->base ||
            align_down(*fdt_addr - bi->initrd_size, VIRT_INITRD_ALIGN) < low_limit) {
            g_set_error(errp, LOADER_ERROR, LOADER_ERROR_TOO_BIG,
                        "-initrd: '%s' (%" PRIu64 " bytes) does not fit between the kernel "
                        "and the device tree; give the guest more memory with -m",
                        ms->initrd_filename, bi->initrd_size);
            return false;
        }
        uint64_t start = align_down(*fdt_addr - bi->initrd_size, VIRT_INITRD_ALIGN);
        if (!loader_load_raw(s->images, ms->initrd_filename, start, bi->initrd_size, NULL,
                             errp)) {
            g_prefix_error(errp, "-initrd: ");
            return false;
        }
        fdt_builder_prop_u64(fdt, "/chosen", "linux,initrd-start", start);
        fdt_builder_prop_u64(fdt, "/chosen", "linux,initrd-end", start + bi->initrd_size);
        if (!fdt_builder_finish(fdt, errp)) {
            return false;
        }
    }
    const void *blob = fdt_builder_blob(fdt, &fdt_size);
    return loader_images_add(s->images, "device tree", *fdt_addr, blob, fdt_size, errp);
}

static void virt_reset_hook(void *opaque)
{
    VirtMachineState *s = opaque;
    loader_images_replay(s->images);
}

static bool virt_finalize(MachineState *ms, GError **errp)
{
    VirtMachineState *s = VIRT_MACHINE(ms);
    const VirtRegion *dram = &virt_memmap[VIRT_DRAM];
    VirtBootInfo bi = { 0 };

    if (ms->dtb) {
        void *blob;
        size_t size;
        if (!fdt_load_file(ms->dtb, &blob, &size, errp)) {
            return false;
        }
        FdtBuilder *user = fdt_builder_new_from_blob(blob, size, errp);
        g_free(blob);
        if (!user) {
            g_prefix_error(errp, "-dtb '%s': ", ms->dtb);
            return false;
        }
        fdt_builder_free(s->fdt);
        s->fdt = user;
    } else if (!virt_fdt_build(s, errp)) {
        return false;
    }
    if (!virt_load_firmware(s, &bi, errp) || !virt_load_kernel(s, &bi, errp)) {
        return false;
    }
    uint64_t fdt_addr;
    if (!virt_place_fdt_and_initrd(s, &bi, &fdt_addr, errp)) {
        return false;
    }

    uint64_t next = bi.have_kernel ? bi.kernel.entry : 0;
    uint64_t start = bi.have_firmware ? bi.firmware.entry
                   : bi.have_kernel ? bi.kernel.entry : dram->base;
    uint8_t tramp[TRAMP_SIZE];
    virt_build_trampoline(tramp, start, fdt_addr, next);
    if (!loader_images_add(s->images, "reset vector", virt_memmap[VIRT_MROM].base, tramp,
                           sizeof(tramp), errp)) {
        return false;
    }

    if (ms->dumpdtb) {
        size_t size;
        const void *blob = fdt_builder_blob(s->fdt, &size);
        GError *err = NULL;
        if (!g_file_set_contents(ms->dumpdtb, blob, (gssize)size, &err)) {
            g_set_error(errp, VIRT_ERROR, 0, "dumpdtb: cannot write '%s': %s", ms->dumpdtb,
                        err->message);
            g_error_free(err);
            return false;
        }
    }
    runstate_set_reset_hook(virt_reset_hook, s);
    return true;
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

static const PropertyInfo virt_props[] = {
    PROP_BOOL("aclint", VirtMachineState, aclint, false,
              "Describe the CLINT as ACLINT MSWI and MTIMER devices"),
    PROP_END
};

static void virt_instance_finalize(Object *obj)
{
    VirtMachineState *s = VIRT_MACHINE(obj);
    fdt_builder_free(s->fdt);
    loader_images_free(s->images);
    virt_user_window_destroy(&s->user);
}

static void virt_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(klass);
    mc->name = "virt";
    mc->desc = "RISC-V VirtIO board";
    mc->target = "riscv64";
    mc->is_default = true;
    mc->default_cpu_type = VIRT_DEFAULT_CPU;
    mc->default_ram_size = VIRT_DEFAULT_RAM;
    mc->max_cpus = VIRT_MAX_HARTS;
    mc->init = virt_init;
    mc->plug_device = virt_plug_device;
    mc->unplug_device = virt_unplug_device;
    mc->finalize = virt_finalize;
    object_class_add_field_properties(klass, virt_props);
}

static const TypeInfo virt_machine_info = {
    .name = TYPE_VIRT_MACHINE,
    .parent = TYPE_MACHINE,
    .instance_size = sizeof(VirtMachineState),
    .class_size = sizeof(MachineClass),
    .instance_finalize = virt_instance_finalize,
    .class_init = virt_class_init,
};

static void virt_register(void)
{
    type_register_static(&virt_machine_info);
}

static const TesseraTypeDesc virt_types[] = {
    {
        .name = TYPE_VIRT_MACHINE,
        .parent = TYPE_MACHINE,
        .category = "machine",
        .target = "riscv64",
        .description = "RISC-V VirtIO board",
        .is_default = true,
    },
    { .name = NULL },
};

TESSERA_MODULE(.name = "board-riscv-virt", .kind = "board", .types = virt_types,
               .register_types = virt_register);
