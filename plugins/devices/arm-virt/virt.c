/* SPDX-License-Identifier: MIT */
/*
 * aarch64 "virt" board, first step: laid out like QEMU's virt machine
 * (the same addresses) with what bare-metal programs need: RAM at
 * 0x40000000, the PL011 UART at 0x09000000, PSCI served by the CPUs
 * (HVC conduit, or SMC with virtualization=on, as QEMU chooses).  The GIC,
 * flash, RTC, virtio, PCIe, fw_cfg, the device tree and firmware boot come
 * with the next issue's board.
 *
 * Type name: "virt-machine" for the target aarch64 (-M virt, the aarch64
 * default machine); riscv64's board has the same name for its target: the
 * module index tells them apart by target.
 *
 * Boot: -kernel ELF is loaded and CPU 0 starts at its entry at the highest
 * EL (EL1, or EL2 with virtualization=on); the other CPUs stay powered off
 * (PSCI CPU_ON is not implemented yet).  Properties: virtualization.
 */
#include <string.h>

#include "kernel/accel.h"
#include "kernel/loader.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/runstate.h"

#define TYPE_ARM_VIRT_MACHINE "virt-machine"
#define ARM_VIRT_ERROR (g_quark_from_static_string("arm-virt"))

#define VIRT_MAX_CPUS 8
#define VIRT_DEFAULT_RAM (128 * MiB)
#define VIRT_DEFAULT_CPU "max-arm-cpu"
#define EM_AARCH64 183

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)

enum {
    VIRT_UART,
    VIRT_MEM,
};

typedef struct VirtRegion {
    const char *name;
    hwaddr base;
    uint64_t size;
} VirtRegion;

/* The board's address map (QEMU's virt addresses). */
static const VirtRegion virt_memmap[] = {
    [VIRT_UART] = { .name = "uart", .base = 0x09000000, .size = 0x1000 },
    [VIRT_MEM] = { .name = "mem", .base = 0x40000000, .size = 255 * GiB },
};

typedef struct ArmVirtMachineState {
    MachineState parent_obj;
    bool virtualization;
    DeviceState *uart;
    LoaderImages *images;
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
        cpu->as = &ms->address_space;
        if (!device_realize(DEVICE(cpu), errp)) {
            return false;
        }
        g_ptr_array_add(ms->cpus, cpu);
    }
    return true;
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
    memory_region_add_subregion(&ms->system_memory, mem->base, &ms->ram);
    s->images = loader_images_new(&ms->address_space);
    if (!virt_create_cpus(s, errp)) {
        return false;
    }

    Object *obj = object_new_checked("pl011", errp);
    if (!obj) {
        return false;
    }
    bool ok = (!machine_serial_chardev_id(0) ||
               object_property_set_str(obj, "chardev", machine_serial_chardev_id(0), errp)) &&
              object_property_add_child(OBJECT(ms), "uart", obj, errp);
    object_unref(obj);
    if (!ok || !device_realize(DEVICE(obj), errp)) {
        return false;
    }
    s->uart = DEVICE(obj);
    device_mmio_map(s->uart, 0, &ms->system_memory, virt_memmap[VIRT_UART].base);
    return true;
}

static void virt_reset_hook(void *opaque)
{
    loader_images_replay(ARM_VIRT_MACHINE(opaque)->images);
}

static bool virt_finalize(MachineState *ms, GError **errp)
{
    ArmVirtMachineState *s = ARM_VIRT_MACHINE(ms);
    static const struct {
        size_t offset;
        const char *option;
    } unsupported[] = {
        { offsetof(MachineState, firmware), "-bios" },
        { offsetof(MachineState, initrd_filename), "-initrd" },
        { offsetof(MachineState, dtb), "-dtb" },
        { offsetof(MachineState, dumpdtb), "dumpdtb" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(unsupported); i++) {
        const char *v = *(char **)((char *)ms + unsupported[i].offset);
        if (v && v[0]) {
            g_set_error(errp, ARM_VIRT_ERROR, 0,
                        "virt (aarch64): %s is not supported yet; only -kernel with an ELF "
                        "program", unsupported[i].option);
            return false;
        }
    }
    if (ms->kernel_cmdline && ms->kernel_cmdline[0]) {
        g_set_error(errp, ARM_VIRT_ERROR, 0,
                    "virt (aarch64): -append needs a device tree, which this board does not "
                    "build yet");
        return false;
    }
    if (!ms->kernel_filename) {
        g_set_error(errp, ARM_VIRT_ERROR, 0,
                    "virt (aarch64): no firmware support yet: give -kernel PROGRAM.elf");
        return false;
    }
    uint64_t size;
    if (!loader_file_size(ms->kernel_filename, 0, &size, errp)) {
        return false;
    }
    if (!loader_is_elf(ms->kernel_filename)) {
        g_set_error(errp, ARM_VIRT_ERROR, 0,
                    "virt (aarch64): -kernel %s: only ELF programs are supported so far",
                    ms->kernel_filename);
        return false;
    }
    LoaderImageInfo info;
    if (!loader_load_elf(s->images, ms->kernel_filename, EM_AARCH64, &info, errp) ||
        !object_property_set_uint(OBJECT(virt_cpu(ms, 0)), "reset-pc", info.entry, errp)) {
        return false;
    }
    runstate_set_reset_hook(virt_reset_hook, s);
    return true;
}

static const PropertyInfo virt_props[] = {
    PROP_BOOL("virtualization", ArmVirtMachineState, virtualization, false,
              "Implement EL2 and start the CPUs in it (PSCI through SMC)"),
    PROP_END
};

static void virt_instance_finalize(Object *obj)
{
    ArmVirtMachineState *s = ARM_VIRT_MACHINE(obj);
    if (s->images) {
        loader_images_free(s->images);
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
