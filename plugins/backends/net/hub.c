/* SPDX-License-Identifier: MIT */
/*
 * Hubs: the legacy "-net" form's VLANs and the joint "-nic" makes.  A hub
 * is a set of ports; a packet received on one port is sent out of every
 * other port.  A port can receive only while every other port's peer
 * can, so a slow NIC holds back the backend feeding the hub.
 */
#include <string.h>

#include "net-internal.h"

struct NetHub {
    int id;
    GPtrArray *ports;           /* NetClientState * */
    unsigned next_port;
};

static GPtrArray *hubs;

static NetHub *hub_find(int id, bool create)
{
    if (!hubs) {
        hubs = g_ptr_array_new();
    }
    for (guint i = 0; i < hubs->len; i++) {
        NetHub *h = g_ptr_array_index(hubs, i);
        if (h->id == id) {
            return h;
        }
    }
    if (!create) {
        return NULL;
    }
    NetHub *h = g_new0(NetHub, 1);
    h->id = id;
    h->ports = g_ptr_array_new();
    g_ptr_array_add(hubs, h);
    return h;
}

static ssize_t hubport_receive(NetClientState *nc, const struct iovec *iov, int iovcnt)
{
    NetHub *hub = nc->hub;
    for (guint i = 0; i < hub->ports->len; i++) {
        NetClientState *port = g_ptr_array_index(hub->ports, i);
        if (port != nc) {
            net_send_iov(port, iov, iovcnt, NULL);
        }
    }
    return net_iov_size(iov, iovcnt);
}

static bool hubport_can_receive(NetClientState *nc)
{
    NetHub *hub = nc->hub;
    for (guint i = 0; i < hub->ports->len; i++) {
        NetClientState *port = g_ptr_array_index(hub->ports, i);
        if (port != nc && !net_peer_can_receive(port)) {
            return false;
        }
    }
    return true;
}

static void hubport_cleanup(NetClientState *nc)
{
    g_ptr_array_remove(nc->hub->ports, nc);
}

static const NetClientInfo hubport_info = {
    .kind = "hubport",
    .receive = hubport_receive,
    .can_receive = hubport_can_receive,
    .cleanup = hubport_cleanup,
};

NetClientState *net_hub_add_port(int hub_id, const char *name, NetClientState *peer,
                                 GError **errp)
{
    NetHub *hub = hub_find(hub_id, true);
    g_autofree char *auto_name = NULL;
    if (!name) {
        auto_name = g_strdup_printf("hub%dport%u", hub_id, hub->next_port);
        name = auto_name;
    }
    if (net_client_find(name)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_EXISTS, "duplicate id '%s'", name);
        return NULL;
    }
    NetClientState *nc = net_client_new(&hubport_info, sizeof(NetClientState), peer, "hub", name,
                                        errp);
    if (!nc) {
        return NULL;
    }
    hub->next_port++;
    nc->hub = hub;
    net_client_set_info_str(nc, "hub %d", hub_id);
    g_ptr_array_add(hub->ports, nc);
    return nc;
}

int net_hub_id(NetClientState *port)
{
    return port->hub ? port->hub->id : -1;
}

/* A client behind @port drained: packets held on the other ports (their
 * senders waiting for room) may move now. */
void net_hub_flush(NetHub *hub)
{
    for (guint i = 0; i < hub->ports->len; i++) {
        NetClientState *port = g_ptr_array_index(hub->ports, i);
        if (!port->peer || !port->peer->hub) {
            net_client_flush(port);
        }
    }
}

/* For info network: hubs in id order with their ports. */
void net_hub_info(GString *out, void (*print_client)(GString *, NetClientState *, int))
{
    if (!hubs) {
        return;
    }
    for (guint i = 0; i < hubs->len; i++) {
        NetHub *h = g_ptr_array_index(hubs, i);
        if (!h->ports->len) {
            continue;
        }
        g_string_append_printf(out, "hub %d\n", h->id);
        for (guint p = 0; p < h->ports->len; p++) {
            print_client(out, g_ptr_array_index(h->ports, p), 1);
        }
    }
}
