/* SPDX-License-Identifier: MIT */
/*
 * The "net" library module: the abstract netdev type backends derive
 * from, filter-dump, and the hooks the monitor and launcher call.
 */
#include <string.h>

#include "kernel/module.h"
#include "net-internal.h"

static bool hook_netdev_add(OptDict *opts, GError **errp)
{
    return netdev_add_opts(opts, errp) != NULL;
}

/* The user netdev @name (NULL: the only one with hostfwd support). */
static NetClientState *hostfwd_client(const char *name, GError **errp)
{
    g_autoptr(GPtrArray) all = net_client_list();
    for (guint i = 0; i < all->len; i++) {
        NetClientState *nc = g_ptr_array_index(all, i);
        if (nc->info->hostfwd_add && (!name || !strcmp(nc->name, name))) {
            return nc;
        }
    }
    if (name) {
        g_set_error(errp, NET_ERROR, NET_ERROR_NOT_FOUND, "'%s' is not a user netdev", name);
    } else {
        g_set_error(errp, NET_ERROR, NET_ERROR_NOT_FOUND, "no user netdev exists");
    }
    return NULL;
}

static bool hook_hostfwd_add(const char *netdev, const char *rule, GError **errp)
{
    NetClientState *nc = hostfwd_client(netdev, errp);
    return nc && nc->info->hostfwd_add(nc, rule, errp);
}

static bool hook_hostfwd_remove(const char *netdev, const char *rule, GError **errp)
{
    NetClientState *nc = hostfwd_client(netdev, errp);
    return nc && nc->info->hostfwd_remove(nc, rule, errp);
}

static void hook_info_usernet(GString *out)
{
    g_autoptr(GPtrArray) all = net_client_list();
    for (guint i = 0; i < all->len; i++) {
        NetClientState *nc = g_ptr_array_index(all, i);
        if (nc->info->info_usernet) {
            nc->info->info_usernet(nc, out);
        }
    }
}

static GPtrArray *hook_query_rx_filter(const char *name, GError **errp)
{
    g_autoptr(GPtrArray) all = net_client_list();
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)monitor_rx_filter_free);
    for (guint i = 0; i < all->len; i++) {
        NetClientState *nc = g_ptr_array_index(all, i);
        if (name && strcmp(nc->name, name) != 0) {
            continue;
        }
        if (!nc->is_nic) {
            if (name) {
                g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "net client(%s) isn't a NIC",
                            name);
                g_ptr_array_unref(out);
                return NULL;
            }
            continue;
        }
        if (!nc->info->query_rx_filter) {
            if (name) {
                g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                            "net client(%s) doesn't support rx-filter querying", name);
                g_ptr_array_unref(out);
                return NULL;
            }
            continue;
        }
        MonitorRxFilter *f = g_new0(MonitorRxFilter, 1);
        f->name = g_strdup(nc->name);
        f->vlan_table = g_array_new(false, false, sizeof(guint));
        f->unicast_table = g_ptr_array_new_with_free_func(g_free);
        f->multicast_table = g_ptr_array_new_with_free_func(g_free);
        nc->info->query_rx_filter(nc, f);
        nc->rx_filter_event_sent = false; /* the next change is announced again */
        g_ptr_array_add(out, f);
    }
    if (name && !out->len) {
        g_set_error(errp, NET_ERROR, NET_ERROR_NOT_FOUND, "invalid net client name: %s", name);
        g_ptr_array_unref(out);
        return NULL;
    }
    return out;
}

static bool hook_netdev_add_text(const char *text, GError **errp)
{
    OptDict *opts = net_opts_parse("-netdev", text, errp);
    if (!opts) {
        return false;
    }
    bool ok = netdev_add_opts(opts, errp) != NULL;
    opt_dict_free(opts);
    return ok;
}

static bool hook_legacy_add(const char *option, const char *text, char **nic_device,
                            GError **errp)
{
    NetNicRequest *r = NULL;
    *nic_device = NULL;
    OptDict *opts = net_opts_parse(option, text, errp);
    if (!opts) {
        return false;
    }
    bool ok = net_legacy_add(option, opts, &r, errp);
    opt_dict_free(opts);
    if (!ok) {
        return false;
    }
    if (r) {
        GString *s = g_string_new(r->model ? r->model : "virtio-net-pci");
        g_string_append_printf(s, ",netdev=%s", r->netdev);
        if (r->mac) {
            g_string_append_printf(s, ",mac=%s", r->mac);
        }
        if (r->id) {
            g_string_append_printf(s, ",id=%s", r->id);
        }
        *nic_device = g_string_free(s, false);
        net_nic_request_free(r);
    }
    return true;
}

const MonitorNetHooks net_monitor_hooks = {
    .netdev_add = hook_netdev_add,
    .netdev_add_text = hook_netdev_add_text,
    .netdev_del = netdev_del,
    .set_link = net_set_link,
    .info_network = net_info_network,
    .info_usernet = hook_info_usernet,
    .hostfwd_add = hook_hostfwd_add,
    .hostfwd_remove = hook_hostfwd_remove,
    .query_rx_filter = hook_query_rx_filter,
    .legacy_add = hook_legacy_add,
    .filters_attach = net_filters_attach,
};

static void net_module_init(void)
{
    monitor_net_set_hooks(&net_monitor_hooks);
}

static const TypeInfo netdev_info = {
    .name = TYPE_NETDEV,
    .parent = TYPE_OBJECT,
    .category = "netdev",
    .description = "network backend",
    .abstract = true,
    .instance_size = sizeof(Object),
    .class_size = sizeof(NetdevClass),
};

extern const TypeInfo filter_dump_info;

TESSERA_MODULE(.name = "net", .kind = "library",
               .types = TESSERA_TYPES(&netdev_info, &filter_dump_info), .init = net_module_init);
