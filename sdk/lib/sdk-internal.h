/* SPDX-License-Identifier: MIT */
/*
 * Inside the SDK facade (libtessera-sdk): what the opaque handles of
 * <tessera/device.h> are.  Never installed; plugins only see the
 * incomplete types.
 *
 * Every plugin device type is a subtype of the abstract TYPE_SDK_DEVICE,
 * whose instance is struct TsrDevice: a DeviceState, the facade's
 * bookkeeping, then the plugin's state struct.  The class carries the
 * plugin's TsrDeviceInfo (class_data of the generated TypeInfo).
 */
#ifndef TESSERA_SDK_INTERNAL_H
#define TESSERA_SDK_INTERNAL_H

#include <stdalign.h>

#include "kernel/chardev.h"
#include "kernel/clock.h"
#include "kernel/device.h"
#include "kernel/fdt.h"
#include "tessera/device.h"

#define TYPE_SDK_DEVICE "sdk-device"

/* A registered plugin device type. */
typedef struct SdkType {
    TsrDeviceInfo info;          /* copied, zero-extended to this SDK's layout */
    unsigned sdk_minor;          /* minor the plugin was compiled for */
    TypeInfo type_info;
    PropertyInfo *field_props;   /* core field properties, PROP_END-terminated */
    int num_chardevs;            /* TSR_PROP_KIND_CHARDEV properties, in table order */
    const TsrProperty **chardev_props;
} SdkType;

typedef struct SdkDeviceClass {
    DeviceClass parent_class;
    const SdkType *type;         /* NULL for the abstract base */
} SdkDeviceClass;

struct TsrRegion {
    MemoryRegion mr;
    MemoryRegionOps core_ops;    /* trampolines to @ops */
    TsrRegionOps ops;
    void *opaque;
    TsrDevice *dev;
    int index;
};

struct TsrIrq {
    IRQLine *line;               /* the device's output pin field */
};

struct TsrTimer {
    Timer *timer;
};

struct TsrChardev {
    TsrDevice *dev;
    const TsrProperty *prop;
    char *id;                    /* property value; NULL or "" for none */
    Chardev *chr;                /* attached backend while realized */
    TsrChardevCanReceive can_receive;
    TsrChardevReceive receive;
    void *opaque;
};

struct TsrFdt {
    FdtBuilder *builder;
    TsrDevice *dev;
    char *path;                  /* node created by tsr_fdt_add_node */
};

struct TsrDevice {
    DeviceState parent_obj;
    const SdkType *type;
    bool in_init;                /* regions and pins may be added */
    uint64_t addr;               /* "addr" property */
    uint32_t irq;                /* "irq" property */
    GPtrArray *regions;          /* TsrRegion * */
    GPtrArray *irqs;             /* TsrIrq * */
    GPtrArray *timers;           /* TsrTimer * */
    TsrChardev *chardevs;        /* one per chardev property */
    alignas(max_align_t) unsigned char state[];
};

/* Build id of the core this facade was compiled with (generated). */
extern const char sdk_core_build_id[];

/* The TsrDevice behind a core object of an SDK type. */
TsrDevice *sdk_device_from_object(Object *obj);

/* Facade parts implemented in other files. */
bool sdk_chardev_attach_all(TsrDevice *dev, GError **errp);
void sdk_chardev_detach_all(TsrDevice *dev);
void sdk_chardev_add_properties(ObjectClass *klass, const SdkType *type);
void sdk_timers_cancel_all(TsrDevice *dev);
void sdk_region_free(TsrRegion *r);
void sdk_timer_free(TsrTimer *t);
void sdk_fdt_node(DeviceState *dev, FdtBuilder *fdt);

#endif
