/* SPDX-License-Identifier: MIT */
/*
 * SDK facade: plugin device types, their lifecycle, properties, IRQ
 * output pins, errors and logging.
 *
 * A plugin's TsrDeviceInfo becomes a core TypeInfo whose parent is the
 * abstract TYPE_SDK_DEVICE and whose class_data is the SdkType built here.
 * Plugin properties become core field properties at offsets inside the
 * plugin state (which lives at the end of struct TsrDevice), except chardev
 * properties, which are accessor properties resolved at realize.
 */
#include "sdk-internal.h"

#include <string.h>

#include "kernel/log.h"
#include "kernel/module.h"

/* ---- the descriptor ABI ---------------------------------------------------- */

/* <tessera/plugin.h> restates the core's descriptor; they must not drift. */
#define SDK_SAME_FIELD(sdk, core, field)                                         \
    _Static_assert(offsetof(sdk, field) == offsetof(core, field) &&              \
                       sizeof(((sdk *)0)->field) == sizeof(((core *)0)->field),  \
                   #sdk "." #field " differs from " #core)
_Static_assert(sizeof(TsrTypeDesc) == sizeof(TesseraTypeDesc), "TsrTypeDesc size");
SDK_SAME_FIELD(TsrTypeDesc, TesseraTypeDesc, name);
SDK_SAME_FIELD(TsrTypeDesc, TesseraTypeDesc, parent);
SDK_SAME_FIELD(TsrTypeDesc, TesseraTypeDesc, category);
SDK_SAME_FIELD(TsrTypeDesc, TesseraTypeDesc, target);
SDK_SAME_FIELD(TsrTypeDesc, TesseraTypeDesc, description);
SDK_SAME_FIELD(TsrTypeDesc, TesseraTypeDesc, user_creatable);
SDK_SAME_FIELD(TsrTypeDesc, TesseraTypeDesc, is_default);
SDK_SAME_FIELD(TsrTypeDesc, TesseraTypeDesc, abstract);
_Static_assert(sizeof(TsrModuleDesc) == sizeof(TesseraModuleDesc), "TsrModuleDesc size");
SDK_SAME_FIELD(TsrModuleDesc, TesseraModuleDesc, magic);
SDK_SAME_FIELD(TsrModuleDesc, TesseraModuleDesc, desc_size);
SDK_SAME_FIELD(TsrModuleDesc, TesseraModuleDesc, build_id);
SDK_SAME_FIELD(TsrModuleDesc, TesseraModuleDesc, sdk_major);
SDK_SAME_FIELD(TsrModuleDesc, TesseraModuleDesc, sdk_minor);
SDK_SAME_FIELD(TsrModuleDesc, TesseraModuleDesc, name);
SDK_SAME_FIELD(TsrModuleDesc, TesseraModuleDesc, kind);
SDK_SAME_FIELD(TsrModuleDesc, TesseraModuleDesc, types);
SDK_SAME_FIELD(TsrModuleDesc, TesseraModuleDesc, requires);
SDK_SAME_FIELD(TsrModuleDesc, TesseraModuleDesc, register_types);
_Static_assert(TSR_MODULE_MAGIC == TESSERA_MODULE_MAGIC, "descriptor magic");
_Static_assert(TSR_UNMAPPED == HWADDR_UNMAPPED, "unmapped address");

/*
 * Size of TsrDeviceInfo as compiled into a plugin of SDK minor @minor.
 * When a minor version appends fields, add a case returning the old size:
 * the rest of the copy stays zero (the new feature unused).
 */
static size_t sdk_device_info_size(unsigned minor)
{
    switch (minor) {
    default:
        return sizeof(TsrDeviceInfo);
    }
}

/* ---- errors and logging ---------------------------------------------------- */

#define SDK_ERROR (sdk_error_quark())
static G_DEFINE_QUARK(tessera-sdk-error-quark, sdk_error)

void tsr_error_set(TsrError **errp, const char *fmt, ...)
{
    GError **gerrp = (GError **)errp;
    if (!gerrp) {
        return;
    }
    g_assert(*gerrp == NULL);
    va_list ap;
    va_start(ap, fmt);
    *gerrp = g_error_new_valist(SDK_ERROR, 0, fmt, ap);
    va_end(ap);
}

/* "example-timer" or "example-timer 'id'" (g_free it). */
static char *sdk_device_label(TsrDevice *dev)
{
    const char *id = dev->parent_obj.id;
    const char *type = object_get_typename(OBJECT(dev));
    return id ? g_strdup_printf("%s '%s'", type, id) : g_strdup(type);
}

static void sdk_log(unsigned mask, TsrDevice *dev, const char *fmt, va_list ap)
{
    if (!log_enabled(mask)) {
        return;
    }
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    g_autofree char *label = sdk_device_label(dev);
    log_mask_printf(mask, "%s: %s\n", label, msg);
}

void tsr_log_guest_error(TsrDevice *dev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sdk_log(LOG_GUEST_ERROR, dev, fmt, ap);
    va_end(ap);
}

void tsr_log_unimp(TsrDevice *dev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sdk_log(LOG_UNIMP, dev, fmt, ap);
    va_end(ap);
}

void tsr_warn(TsrDevice *dev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autofree char *label = sdk_device_label(dev);
    warn_report("%s: %s", label, msg);
}

/* ---- device handles ----------------------------------------------------------- */

TsrDevice *sdk_device_from_object(Object *obj)
{
    return OBJECT_CHECK(TsrDevice, obj, TYPE_SDK_DEVICE);
}

void *tsr_device_state(TsrDevice *dev)
{
    return dev->state;
}

const char *tsr_device_type_name(TsrDevice *dev)
{
    return object_get_typename(OBJECT(dev));
}

const char *tsr_device_id(TsrDevice *dev)
{
    return dev->parent_obj.id;
}

/* ---- IRQ output pins ---------------------------------------------------------- */

TsrIrq *tsr_device_add_irq(TsrDevice *dev)
{
    g_assert(dev->in_init && "tsr_device_add_irq() belongs in the init hook");
    TsrIrq *irq = g_new0(TsrIrq, 1);
    device_init_irq_out(&dev->parent_obj, &irq->line);
    g_ptr_array_add(dev->irqs, irq);
    return irq;
}

void tsr_irq_set(TsrIrq *irq, int level)
{
    irq_set(irq->line, level);
}

/* ---- lifecycle ----------------------------------------------------------------- */

static const SdkType *sdk_type_of(Object *obj)
{
    const SdkDeviceClass *sc = (const SdkDeviceClass *)object_get_class(obj);
    return sc->type;
}

static void sdk_instance_init(Object *obj)
{
    TsrDevice *dev = sdk_device_from_object(obj);
    const SdkType *t = sdk_type_of(obj);
    dev->type = t;
    dev->regions = g_ptr_array_new();
    dev->irqs = g_ptr_array_new();
    dev->timers = g_ptr_array_new();
    if (!t) {
        return;
    }
    if (t->num_chardevs) {
        dev->chardevs = g_new0(TsrChardev, t->num_chardevs);
        for (int i = 0; i < t->num_chardevs; i++) {
            dev->chardevs[i].dev = dev;
            dev->chardevs[i].prop = t->chardev_props[i];
        }
    }
    if (t->info.init) {
        dev->in_init = true;
        t->info.init(dev);
        dev->in_init = false;
    }
}

static void sdk_instance_finalize(Object *obj)
{
    TsrDevice *dev = sdk_device_from_object(obj);
    const SdkType *t = dev->type;
    /* Unrealize now, while the regions and the plugin state still exist
     * (the base device's finalize would do it after ours). */
    device_unrealize(&dev->parent_obj);
    if (t && t->info.finalize) {
        t->info.finalize(dev);
    }
    for (guint i = 0; i < dev->timers->len; i++) {
        sdk_timer_free(g_ptr_array_index(dev->timers, i));
    }
    for (guint i = 0; i < dev->regions->len; i++) {
        sdk_region_free(g_ptr_array_index(dev->regions, i));
    }
    for (guint i = 0; i < dev->irqs->len; i++) {
        g_free(g_ptr_array_index(dev->irqs, i));
    }
    g_ptr_array_unref(dev->timers);
    g_ptr_array_unref(dev->regions);
    g_ptr_array_unref(dev->irqs);
    for (int i = 0; t && i < t->num_chardevs; i++) {
        g_free(dev->chardevs[i].id);
    }
    g_free(dev->chardevs);
}

static bool sdk_realize(DeviceState *ds, GError **errp)
{
    TsrDevice *dev = sdk_device_from_object(OBJECT(ds));
    if (!sdk_chardev_attach_all(dev, errp)) {
        return false;
    }
    if (dev->type->info.realize && !dev->type->info.realize(dev, (TsrError **)errp)) {
        /* A plugin that fails without saying why still gets a message. */
        if (errp && !*errp) {
            g_set_error(errp, SDK_ERROR, 0, "%s: realize failed", object_get_typename(OBJECT(ds)));
        }
        sdk_chardev_detach_all(dev);
        return false;
    }
    return true;
}

static void sdk_unrealize(DeviceState *ds)
{
    TsrDevice *dev = sdk_device_from_object(OBJECT(ds));
    sdk_timers_cancel_all(dev);
    if (dev->type->info.unrealize) {
        dev->type->info.unrealize(dev);
    }
    sdk_chardev_detach_all(dev);
}

static void sdk_reset(DeviceState *ds)
{
    TsrDevice *dev = sdk_device_from_object(OBJECT(ds));
    if (dev->type->info.reset) {
        dev->type->info.reset(dev);
    }
}

/* ---- types ----------------------------------------------------------------------- */

static const PropertyInfo sdk_placement_props[] = {
    PROP_UINT64(TSR_PROP_ADDR, TsrDevice, addr, 0,
                "Guest-physical address of MMIO region 0 (0: the board picks a free slot)"),
    PROP_UINT32(TSR_PROP_IRQ, TsrDevice, irq, 0,
                "Interrupt controller input for IRQ output 0 (0: the board picks one)"),
    PROP_END
};

static void sdk_base_class_init(ObjectClass *klass, const void *data)
{
    object_class_add_field_properties(klass, sdk_placement_props);
}

static const TypeInfo sdk_device_type_info = {
    .name = TYPE_SDK_DEVICE,
    .parent = TYPE_DEVICE,
    .abstract = true,
    .instance_size = sizeof(TsrDevice),
    .class_size = sizeof(SdkDeviceClass),
    .class_init = sdk_base_class_init,
    .instance_init = sdk_instance_init,
    .instance_finalize = sdk_instance_finalize,
};

static void sdk_type_class_init(ObjectClass *klass, const void *data)
{
    const SdkType *t = data;
    SdkDeviceClass *sc = (SdkDeviceClass *)klass;
    DeviceClass *dc = DEVICE_CLASS(klass);
    sc->type = t;
    dc->desc = t->info.type->description;
    dc->category = t->info.type->category ? t->info.type->category : "misc";
    dc->user_creatable = t->info.type->user_creatable;
    dc->hotpluggable = false;
    dc->realize = sdk_realize;
    dc->unrealize = sdk_unrealize;
    dc->reset = sdk_reset;
    dc->fdt_node = t->info.fdt_node ? sdk_fdt_node : NULL;
    object_class_add_field_properties(klass, t->field_props);
    sdk_chardev_add_properties(klass, t);
}

/* Core kind and C field size of each plugin property kind. */
static const struct {
    PropKind kind;
    size_t size;
} sdk_prop_kinds[] = {
    [TSR_PROP_KIND_BOOL] = { PROP_KIND_BOOL, sizeof(bool) },
    [TSR_PROP_KIND_INT32] = { PROP_KIND_INT32, sizeof(int32_t) },
    [TSR_PROP_KIND_INT64] = { PROP_KIND_INT64, sizeof(int64_t) },
    [TSR_PROP_KIND_UINT8] = { PROP_KIND_UINT8, sizeof(uint8_t) },
    [TSR_PROP_KIND_UINT16] = { PROP_KIND_UINT16, sizeof(uint16_t) },
    [TSR_PROP_KIND_UINT32] = { PROP_KIND_UINT32, sizeof(uint32_t) },
    [TSR_PROP_KIND_UINT64] = { PROP_KIND_UINT64, sizeof(uint64_t) },
    [TSR_PROP_KIND_SIZE] = { PROP_KIND_SIZE, sizeof(uint64_t) },
    [TSR_PROP_KIND_STRING] = { PROP_KIND_STRING, sizeof(char *) },
    [TSR_PROP_KIND_CHARDEV] = { PROP_KIND_STRING, sizeof(TsrChardev *) },
};

/* Check a plugin's property table and translate it (programming errors in
 * the plugin abort with a message naming the type and property). */
static void sdk_type_build_props(SdkType *t)
{
    const char *type = t->info.type->name;
    size_t n = 0;
    for (const TsrProperty *p = t->info.properties; p && p->name; p++) {
        n++;
    }
    t->field_props = g_new0(PropertyInfo, n + 1);
    t->chardev_props = g_new0(const TsrProperty *, n + 1);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
        const TsrProperty *p = &t->info.properties[i];
        if ((unsigned)p->kind >= G_N_ELEMENTS(sdk_prop_kinds)) {
            g_error("%s: property '%s' has unknown kind %d", type, p->name, (int)p->kind);
        }
        if (p->offset + sdk_prop_kinds[p->kind].size > t->info.state_size) {
            g_error("%s: property '%s' lies outside the state (offset %zu, state_size %zu)",
                    type, p->name, p->offset, t->info.state_size);
        }
        if (!strcmp(p->name, TSR_PROP_ADDR) || !strcmp(p->name, TSR_PROP_IRQ)) {
            g_error("%s: property name '%s' is reserved for placement by the board", type,
                    p->name);
        }
        if (p->kind == TSR_PROP_KIND_CHARDEV) {
            t->chardev_props[t->num_chardevs++] = p;
            continue;
        }
        PropertyInfo *pi = &t->field_props[nf++];
        pi->name = p->name;
        pi->kind = sdk_prop_kinds[p->kind].kind;
        pi->offset = (ptrdiff_t)(offsetof(TsrDevice, state) + p->offset);
        pi->description = p->description;
        if (p->kind == TSR_PROP_KIND_STRING) {
            pi->has_default = p->default_str != NULL;
            pi->def_str = p->default_str;
        } else {
            pi->has_default = true;
            pi->def_int = p->default_int;
        }
    }
}

/* A facade from another core build would read core structures wrongly:
 * refuse to register anything (the loader then warns for each type). */
static bool sdk_core_matches(void)
{
    if (strcmp(tessera_build_id(), sdk_core_build_id) != 0) {
        error_report("libtessera-sdk was built for core build id %s, but the running core is"
                     " build id %s; reinstall Tessera", sdk_core_build_id, tessera_build_id());
        return false;
    }
    return true;
}

void tsr_device_register_abi(const TsrDeviceInfo *info, unsigned sdk_minor)
{
    g_assert(info && info->type && info->type->name);
    if (!sdk_core_matches()) {
        return;
    }
    if (!type_lookup(TYPE_SDK_DEVICE)) {
        type_register_static(&sdk_device_type_info);
    }
    if (type_lookup(info->type->name)) {
        g_error("tsr_device_register: type '%s' is already registered", info->type->name);
    }
    SdkType *t = g_new0(SdkType, 1);
    size_t size = sdk_device_info_size(sdk_minor);
    memcpy(&t->info, info, MIN(size, sizeof(t->info)));
    t->sdk_minor = sdk_minor;
    sdk_type_build_props(t);
    t->type_info = (TypeInfo){
        .name = info->type->name,
        .parent = TYPE_SDK_DEVICE,
        .instance_size = sizeof(TsrDevice) + info->state_size,
        .class_size = sizeof(SdkDeviceClass),
        .class_init = sdk_type_class_init,
        .class_data = t,
    };
    /* Types live as long as the process: @t is never freed. */
    type_register_static(&t->type_info);
}
