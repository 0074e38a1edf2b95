/* SPDX-License-Identifier: MIT */
/*
 * query-pci and HMP "info pci".  The monitor knows nothing of PCI: every
 * root bus whose class has a query hook (kernel/bus.h; the PCI core's
 * buses do) describes itself as one PciInfo in QEMU's shape; "info pci"
 * prints QEMU's text from the same data.
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "kernel/bus.h"
#include "kernel/machine.h"
#include "monitor/qmp-handlers.h"

static JsonNode *collect_pci_info(void)
{
    JsonArray *list = json_array_new();
    if (machine_current()) {
        g_autoptr(GPtrArray) buses = bus_list();
        for (guint i = 0; i < buses->len; i++) {
            BusState *b = g_ptr_array_index(buses, i);
            BusClass *bc = BUS_GET_CLASS(b);
            if (!bc->query || !object_dynamic_cast(OBJECT(b), "PCI")) {
                continue;
            }
            GVariant *v = bc->query(b);
            if (v) {
                g_variant_ref_sink(v);
                json_array_add_element(list, json_gvariant_serialize(v));
                g_variant_unref(v);
            }
        }
    }
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(node, list);
    return node;
}

JsonNode *qmp_query_pci(JsonObject *args, GError **errp)
{
    return collect_pci_info();
}

static int64_t member_int(JsonObject *o, const char *name)
{
    return json_object_has_member(o, name) ? json_object_get_int_member(o, name) : 0;
}

static void print_devices(GString *out, JsonArray *devs);

static void print_device(GString *out, JsonObject *d)
{
    JsonObject *cls = json_object_get_object_member(d, "class_info");
    JsonObject *id = json_object_get_object_member(d, "id");
    g_string_append_printf(out, "  Bus %2" PRId64 ", device %3" PRId64 ", function %" PRId64
                           ":\n", member_int(d, "bus"), member_int(d, "slot"),
                           member_int(d, "function"));
    if (json_object_has_member(cls, "desc")) {
        g_string_append_printf(out, "    %s", json_object_get_string_member(cls, "desc"));
    } else {
        g_string_append_printf(out, "    Class %04" PRIx64, member_int(cls, "class"));
    }
    g_string_append_printf(out, ": PCI device %04" PRIx64 ":%04" PRIx64 "\n",
                           member_int(id, "vendor"), member_int(id, "device"));
    if (json_object_has_member(id, "subsystem-vendor")) {
        g_string_append_printf(out, "      PCI subsystem %04" PRIx64 ":%04" PRIx64 "\n",
                               member_int(id, "subsystem-vendor"), member_int(id, "subsystem"));
    }
    if (json_object_has_member(d, "irq")) {
        g_string_append_printf(out, "      IRQ %" PRId64 ", pin %c\n", member_int(d, "irq"),
                               (char)('A' + member_int(d, "irq_pin") - 1));
    }
    if (json_object_has_member(d, "pci_bridge")) {
        JsonObject *br = json_object_get_object_member(d, "pci_bridge");
        JsonObject *bus = json_object_get_object_member(br, "bus");
        g_string_append_printf(out, "      BUS %" PRId64 ".\n", member_int(bus, "number"));
        g_string_append_printf(out, "      secondary bus %" PRId64 ".\n",
                               member_int(bus, "secondary"));
        g_string_append_printf(out, "      subordinate bus %" PRId64 ".\n",
                               member_int(bus, "subordinate"));
        static const char *const ranges[][2] = {
            { "io_range", "IO range" },
            { "memory_range", "memory range" },
            { "prefetchable_range", "prefetchable memory range" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
            JsonObject *r = json_object_get_object_member(bus, ranges[i][0]);
            g_string_append_printf(out, "      %s [0x%04" PRIx64 ", 0x%04" PRIx64 "]\n",
                                   ranges[i][1], (uint64_t)member_int(r, "base"),
                                   (uint64_t)member_int(r, "limit"));
        }
    }
    JsonArray *regions = json_object_get_array_member(d, "regions");
    for (guint i = 0; regions && i < json_array_get_length(regions); i++) {
        JsonObject *r = json_array_get_object_element(regions, i);
        uint64_t addr = (uint64_t)member_int(r, "address"), size = (uint64_t)member_int(r, "size");
        g_string_append_printf(out, "      BAR%" PRId64 ": ", member_int(r, "bar"));
        if (!strcmp(json_object_get_string_member(r, "type"), "io")) {
            g_string_append_printf(out, "I/O at 0x%04" PRIx64 " [0x%04" PRIx64 "].\n", addr,
                                   addr + size - 1);
        } else {
            bool m64 = json_object_get_boolean_member(r, "mem_type_64");
            bool pf = json_object_get_boolean_member(r, "prefetch");
            g_string_append_printf(out, "%d bit%s memory at 0x%08" PRIx64 " [0x%08" PRIx64
                                   "].\n", m64 ? 64 : 32, pf ? " prefetchable" : "", addr,
                                   addr + size - 1);
        }
    }
    g_string_append_printf(out, "      id \"%s\"\n", json_object_get_string_member(d, "qdev_id"));
    if (json_object_has_member(d, "pci_bridge")) {
        JsonObject *br = json_object_get_object_member(d, "pci_bridge");
        if (json_object_has_member(br, "devices")) {
            print_devices(out, json_object_get_array_member(br, "devices"));
        }
    }
}

static void print_devices(GString *out, JsonArray *devs)
{
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        print_device(out, json_array_get_object_element(devs, i));
    }
}

void hmp_info_pci(GString *out, const char *arg)
{
    JsonNode *node = collect_pci_info();
    JsonArray *buses = json_node_get_array(node);
    for (guint i = 0; i < json_array_get_length(buses); i++) {
        JsonObject *b = json_array_get_object_element(buses, i);
        print_devices(out, json_object_get_array_member(b, "devices"));
    }
    json_node_unref(node);
}
