/* SPDX-License-Identifier: MIT */
/*
 * The network layer as the monitor and the launcher see it: a table of
 * hooks that the "net" library module registers when it loads.  The core
 * links no plugin: monitor/qmp-net.c and the launcher load module "net"
 * on first use (monitor_net_hooks()) and call through this table.
 */
#ifndef TESSERA_MONITOR_MONITOR_NET_H
#define TESSERA_MONITOR_MONITOR_NET_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/options.h"

/* One NIC's receive filter, as query-rx-filter reports it. */
typedef struct MonitorRxFilter {
    char *name;                 /* the NIC's client name */
    bool promiscuous;
    const char *multicast;      /* "normal", "none", "all" */
    const char *unicast;
    const char *vlan;
    bool broadcast_allowed;
    bool multicast_overflow, unicast_overflow;
    uint8_t main_mac[6];
    GArray *vlan_table;         /* guint */
    GPtrArray *unicast_table;   /* "52:54:00:..." */
    GPtrArray *multicast_table;
} MonitorRxFilter;

void monitor_rx_filter_free(MonitorRxFilter *f);

typedef struct MonitorNetHooks {
    /* netdev_add (QMP): @opts holds "type", "id" and the options, repeated
     * keys as "hostfwd", "hostfwd.1", ... */
    bool (*netdev_add)(OptDict *opts, GError **errp);
    /* -netdev and HMP netdev_add: the option text. */
    bool (*netdev_add_text)(const char *text, GError **errp);
    bool (*netdev_del)(const char *id, GError **errp);
    bool (*set_link)(const char *name, bool up, GError **errp);
    void (*info_network)(GString *out);
    void (*info_usernet)(GString *out);
    /* @netdev may be NULL: the only user netdev. */
    bool (*hostfwd_add)(const char *netdev, const char *rule, GError **errp);
    bool (*hostfwd_remove)(const char *netdev, const char *rule, GError **errp);
    /* MonitorRxFilter * for NIC @name, or every NIC when NULL. */
    GPtrArray *(*query_rx_filter)(const char *name, GError **errp);
    /* Launcher: "-net ..." / "-nic ..." (option is "-net" or "-nic"); sets
     * *@nic_device to the -device text of the NIC to create, or NULL. */
    bool (*legacy_add)(const char *option, const char *text, char **nic_device,
                       GError **errp);
    /* Launcher: attach -object filter-dump objects once netdevs exist. */
    bool (*filters_attach)(GError **errp);
} MonitorNetHooks;

/* Called by the net module's init. */
void monitor_net_set_hooks(const MonitorNetHooks *hooks);
/* The hooks, loading module "net" on first use; NULL with @errp set when
 * the module is not installed. */
const MonitorNetHooks *monitor_net_hooks(GError **errp);
/* NIC_RX_FILTER_CHANGED (the net layer calls it, at most once per NIC
 * between two query-rx-filter calls). */
void monitor_net_rx_filter_changed(const char *name, const char *path);

#endif
