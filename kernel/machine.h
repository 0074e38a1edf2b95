/* SPDX-License-Identifier: MIT */
/*
 * Machines (boards) and the machine-wide configuration from the command
 * line.  A board is a subclass of TYPE_MACHINE whose init creates CPUs and
 * on-board devices.  Machine type names are "<name>-machine"; -M uses
 * <name>.  The machine object lives at /machine.
 */
#ifndef TESSERA_KERNEL_MACHINE_H
#define TESSERA_KERNEL_MACHINE_H

#include "kernel/device.h"
#include "kernel/memory.h"

#define TYPE_MACHINE "machine"
#define TYPE_MACHINE_SUFFIX "-machine"

typedef struct AccelState AccelState;
typedef struct CPUState CPUState;

/* A file from -fw_cfg name=NAME,string=STR|file=PATH. */
typedef struct MachineFwCfgFile {
    char *name;
    GBytes *data;
} MachineFwCfgFile;

typedef struct MachineState {
    Object parent_obj;
    /* From the command line. */
    uint64_t ram_size;
    bool ram_size_given;       /* -m was used */
    unsigned smp_cpus;
    char *cpu_type;            /* full type name; NULL: the board's default */
    char *cpu_opts;            /* "zbb=off,..." after the model name */
    char *kernel_filename;
    char *initrd_filename;
    char *kernel_cmdline;
    char *dtb;
    char *firmware;            /* -bios */
    char *dumpdtb;
    char *memory_backend;      /* -machine memory-backend=ID: RAM from /objects/ID */
    /* For the board's fw_cfg device (QEMU's firmware configuration), which
     * publishes them when it is realized and sets fw_cfg_taken (a machine
     * without one refuses -fw_cfg). */
    GPtrArray *fw_cfg_user;    /* MachineFwCfgFile *, -fw_cfg in order; NULL: none */
    bool fw_cfg_taken;
    bool boot_menu;            /* -boot menu=on */
    bool boot_strict;          /* -boot strict=on: "HALT" ends fw_cfg's bootorder */
    bool boot_splash_time_given;
    uint16_t boot_splash_time; /* -boot splash-time=MS */
    /* Built at init. */
    MemoryRegion system_memory;
    AddressSpace address_space;
    MemoryRegion ram;
    GPtrArray *cpus;           /* CPUState * */
    BusState *sysbus;          /* "main-system-bus": board MMIO devices */
    AccelState *accel;
} MachineState;

typedef struct MachineClass {
    ObjectClass parent_class;
    const char *name;          /* "virt" */
    const char *desc;
    const char *target;        /* "riscv64", or NULL for any */
    bool is_default;
    const char *default_cpu_type;
    uint64_t default_ram_size;
    unsigned max_cpus;
    /* Whether -device may add devices the board places itself. */
    bool (*init)(MachineState *ms, GError **errp);
    /* The main system bus's hotplug handler for user-created devices
     * (kernel/bus.h): refuse or choose a place before realize (optional),
     * map MMIO and wire IRQs after realize, undo at unplug.  A board
     * without plug_device leaves user devices unmapped. */
    bool (*pre_plug_device)(MachineState *ms, DeviceState *dev, GError **errp);
    bool (*plug_device)(MachineState *ms, DeviceState *dev, GError **errp);
    void (*unplug_device)(MachineState *ms, DeviceState *dev);
    /* -device NAME where NAME is no type: NAME + each suffix in turn (virt:
     * "-pci" then "-device", so "virtio-rng" is virtio-rng-pci, the board's
     * preferred virtio transport).  NULL-terminated; NULL for none. */
    const char *const *device_alias_suffixes;
    /* After all -device: build firmware tables, load images. */
    bool (*finalize)(MachineState *ms, GError **errp);
} MachineClass;

OBJECT_DECLARE_TYPE(MachineState, MachineClass, MACHINE, TYPE_MACHINE)

/* The name of the guest RAM region of every board with RAM (query-machines
 * reports it as default-ram-id). */
#define MACHINE_RAM_ID "ram"

/* The current machine, or NULL. */
MachineState *machine_current(void);
/* Create /machine from "-M" options (type, then properties). */
MachineState *machine_create(const char *name, GError **errp);
bool machine_init(MachineState *ms, GError **errp);
/* Machine name from type name: "virt-machine" -> "virt". */
char *machine_name_from_type(const char *type_name);
/* Chardev id for serial port @index ("serial0"), or NULL when none. */
const char *machine_serial_chardev_id(int index);
bool machine_set_serial_chardev_id(int index, const char *id, GError **errp);
/* How many -serial options a machine can take (serial0..). */
int machine_max_serial_ports(void);
/* -m [size=]SIZE and -smp [cpus=]N[,maxcpus=,sockets=,dies=,clusters=,
 * cores=,threads=] into @ms, checked as QEMU checks them; errors name the
 * option and what the user wrote. */
bool machine_parse_memory(MachineState *ms, const char *text, GError **errp);
bool machine_parse_smp(MachineState *ms, const char *text, GError **errp);
/* Queue a -fw_cfg file (takes @data). */
void machine_add_fw_cfg_file(MachineState *ms, const char *name, GBytes *data);
void machine_types_init(void);

#endif
