/* SPDX-License-Identifier: MIT */
/*
 * Netdevs from options (-netdev, netdev_add), the legacy -net and the
 * -nic shorthand, NICs claiming their netdev, info network.
 */
#include <stdio.h>
#include <string.h>

#include "kernel/module.h"
#include "net-internal.h"

static unsigned legacy_counter;

bool net_opt_bool(OptDict *opts, const char *key, bool def, bool *out, GError **errp)
{
    const char *v = opt_dict_get(opts, key);
    if (!v) {
        *out = def;
        return true;
    }
    return opt_parse_bool(NULL, key, v, out, errp);
}

bool net_opt_uint(OptDict *opts, const char *key, unsigned def, unsigned max, unsigned *out,
                  GError **errp)
{
    const char *v = opt_dict_get(opts, key);
    if (!v) {
        *out = def;
        return true;
    }
    char *end = NULL;
    guint64 n = g_ascii_strtoull(v, &end, 0);
    if (!*v || *end || n > max) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "parameter '%s' expects a number from 0 to %u, not '%s'", key, max, v);
        return false;
    }
    *out = n;
    return true;
}

/* Keys a netdev may repeat ("hostfwd=...,hostfwd=..."): the second and
 * later ones become "hostfwd.1", "hostfwd.2"... */
static const char *const repeatable[] = { "hostfwd", "guestfwd", "dnssearch", NULL };

OptDict *net_opts_parse(const char *option, const char *text, GError **errp)
{
    GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    for (const char *p = text;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append(cur, ",,");
            p++;
            continue;
        }
        if (*p == ',' || !*p) {
            g_ptr_array_add(parts, g_string_free(cur, false));
            cur = g_string_new(NULL);
            if (!*p) {
                break;
            }
            continue;
        }
        g_string_append_c(cur, *p);
    }
    g_string_free(cur, true);
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < parts->len; i++) {
        const char *part = g_ptr_array_index(parts, i);
        const char *eq = strchr(part, '=');
        if (i) {
            g_string_append_c(out, ',');
        }
        if (eq) {
            g_autofree char *key = g_strndup(part, eq - part);
            if (g_strv_contains(repeatable, key)) {
                guint n = GPOINTER_TO_UINT(g_hash_table_lookup(seen, key));
                g_hash_table_replace(seen, g_strdup(key), GUINT_TO_POINTER(n + 1));
                if (n) {
                    g_string_append_printf(out, "%s.%u%s", key, n, eq);
                    continue;
                }
            }
        }
        g_string_append(out, part);
    }
    g_hash_table_destroy(seen);
    g_ptr_array_unref(parts);
    OptDict *d = opt_dict_parse(option, out->str, "type", false, errp);
    g_string_free(out, true);
    return d;
}

/* The values of a repeatable key, in order (a new array of borrowed strings). */
GPtrArray *net_opt_list(OptDict *opts, const char *key)
{
    GPtrArray *out = g_ptr_array_new();
    const char *v = opt_dict_get(opts, key);
    for (unsigned n = 1; v; n++) {
        g_ptr_array_add(out, (gpointer)v);
        g_autofree char *k = g_strdup_printf("%s.%u", key, n);
        v = opt_dict_get(opts, k);
    }
    return out;
}

static bool key_allowed(const char *const *list, const char *key)
{
    if (!list) {
        return false;
    }
    if (g_strv_contains(list, key)) {
        return true;
    }
    const char *dot = strrchr(key, '.');
    if (!dot || !dot[1] || strspn(dot + 1, "0123456789") != strlen(dot + 1)) {
        return false;
    }
    g_autofree char *base = g_strndup(key, dot - key);
    return g_strv_contains(repeatable, base) && g_strv_contains(list, base);
}

static bool id_valid(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

/* Backend @type's class, or NULL with an error naming the type. */
static NetdevClass *netdev_class(const char *type, GError **errp)
{
    g_autofree char *tname = g_strconcat(TYPE_NETDEV_PREFIX, type, NULL);
    if (!module_find_type(tname) && !type_lookup(tname)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "unknown netdev type '%s'; use -netdev help to list the types", type);
        return NULL;
    }
    GError *err = NULL;
    TypeImpl *t = type_lookup_or_load(tname, &err);
    if (!t) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "netdev type '%s': %s", type,
                    err->message);
        g_error_free(err);
        return NULL;
    }
    return NETDEV_CLASS(object_class_by_name(tname));
}

static bool check_options(NetdevClass *nc, OptDict *opts, const char *const *extra,
                          GError **errp)
{
    for (guint i = 0; i < opts->keys->len; i++) {
        const char *key = g_ptr_array_index(opts->keys, i);
        bool ok = !strcmp(key, "type") || !strcmp(key, "id") ||
                  key_allowed(nc->options, key) || key_allowed(extra, key);
        if (!ok) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "unknown option '%s'", key);
            return false;
        }
    }
    return true;
}

static void mark_netdev(const char *id)
{
    g_autoptr(GPtrArray) all = net_client_list();
    for (guint i = 0; i < all->len; i++) {
        NetClientState *nc = g_ptr_array_index(all, i);
        if (!strcmp(nc->name, id) && !nc->is_nic && !nc->hub) {
            nc->is_netdev = true;
        }
    }
}

/* "hubport": a hub port as a netdev, optionally joined to another netdev. */
static NetClientState *hubport_add(OptDict *opts, const char *id, GError **errp)
{
    static const char *const keys[] = { "type", "id", "hubid", "netdev", NULL };
    for (guint i = 0; i < opts->keys->len; i++) {
        const char *key = g_ptr_array_index(opts->keys, i);
        if (!g_strv_contains(keys, key)) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "unknown option '%s'", key);
            return NULL;
        }
    }
    unsigned hubid;
    if (!opt_dict_get(opts, "hubid")) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "parameter 'hubid' is missing");
        return NULL;
    }
    if (!net_opt_uint(opts, "hubid", 0, G_MAXINT, &hubid, errp)) {
        return NULL;
    }
    NetClientState *peer = NULL;
    const char *nd = opt_dict_get(opts, "netdev");
    if (nd) {
        peer = net_client_find(nd);
        if (!peer || !peer->is_netdev) {
            g_set_error(errp, NET_ERROR, NET_ERROR_NOT_FOUND, "netdev '%s' not found", nd);
            return NULL;
        }
    }
    NetClientState *port = net_hub_add_port(hubid, id, peer, errp);
    if (port) {
        port->is_netdev = true;
    }
    return port;
}

NetClientState *netdev_add_opts(OptDict *opts, GError **errp)
{
    const char *type = opt_dict_get(opts, "type");
    const char *id = opt_dict_get(opts, "id");
    GError *err = NULL;
    NetClientState *nc = NULL;
    if (!type || !*type) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "-netdev: parameter 'type' is missing");
        return NULL;
    }
    if (!id) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "-netdev %s: parameter 'id' is missing",
                    type);
        return NULL;
    }
    if (!id_valid(id)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "-netdev %s: invalid id '%s' (a letter, then letters, digits, '-', '.', "
                    "'_')", type, id);
        return NULL;
    }
    if (net_client_find(id)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_EXISTS, "-netdev %s: duplicate id '%s'", type, id);
        return NULL;
    }
    if (!strcmp(type, "hubport")) {
        nc = hubport_add(opts, id, &err);
    } else {
        NetdevClass *klass = netdev_class(type, &err);
        if (klass && check_options(klass, opts, NULL, &err)) {
            nc = klass->init(opts, id, NULL, &err);
        }
    }
    if (!nc) {
        g_set_error(errp, err->domain, err->code, "-netdev %s,id=%s: %s", type, id,
                    err->message);
        g_error_free(err);
        return NULL;
    }
    mark_netdev(id);
    return nc;
}

GPtrArray *netdev_queues(const char *id)
{
    g_autoptr(GPtrArray) all = net_client_list();
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < all->len; i++) {
        NetClientState *nc = g_ptr_array_index(all, i);
        if (nc->is_netdev && !strcmp(nc->name, id)) {
            g_ptr_array_add(out, nc);
        }
    }
    return out;
}

bool netdev_del(const char *id, GError **errp)
{
    g_autoptr(GPtrArray) queues = netdev_queues(id);
    if (!queues->len) {
        g_set_error(errp, NET_ERROR, NET_ERROR_NOT_FOUND, "Device '%s' not found", id);
        return false;
    }
    for (guint i = 0; i < queues->len; i++) {
        net_client_free(g_ptr_array_index(queues, i));
    }
    return true;
}

/* ---- NICs -------------------------------------------------------------- */

bool net_parse_mac(const char *text, uint8_t mac[6])
{
    unsigned v[6];
    char tail;
    if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &tail) != 6 || strlen(text) != 17) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = v[i];
    }
    return true;
}

void net_default_mac(uint8_t mac[6])
{
    static unsigned next;
    const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    memcpy(mac, base, 6);
    mac[5] += next++;
}

NetClientState *net_nic_new(const NetClientInfo *info, size_t size, const char *netdev_id,
                            const char *model, const char *name, GError **errp)
{
    NetClientState *peer = NULL;
    if (netdev_id && *netdev_id) {
        peer = net_client_find(netdev_id);
        if (!peer || peer->is_nic) {
            g_set_error(errp, NET_ERROR, NET_ERROR_NOT_FOUND,
                        "Property '%s.netdev' can't find value '%s'", model, netdev_id);
            return NULL;
        }
        if (peer->peer) {
            g_set_error(errp, NET_ERROR, NET_ERROR_IN_USE,
                        "Property '%s.netdev' can't take value '%s', it's in use", model,
                        netdev_id);
            return NULL;
        }
    }
    if (name && net_client_find(name)) {
        name = NULL; /* a NIC named like a netdev: fall back to model.N */
    }
    NetClientState *nc = net_client_new(info, size, peer, model, name, errp);
    if (nc) {
        nc->is_nic = true;
    }
    return nc;
}

void net_nic_rx_filter_changed(NetClientState *nc, const char *path)
{
    if (nc->rx_filter_event_sent) {
        return;
    }
    nc->rx_filter_event_sent = true;
    monitor_net_rx_filter_changed(nc->name, path);
}

/* ---- legacy -net and -nic ------------------------------------------------ */

void net_nic_request_free(NetNicRequest *r)
{
    if (r) {
        g_free(r->model);
        g_free(r->netdev);
        g_free(r->mac);
        g_free(r->id);
        g_free(r);
    }
}

static bool check_mac_opt(const char *option, const char *mac, GError **errp)
{
    uint8_t m[6];
    if (mac && !net_parse_mac(mac, m)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "%s: invalid MAC address '%s' (expected 52:54:00:12:34:56)", option, mac);
        return false;
    }
    return true;
}

/* Backend @type named @name with the options of @opts minus @skip, joined
 * to @peer. */
static NetClientState *backend_from(const char *option, const char *type, const char *name,
                                    OptDict *opts, const char *const *skip, NetClientState *peer,
                                    GError **errp)
{
    GError *err = NULL;
    NetdevClass *klass = netdev_class(type, &err);
    NetClientState *nc = NULL;
    if (klass && check_options(klass, opts, skip, &err)) {
        OptDict *copy = opt_dict_new(option);
        for (guint i = 0; i < opts->keys->len; i++) {
            const char *key = g_ptr_array_index(opts->keys, i);
            if (!skip || !g_strv_contains(skip, key)) {
                opt_dict_set(copy, key, opt_dict_get(opts, key));
            }
        }
        nc = klass->init(copy, name, peer, &err);
        opt_dict_free(copy);
    }
    if (!nc) {
        g_set_error(errp, err->domain, err->code, "%s %s: %s", option, type, err->message);
        g_error_free(err);
    }
    return nc;
}

bool net_legacy_add(const char *option, OptDict *opts, NetNicRequest **nic, GError **errp)
{
    const char *type = opt_dict_get(opts, "type");
    *nic = NULL;
    if (!type || !strcmp(type, "none")) {
        return true;
    }
    if (!strcmp(option, "-nic")) {
        static const char *const skip[] = { "type", "id", "model", "mac", NULL };
        const char *mac = opt_dict_get(opts, "mac");
        if (!check_mac_opt(option, mac, errp)) {
            return false;
        }
        g_autofree char *id = opt_dict_get(opts, "id")
            ? g_strdup(opt_dict_get(opts, "id")) : g_strdup_printf("__nic%u", legacy_counter++);
        if (net_client_find(id)) {
            g_set_error(errp, NET_ERROR, NET_ERROR_EXISTS, "-nic %s: duplicate id '%s'", type,
                        id);
            return false;
        }
        if (!backend_from(option, type, id, opts, skip, NULL, errp)) {
            return false;
        }
        mark_netdev(id);
        NetNicRequest *r = g_new0(NetNicRequest, 1);
        r->model = g_strdup(opt_dict_get(opts, "model"));
        r->netdev = g_strdup(id);
        r->mac = g_strdup(mac);
        *nic = r;
        return true;
    }
    unsigned vlan;
    GError *err = NULL;
    if (!net_opt_uint(opts, "vlan", 0, G_MAXINT, &vlan, &err)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "-net %s: %s", type, err->message);
        g_error_free(err);
        return false;
    }
    const char *name = opt_dict_get(opts, "name");
    if (!name) {
        name = opt_dict_get(opts, "id");
    }
    if (name && net_client_find(name)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_EXISTS, "-net %s: duplicate id '%s'", type, name);
        return false;
    }
    if (!strcmp(type, "nic")) {
        static const char *const keys[] = { "type", "model", "macaddr", "netdev", "vlan",
                                            "name", "id", NULL };
        for (guint i = 0; i < opts->keys->len; i++) {
            const char *key = g_ptr_array_index(opts->keys, i);
            if (!g_strv_contains(keys, key)) {
                g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "-net nic: unknown option '%s'",
                            key);
                return false;
            }
        }
        const char *mac = opt_dict_get(opts, "macaddr");
        if (!check_mac_opt("-net nic", mac, errp)) {
            return false;
        }
        const char *netdev = opt_dict_get(opts, "netdev");
        NetNicRequest *r = g_new0(NetNicRequest, 1);
        if (netdev) {
            r->netdev = g_strdup(netdev);
        } else {
            NetClientState *port = net_hub_add_port(vlan, NULL, NULL, errp);
            if (!port) {
                net_nic_request_free(r);
                return false;
            }
            r->netdev = g_strdup(port->name);
        }
        r->model = g_strdup(opt_dict_get(opts, "model"));
        r->mac = g_strdup(mac);
        r->id = g_strdup(opt_dict_get(opts, "id"));
        *nic = r;
        return true;
    }
    static const char *const skip[] = { "type", "id", "vlan", "name", NULL };
    NetClientState *port = net_hub_add_port(vlan, NULL, NULL, errp);
    if (!port) {
        return false;
    }
    g_autofree char *auto_name = name ? NULL : g_strdup_printf("%s.%u", type, legacy_counter++);
    if (!backend_from("-net", type, name ? name : auto_name, opts, skip, port, errp)) {
        net_client_free(port);
        return false;
    }
    return true;
}

/* ---- info network ---------------------------------------------------------- */

static void print_client(GString *out, NetClientState *nc, int indent)
{
    g_string_append_printf(out, "%*s%s: index=%u,type=%s", indent, "", nc->name,
                           nc->queue_index, nc->info->kind);
    if (nc->info_str) {
        g_string_append_printf(out, ",%s", nc->info_str);
    }
    if (nc->link_down) {
        g_string_append(out, ",link=down");
    }
    if (nc->dropped) {
        g_string_append_printf(out, " (dropped %" G_GUINT64_FORMAT " packets: receiver full)",
                               nc->dropped);
    }
    g_string_append(out, "\n");
}

static void print_hub_port(GString *out, NetClientState *port, int indent)
{
    g_string_append_printf(out, "%*s\\ %s: ", indent, "", port->name);
    if (port->peer) {
        print_client(out, port->peer, 0);
    } else {
        g_string_append(out, "(nothing connected)\n");
    }
}

void net_info_network(GString *out)
{
    g_autoptr(GPtrArray) all = net_client_list();
    for (guint i = 0; i < all->len; i++) {
        NetClientState *nc = g_ptr_array_index(all, i);
        if (nc->hub || (nc->peer && nc->peer->hub)) {
            continue; /* listed under their hub */
        }
        if (!nc->is_nic && nc->peer && nc->peer->is_nic) {
            continue; /* listed under its NIC */
        }
        print_client(out, nc, 0);
        if (nc->peer) {
            g_string_append(out, " \\ ");
            print_client(out, nc->peer, 0);
        }
    }
    net_hub_info(out, print_hub_port);
}
