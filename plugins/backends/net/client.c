/* SPDX-License-Identifier: MIT */
/*
 * Net clients, peers and queued delivery with back-pressure (net/net.h).
 *
 * Each client owns the queue of packets waiting for it.  A packet is
 * queued when the receiver cannot take it (can_receive false, or its
 * receive() returned 0) or when older packets are still waiting, so order
 * is kept.  Packets sent with a callback are always queued (the sender
 * stops reading until the callback: at most one per sender); packets
 * without one are queued up to NET_QUEUE_MAX_PACKETS and dropped and
 * counted beyond.
 */
#include <string.h>

#include "kernel/log.h"
#include "net-internal.h"

struct NetPacket {
    NetClientState *sender;     /* NULL once the sender is gone */
    NetSentCb cb;
    size_t len;
    uint8_t data[];
};

/* All clients, in creation order. */
static GPtrArray *clients;
static unsigned anon_counter;

G_DEFINE_QUARK(tessera-net-error-quark, net_error)

size_t net_iov_size(const struct iovec *iov, int iovcnt)
{
    size_t n = 0;
    for (int i = 0; i < iovcnt; i++) {
        n += iov[i].iov_len;
    }
    return n;
}

size_t net_iov_to_buf(const struct iovec *iov, int iovcnt, size_t offset, void *buf, size_t len)
{
    size_t done = 0;
    for (int i = 0; i < iovcnt && done < len; i++) {
        if (offset >= iov[i].iov_len) {
            offset -= iov[i].iov_len;
            continue;
        }
        size_t n = MIN(iov[i].iov_len - offset, len - done);
        memcpy((uint8_t *)buf + done, (const uint8_t *)iov[i].iov_base + offset, n);
        done += n;
        offset = 0;
    }
    return done;
}

static GPtrArray *client_array(void)
{
    if (!clients) {
        clients = g_ptr_array_new();
    }
    return clients;
}

NetClientState *net_client_find(const char *name)
{
    GPtrArray *all = client_array();
    for (guint i = 0; i < all->len; i++) {
        NetClientState *nc = g_ptr_array_index(all, i);
        if (!strcmp(nc->name, name)) {
            return nc;
        }
    }
    return NULL;
}

GPtrArray *net_client_list(void)
{
    GPtrArray *all = client_array();
    GPtrArray *out = g_ptr_array_sized_new(all->len);
    for (guint i = 0; i < all->len; i++) {
        g_ptr_array_add(out, g_ptr_array_index(all, i));
    }
    return out;
}

bool net_peer_pair(NetClientState *a, NetClientState *b, GError **errp)
{
    NetClientState *busy = a->peer ? a : (b->peer ? b : NULL);
    if (busy) {
        g_set_error(errp, NET_ERROR, NET_ERROR_IN_USE, "'%s' is already connected to '%s'",
                    busy->name, busy->peer->name);
        return false;
    }
    a->peer = b;
    b->peer = a;
    return true;
}

NetClientState *net_client_new(const NetClientInfo *info, size_t size, NetClientState *peer,
                               const char *model, const char *name, GError **errp)
{
    g_assert(size >= sizeof(NetClientState));
    if (peer && peer->peer) {
        g_set_error(errp, NET_ERROR, NET_ERROR_IN_USE, "'%s' is already connected to '%s'",
                    peer->name, peer->peer->name);
        return NULL;
    }
    NetClientState *nc = g_malloc0(size);
    nc->info = info;
    nc->model = g_strdup(model);
    nc->name = name ? g_strdup(name) : g_strdup_printf("%s.%u", model, anon_counter++);
    g_queue_init(&nc->queue.packets);
    if (peer) {
        nc->peer = peer;
        peer->peer = nc;
    }
    g_ptr_array_add(client_array(), nc);
    return nc;
}

void net_client_set_info_str(NetClientState *nc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_free(nc->info_str);
    nc->info_str = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

size_t net_queue_length(NetClientState *nc)
{
    return g_queue_get_length(&nc->queue.packets);
}

static void queue_purge(NetClientState *nc)
{
    NetPacket *p;
    while ((p = g_queue_pop_head(&nc->queue.packets))) {
        if (p->sender && p->cb) {
            p->cb(p->sender, p->len);
        }
        g_free(p);
    }
}

/* Forget @gone as the sender of packets queued on @nc. */
static void queue_forget_sender(NetClientState *nc, NetClientState *gone)
{
    for (GList *l = nc->queue.packets.head; l; l = l->next) {
        NetPacket *p = l->data;
        if (p->sender == gone) {
            p->sender = NULL;
        }
    }
}

void net_client_free(NetClientState *nc)
{
    if (!nc) {
        return;
    }
    nc->deleting = true;
    NetClientState *peer = nc->peer;
    if (peer) {
        queue_forget_sender(peer, nc);
        peer->peer = NULL;
        nc->peer = NULL;
    }
    /* Packets waiting for us: their senders may read again. */
    queue_purge(nc);
    if (nc->dump) {
        net_filter_dump_detach(nc->dump);
    }
    if (nc->info->cleanup) {
        nc->info->cleanup(nc);
    }
    g_ptr_array_remove(client_array(), nc);
    g_free(nc->name);
    g_free(nc->model);
    g_free(nc->info_str);
    g_free(nc);
}

static bool client_can_receive(NetClientState *nc)
{
    return !nc->info->can_receive || nc->info->can_receive(nc);
}

bool net_peer_can_receive(NetClientState *nc)
{
    NetClientState *peer = nc->peer;
    if (!peer || peer->link_down || nc->link_down) {
        return true; /* packets are discarded: never a reason to wait */
    }
    return g_queue_is_empty(&peer->queue.packets) && client_can_receive(peer);
}

static ssize_t deliver(NetClientState *to, const struct iovec *iov, int iovcnt, size_t len)
{
    ssize_t ret = to->info->receive(to, iov, iovcnt);
    if (ret > 0) {
        to->rx_packets++;
        to->rx_bytes += len;
        if (to->dump) {
            net_filter_dump_packet(to->dump, iov, iovcnt, to->vnet_hdr_len);
        }
    } else if (ret < 0) {
        to->rx_errors++;
    }
    return ret;
}

static ssize_t enqueue(NetClientState *from, NetClientState *to, const struct iovec *iov,
                       int iovcnt, size_t len, NetSentCb cb)
{
    if (!cb && g_queue_get_length(&to->queue.packets) >= NET_QUEUE_MAX_PACKETS) {
        to->dropped++;
        if (!to->queue.warned) {
            to->queue.warned = true;
            warn_report("net: '%s' cannot keep up: dropping packets from '%s' (counted in "
                        "info network)", to->name, from->name);
        }
        return len;
    }
    NetPacket *p = g_malloc(sizeof(*p) + len);
    p->sender = from;
    p->cb = cb;
    p->len = len;
    net_iov_to_buf(iov, iovcnt, 0, p->data, len);
    g_queue_push_tail(&to->queue.packets, p);
    return cb ? 0 : (ssize_t)len;
}

ssize_t net_send_iov(NetClientState *nc, const struct iovec *iov, int iovcnt, NetSentCb cb)
{
    size_t len = net_iov_size(iov, iovcnt);
    NetClientState *peer = nc->peer;
    nc->tx_packets++;
    nc->tx_bytes += len;
    if (nc->dump) {
        net_filter_dump_packet(nc->dump, iov, iovcnt, nc->vnet_hdr_len);
    }
    if (!peer || nc->link_down || peer->link_down || peer->deleting) {
        return len; /* like a cable pulled out: the packet goes nowhere */
    }
    if (!g_queue_is_empty(&peer->queue.packets) || !client_can_receive(peer)) {
        return enqueue(nc, peer, iov, iovcnt, len, cb);
    }
    ssize_t ret = deliver(peer, iov, iovcnt, len);
    if (ret == 0) {
        return enqueue(nc, peer, iov, iovcnt, len, cb);
    }
    return len;
}

ssize_t net_send(NetClientState *nc, const uint8_t *buf, size_t len, NetSentCb cb)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    return net_send_iov(nc, &iov, 1, cb);
}

bool net_client_flush(NetClientState *nc)
{
    NetPacket *p;
    while ((p = g_queue_peek_head(&nc->queue.packets))) {
        if (!client_can_receive(nc)) {
            return false;
        }
        struct iovec iov = { .iov_base = p->data, .iov_len = p->len };
        ssize_t ret = deliver(nc, &iov, 1, p->len);
        if (ret == 0) {
            return false;
        }
        g_queue_pop_head(&nc->queue.packets);
        if (p->sender && p->cb) {
            p->cb(p->sender, p->len);
        }
        g_free(p);
    }
    nc->queue.warned = false;
    if (nc->peer && nc->peer->info->peer_drained) {
        nc->peer->info->peer_drained(nc->peer);
    }
    /* Behind a hub, the packets waiting for room sit on the other ports. */
    if (nc->peer && nc->peer->hub) {
        net_hub_flush(nc->peer->hub);
    }
    return true;
}

bool net_peer_has_vnet_hdr(NetClientState *nc)
{
    NetClientState *peer = nc->peer;
    return peer && peer->info->has_vnet_hdr && peer->info->has_vnet_hdr(peer);
}

void net_peer_set_vnet_hdr(NetClientState *nc, int len)
{
    NetClientState *peer = nc->peer;
    if (peer && peer->info->set_vnet_hdr) {
        peer->info->set_vnet_hdr(peer, true, len);
    }
}

void net_peer_set_offload(NetClientState *nc, const NetOffloads *o)
{
    NetClientState *peer = nc->peer;
    if (peer && peer->info->set_offload) {
        peer->info->set_offload(peer, o);
    }
}

bool net_set_link(const char *name, bool up, GError **errp)
{
    GPtrArray *all = client_array();
    bool found = false;
    /* A multiqueue netdev's queues share the id as a prefix "id", "id.1"... */
    for (guint i = 0; i < all->len; i++) {
        NetClientState *nc = g_ptr_array_index(all, i);
        if (strcmp(nc->name, name) != 0) {
            continue;
        }
        found = true;
        NetClientState *pair[2] = { nc, nc->peer };
        for (int k = 0; k < 2; k++) {
            NetClientState *c = pair[k];
            /* QEMU: a NIC's peer follows it unless the peer is a hub port. */
            if (!c || (k == 1 && c->hub)) {
                continue;
            }
            c->link_down = !up;
            if (c->info->link_status_changed) {
                c->info->link_status_changed(c);
            }
        }
        if (up && nc->peer) {
            net_client_flush(nc->peer);
            net_client_flush(nc);
        }
    }
    if (!found) {
        g_set_error(errp, NET_ERROR, NET_ERROR_NOT_FOUND, "Device '%s' not found", name);
    }
    return found;
}
