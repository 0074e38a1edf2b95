/* SPDX-License-Identifier: MIT */
/*
 * SDK facade: a device's node in the flattened device tree, written
 * through the core's FdtBuilder during the device's fdt_node hook.
 */
#include "sdk-internal.h"

void sdk_fdt_node(DeviceState *ds, FdtBuilder *builder)
{
    TsrDevice *dev = sdk_device_from_object(OBJECT(ds));
    TsrFdt fdt = { .builder = builder, .dev = dev };
    dev->type->info.fdt_node(dev, &fdt);
    g_free(fdt.path);
}

bool tsr_fdt_add_node(TsrFdt *fdt, const char *name, const char *compatible)
{
    DeviceState *ds = &fdt->dev->parent_obj;
    if (ds->num_mmio == 0 || ds->mmio_addr[0] == HWADDR_UNMAPPED) {
        return false;
    }
    g_free(fdt->path);
    fdt->path = fdt_builder_device_path(fdt->builder, name, ds->mmio_addr[0]);
    fdt_builder_add_node(fdt->builder, fdt->path);
    fdt_builder_prop_string(fdt->builder, fdt->path, "compatible", compatible);
    uint64_t pairs[DEVICE_MAX_MMIO * 2];
    size_t count = 0;
    for (int i = 0; i < ds->num_mmio; i++) {
        if (ds->mmio_addr[i] != HWADDR_UNMAPPED) {
            pairs[2 * count] = ds->mmio_addr[i];
            pairs[2 * count + 1] = ds->mmio[i]->size;
            count++;
        }
    }
    fdt_builder_prop_reg(fdt->builder, fdt->path, pairs, count);
    fdt_builder_prop_irqs(fdt->builder, fdt->path, ds);
    return true;
}

const char *tsr_fdt_node_path(const TsrFdt *fdt)
{
    return fdt->path;
}

/* The prop calls do nothing before tsr_fdt_add_node() succeeded, so a hook
 * that ignores an unmapped device's false return does no harm. */
void tsr_fdt_prop_empty(TsrFdt *fdt, const char *name)
{
    if (fdt->path) {
        fdt_builder_prop_empty(fdt->builder, fdt->path, name);
    }
}

void tsr_fdt_prop_u32(TsrFdt *fdt, const char *name, uint32_t value)
{
    if (fdt->path) {
        fdt_builder_prop_u32(fdt->builder, fdt->path, name, value);
    }
}

void tsr_fdt_prop_u64(TsrFdt *fdt, const char *name, uint64_t value)
{
    if (fdt->path) {
        fdt_builder_prop_u64(fdt->builder, fdt->path, name, value);
    }
}

void tsr_fdt_prop_cells(TsrFdt *fdt, const char *name, const uint32_t *cells, size_t count)
{
    if (fdt->path) {
        fdt_builder_prop_cells(fdt->builder, fdt->path, name, cells, count);
    }
}

void tsr_fdt_prop_string(TsrFdt *fdt, const char *name, const char *value)
{
    if (fdt->path) {
        fdt_builder_prop_string(fdt->builder, fdt->path, name, value);
    }
}

void tsr_fdt_prop_strings(TsrFdt *fdt, const char *name, const char *const *values)
{
    if (fdt->path) {
        fdt_builder_prop_strings(fdt->builder, fdt->path, name, values);
    }
}
