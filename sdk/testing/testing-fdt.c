/* SPDX-License-Identifier: MIT */
/*
 * Test harness: a device-tree blob rendered as text, for assertions on
 * what a device's fdt_node hook wrote (see tsr_test_device_fdt()).
 */
#include "testing-internal.h"

#include <libfdt.h>

#define FDT_MAX_PATH 256
#define FDT_CELL_SIZE 4

/* NUL-terminated printable strings filling @len bytes exactly. */
static bool fdt_value_is_strings(const char *v, int len)
{
    if (len <= 0 || v[len - 1] != '\0') {
        return false;
    }
    bool at_start = true;
    for (int i = 0; i < len; i++) {
        if (v[i] == '\0') {
            if (at_start) {
                return false; /* empty string: not text */
            }
            at_start = true;
        } else if (!g_ascii_isprint(v[i])) {
            return false;
        } else {
            at_start = false;
        }
    }
    return true;
}

static void fdt_dump_value(GString *out, const char *v, int len)
{
    if (len == 0) {
        return;
    }
    g_string_append(out, " = ");
    if (fdt_value_is_strings(v, len)) {
        for (int i = 0; i < len; i += (int)strlen(v + i) + 1) {
            g_string_append_printf(out, "%s\"%s\"", i ? ", " : "", v + i);
        }
    } else if (len % FDT_CELL_SIZE == 0) {
        g_string_append_c(out, '<');
        for (int i = 0; i < len; i += FDT_CELL_SIZE) {
            g_string_append_printf(out, "%s0x%x", i ? " " : "",
                                   fdt32_ld((const fdt32_t *)(v + i)));
        }
        g_string_append_c(out, '>');
    } else {
        g_string_append_c(out, '[');
        for (int i = 0; i < len; i++) {
            g_string_append_printf(out, "%s%02x", i ? " " : "", (uint8_t)v[i]);
        }
        g_string_append_c(out, ']');
    }
}

static void fdt_dump_node(GString *out, const void *blob, int node)
{
    char path[FDT_MAX_PATH];
    if (fdt_get_path(blob, node, path, sizeof(path)) < 0) {
        return;
    }
    g_string_append_printf(out, "%s {\n", path);
    int prop;
    fdt_for_each_property_offset(prop, blob, node) {
        const char *name;
        int len;
        const char *v = fdt_getprop_by_offset(blob, prop, &name, &len);
        g_string_append_printf(out, "  %s", name);
        fdt_dump_value(out, v, len);
        g_string_append(out, ";\n");
    }
    g_string_append(out, "}\n");
}

/* Every node below @under (not @under itself), in tree order. */
char *test_fdt_dump(const void *blob, const char *under)
{
    GString *out = g_string_new(NULL);
    int top = fdt_path_offset(blob, under);
    if (top < 0) {
        return g_string_free(out, FALSE);
    }
    int depth = 0;
    for (int node = fdt_next_node(blob, top, &depth); node >= 0 && depth > 0;
         node = fdt_next_node(blob, node, &depth)) {
        fdt_dump_node(out, blob, node);
    }
    return g_string_free(out, FALSE);
}
