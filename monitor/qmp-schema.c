/* SPDX-License-Identifier: MIT */
/*
 * The QMP schema: every command with its arguments, result type,
 * documentation and handler; every event; every type they use.
 *
 * This table is the one source of truth: dispatch and argument checking
 * (qmp-dispatch.c), query-commands, query-qmp-schema and docs/qmp.md
 * (scripts/gen-qmp-doc.py) are all derived from it, and the HMP table
 * points at the same handlers.  Names, argument names and result shapes
 * follow QEMU's schema so that scripts written for QEMU work unchanged.
 */
#include <string.h>

#include "monitor/qmp-block.h"
#include "monitor/qmp-nbd.h"
#include "monitor/qmp-bitmap.h"
#include "monitor/qmp-block-jobs.h"
#include "monitor/qmp-handlers.h"

#define END { .name = NULL }
#define MEMBER(n, t, d) { .name = (n), .type = (t), .doc = (d) }
#define OPTIONAL(n, t, d) { .name = (n), .type = (t), .optional = true, .doc = (d) }

/* ---- enums --------------------------------------------------------------- */

static const char *const run_state_values[] = {
    "prelaunch", "running", "paused", "shutdown", NULL,
};

static const char *const shutdown_cause_values[] = {
    "none", "host-error", "host-qmp-quit", "host-qmp-system-reset", "host-signal", "host-ui",
    "guest-shutdown", "guest-reset", "guest-panic", "subsystem-reset", NULL,
};

static const char *const qmp_capability_values[] = { "oob", NULL };

/* libvirt's probe (monitor/qmp-libvirt.c). */
static const char *const no_values[] = { NULL };
static const char *const cmdline_param_type_values[] = {
    "string", "boolean", "number", "size", NULL,
};

const QmpEnum qmp_enums[] = {
    { .name = "RunState", .values = run_state_values,
      .doc = "The state of the virtual machine: 'prelaunch' before the first start (-S), "
             "'running', 'paused' (stop) or 'shutdown' (the process is about to exit)." },
    { .name = "ShutdownCause", .values = shutdown_cause_values,
      .doc = "Why the machine is shutting down or resetting: 'host-qmp-quit' (quit), "
             "'host-qmp-system-reset' (system_reset), 'host-signal' (SIGINT/SIGTERM), "
             "'host-ui' (Ctrl-A x), 'guest-shutdown', 'guest-reset', 'guest-panic'." },
    { .name = "QMPCapability", .values = qmp_capability_values,
      .doc = "Optional protocol capabilities; none is offered by Tessera." },
    { .name = "RxState", .values = qmp_rx_state_values,
      .doc = "A NIC's receive filter state: 'normal' (filtered), 'none' (nothing), 'all'." },
    { .name = "TpmModel", .values = no_values,
      .doc = "TPM device models: Tessera has none, so the enum is empty." },
    { .name = "TpmType", .values = no_values,
      .doc = "TPM backends: Tessera has none, so the enum is empty." },
    { .name = "MigrationCapability", .values = qmp_migration_capability_values,
      .doc = "Migration capabilities: only 'events' (MIGRATION events), Tessera cannot "
             "migrate yet." },
    { .name = "CommandLineParameterType", .values = cmdline_param_type_values,
      .doc = "The kind of value a command-line option parameter takes." },
    END
};

/* ---- structs ------------------------------------------------------------- */

static const QmpMember version_triple_members[] = {
    MEMBER("major", "int", "major version"),
    MEMBER("minor", "int", "minor version"),
    MEMBER("micro", "int", "micro (patch) version"),
    END
};

static const QmpMember version_info_members[] = {
    MEMBER("qemu", "VersionTriple", "the emulator's version (Tessera's own number)"),
    MEMBER("package", "str", "the package name, \"tessera\""),
    END
};

static const QmpMember name_info_members[] = {
    OPTIONAL("name", "str", "the name given with -name, absent when none was"),
    END
};

static const QmpMember status_info_members[] = {
    MEMBER("status", "RunState", "the run state"),
    MEMBER("running", "bool", "true when the vCPUs run"),
    MEMBER("singlestep", "bool", "always false (kept for QEMU compatibility)"),
    END
};

static const QmpMember command_info_members[] = {
    MEMBER("name", "str", "the command's name"),
    END
};

static const QmpMember schema_info_members[] = {
    MEMBER("name", "str", "the entity's name (types keep their schema names)"),
    MEMBER("meta-type", "str",
      "'command', 'event', 'object', 'enum', 'array' or 'builtin'"),
    OPTIONAL("arg-type", "str", "commands and events: the arguments' object type"),
    OPTIONAL("ret-type", "str", "commands: the result type"),
    OPTIONAL("allow-oob", "bool", "commands: always false"),
    OPTIONAL("members", "[any]",
      "objects: {name, type[, default]}; an optional member has \"default\": null; "
      "enums: {name}"),
    OPTIONAL("values", "[str]", "enums: the values"),
    OPTIONAL("element-type", "str", "arrays: the element type"),
    OPTIONAL("json-type", "str",
      "builtins: 'string', 'int', 'number', 'boolean', 'value' (any) or 'null'"),
    END
};

static const QmpMember machine_info_members[] = {
    MEMBER("name", "str", "the name for -M"),
    OPTIONAL("is-default", "bool", "present and true for the target's default machine"),
    MEMBER("cpu-max", "int",
      "the most CPUs the board accepts (the board's module is loaded to ask it)"),
    MEMBER("hotpluggable-cpus", "bool", "always false"),
    MEMBER("numa-mem-supported", "bool", "always false"),
    MEMBER("deprecated", "bool", "always false"),
    OPTIONAL("default-cpu-type", "str", "the CPU type used without -cpu, when known"),
    OPTIONAL("default-ram-id", "str",
      "the name of the board's guest RAM region (\"ram\"); absent for boards without RAM"),
    MEMBER("acpi", "bool", "always false: Tessera boards describe themselves in FDT"),
    END
};

static const QmpMember cpu_info_fast_members[] = {
    MEMBER("cpu-index", "int", "the CPU's index (hart id)"),
    MEMBER("qom-path", "str", "the CPU's path in the composition tree"),
    MEMBER("thread-id", "int",
      "host thread id of the vCPU (the process id: accelerators do not report it yet)"),
    MEMBER("target", "str", "the CPU's architecture, such as \"riscv64\""),
    END
};

static const QmpMember chardev_info_members[] = {
    MEMBER("label", "str", "the chardev's id"),
    MEMBER("filename", "str", "what it is connected to, e.g. \"unix:/tmp/s,server=on\""),
    MEMBER("frontend-open", "bool", "a frontend (device or monitor) is attached"),
    END
};

static const QmpMember object_property_info_members[] = {
    MEMBER("name", "str", "the property's name"),
    MEMBER("type", "str",
      "its type: \"bool\", \"int32\", \"uint64\", \"size\", \"str\", \"enum\", "
      "\"link<TYPE>\" or \"child<TYPE>\""),
    OPTIONAL("description", "str", "what the property does"),
    OPTIONAL("default-value", "any", "the default, when it has one"),
    END
};

static const QmpMember object_type_info_members[] = {
    MEMBER("name", "str", "the type's name"),
    OPTIONAL("abstract", "bool", "present and true for abstract types"),
    OPTIONAL("parent", "str", "the parent type"),
    END
};

static const QmpMember pci_info_members[] = {
    MEMBER("bus", "int", "the bus number"),
    MEMBER("devices", "[PciDeviceInfo]", "the devices on the bus"),
    END
};

static const QmpMember pci_device_info_members[] = {
    MEMBER("bus", "int", "the bus number"),
    MEMBER("slot", "int", "the slot (device) number"),
    MEMBER("function", "int", "the function number"),
    MEMBER("class_info", "PciDeviceClass", "the class code"),
    MEMBER("id", "PciDeviceId", "vendor, device and subsystem ids"),
    OPTIONAL("irq", "int", "the interrupt line register, when the device has an INTx pin"),
    MEMBER("irq_pin", "int", "the INTx pin, 1..4 for INTA..INTD, 0 for none"),
    MEMBER("qdev_id", "str", "the device's id, \"\" when it has none"),
    OPTIONAL("pci_bridge", "PciBridgeInfo", "for a bridge: its bus numbers, windows and devices"),
    MEMBER("regions", "[PciMemoryRegion]", "the BARs the device implements"),
    END
};

static const QmpMember pci_device_class_members[] = {
    OPTIONAL("desc", "str", "the class's name, for the classes Tessera knows"),
    MEMBER("class", "int", "the class code (base class and subclass)"),
    END
};

static const QmpMember pci_device_id_members[] = {
    MEMBER("device", "int", "device id"),
    MEMBER("vendor", "int", "vendor id"),
    OPTIONAL("subsystem", "int", "subsystem id (type 0 headers)"),
    OPTIONAL("subsystem-vendor", "int", "subsystem vendor id (type 0 headers)"),
    END
};

static const QmpMember pci_memory_region_members[] = {
    MEMBER("bar", "int", "BAR index, 6 for the expansion ROM"),
    MEMBER("type", "str", "\"io\" or \"memory\""),
    MEMBER("address", "int", "the bus address, -1 while not decoded"),
    MEMBER("size", "int", "the size in bytes"),
    OPTIONAL("prefetch", "bool", "memory BARs: prefetchable"),
    OPTIONAL("mem_type_64", "bool", "memory BARs: 64-bit"),
    END
};

static const QmpMember pci_bridge_info_members[] = {
    MEMBER("bus", "PciBusInfo", "the bridge's bus numbers and windows"),
    OPTIONAL("devices", "[PciDeviceInfo]", "the devices behind the bridge"),
    END
};

static const QmpMember pci_bus_info_members[] = {
    MEMBER("number", "int", "primary bus number"),
    MEMBER("secondary", "int", "secondary bus number"),
    MEMBER("subordinate", "int", "subordinate bus number"),
    MEMBER("io_range", "PciMemoryRange", "the I/O window"),
    MEMBER("memory_range", "PciMemoryRange", "the memory window"),
    MEMBER("prefetchable_range", "PciMemoryRange", "the prefetchable memory window"),
    END
};

static const QmpMember pci_memory_range_members[] = {
    MEMBER("base", "int", "first address"),
    MEMBER("limit", "int", "last address"),
    END
};

/* ---- libvirt's probe (monitor/qmp-libvirt.c) ---------------------------- */

static const QmpMember target_info_members[] = {
    MEMBER("arch", "str", "the target architecture, such as \"riscv64\""),
    END
};

static const QmpMember kvm_info_members[] = {
    MEMBER("enabled", "bool", "KVM runs the vCPUs: always false"),
    MEMBER("present", "bool", "KVM is available: always false (Tessera has no KVM accelerator)"),
    END
};

static const QmpMember cmdline_option_info_members[] = {
    MEMBER("option", "str", "the option's name without the dash"),
    MEMBER("parameters", "[CommandLineParameterInfo]",
      "its parameters; empty: the option's own parser checks them"),
    END
};

static const QmpMember cmdline_param_info_members[] = {
    MEMBER("name", "str", "the parameter's name"),
    MEMBER("type", "CommandLineParameterType", "its kind"),
    OPTIONAL("help", "str", "what it does"),
    OPTIONAL("default", "str", "its default"),
    END
};

static const QmpMember migration_cap_status_members[] = {
    MEMBER("capability", "MigrationCapability", "the capability"),
    MEMBER("state", "bool", "enabled or not"),
    END
};

static const QmpMember cpu_definition_info_members[] = {
    MEMBER("name", "str", "the model name -cpu takes"),
    OPTIONAL("migration-safe", "bool", "absent: Tessera does not migrate"),
    MEMBER("static", "bool", "always false: models may change between versions"),
    OPTIONAL("unavailable-features", "[str]", "always empty: every model runs under tcg"),
    MEMBER("typename", "str", "the model's QOM type"),
    OPTIONAL("alias-of", "str", "never present"),
    MEMBER("deprecated", "bool", "always false"),
    END
};

static const QmpMember iothread_info_members[] = {
    MEMBER("id", "str", "the iothread's id"),
    MEMBER("thread-id", "int", "its host thread id"),
    MEMBER("poll-max-ns", "int", "polling time"),
    MEMBER("poll-grow", "int", "polling growth"),
    MEMBER("poll-shrink", "int", "polling shrink"),
    MEMBER("aio-max-batch", "int", "batch size"),
    END
};

static const QmpMember hotpluggable_cpu_members[] = {
    MEMBER("type", "str", "the CPU type to plug"),
    MEMBER("vcpus-count", "int", "vCPUs per entry"),
    MEMBER("props", "CpuInstanceProperties", "where it goes"),
    OPTIONAL("qom-path", "str", "the plugged CPU's path"),
    END
};

static const QmpMember cpu_instance_props_members[] = {
    OPTIONAL("node-id", "int", "NUMA node"),
    OPTIONAL("socket-id", "int", "socket"),
    OPTIONAL("core-id", "int", "core"),
    OPTIONAL("thread-id", "int", "thread"),
    END
};

static const QmpMember addfd_info_members[] = {
    MEMBER("fdset-id", "int", "the fd set the fd joined"),
    MEMBER("fd", "int", "the fd's number in Tessera"),
    END
};

static const QmpMember fdset_fd_info_members[] = {
    MEMBER("fd", "int", "the fd's number in Tessera"),
    OPTIONAL("opaque", "str", "the text given with it"),
    END
};

static const QmpMember fdset_info_members[] = {
    MEMBER("fdset-id", "int", "the set's id (/dev/fdset/ID)"),
    MEMBER("fds", "[FdsetFdInfo]", "its fds"),
    END
};

static const QmpMember uuid_info_members[] = {
    MEMBER("UUID", "str", "the -uuid value, or the nil UUID when none was given"),
    END
};

static const QmpMember memory_info_members[] = {
    MEMBER("base-memory", "int", "guest RAM in bytes (0 for boards without RAM)"),
    OPTIONAL("plugged-memory", "int", "absent: no memory hotplug"),
    END
};

static const QmpMember cmdline_options_args[] = {
    OPTIONAL("option", "str", "only this option (without the dash)"),
    END
};

const QmpStruct qmp_structs[] = {
    { .name = "PciInfo", .doc = "One PCI root bus and what is on it.",
      .members = pci_info_members },
    { .name = "PciDeviceInfo", .doc = "One PCI function.", .members = pci_device_info_members },
    { .name = "PciDeviceClass", .doc = "A PCI class code.", .members = pci_device_class_members },
    { .name = "PciDeviceId", .doc = "PCI ids.", .members = pci_device_id_members },
    { .name = "PciMemoryRegion", .doc = "One BAR.", .members = pci_memory_region_members },
    { .name = "PciBridgeInfo", .doc = "A PCI bridge.", .members = pci_bridge_info_members },
    { .name = "PciBusInfo", .doc = "A bridge's buses and windows.",
      .members = pci_bus_info_members },
    { .name = "PciMemoryRange", .doc = "An address window.",
      .members = pci_memory_range_members },
    { .name = "VersionTriple", .doc = "A version number.", .members = version_triple_members },
    { .name = "VersionInfo", .doc = "The emulator's version.", .members = version_info_members },
    { .name = "NameInfo", .doc = "The VM's name.", .members = name_info_members },
    { .name = "StatusInfo", .doc = "The VM's run state.", .members = status_info_members },
    { .name = "CommandInfo", .doc = "One available command.", .members = command_info_members },
    { .name = "SchemaInfo", .doc = "One entity of the schema (see query-qmp-schema).",
      .members = schema_info_members },
    { .name = "MachineInfo", .doc = "One machine type.", .members = machine_info_members },
    { .name = "CpuInfoFast", .doc = "One vCPU.", .members = cpu_info_fast_members },
    { .name = "ChardevInfo", .doc = "One character device.", .members = chardev_info_members },
    { .name = "ObjectPropertyInfo", .doc = "One property of an object or a type.",
      .members = object_property_info_members },
    { .name = "ObjectTypeInfo", .doc = "One type of the object model.",
      .members = object_type_info_members },
    { .name = "RxFilterInfo", .doc = "A NIC's receive filter.",
      .members = qmp_rx_filter_info_members },
    QMP_BLOCK_STRUCTS
    QMP_NBD_STRUCTS
    QMP_BITMAP_STRUCTS
    QMP_BLOCK_JOB_STRUCTS
    { .name = "TargetInfo", .doc = "The target architecture.", .members = target_info_members },
    { .name = "KvmInfo", .doc = "KVM availability.", .members = kvm_info_members },
    { .name = "CommandLineOptionInfo", .doc = "One command-line option.",
      .members = cmdline_option_info_members },
    { .name = "CommandLineParameterInfo", .doc = "One parameter of a command-line option.",
      .members = cmdline_param_info_members },
    { .name = "MigrationCapabilityStatus", .doc = "A migration capability's state.",
      .members = migration_cap_status_members },
    { .name = "CpuDefinitionInfo", .doc = "One CPU model.",
      .members = cpu_definition_info_members },
    { .name = "IOThreadInfo", .doc = "One iothread.", .members = iothread_info_members },
    { .name = "HotpluggableCPU", .doc = "A CPU slot.", .members = hotpluggable_cpu_members },
    { .name = "CpuInstanceProperties", .doc = "A CPU slot's place.",
      .members = cpu_instance_props_members },
    { .name = "UuidInfo", .doc = "The VM's UUID.", .members = uuid_info_members },
    { .name = "AddfdInfo", .doc = "Where add-fd put the fd.", .members = addfd_info_members },
    { .name = "FdsetFdInfo", .doc = "One fd of a set.", .members = fdset_fd_info_members },
    { .name = "FdsetInfo", .doc = "One fd set.", .members = fdset_info_members },
    { .name = "MemoryInfo", .doc = "Guest memory sizes.", .members = memory_info_members },
    END
};

/* ---- commands ------------------------------------------------------------ */

static const QmpMember getfd_args[] = {
    MEMBER("fdname", "str", "the name (not starting with a digit)"),
    END
};

static const QmpMember add_fd_args[] = {
    OPTIONAL("fdset-id", "int", "the set (default: a new one, the lowest free id)"),
    OPTIONAL("opaque", "str", "free text kept with the fd"),
    END
};

static const QmpMember remove_fd_args[] = {
    MEMBER("fdset-id", "int", "the set"),
    OPTIONAL("fd", "int", "the fd (default: every fd of the set)"),
    END
};

static const QmpMember migrate_set_caps_args[] = {
    MEMBER("capabilities", "[MigrationCapabilityStatus]", "the capabilities to set"),
    END
};

static const QmpMember capabilities_args[] = {
    OPTIONAL("enable", "[QMPCapability]",
      "capabilities to enable; Tessera offers none, so any entry is refused"),
    END
};

static const QmpMember path_args[] = {
    MEMBER("path", "str", "an absolute path (\"/machine\") or a partial one naming a "
                            "single object (\"uart0\")"),
    END
};

static const QmpMember qom_get_args[] = {
    MEMBER("path", "str", "the object's path"),
    MEMBER("property", "str", "the property's name"),
    END
};

static const QmpMember qom_set_args[] = {
    MEMBER("path", "str", "the object's path"),
    MEMBER("property", "str", "the property's name"),
    MEMBER("value", "any",
      "the new value: a JSON value of the property's kind, or a string in command-line "
      "syntax (\"on\", \"0x10\", \"64M\")"),
    END
};

static const QmpMember list_types_args[] = {
    OPTIONAL("implements", "str", "only types deriving from (or implementing) this one"),
    OPTIONAL("abstract", "bool", "include abstract types (default false)"),
    END
};

static const QmpMember typename_args[] = {
    MEMBER("typename", "str", "the type's name"),
    END
};

static const QmpMember device_add_args[] = {
    MEMBER("driver", "str", "the device type (as for -device)"),
    OPTIONAL("bus", "str", "the bus to plug into by name (\"rp1\" for a root port with "
                          "id=rp1); default: the first bus of the device's kind with room"),
    OPTIONAL("id", "str", "the device's id: it appears at /machine/peripheral/ID"),
    END
};

static const QmpMember id_args[] = {
    MEMBER("id", "str", "the id"),
    END
};

static const QmpMember device_del_args[] = {
    MEMBER("id", "str", "the device's id or its QOM path"),
    END
};

static const QmpMember object_add_args[] = {
    MEMBER("qom-type", "str", "the object's type (as for -object)"),
    MEMBER("id", "str", "its id: it appears at /objects/ID"),
    END
};

static const QmpMember hmp_args[] = {
    MEMBER("command-line", "str", "the HMP command line, e.g. \"info mtree\""),
    OPTIONAL("cpu-index", "int", "accepted for compatibility; commands use every CPU"),
    END
};

const QmpCommand qmp_commands[] = {
    { .name = "qmp_capabilities", .args = capabilities_args, .handler = qmp_qmp_capabilities,
      .doc = "Leave capabilities negotiation mode.  Until this command succeeds every other "
             "command is refused with CommandNotFound; afterwards it is refused itself.",
      .example = "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": []}}" },
    { .name = "query-version", .returns = "VersionInfo", .handler = qmp_query_version,
      .doc = "The emulator's version." },
    { .name = "query-name", .returns = "NameInfo", .handler = qmp_query_name,
      .doc = "The VM's name (-name)." },
    { .name = "query-status", .returns = "StatusInfo", .handler = qmp_query_status,
      .doc = "The VM's run state." },
    { .name = "query-commands", .returns = "[CommandInfo]", .handler = qmp_query_commands,
      .doc = "The commands this monitor accepts." },
    { .name = "query-qmp-schema", .returns = "[SchemaInfo]", .handler = qmp_query_qmp_schema,
      .doc = "The whole schema: commands, events and the types they use, in QEMU's "
             "SchemaInfo format." },
    { .name = "query-machines", .returns = "[MachineInfo]", .handler = qmp_query_machines,
      .doc = "The machine types of the current target, read from the module index (no "
             "module is loaded)." },
    { .name = "query-cpus-fast", .returns = "[CpuInfoFast]", .handler = qmp_query_cpus_fast,
      .doc = "The machine's vCPUs." },
    { .name = "query-chardev", .returns = "[ChardevInfo]", .handler = qmp_query_chardev,
      .doc = "The character devices." },
    { .name = "query-pci", .returns = "[PciInfo]", .handler = qmp_query_pci,
      .doc = "The PCI root buses with their devices, bridges and the devices behind them, "
             "BARs with their bus addresses and sizes, and INTx pins (QEMU's shape).  A BAR the "
             "guest has not enabled reports address -1 (QEMU prints 2^64-1).  HMP: info pci "
             "prints the same in QEMU's text form.",
      .example = "{\"execute\": \"query-pci\"}" },
    { .name = "qom-list", .args = path_args, .returns = "[ObjectPropertyInfo]",
      .handler = qmp_qom_list,
      .doc = "The properties of the object at @path, children (\"child<TYPE>\") and links "
             "included, plus the read-only \"type\" every object has.",
      .example = "{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"/machine\"}}" },
    { .name = "qom-get", .args = qom_get_args, .returns = "any", .handler = qmp_qom_get,
      .doc = "A property's value: booleans, numbers and strings as JSON; links and "
             "children as the target's path.",
      .example = "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/machine\", "
                 "\"property\": \"memory-size\"}}" },
    { .name = "qom-set", .args = qom_set_args, .handler = qmp_qom_set,
      .doc = "Set a property.  The value is checked against the property's kind and range.",
      .example = "{\"execute\": \"qom-set\", \"arguments\": {\"path\": "
                 "\"/machine/peripheral/leaf0\", \"property\": \"level\", \"value\": 7}}" },
    { .name = "qom-list-types", .args = list_types_args, .returns = "[ObjectTypeInfo]",
      .handler = qmp_qom_list_types,
      .doc = "Types known to this process and to the module index; listing loads no module.",
      .example = "{\"execute\": \"qom-list-types\", \"arguments\": {\"implements\": "
                 "\"device\"}}" },
    { .name = "qom-list-properties", .args = typename_args, .returns = "[ObjectPropertyInfo]",
      .handler = qmp_qom_list_properties,
      .doc = "The class properties of a type (loads the module that provides it).",
      .example = "{\"execute\": \"qom-list-properties\", \"arguments\": {\"typename\": "
                 "\"machine\"}}" },
    { .name = "device-list-properties", .args = typename_args,
      .returns = "[ObjectPropertyInfo]", .handler = qmp_device_list_properties,
      .doc = "The properties of a device type (loads only that type's module).",
      .example = "{\"execute\": \"device-list-properties\", \"arguments\": {\"typename\": "
                 "\"ns16550a\"}}" },
    { .name = "device_add", .args = device_add_args, .allow_extra = true,
      .handler = qmp_device_add,
      .doc = "Create and realize a user-creatable device while the machine exists (hotplug). "
             "Other arguments are device properties.  A device that cannot be hot-plugged "
             "is refused.",
      .example = "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
                 "\"test-dep-leaf\", \"id\": \"leaf0\", \"level\": 5}}" },
    { .name = "device_del", .args = device_del_args, .handler = qmp_device_del,
      .doc = "Remove a hot-pluggable device; DEVICE_DELETED follows.  On a bus that asks "
             "the guest first (a pcie-root-port's slot presses its attention button), the "
             "command returns at once and the event comes once the guest has powered the slot "
             "off; a request the guest ignores lapses after the port's unplug-timeout (a "
             "warning, the device stays) and may be repeated.  A device that still holds "
             "user-plugged devices on its own buses (a root port with a device behind it) is "
             "refused.",
      .example = "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"leaf0\"}}" },
    { .name = "object-add", .args = object_add_args, .allow_extra = true,
      .handler = qmp_object_add,
      .doc = "Create a user-creatable object at /objects/ID; other arguments are its "
             "properties.",
      .example = "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
                 "\"test-object\", \"id\": \"obj0\", \"size\": 8192}}" },
    { .name = "object-del", .args = id_args, .handler = qmp_object_del,
      .doc = "Remove the object at /objects/ID.",
      .example = "{\"execute\": \"object-del\", \"arguments\": {\"id\": \"obj0\"}}" },
    { .name = "stop", .handler = qmp_stop,
      .doc = "Pause the vCPUs; STOP follows when they were running." },
    { .name = "cont", .handler = qmp_cont,
      .doc = "Start or resume the vCPUs; RESUME follows." },
    { .name = "system_reset", .handler = qmp_system_reset,
      .doc = "Reset the machine (asynchronously); RESET follows." },
    { .name = "system_powerdown", .handler = qmp_system_powerdown,
      .doc = "Press the power button (asynchronously); POWERDOWN follows.  What the guest "
             "does is up to it and its board." },
    { .name = "quit", .handler = qmp_quit,
      .doc = "Exit the emulator once the reply is sent; SHUTDOWN follows." },
    { .name = "human-monitor-command", .args = hmp_args, .returns = "str",
      .handler = qmp_human_monitor_command,
      .doc = "Run one HMP command line and return its output.",
      .example = "{\"execute\": \"human-monitor-command\", \"arguments\": "
                 "{\"command-line\": \"info status\"}}" },
    { .name = "netdev_add", .args = qmp_netdev_add_args, .allow_extra = true,
      .handler = qmp_netdev_add,
      .doc = "Add a network backend, as -netdev does; other arguments are the backend's "
             "options (hostfwd as a list of strings or {\"str\": ...}; stream/dgram "
             "addresses as objects).",
      .example = "{\"execute\": \"netdev_add\", \"arguments\": {\"type\": \"user\", "
                 "\"id\": \"h0\", \"hostfwd\": [{\"str\": \"tcp::0-:22\"}]}}" },
    { .name = "netdev_del", .args = qmp_netdev_del_args, .handler = qmp_netdev_del,
      .doc = "Remove a network backend; a NIC using it stays, unplugged.",
      .example = "{\"execute\": \"netdev_del\", \"arguments\": {\"id\": \"h0\"}}" },
    { .name = "set_link", .args = qmp_set_link_args, .handler = qmp_set_link,
      .doc = "Set the link of a NIC or a netdev up or down; the peer follows (except hub "
             "ports), so the guest sees its carrier change.",
      .example = "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"n0\", "
                 "\"up\": false}}" },
    { .name = "query-rx-filter", .args = qmp_query_rx_filter_args,
      .returns = "[RxFilterInfo]", .handler = qmp_query_rx_filter,
      .doc = "The receive filters of the NICs (or of NIC @name); re-arms "
             "NIC_RX_FILTER_CHANGED for them." },
    QMP_BLOCK_COMMANDS
    QMP_NBD_COMMANDS
    QMP_BITMAP_COMMANDS
    QMP_BLOCK_JOB_COMMANDS
    /* libvirt's probe and a running domain (monitor/qmp-libvirt.c) */
    { .name = "query-target", .returns = "TargetInfo", .handler = qmp_query_target,
      .doc = "The target architecture (fails for the plain tessera binary without -target)." },
    { .name = "query-kvm", .returns = "KvmInfo", .handler = qmp_query_kvm,
      .doc = "Whether KVM is present and enabled: never, Tessera has no KVM accelerator." },
    { .name = "query-tpm-models", .returns = "[TpmModel]", .handler = qmp_query_tpm_models,
      .doc = "TPM device models: an empty list (Tessera has no TPM)." },
    { .name = "query-tpm-types", .returns = "[TpmType]", .handler = qmp_query_tpm_types,
      .doc = "TPM backends: an empty list (Tessera has no TPM)." },
    { .name = "query-command-line-options", .args = cmdline_options_args,
      .returns = "[CommandLineOptionInfo]", .handler = qmp_query_command_line_options,
      .doc = "The command-line options that take an argument, from the launcher's option "
             "table.  An unknown @option fails (\"invalid option name: X\").",
      .example = "{\"execute\": \"query-command-line-options\", \"arguments\": "
                 "{\"option\": \"machine\"}}" },
    { .name = "query-migrate-capabilities", .returns = "[MigrationCapabilityStatus]",
      .handler = qmp_query_migrate_capabilities,
      .doc = "Migration capabilities and their state: 'events' only." },
    { .name = "migrate-set-capabilities", .args = migrate_set_caps_args,
      .handler = qmp_migrate_set_capabilities,
      .doc = "Turn migration capabilities on or off ('events' is the only one).",
      .example = "{\"execute\": \"migrate-set-capabilities\", \"arguments\": "
                 "{\"capabilities\": [{\"capability\": \"events\", \"state\": true}]}}" },
    { .name = "query-cpu-definitions", .returns = "[CpuDefinitionInfo]",
      .handler = qmp_query_cpu_definitions,
      .doc = "The CPU models of the current target (from the module index)." },
    { .name = "query-hotpluggable-cpus", .returns = "[HotpluggableCPU]",
      .handler = qmp_query_hotpluggable_cpus,
      .doc = "Fails as QEMU does for boards without CPU hotplug (no Tessera board has it)." },
    { .name = "query-iothreads", .returns = "[IOThreadInfo]", .handler = qmp_query_iothreads,
      .doc = "The iothreads: an empty list, Tessera has no iothread objects." },
    { .name = "getfd", .args = getfd_args, .handler = qmp_getfd,
      .doc = "Keep the fd sent with this command (SCM_RIGHTS) under a name, for "
             "chardev socket fd=NAME; an older fd of that name is closed.",
      .example = "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"fd0\"}}" },
    { .name = "closefd", .args = getfd_args, .handler = qmp_closefd,
      .doc = "Close an fd getfd named.",
      .example = "{\"execute\": \"closefd\", \"arguments\": {\"fdname\": \"fd0\"}}" },
    { .name = "add-fd", .args = add_fd_args, .returns = "AddfdInfo", .handler = qmp_add_fd,
      .doc = "Put the fd sent with this command (SCM_RIGHTS) in an fd set; files named "
             "/dev/fdset/ID open a duplicate of a set's fd with the same access mode.",
      .example = "{\"execute\": \"add-fd\", \"arguments\": {\"fdset-id\": 1}}" },
    { .name = "remove-fd", .args = remove_fd_args, .handler = qmp_remove_fd,
      .doc = "Close an fd of a set, or the whole set; duplicates already opened stay open.",
      .example = "{\"execute\": \"remove-fd\", \"arguments\": {\"fdset-id\": 1}}" },
    { .name = "query-fdsets", .returns = "[FdsetInfo]", .handler = qmp_query_fdsets,
      .doc = "The fd sets and their fds." },
    { .name = "query-uuid", .returns = "UuidInfo", .handler = qmp_query_uuid,
      .doc = "The VM's UUID (-uuid)." },
    { .name = "query-memory-size-summary", .returns = "MemoryInfo",
      .handler = qmp_query_memory_size_summary,
      .doc = "The guest RAM size." },
    END
};

/* ---- events -------------------------------------------------------------- */

static const QmpMember shutdown_data[] = {
    MEMBER("guest", "bool", "true when the guest asked for it"),
    MEMBER("reason", "ShutdownCause", "why"),
    END
};

static const QmpMember device_deleted_data[] = {
    OPTIONAL("device", "str", "the device's id, absent when it had none"),
    MEMBER("path", "str", "the device's QOM path"),
    END
};

const QmpEvent qmp_events[] = {
    { .name = "STOP", .doc = "The vCPUs stopped (stop, or a paused shutdown with -no-shutdown).",
      .data = NULL },
    { .name = "RESUME", .doc = "The vCPUs started or resumed.", .data = NULL },
    { .name = "RESET", .doc = "The machine was reset.", .data = shutdown_data },
    { .name = "SHUTDOWN", .doc = "The machine is shutting down (sent before it stops).",
      .data = shutdown_data },
    { .name = "POWERDOWN", .doc = "The power button was pressed (system_powerdown).",
      .data = NULL },
    { .name = "DEVICE_DELETED", .doc = "A device was removed (device_del), at once or once "
                                       "the guest released it.",
      .data = device_deleted_data },
    { .name = "NIC_RX_FILTER_CHANGED",
      .doc = "A NIC's receive filter changed (sent once until the next query-rx-filter).",
      .data = qmp_nic_rx_filter_changed_data },
    QMP_BLOCK_EVENTS
    QMP_NBD_EVENTS
    QMP_BLOCK_JOB_EVENTS
    END
};

/* ---- lookups ------------------------------------------------------------- */

const QmpCommand *qmp_find_command(const char *name)
{
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        if (!strcmp(c->name, name)) {
            return c;
        }
    }
    return NULL;
}

const QmpCommand *qmp_find_command_by_handler(QmpHandler fn)
{
    for (const QmpCommand *c = qmp_commands; c->name; c++) {
        if (c->handler == fn) {
            return c;
        }
    }
    return NULL;
}

const QmpStruct *qmp_find_struct(const char *name)
{
    for (const QmpStruct *s = qmp_structs; s->name; s++) {
        if (!strcmp(s->name, name)) {
            return s;
        }
    }
    return NULL;
}

const QmpEnum *qmp_find_enum(const char *name)
{
    for (const QmpEnum *e = qmp_enums; e->name; e++) {
        if (!strcmp(e->name, name)) {
            return e;
        }
    }
    return NULL;
}

const QmpEvent *qmp_find_event(const char *name)
{
    for (const QmpEvent *e = qmp_events; e->name; e++) {
        if (!strcmp(e->name, name)) {
            return e;
        }
    }
    return NULL;
}
