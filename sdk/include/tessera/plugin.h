/* SPDX-License-Identifier: MIT */
/*
 * Tessera device SDK: how a plugin file declares itself.
 *
 * Every plugin .so exports one descriptor, `tessera_module`, that the core
 * reads without running any plugin code: it lists the types the plugin
 * provides (for -device help and for loading on demand) and the SDK
 * version the plugin was built for.  TSR_PLUGIN() writes it:
 *
 *   static const TsrTypeDesc mydev_types[] = {
 *       TSR_DEVICE_TYPE("mydev", "misc", "My first device"),
 *       TSR_TYPES_END
 *   };
 *   static void mydev_register(void)
 *   {
 *       tsr_device_register(&mydev_info);
 *   }
 *   TSR_PLUGIN(.name = "mydev", .types = mydev_types, .register_types = mydev_register);
 *
 * The two structures below restate the core's own descriptor.  The core
 * reads them before it knows which SDK version a plugin was built for, so
 * their layout never changes, not even in a new major version.
 */
#ifndef TESSERA_SDK_PLUGIN_H
#define TESSERA_SDK_PLUGIN_H

#include <tessera/types.h>

/* Descriptor magic ("TESS") and the name of the exported descriptor. */
#define TSR_MODULE_MAGIC 0x54455353u
#define TSR_MODULE_SYMBOL "tessera_module"

/* The parent every SDK device type names in its TsrTypeDesc. */
#define TSR_TYPE_DEVICE "device"

/* One type the plugin provides, as listed without loading the plugin. */
typedef struct TsrTypeDesc {
    const char *name;         /* type name used with -device */
    const char *parent;       /* TSR_TYPE_DEVICE */
    /* Heading in -device help: "misc", "storage", "network", "input",
     * "display", "sound", "watchdog", ... */
    const char *category;
    const char *target;       /* target architecture ("riscv64") or NULL: any */
    const char *description;  /* one line for -device help */
    bool user_creatable;      /* may be given with -device */
    bool is_default;          /* machines only: keep false */
    bool abstract;            /* keep false */
} TsrTypeDesc;

/* The descriptor itself (TSR_PLUGIN fills the first five fields). */
typedef struct TsrModuleDesc {
    uint32_t magic;               /* TSR_MODULE_MAGIC */
    uint32_t desc_size;           /* sizeof(TsrModuleDesc) */
    const char *build_id;         /* NULL: an SDK plugin */
    uint16_t sdk_major, sdk_minor;/* the SDK version built against */
    const char *name;             /* module name, unique among installed modules */
    const char *kind;             /* "device" */
    const TsrTypeDesc *types;     /* terminated by TSR_TYPES_END */
    const char *const *requires;  /* other modules to load first (NULL-terminated), or NULL */
    void (*register_types)(void); /* calls tsr_device_register() for each device type */
} TsrModuleDesc;

/* A user-creatable device type entry for the plugin's type table. */
#define TSR_DEVICE_TYPE(type_name, type_category, type_description)                     \
    { .name = (type_name), .parent = TSR_TYPE_DEVICE, .category = (type_category),      \
      .description = (type_description), .user_creatable = true }
#define TSR_TYPES_END { .name = NULL }

/*
 * Declare the plugin: TSR_PLUGIN(.name = ..., .types = ..., .register_types = ...),
 * optionally with .requires.  Records build_id NULL and the SDK version of
 * the headers being compiled, which the core checks before loading.
 */
#define TSR_PLUGIN(...)                                                                  \
    extern __attribute__((visibility("default"))) const TsrModuleDesc tessera_module;    \
    __attribute__((visibility("default"))) const TsrModuleDesc tessera_module = {        \
        .magic = TSR_MODULE_MAGIC,                                                       \
        .desc_size = sizeof(TsrModuleDesc),                                              \
        .build_id = NULL,                                                                \
        .sdk_major = TESSERA_SDK_MAJOR,                                                  \
        .sdk_minor = TESSERA_SDK_MINOR,                                                  \
        .kind = "device",                                                                \
        __VA_ARGS__                                                                      \
    }

#endif
