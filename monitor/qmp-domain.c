/* SPDX-License-Identifier: MIT */
/*
 * QMP commands a management tool (libvirt) sends to a running domain,
 * beyond the probe (monitor/qmp-libvirt.c): migration capabilities, passed
 * file descriptors.
 */
#include <string.h>

#include "kernel/fdpass.h"
#include "monitor/qmp-handlers.h"

/*
 * The one migration capability Tessera has is "events" (MIGRATION events
 * on migration state changes).  Tessera cannot migrate, so with it on no
 * such event has anything to report yet; its state is kept and reported.
 */
static bool migrate_events;

const char *const qmp_migration_capability_values[] = { "events", NULL };

JsonNode *qmp_query_migrate_capabilities(JsonObject *args, GError **errp)
{
    JsonArray *a = json_array_new();
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "capability", "events");
    json_object_set_boolean_member(o, "state", migrate_events);
    json_array_add_object_element(a, o);
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}

JsonNode *qmp_migrate_set_capabilities(JsonObject *args, GError **errp)
{
    /* The dispatcher checked every entry against the enum. */
    JsonArray *caps = json_object_get_array_member(args, "capabilities");
    for (guint i = 0; i < json_array_get_length(caps); i++) {
        JsonObject *c = json_array_get_object_element(caps, i);
        if (!strcmp(json_object_get_string_member(c, "capability"), "events")) {
            migrate_events = json_object_get_boolean_member(c, "state");
        }
    }
    return qmp_empty_return();
}
