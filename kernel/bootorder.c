/* SPDX-License-Identifier: MIT */
/* The boot-order registry and OpenFirmware device paths (kernel/bootorder.h). */
#include <inttypes.h>
#include <string.h>

#include "kernel/bootorder.h"
#include "kernel/bus.h"
#include "kernel/core.h"

typedef struct BootEntry {
    int32_t index;
    DeviceState *dev;
    char *suffix;
} BootEntry;

static GMutex boot_lock;
static GArray *entries;   /* BootEntry, sorted by index */

bool boot_order_add(int32_t index, DeviceState *dev, const char *suffix, const char *what,
                    GError **errp)
{
    if (index == -1) {
        return true;
    }
    if (index < -1) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "%s: bootindex %d: must be -1 (none) or at least 0", what, index);
        return false;
    }
    g_mutex_lock(&boot_lock);
    if (!entries) {
        entries = g_array_new(false, false, sizeof(BootEntry));
    }
    guint at = 0;
    for (; at < entries->len; at++) {
        BootEntry *e = &g_array_index(entries, BootEntry, at);
        if (e->index == index) {
            g_mutex_unlock(&boot_lock);
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "The bootindex %d has already been used", index);
            return false;
        }
        if (e->index > index) {
            break;
        }
    }
    BootEntry e = { .index = index, .dev = dev, .suffix = g_strdup(suffix) };
    g_array_insert_val(entries, at, e);
    g_mutex_unlock(&boot_lock);
    return true;
}

void boot_order_del(DeviceState *dev)
{
    g_mutex_lock(&boot_lock);
    for (guint i = 0; entries && i < entries->len; i++) {
        BootEntry *e = &g_array_index(entries, BootEntry, i);
        if (e->dev == dev) {
            g_free(e->suffix);
            g_array_remove_index(entries, i);
            break;
        }
    }
    g_mutex_unlock(&boot_lock);
}

char *device_fw_mmio_node(DeviceState *dev, const char *name)
{
    if (dev->num_mmio > 0) {
        return g_strdup_printf("%s@%016" PRIx64, name, (uint64_t)dev->mmio_addr[0]);
    }
    return g_strdup(name);
}

/* @dev's own node: its class's choice, else its bus's, else (a board
 * device, on no bus) the system bus's rule; NULL: none. */
static char *fw_node(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    if (dc->fw_node) {
        return dc->fw_node(dev);
    }
    BusState *bus = dev->parent_bus;
    if (!bus) {
        return device_fw_mmio_node(dev, object_get_typename(OBJECT(dev)));
    }
    BusClass *bc = BUS_GET_CLASS(bus);
    return bc->fw_node ? bc->fw_node(bus, dev) : NULL;
}

char *device_fw_path(DeviceState *dev)
{
    GPtrArray *nodes = g_ptr_array_new_with_free_func(g_free);
    for (DeviceState *d = dev; d; d = d->parent_bus ? d->parent_bus->parent : NULL) {
        char *node = fw_node(d);
        if (node) {
            g_ptr_array_insert(nodes, 0, node);
        }
    }
    GString *path = g_string_new(NULL);
    for (guint i = 0; i < nodes->len; i++) {
        g_string_append_printf(path, "/%s", (char *)g_ptr_array_index(nodes, i));
    }
    g_ptr_array_unref(nodes);
    return g_string_free(path, false);
}

char *boot_order_fw_file(bool strict, size_t *len)
{
    GString *out = g_string_new(NULL);
    g_mutex_lock(&boot_lock);
    for (guint i = 0; entries && i < entries->len; i++) {
        BootEntry *e = &g_array_index(entries, BootEntry, i);
        g_autofree char *path = device_fw_path(e->dev);
        if (!path[0] && !e->suffix) {
            continue;
        }
        g_string_append_printf(out, "%s%s%s", out->len ? "\n" : "", path,
                               e->suffix ? e->suffix : "");
    }
    g_mutex_unlock(&boot_lock);
    if (out->len && strict) {
        g_string_append(out, "\nHALT");
    }
    *len = out->len ? out->len + 1 : 0;
    return g_string_free(out, false);
}
