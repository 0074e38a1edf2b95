/* SPDX-License-Identifier: MIT */
/* The boot-order registry (kernel/bootorder.h). */
#include "kernel/bootorder.h"
#include "kernel/core.h"

typedef struct BootEntry {
    int32_t index;
    const void *owner;
} BootEntry;

static GMutex boot_lock;
static GArray *entries;   /* BootEntry, sorted by index */

bool boot_order_add(int32_t index, const void *owner, const char *what, GError **errp)
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
                        "%s: The bootindex %d has already been used", what, index);
            return false;
        }
        if (e->index > index) {
            break;
        }
    }
    g_array_insert_val(entries, at, ((BootEntry){ .index = index, .owner = owner }));
    g_mutex_unlock(&boot_lock);
    return true;
}

void boot_order_del(const void *owner)
{
    g_mutex_lock(&boot_lock);
    for (guint i = 0; entries && i < entries->len; i++) {
        if (g_array_index(entries, BootEntry, i).owner == owner) {
            g_array_remove_index(entries, i);
            break;
        }
    }
    g_mutex_unlock(&boot_lock);
}

GPtrArray *boot_order_list(void)
{
    GPtrArray *out = g_ptr_array_new();
    g_mutex_lock(&boot_lock);
    for (guint i = 0; entries && i < entries->len; i++) {
        g_ptr_array_add(out, (gpointer)g_array_index(entries, BootEntry, i).owner);
    }
    g_mutex_unlock(&boot_lock);
    return out;
}
