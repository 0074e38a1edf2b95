/* SPDX-License-Identifier: MIT */
/*
 * Tessera device SDK: the one header a device plugin includes.
 *
 *   #include <tessera/device.h>
 *
 * A device type is a TsrDeviceInfo: the size of the plugin's own state
 * struct, a property table and lifecycle hooks.  The core allocates the
 * state (zeroed) inside each instance and hands the plugin a TsrDevice
 * handle; tsr_device_state() returns the state.  Everything else (MMIO
 * regions, IRQ pins, timers, the chardev, DMA, the device tree, logging)
 * goes through the tsr_* functions declared here and in the headers
 * included below.
 *
 * Lifecycle, in order:
 *   init        instance created; property defaults already stored in the
 *               state.  Create regions, IRQ pins and timers here.  Cannot
 *               fail.
 *   (properties are set from the command line)
 *   realize     check properties, acquire resources; may fail with
 *               tsr_error_set().  Chardev fields are filled in before it runs.
 *   reset       put registers in their power-on state (after realize, and
 *               on every system reset).
 *   unrealize   undo realize (device removed).  Timers are already cancelled.
 *   finalize    free what init allocated outside the SDK (SDK handles are
 *               freed by the core).
 * Every hook may be NULL.  Callbacks run with the device lock held, one at a
 * time, so device state needs no locking of its own.
 *
 * Names: every function is tsr_*, every type Tsr*, every macro TSR_*.
 */
#ifndef TESSERA_SDK_DEVICE_H
#define TESSERA_SDK_DEVICE_H

#include <stdarg.h>

#include <tessera/types.h>
#include <tessera/plugin.h>
#include <tessera/mmio.h>
#include <tessera/irq.h>
#include <tessera/timer.h>
#include <tessera/chardev.h>
#include <tessera/fdt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- properties ----------------------------------------------------------- */

/* The C type of the state field each kind is stored in is given in brackets. */
typedef enum TsrPropKind {
    TSR_PROP_KIND_BOOL = 0,    /* bool; "on"/"off" */
    TSR_PROP_KIND_INT32 = 1,   /* int32_t */
    TSR_PROP_KIND_INT64 = 2,   /* int64_t */
    TSR_PROP_KIND_UINT8 = 3,   /* uint8_t */
    TSR_PROP_KIND_UINT16 = 4,  /* uint16_t */
    TSR_PROP_KIND_UINT32 = 5,  /* uint32_t */
    TSR_PROP_KIND_UINT64 = 6,  /* uint64_t */
    TSR_PROP_KIND_SIZE = 7,    /* uint64_t; accepts "4k", "16M" */
    TSR_PROP_KIND_STRING = 8,  /* char *, owned by the core (read it, never free it) */
    TSR_PROP_KIND_CHARDEV = 9, /* TsrChardev *; the user gives a chardev id.
                                  NULL until realize, and when no id was given */
} TsrPropKind;

/* One property, stored in a field of the plugin's state struct. */
typedef struct TsrProperty {
    const char *name;
    TsrPropKind kind;
    size_t offset;             /* offsetof(State, field) */
    const char *description;   /* shown by -device NAME,help */
    int64_t default_int;       /* default of numbers and bools (bit pattern for uint64) */
    const char *default_str;   /* default of strings, or NULL */
} TsrProperty;

/* Compile-time check that State.field has C type T (C11 _Generic). */
#define TSR_FIELD_CHECK_(State, field, T)                                             \
    (0 * sizeof(struct {                                                             \
        _Static_assert(_Generic(((State *)0)->field, T: 1, default: 0),              \
                       "field " #field " of " #State " must have type " #T);         \
        int unused_;                                                                 \
    }))
#define TSR_PROP_(n, k, State, field, T, desc, ...)                                   \
    { .name = (n), .kind = (k),                                                      \
      .offset = offsetof(State, field) + TSR_FIELD_CHECK_(State, field, T),          \
      .description = (desc), __VA_ARGS__ }

/* Table entries: TSR_PROP_UINT32("period", MyState, period, 1000, "Period in ns"). */
#define TSR_PROP_BOOL(n, State, field, def, desc) \
    TSR_PROP_(n, TSR_PROP_KIND_BOOL, State, field, bool, desc, .default_int = (def))
#define TSR_PROP_INT32(n, State, field, def, desc) \
    TSR_PROP_(n, TSR_PROP_KIND_INT32, State, field, int32_t, desc, .default_int = (def))
#define TSR_PROP_INT64(n, State, field, def, desc) \
    TSR_PROP_(n, TSR_PROP_KIND_INT64, State, field, int64_t, desc, .default_int = (def))
#define TSR_PROP_UINT8(n, State, field, def, desc) \
    TSR_PROP_(n, TSR_PROP_KIND_UINT8, State, field, uint8_t, desc, .default_int = (def))
#define TSR_PROP_UINT16(n, State, field, def, desc) \
    TSR_PROP_(n, TSR_PROP_KIND_UINT16, State, field, uint16_t, desc, .default_int = (def))
#define TSR_PROP_UINT32(n, State, field, def, desc) \
    TSR_PROP_(n, TSR_PROP_KIND_UINT32, State, field, uint32_t, desc, .default_int = (def))
#define TSR_PROP_UINT64(n, State, field, def, desc) \
    TSR_PROP_(n, TSR_PROP_KIND_UINT64, State, field, uint64_t, desc, \
              .default_int = (int64_t)(def))
#define TSR_PROP_SIZE(n, State, field, def, desc) \
    TSR_PROP_(n, TSR_PROP_KIND_SIZE, State, field, uint64_t, desc, \
              .default_int = (int64_t)(def))
#define TSR_PROP_STRING(n, State, field, def, desc) \
    TSR_PROP_(n, TSR_PROP_KIND_STRING, State, field, char *, desc, .default_str = (def))
#define TSR_PROP_CHARDEV(n, State, field, desc) \
    TSR_PROP_(n, TSR_PROP_KIND_CHARDEV, State, field, TsrChardev *, desc, .default_str = NULL)
#define TSR_PROP_END { .name = NULL }

/*
 * Every SDK device also has these two properties, read by the board that
 * places user devices (e.g. the riscv virt board):
 *   "addr" (uint64): guest-physical address for MMIO region 0; 0 = the
 *                    board picks a free slot;
 *   "irq"  (uint32): interrupt-controller input for IRQ output 0; 0 = the
 *                    board picks one.
 * A plugin must not declare properties with these names.
 */
#define TSR_PROP_ADDR "addr"
#define TSR_PROP_IRQ "irq"

/* ---- device types ------------------------------------------------------- */

typedef struct TsrDeviceInfo {
    /* This type's entry in the plugin's TsrTypeDesc table (name, category,
     * description come from there). */
    const TsrTypeDesc *type;
    /* sizeof the plugin's state struct; 0 for none. */
    size_t state_size;
    /* Terminated by TSR_PROP_END; NULL for none. */
    const TsrProperty *properties;
    void (*init)(TsrDevice *dev);
    bool (*realize)(TsrDevice *dev, TsrError **errp);
    void (*reset)(TsrDevice *dev);
    void (*unrealize)(TsrDevice *dev);
    void (*finalize)(TsrDevice *dev);
    /* Describe the device in the flattened device tree (see tessera/fdt.h). */
    void (*fdt_node)(TsrDevice *dev, TsrFdt *fdt);
} TsrDeviceInfo;

/*
 * Register a device type; call it from the plugin's register_types
 * function.  @info must stay valid while the plugin is loaded (a static
 * const).  The macro passes the SDK minor version the plugin is compiled
 * with, so that a newer core knows the size of every struct the plugin
 * fills in.
 */
void tsr_device_register_abi(const TsrDeviceInfo *info, unsigned sdk_minor);
#define tsr_device_register(info) tsr_device_register_abi((info), TESSERA_SDK_MINOR)

/*
 * Declare a plugin of device types in one statement, the way in-tree
 * modules declare theirs:
 *   TSR_PLUGIN_DEVICES("acme-timer", acme_types, &acme_timer_info);
 * @type_table is listed for -device help without loading the plugin; each
 * TsrDeviceInfo (whose .type points into it) is registered at load.
 */
#define TSR_PLUGIN_DEVICES(plugin_name, type_table, ...)                            \
    static void tsr_plugin_register_devices_(void)                                 \
    {                                                                               \
        static const TsrDeviceInfo *const infos_[] = { __VA_ARGS__, NULL };       \
        for (int i_ = 0; infos_[i_]; i_++) {                                       \
            tsr_device_register(infos_[i_]);                                        \
        }                                                                           \
    }                                                                               \
    TSR_PLUGIN(.name = (plugin_name), .types = (type_table),                        \
               .register_types = tsr_plugin_register_devices_)

/* The plugin's state struct of @dev (state_size bytes, zeroed at creation). */
void *tsr_device_state(TsrDevice *dev);
/* The type name ("example-timer"). */
const char *tsr_device_type_name(TsrDevice *dev);
/* The id the user gave (-device ...,id=ID), or NULL. */
const char *tsr_device_id(TsrDevice *dev);

/* ---- errors and logging --------------------------------------------------- */

/*
 * Report why realize fails: the message should name what the user wrote
 * ("period must be at least 100 ns, not 5").  The core prefixes it with
 * the -device option.  @errp may be NULL.  Call it once, then return false.
 */
void tsr_error_set(TsrError **errp, const char *fmt, ...) TSR_PRINTF(2, 3);

/*
 * The guest did something invalid (bad register, bad value, bad access
 * size): logged with -d guest_errors, never fatal.  A line is written as
 * "TYPE[ 'ID']: MESSAGE"; no trailing newline is needed.
 */
void tsr_log_guest_error(TsrDevice *dev, const char *fmt, ...) TSR_PRINTF(2, 3);
/* The guest used a feature the model does not implement: -d unimp. */
void tsr_log_unimp(TsrDevice *dev, const char *fmt, ...) TSR_PRINTF(2, 3);
/* A host-side problem worth telling the user about (always printed). */
void tsr_warn(TsrDevice *dev, const char *fmt, ...) TSR_PRINTF(2, 3);

#ifdef __cplusplus
}
#endif

#endif
