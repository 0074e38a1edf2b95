/* SPDX-License-Identifier: MIT */
/*
 * Network commands: QMP netdev_add, netdev_del, set_link, query-rx-filter
 * and the NIC_RX_FILTER_CHANGED event.  The work is done by the "net"
 * module through the hooks it registers (monitor/monitor-net.h); the
 * module is loaded on the first network command.
 */
#include <string.h>

#include "kernel/module.h"
#include "monitor/monitor-net.h"
#include "monitor/qmp-handlers.h"

static const MonitorNetHooks *net_hooks;

void monitor_net_set_hooks(const MonitorNetHooks *hooks)
{
    net_hooks = hooks;
}

const MonitorNetHooks *monitor_net_hooks(GError **errp)
{
    if (!net_hooks) {
        GError *err = NULL;
        if (!module_load("net", &err)) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                        "the network layer is not available: %s", err->message);
            g_error_free(err);
            return NULL;
        }
        if (!net_hooks) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                        "the network layer is not available: module 'net' registered no hooks");
            return NULL;
        }
    }
    return net_hooks;
}

void monitor_rx_filter_free(MonitorRxFilter *f)
{
    if (!f) {
        return;
    }
    g_free(f->name);
    if (f->vlan_table) {
        g_array_unref(f->vlan_table);
    }
    if (f->unicast_table) {
        g_ptr_array_unref(f->unicast_table);
    }
    if (f->multicast_table) {
        g_ptr_array_unref(f->multicast_table);
    }
    g_free(f);
}

void monitor_net_rx_filter_changed(const char *name, const char *path)
{
    JsonObject *data = json_object_new();
    if (name) {
        json_object_set_string_member(data, "name", name);
    }
    json_object_set_string_member(data, "path", path ? path : "");
    qmp_event_emit("NIC_RX_FILTER_CHANGED", data);
}

/* ---- schema pieces (the tables in qmp-schema.c point here) ---------------- */

const QmpMember qmp_netdev_add_args[] = {
    { .name = "type", .type = "str",
      .doc = "the backend: user, tap, stream, dgram, socket, hubport" },
    { .name = "id", .type = "str", .doc = "the netdev's id" },
    { .name = NULL },
};

const QmpMember qmp_netdev_del_args[] = {
    { .name = "id", .type = "str", .doc = "the netdev's id" },
    { .name = NULL },
};

const QmpMember qmp_set_link_args[] = {
    { .name = "name", .type = "str", .doc = "a NIC's or a netdev's name" },
    { .name = "up", .type = "bool", .doc = "true: link up; false: link down" },
    { .name = NULL },
};

const QmpMember qmp_query_rx_filter_args[] = {
    { .name = "name", .type = "str", .optional = true,
      .doc = "one NIC's name; all NICs when absent" },
    { .name = NULL },
};

const QmpMember qmp_rx_filter_info_members[] = {
    { .name = "name", .type = "str", .doc = "the NIC's name" },
    { .name = "promiscuous", .type = "bool", .doc = "every packet is received" },
    { .name = "multicast", .type = "RxState", .doc = "multicast receive state" },
    { .name = "unicast", .type = "RxState", .doc = "unicast receive state" },
    { .name = "vlan", .type = "RxState", .doc = "VLAN filtering state" },
    { .name = "broadcast-allowed", .type = "bool", .doc = "broadcast packets are received" },
    { .name = "multicast-overflow", .type = "bool", .doc = "the multicast table overflowed" },
    { .name = "unicast-overflow", .type = "bool", .doc = "the unicast table overflowed" },
    { .name = "main-mac", .type = "str", .doc = "the NIC's MAC address" },
    { .name = "vlan-table", .type = "[int]", .doc = "VLAN ids received" },
    { .name = "unicast-table", .type = "[str]", .doc = "extra unicast MAC addresses" },
    { .name = "multicast-table", .type = "[str]", .doc = "multicast MAC addresses" },
    { .name = NULL },
};

const char *const qmp_rx_state_values[] = { "normal", "none", "all", NULL };

const QmpMember qmp_nic_rx_filter_changed_data[] = {
    { .name = "name", .type = "str", .optional = true, .doc = "the NIC's name" },
    { .name = "path", .type = "str", .doc = "the NIC's QOM path" },
    { .name = NULL },
};

/* ---- handlers ------------------------------------------------------------ */

/* One JSON value as option text; arrays (hostfwd: [{"str": ...}]) become
 * KEY, KEY.1, ... */
static bool add_member(OptDict *d, const char *key, JsonNode *node, GError **errp)
{
    if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *a = json_node_get_array(node);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            JsonNode *e = json_array_get_element(a, i);
            if (JSON_NODE_HOLDS_OBJECT(e) && json_object_has_member(json_node_get_object(e),
                                                                    "str")) {
                e = json_object_get_member(json_node_get_object(e), "str");
            }
            if (!JSON_NODE_HOLDS_VALUE(e)) {
                g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                            "Parameter '%s' expects strings or {\"str\": ...} objects", key);
                return false;
            }
            g_autofree char *k = i ? g_strdup_printf("%s.%u", key, i) : g_strdup(key);
            g_autofree char *v = qmp_json_to_opt_text(e);
            opt_dict_set(d, k, v);
        }
        return true;
    }
    if (JSON_NODE_HOLDS_OBJECT(node)) {
        /* addr: {"type": "inet", "host": ..} -> addr.type=inet,addr.host=.. */
        JsonObject *o = json_node_get_object(node);
        g_autoptr(GList) members = json_object_get_members(o);
        for (GList *l = members; l; l = l->next) {
            g_autofree char *k = g_strdup_printf("%s.%s", key, (const char *)l->data);
            if (!add_member(d, k, json_object_get_member(o, l->data), errp)) {
                return false;
            }
        }
        return true;
    }
    g_autofree char *v = qmp_json_to_opt_text(node);
    opt_dict_set(d, key, v);
    return true;
}

JsonNode *qmp_netdev_add(JsonObject *args, GError **errp)
{
    const MonitorNetHooks *h = monitor_net_hooks(errp);
    if (!h) {
        return NULL;
    }
    OptDict *d = opt_dict_new("netdev_add");
    g_autoptr(GList) members = json_object_get_members(args);
    for (GList *l = members; l; l = l->next) {
        if (!add_member(d, l->data, json_object_get_member(args, l->data), errp)) {
            opt_dict_free(d);
            return NULL;
        }
    }
    bool ok = h->netdev_add(d, errp);
    opt_dict_free(d);
    return ok ? qmp_empty_return() : NULL;
}

JsonNode *qmp_netdev_del(JsonObject *args, GError **errp)
{
    const MonitorNetHooks *h = monitor_net_hooks(errp);
    if (!h) {
        return NULL;
    }
    const char *id = qmp_arg_str(args, "id", NULL);
    if (!h->netdev_del(id, errp)) {
        if (*errp) {
            (*errp)->domain = QMP_ERROR;
            (*errp)->code = QMP_ERROR_DEVICE_NOT_FOUND;
        }
        return NULL;
    }
    return qmp_empty_return();
}

JsonNode *qmp_set_link(JsonObject *args, GError **errp)
{
    const MonitorNetHooks *h = monitor_net_hooks(errp);
    if (!h) {
        return NULL;
    }
    if (!h->set_link(qmp_arg_str(args, "name", NULL), qmp_arg_bool(args, "up", true), errp)) {
        if (*errp) {
            (*errp)->domain = QMP_ERROR;
            (*errp)->code = QMP_ERROR_DEVICE_NOT_FOUND;
        }
        return NULL;
    }
    return qmp_empty_return();
}

static JsonNode *string_array(GPtrArray *strings)
{
    JsonArray *a = json_array_new();
    for (guint i = 0; strings && i < strings->len; i++) {
        json_array_add_string_element(a, g_ptr_array_index(strings, i));
    }
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}

JsonNode *qmp_query_rx_filter(JsonObject *args, GError **errp)
{
    const MonitorNetHooks *h = monitor_net_hooks(errp);
    if (!h) {
        return NULL;
    }
    GPtrArray *filters = h->query_rx_filter(qmp_arg_str(args, "name", NULL), errp);
    if (!filters) {
        return NULL;
    }
    JsonArray *out = json_array_new();
    for (guint i = 0; i < filters->len; i++) {
        MonitorRxFilter *f = g_ptr_array_index(filters, i);
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", f->name);
        json_object_set_boolean_member(o, "promiscuous", f->promiscuous);
        json_object_set_string_member(o, "multicast", f->multicast);
        json_object_set_string_member(o, "unicast", f->unicast);
        json_object_set_string_member(o, "vlan", f->vlan);
        json_object_set_boolean_member(o, "broadcast-allowed", f->broadcast_allowed);
        json_object_set_boolean_member(o, "multicast-overflow", f->multicast_overflow);
        json_object_set_boolean_member(o, "unicast-overflow", f->unicast_overflow);
        g_autofree char *mac = g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", f->main_mac[0],
                                               f->main_mac[1], f->main_mac[2], f->main_mac[3],
                                               f->main_mac[4], f->main_mac[5]);
        json_object_set_string_member(o, "main-mac", mac);
        JsonArray *vlans = json_array_new();
        for (guint v = 0; f->vlan_table && v < f->vlan_table->len; v++) {
            json_array_add_int_element(vlans, g_array_index(f->vlan_table, guint, v));
        }
        json_object_set_array_member(o, "vlan-table", vlans);
        json_object_set_member(o, "unicast-table", string_array(f->unicast_table));
        json_object_set_member(o, "multicast-table", string_array(f->multicast_table));
        json_array_add_object_element(out, o);
    }
    g_ptr_array_unref(filters);
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, out);
    return n;
}
