/* SPDX-License-Identifier: MIT */
/*
 * virtio-net (VIRTIO 1.1 section 5.1): virtio-net-device on any virtio
 * transport, virtio-net-pci as its PCI twin.
 *
 *   -device virtio-net-pci,netdev=ID[,mac=52:54:00:12:34:56][,mtu=N][,mq=on]
 *        [,mrg_rxbuf=on|off][,csum=on|off]
 *
 * Receive: a packet from the netdev is written after a 12-byte header into
 * one rx buffer, or several with mergeable buffers; while the guest has
 * given too few buffers the NIC cannot receive, so the netdev stops reading
 * (net/net.h back-pressure) and the rx queue's notification flushes it.
 * Transmit: each request is sent to the netdev; when the netdev queues it
 * the queue waits for the completion before taking the next.  A kick only
 * schedules the transmit on the main loop (as QEMU's tx=bh): the vCPU goes
 * back to the guest at once instead of running the netdev's path itself
 * (slirp's TCP and its send() to the host socket, the stream socket's
 * write), and while the work is pending the queue's avail_event stays
 * behind, so the guest (EVENT_IDX) queues more frames without kicking
 * again; the main loop then sends them in one go, at most TX_BURST per
 * turn.  The frames stay in the ring until sent: that is the back-pressure.
 * Offloads (checksum, TSO, UFO) are offered only when the netdev carries
 * vnet headers (tap vnet_hdr=on); headers then pass through untouched and
 * the negotiated set is given to the tap.  The control queue handles rx
 * mode, MAC table, VLAN filter, announce, MQ pairs and guest offloads; each
 * filter change raises NIC_RX_FILTER_CHANGED.  set_link toggles the status
 * bit the guest sees.  With mq=on a multiqueue tap gives one queue pair per
 * tap queue.
 */
#include <string.h>

#include "kernel/bootorder.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "kernel/runstate.h"
#include "net/net.h"
#include "virtio/virtio-pci.h"
#include "virtio/virtio.h"

#define TYPE_VIRTIO_NET "virtio-net-device"
#define TYPE_VIRTIO_NET_PCI "virtio-net-pci"

/* Feature bits (5.1.3). */
enum {
    F_CSUM = 0, F_GUEST_CSUM = 1, F_CTRL_GUEST_OFFLOADS = 2, F_MTU = 3, F_MAC = 5,
    F_GUEST_TSO4 = 7, F_GUEST_TSO6 = 8, F_GUEST_ECN = 9, F_GUEST_UFO = 10, F_HOST_TSO4 = 11,
    F_HOST_TSO6 = 12, F_HOST_ECN = 13, F_HOST_UFO = 14, F_MRG_RXBUF = 15, F_STATUS = 16,
    F_CTRL_VQ = 17, F_CTRL_RX = 18, F_CTRL_VLAN = 19, F_GUEST_ANNOUNCE = 21, F_MQ = 22,
    F_CTRL_MAC_ADDR = 23,
};

#define STATUS_LINK_UP 1
#define STATUS_ANNOUNCE 2

#define NET_HDR_LEN 12          /* virtio_net_hdr_v1, num_buffers included */
#define ETH_HDR_LEN 14
#define HDR_F_NEEDS_CSUM 1
#define QUEUE_SIZE 256
#define MAX_PAIRS 8
#define MAC_TABLE_ENTRIES 64
#define MAX_VLAN 4096
#define TX_BURST 256            /* frames per main-loop turn */

/* Control queue classes and commands (5.1.6.5). */
enum { CTRL_RX = 0, CTRL_MAC = 1, CTRL_VLAN = 2, CTRL_ANNOUNCE = 3, CTRL_MQ = 4,
       CTRL_GUEST_OFFLOADS = 5 };
#define CTRL_OK 0
#define CTRL_ERR 1

typedef struct VirtIONet VirtIONet;

/* One queue pair with its net client (peer of the netdev's queue). */
typedef struct NetQueuePair {
    NetClientState nc;          /* first: the client struct embeds it */
    VirtIONet *n;
    unsigned rx_index, tx_index;  /* queue numbers: the core owns the queues */
    bool tx_waiting;            /* the netdev holds our last packet */
    GSource *tx_bh;             /* a transmit scheduled on the main loop */
} NetQueuePair;

struct VirtIONet {
    VirtIODevice parent_obj;
    /* properties */
    char *netdev;
    char *mac_str;
    uint16_t mtu;
    int32_t bootindex;
    bool mq, mrg_rxbuf, csum;
    /* state */
    uint8_t mac[6];
    NetQueuePair *pairs[MAX_PAIRS];
    unsigned max_pairs, cur_pairs;
    bool peer_vnet_hdr;         /* headers pass through to the netdev */
    uint16_t status;
    bool promisc, allmulti, alluni, nomulti, nouni, nobcast;
    uint8_t uni_table[MAC_TABLE_ENTRIES][6], multi_table[MAC_TABLE_ENTRIES][6];
    unsigned uni_count, multi_count;
    bool uni_overflow, multi_overflow;
    uint32_t vlans[MAX_VLAN / 32];
    uint64_t rx_filtered;       /* statistics */
};

OBJECT_DECLARE_SIMPLE_TYPE(VirtIONet, VIRTIO_NET, TYPE_VIRTIO_NET)

static VirtQueue *rxq(NetQueuePair *q)
{
    return virtio_get_queue(&q->n->parent_obj, q->rx_index);
}

static VirtQueue *txq(NetQueuePair *q)
{
    return virtio_get_queue(&q->n->parent_obj, q->tx_index);
}

static bool has(VirtIONet *n, unsigned bit)
{
    return virtio_has_feature(&n->parent_obj, bit);
}

/* ---- receive ------------------------------------------------------------- */

static bool rx_ready(NetQueuePair *q)
{
    VirtIODevice *vdev = &q->n->parent_obj;
    return virtio_is_ready(vdev) && rxq(q)->ready && !vdev->broken &&
           (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK);
}

static bool net_can_receive(NetClientState *nc)
{
    NetQueuePair *q = (NetQueuePair *)nc;
    return rx_ready(q) && virtqueue_has_work(rxq(q));
}

static bool mac_in(const uint8_t (*table)[6], unsigned count, const uint8_t *mac)
{
    for (unsigned i = 0; i < count; i++) {
        if (!memcmp(table[i], mac, 6)) {
            return true;
        }
    }
    return false;
}

/* The receive filter (5.1.6.5.1-3); @pkt starts at the Ethernet header. */
static bool rx_accept(VirtIONet *n, const uint8_t *pkt, size_t len)
{
    if (len < 14) {
        return false;
    }
    if (has(n, F_CTRL_VLAN) && pkt[12] == 0x81 && pkt[13] == 0x00 && len >= 16) {
        unsigned vid = ((pkt[14] << 8) | pkt[15]) & 0xfff;
        if (!(n->vlans[vid / 32] & (1u << (vid % 32)))) {
            return false;
        }
    }
    if (n->promisc) {
        return true;
    }
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    if (!memcmp(pkt, bcast, 6)) {
        return !n->nobcast;
    }
    if (pkt[0] & 1) {
        if (n->nomulti) {
            return false;
        }
        return n->allmulti || n->multi_overflow ||
               mac_in((const uint8_t (*)[6])n->multi_table, n->multi_count, pkt);
    }
    if (n->nouni) {
        return false;
    }
    return n->alluni || n->uni_overflow || !memcmp(pkt, n->mac, 6) ||
           mac_in((const uint8_t (*)[6])n->uni_table, n->uni_count, pkt);
}

static ssize_t net_receive(NetClientState *nc, const struct iovec *iov, int iovcnt)
{
    NetQueuePair *q = (NetQueuePair *)nc;
    VirtIONet *n = q->n;
    VirtIODevice *vdev = &n->parent_obj;
    size_t total = net_iov_size(iov, iovcnt);
    size_t in_hdr = n->peer_vnet_hdr ? NET_HDR_LEN : 0; /* header from the netdev */
    if (!rx_ready(q)) {
        return 0;
    }
    if (total < in_hdr) {
        return total;
    }
    uint8_t eth[16] = { 0 };
    size_t elen = net_iov_to_buf(iov, iovcnt, in_hdr, eth, sizeof(eth));
    if (!rx_accept(n, eth, elen)) {
        n->rx_filtered++;
        return total; /* filtered out, as the guest asked */
    }
    uint8_t hdr[NET_HDR_LEN] = { 0 };
    if (in_hdr) {
        net_iov_to_buf(iov, iovcnt, 0, hdr, NET_HDR_LEN);
    }
    size_t pkt_len = total - in_hdr;
    size_t need = NET_HDR_LEN + pkt_len;
    bool mrg = has(n, F_MRG_RXBUF);
    VirtQueue *rx = rxq(q);
    VirtQueueElement *elems[VIRTQUEUE_MAX_SIZE];
    size_t lens[VIRTQUEUE_MAX_SIZE];
    unsigned count = 0;
    size_t done = 0, room = 0;
    while (done < need) {
        VirtQueueElement *e = virtqueue_pop(rx);
        if (!e) {
            /* Not enough buffers yet: give them back and wait. */
            while (count) {
                virtqueue_unpop(rx, elems[--count]);
            }
            return vdev->broken ? (ssize_t)total : 0;
        }
        if (!e->in_num || (count == 0 && e->in_len < NET_HDR_LEN)) {
            virtio_error(vdev, "virtio-net: rx buffer too small for the header (%zu bytes)",
                         e->in_len);
            virtqueue_push(rx, e, 0);
            while (count) {
                virtqueue_push(rx, elems[--count], 0);
            }
            return total;
        }
        room = e->in_len;
        size_t take = MIN(room, need - done);
        lens[count] = take;
        elems[count++] = e;
        done += take;
        if (!mrg && done < need) {
            /* Without mergeable buffers one buffer holds the packet. */
            log_mask(LOG_GUEST_ERROR, "virtio-net: rx buffer of %zu bytes for a %zu-byte "
                     "packet (no mergeable buffers): truncated\n", room, need);
            lens[0] = room;
            break;
        }
        if (count == VIRTQUEUE_MAX_SIZE) {
            break;
        }
    }
    /* Copy: header then packet, across the elements. */
    hdr[10] = count & 0xff;
    hdr[11] = count >> 8;
    size_t src_off = in_hdr;
    for (unsigned i = 0; i < count; i++) {
        VirtQueueElement *e = elems[i];
        size_t off = 0;
        if (i == 0) {
            iov_from_buf(e->in_sg, e->in_num, 0, hdr, NET_HDR_LEN);
            off = NET_HDR_LEN;
        }
        size_t chunk = lens[i] - off;
        g_autofree uint8_t *tmp = g_malloc(chunk ? chunk : 1);
        size_t got = net_iov_to_buf(iov, iovcnt, src_off, tmp, chunk);
        iov_from_buf(e->in_sg, e->in_num, off, tmp, got);
        src_off += got;
        virtqueue_push(rx, e, off + got);
    }
    virtio_notify(vdev, rx);
    return total;
}

static void rx_handle(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    for (unsigned i = 0; i < n->max_pairs; i++) {
        if (n->pairs[i]->rx_index == vq->index) {
            net_client_flush(&n->pairs[i]->nc);
        }
    }
}

/* ---- transmit ------------------------------------------------------------- */

static void tx_flush(NetQueuePair *q);
static void tx_schedule(NetQueuePair *q);

static void tx_complete(NetClientState *nc, ssize_t len)
{
    NetQueuePair *q = (NetQueuePair *)nc;
    q->tx_waiting = false;
    tx_flush(q);
}

/* Send what the guest queued (main loop; at most TX_BURST frames, the rest
 * scheduled again). */
static void tx_flush(NetQueuePair *q)
{
    VirtIONet *n = q->n;
    VirtIODevice *vdev = &n->parent_obj;
    bool pushed = false;
    VirtQueue *tx = txq(q);
    unsigned sent = 0;
    /* Not before DRIVER_OK (virtio 1.1 3.1.1): a bottom half scheduled by a
     * kick before a reset must not run the queue while the driver sets it up
     * again (an error then would set NEEDS_RESET with no config interrupt). */
    while (!q->tx_waiting && virtio_is_ready(vdev)) {
        if (sent++ == TX_BURST) {
            tx_schedule(q); /* let the rest of the main loop run meanwhile */
            break;
        }
        VirtQueueElement *e = virtqueue_pop(tx);
        if (!e) {
            break;
        }
        if (e->out_len < NET_HDR_LEN) {
            virtio_error(vdev, "virtio-net: tx request of %zu bytes, shorter than its header",
                         e->out_len);
            virtqueue_push(tx, e, 0);
            return;
        }
        /* Skip our header unless the netdev takes it. */
        struct iovec sg[VIRTQUEUE_MAX_SG];
        unsigned skip = n->peer_vnet_hdr ? 0 : NET_HDR_LEN, cnt = 0;
        for (unsigned i = 0; i < e->out_num; i++) {
            size_t l = e->out_sg[i].iov_len;
            if (skip >= l) {
                skip -= l;
                continue;
            }
            sg[cnt].iov_base = (uint8_t *)e->out_sg[i].iov_base + skip;
            sg[cnt++].iov_len = l - skip;
            skip = 0;
        }
        /* A runt (no whole Ethernet header) is a guest mistake: completed,
         * never sent, as an empty packet would stay queued forever. */
        if (e->out_len < NET_HDR_LEN + ETH_HDR_LEN) {
            log_mask(LOG_GUEST_ERROR, "virtio-net: tx frame of %zu bytes (header included) "
                     "has no Ethernet header: dropped\n", e->out_len);
            virtqueue_push(tx, e, 0);
            pushed = true;
            continue;
        }
        ssize_t r = net_send_iov(&q->nc, sg, cnt, tx_complete);
        virtqueue_push(tx, e, 0);
        pushed = true;
        if (r == 0) {
            q->tx_waiting = true; /* the layer copied it; wait for its completion */
        }
    }
    if (pushed) {
        virtio_notify(vdev, tx);
    }
}

static gboolean tx_bh(gpointer opaque)
{
    NetQueuePair *q = opaque;
    devlock_lock();
    g_source_unref(q->tx_bh);
    q->tx_bh = NULL;
    tx_flush(q);
    devlock_unlock();
    return G_SOURCE_REMOVE;
}

static void tx_schedule(NetQueuePair *q)
{
    if (q->tx_bh) {
        return;
    }
    q->tx_bh = g_idle_source_new();
    g_source_set_priority(q->tx_bh, G_PRIORITY_DEFAULT);
    g_source_set_callback(q->tx_bh, tx_bh, q, NULL);
    g_source_attach(q->tx_bh, main_loop_context());
}

static void tx_cancel(NetQueuePair *q)
{
    if (q->tx_bh) {
        g_source_destroy(q->tx_bh);
        g_source_unref(q->tx_bh);
        q->tx_bh = NULL;
    }
}

/* A kick (vCPU thread): the main loop sends. */
static void tx_handle(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    for (unsigned i = 0; i < n->max_pairs; i++) {
        if (n->pairs[i]->tx_index == vq->index) {
            tx_schedule(n->pairs[i]);
        }
    }
}

/* ---- control queue --------------------------------------------------------- */

static uint8_t ctrl_rx(VirtIONet *n, uint8_t cmd, const uint8_t *d, size_t len)
{
    bool *flags[] = { &n->promisc, &n->allmulti, &n->alluni, &n->nomulti, &n->nouni,
                      &n->nobcast };
    if (cmd >= G_N_ELEMENTS(flags) || len < 1 || !has(n, F_CTRL_RX)) {
        return CTRL_ERR;
    }
    *flags[cmd] = d[0] != 0;
    return CTRL_OK;
}

/* One MAC table: le32 count then count entries; returns bytes used or 0. */
static size_t mac_table(const uint8_t *d, size_t len, uint8_t (*table)[6], unsigned *count,
                        bool *overflow)
{
    if (len < 4) {
        return 0;
    }
    uint32_t n = d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24;
    if (n > (len - 4) / 6) {
        return 0;
    }
    *overflow = n > MAC_TABLE_ENTRIES;
    *count = *overflow ? 0 : n;
    for (unsigned i = 0; i < *count; i++) {
        memcpy(table[i], d + 4 + 6 * i, 6);
    }
    return 4 + 6 * (size_t)n;
}

static uint8_t ctrl_mac(VirtIONet *n, uint8_t cmd, const uint8_t *d, size_t len)
{
    if (cmd == 1) { /* ADDR_SET */
        if (len != 6 || !has(n, F_CTRL_MAC_ADDR)) {
            return CTRL_ERR;
        }
        memcpy(n->mac, d, 6);
        memcpy(n->parent_obj.config, d, 6);
        return CTRL_OK;
    }
    if (cmd != 0 || !has(n, F_CTRL_RX)) {
        return CTRL_ERR;
    }
    size_t u = mac_table(d, len, n->uni_table, &n->uni_count, &n->uni_overflow);
    if (!u || !mac_table(d + u, len - u, n->multi_table, &n->multi_count, &n->multi_overflow)) {
        n->uni_count = n->multi_count = 0;
        return CTRL_ERR;
    }
    return CTRL_OK;
}

static uint8_t ctrl_vlan(VirtIONet *n, uint8_t cmd, const uint8_t *d, size_t len)
{
    if (len != 2 || cmd > 1 || !has(n, F_CTRL_VLAN)) {
        return CTRL_ERR;
    }
    unsigned vid = (d[0] | d[1] << 8);
    if (vid >= MAX_VLAN) {
        return CTRL_ERR;
    }
    if (cmd == 0) {
        n->vlans[vid / 32] |= 1u << (vid % 32);
    } else {
        n->vlans[vid / 32] &= ~(1u << (vid % 32));
    }
    return CTRL_OK;
}

static void apply_offloads(VirtIONet *n, uint64_t f)
{
    if (!n->peer_vnet_hdr) {
        return;
    }
    NetOffloads o = {
        .csum = f & (1ull << F_GUEST_CSUM),
        .tso4 = f & (1ull << F_GUEST_TSO4),
        .tso6 = f & (1ull << F_GUEST_TSO6),
        .ecn = f & (1ull << F_GUEST_ECN),
        .ufo = f & (1ull << F_GUEST_UFO),
    };
    for (unsigned i = 0; i < n->max_pairs; i++) {
        net_peer_set_offload(&n->pairs[i]->nc, &o);
    }
}

static uint8_t ctrl_command(VirtIONet *n, uint8_t cls, uint8_t cmd, const uint8_t *d, size_t len,
                            bool *filter_changed)
{
    switch (cls) {
    case CTRL_RX:
        *filter_changed = true;
        return ctrl_rx(n, cmd, d, len);
    case CTRL_MAC:
        *filter_changed = true;
        return ctrl_mac(n, cmd, d, len);
    case CTRL_VLAN:
        *filter_changed = true;
        return ctrl_vlan(n, cmd, d, len);
    case CTRL_ANNOUNCE:
        if (cmd != 0 || !has(n, F_GUEST_ANNOUNCE)) {
            return CTRL_ERR;
        }
        n->status &= ~STATUS_ANNOUNCE;
        return CTRL_OK;
    case CTRL_MQ: {
        unsigned pairs = len == 2 ? (unsigned)(d[0] | d[1] << 8) : 0;
        if (cmd != 0 || !has(n, F_MQ) || pairs < 1 || pairs > n->max_pairs) {
            return CTRL_ERR;
        }
        n->cur_pairs = pairs;
        return CTRL_OK;
    }
    case CTRL_GUEST_OFFLOADS:
        if (cmd != 0 || len != 8 || !has(n, F_CTRL_GUEST_OFFLOADS)) {
            return CTRL_ERR;
        }
        uint64_t f = 0;
        for (int i = 7; i >= 0; i--) {
            f = f << 8 | d[i];
        }
        if (f & ~n->parent_obj.guest_features) {
            return CTRL_ERR;
        }
        apply_offloads(n, f);
        return CTRL_OK;
    }
    return CTRL_ERR;
}

static void ctrl_handle(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    bool changed = false, pushed = false;
    VirtQueueElement *e;
    while ((e = virtqueue_pop(vq))) {
        if (e->out_len < 2 || e->in_len < 1 || e->out_len > 4096 + 2) {
            virtio_error(vdev, "virtio-net: malformed control request (%zu out, %zu in)",
                         e->out_len, e->in_len);
            virtqueue_push(vq, e, 0);
            return;
        }
        g_autofree uint8_t *buf = g_malloc(e->out_len);
        iov_to_buf(e->out_sg, e->out_num, 0, buf, e->out_len);
        uint8_t ack = ctrl_command(n, buf[0], buf[1], buf + 2, e->out_len - 2, &changed);
        iov_from_buf(e->in_sg, e->in_num, 0, &ack, 1);
        virtqueue_push(vq, e, 1);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
    if (changed) {
        g_autofree char *path = object_get_canonical_path(OBJECT(vdev));
        net_nic_rx_filter_changed(&n->pairs[0]->nc, path);
    }
}

/* ---- net client ------------------------------------------------------------ */

static void net_link_changed(NetClientState *nc)
{
    NetQueuePair *q = (NetQueuePair *)nc;
    VirtIONet *n = q->n;
    uint16_t old = n->status;
    if (nc->link_down) {
        n->status &= ~STATUS_LINK_UP;
    } else {
        n->status |= STATUS_LINK_UP;
    }
    if (old != n->status && has(n, F_STATUS)) {
        virtio_notify_config(&n->parent_obj);
    }
}

static void net_query_rx_filter(NetClientState *nc, NetRxFilter *f)
{
    VirtIONet *n = ((NetQueuePair *)nc)->n;
    f->promiscuous = n->promisc;
    f->multicast = n->nomulti ? "none" : n->allmulti ? "all" : "normal";
    f->unicast = n->nouni ? "none" : n->alluni ? "all" : "normal";
    f->vlan = has(n, F_CTRL_VLAN) ? "normal" : "all";
    f->broadcast_allowed = !n->nobcast;
    f->multicast_overflow = n->multi_overflow;
    f->unicast_overflow = n->uni_overflow;
    memcpy(f->main_mac, n->mac, 6);
    for (guint v = 0; has(n, F_CTRL_VLAN) && v < MAX_VLAN; v++) {
        if (n->vlans[v / 32] & (1u << (v % 32))) {
            g_array_append_val(f->vlan_table, v);
        }
    }
    struct { uint8_t (*t)[6]; unsigned c; GPtrArray *out; } tabs[] = {
        { n->uni_table, n->uni_count, f->unicast_table },
        { n->multi_table, n->multi_count, f->multicast_table },
    };
    for (size_t t = 0; t < G_N_ELEMENTS(tabs); t++) {
        for (unsigned i = 0; i < tabs[t].c; i++) {
            const uint8_t *m = tabs[t].t[i];
            g_ptr_array_add(tabs[t].out, g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x",
                                                         m[0], m[1], m[2], m[3], m[4], m[5]));
        }
    }
}

static const NetClientInfo nic_info = {
    .kind = "nic",
    .receive = net_receive,
    .can_receive = net_can_receive,
    .link_status_changed = net_link_changed,
    .query_rx_filter = net_query_rx_filter,
};

/* ---- virtio device ------------------------------------------------------------ */

static uint64_t net_get_features(VirtIODevice *vdev)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    uint64_t f = 1ull << F_MAC | 1ull << F_STATUS | 1ull << F_CTRL_VQ | 1ull << F_CTRL_RX |
                 1ull << F_CTRL_VLAN | 1ull << F_GUEST_ANNOUNCE | 1ull << F_CTRL_MAC_ADDR;
    if (n->mrg_rxbuf) {
        f |= 1ull << F_MRG_RXBUF;
    }
    if (n->mtu) {
        f |= 1ull << F_MTU;
    }
    if (n->max_pairs > 1) {
        f |= 1ull << F_MQ;
    }
    if (n->peer_vnet_hdr && n->csum) {
        f |= 1ull << F_CSUM | 1ull << F_HOST_TSO4 | 1ull << F_HOST_TSO6 | 1ull << F_HOST_ECN |
             1ull << F_GUEST_CSUM | 1ull << F_GUEST_TSO4 | 1ull << F_GUEST_TSO6 |
             1ull << F_GUEST_ECN | 1ull << F_CTRL_GUEST_OFFLOADS;
    }
    return f;
}

static void net_set_features(VirtIODevice *vdev, uint64_t features)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    apply_offloads(n, features);
    /* Without a control queue the driver cannot set a filter: take all. */
    if (!(features & (1ull << F_CTRL_RX))) {
        n->promisc = true;
    }
}

static void net_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    memcpy(config, n->mac, 6);
    virtio_stw(config + 6, n->status);
    virtio_stw(config + 8, n->max_pairs);
    virtio_stw(config + 10, n->mtu);
}

static void net_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    /* Legacy drivers wrote the MAC here; modern ones use the control queue,
     * but the field stays writable unless CTRL_MAC_ADDR was negotiated. */
    if (!has(n, F_CTRL_MAC_ADDR)) {
        memcpy(n->mac, config, 6);
    }
}

static void net_set_status(VirtIODevice *vdev, uint8_t status)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    if (status & VIRTIO_CONFIG_S_DRIVER_OK) {
        for (unsigned i = 0; i < n->max_pairs; i++) {
            net_client_flush(&n->pairs[i]->nc);
            tx_flush(n->pairs[i]);
        }
    }
}

static void net_reset(VirtIODevice *vdev)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    n->promisc = true;
    n->allmulti = n->alluni = n->nomulti = n->nouni = n->nobcast = false;
    n->uni_count = n->multi_count = 0;
    n->uni_overflow = n->multi_overflow = false;
    memset(n->vlans, 0, sizeof(n->vlans));
    n->cur_pairs = 1;
    n->status = (n->pairs[0] && n->pairs[0]->nc.link_down) ? 0 : STATUS_LINK_UP;
    for (unsigned i = 0; i < n->max_pairs; i++) {
        n->pairs[i]->tx_waiting = false;
        tx_cancel(n->pairs[i]);
    }
    if (n->mac_str) {
        net_parse_mac(n->mac_str, n->mac);
    }
}

/* The device the user named: the -pci proxy that owns us, or ourselves;
 * its id names the NIC and its type is the model (info network). */
static DeviceState *net_user_device(VirtIODevice *vdev)
{
    Object *parent = object_get_parent(OBJECT(vdev));
    if (parent && object_dynamic_cast(parent, TYPE_VIRTIO_PCI)) {
        return DEVICE(parent);
    }
    return DEVICE(vdev);
}

static const char *id_or_name(VirtIODevice *vdev)
{
    DeviceState *dev = net_user_device(vdev);
    return dev->id ? dev->id : vdev->name;
}

static bool net_realize(VirtIODevice *vdev, GError **errp)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    DeviceState *dev = net_user_device(vdev);
    const char *model = object_get_typename(OBJECT(dev));
    if (n->mac_str) {
        if (!net_parse_mac(n->mac_str, n->mac)) {
            g_set_error(errp, VIRTIO_ERROR, 0, "%s: invalid mac '%s' (expected "
                        "52:54:00:12:34:56)", vdev->name, n->mac_str);
            return false;
        }
    } else {
        net_default_mac(n->mac);
    }
    if (n->mtu && (n->mtu < 68 || n->mtu > 65535 - 14)) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: mtu %u out of range (68..65521)", vdev->name,
                    n->mtu);
        return false;
    }
    /* Firmware boots from the network behind the transport (QEMU's suffix). */
    if (!boot_order_add(n->bootindex, DEVICE(n), "/ethernet-phy@0", id_or_name(vdev), errp)) {
        return false;
    }
    g_autoptr(GPtrArray) queues = n->netdev ? netdev_queues(n->netdev) : g_ptr_array_new();
    n->max_pairs = 1;
    if (n->mq && queues->len > 1) {
        n->max_pairs = MIN(queues->len, MAX_PAIRS);
    }
    const char *id = dev->id ? dev->id : NULL;
    for (unsigned i = 0; i < n->max_pairs; i++) {
        NetQueuePair *q;
        GError *err = NULL;
        if (i == 0) {
            q = (NetQueuePair *)net_nic_new(&nic_info, sizeof(NetQueuePair), n->netdev, model,
                                            id, &err);
        } else {
            NetClientState *peer = g_ptr_array_index(queues, i);
            q = (NetQueuePair *)net_client_new(&nic_info, sizeof(NetQueuePair),
                                               peer->peer ? NULL : peer,
                                               model, n->pairs[0]->nc.name, &err);
            if (q) {
                q->nc.is_nic = true;
                q->nc.queue_index = i;
            }
        }
        if (!q) {
            g_propagate_error(errp, err);
            for (unsigned k = 0; k < i; k++) {
                net_client_free(&n->pairs[k]->nc);
                n->pairs[k] = NULL;
            }
            boot_order_del(DEVICE(n));
            return false;
        }
        q->n = n;
        n->pairs[i] = q;
        q->rx_index = virtio_add_queue(vdev, QUEUE_SIZE, rx_handle)->index;
        q->tx_index = virtio_add_queue(vdev, QUEUE_SIZE, tx_handle)->index;
        net_client_set_info_str(&q->nc, "model=%s,macaddr=%02x:%02x:%02x:%02x:%02x:%02x",
                                model, n->mac[0], n->mac[1],
                                n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
    }
    virtio_add_queue(vdev, 64, ctrl_handle);
    n->peer_vnet_hdr = net_peer_has_vnet_hdr(&n->pairs[0]->nc);
    if (n->peer_vnet_hdr) {
        for (unsigned i = 0; i < n->max_pairs; i++) {
            net_peer_set_vnet_hdr(&n->pairs[i]->nc, NET_HDR_LEN);
        }
    }
    virtio_init_config(vdev, 12);
    net_reset(vdev);
    return true;
}

static void net_unrealize(VirtIODevice *vdev)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    for (unsigned i = 0; i < n->max_pairs; i++) {
        if (n->pairs[i]) {
            tx_cancel(n->pairs[i]);
            net_client_free(&n->pairs[i]->nc);
            n->pairs[i] = NULL;
        }
    }
    boot_order_del(DEVICE(n));
}

static GVariant *stat_get(Object *obj, Property *prop)
{
    VirtIONet *n = VIRTIO_NET(obj);
    uint64_t v = 0;
    for (unsigned i = 0; i < n->max_pairs && n->pairs[i]; i++) {
        NetClientState *nc = &n->pairs[i]->nc;
        const char *w = prop->name;
        v += !strcmp(w, "rx-packets") ? nc->rx_packets : !strcmp(w, "tx-packets") ? nc->tx_packets
           : !strcmp(w, "rx-bytes") ? nc->rx_bytes : !strcmp(w, "tx-bytes") ? nc->tx_bytes : 0;
    }
    if (!strcmp(prop->name, "rx-filtered")) {
        v = n->rx_filtered;
    }
    return g_variant_new_uint64(v);
}

static const PropertyInfo net_props[] = {
    PROP_STRING("netdev", VirtIONet, netdev, NULL, "the netdev this NIC is joined to"),
    PROP_STRING("mac", VirtIONet, mac_str, NULL, "MAC address (default 52:54:00:12:34:56+n)"),
    PROP_UINT16("mtu", VirtIONet, mtu, 0, "MTU advertised to the guest (0: none)"),
    PROP_INT32("bootindex", VirtIONet, bootindex, -1,
               "place in the boot order (-1: none; boards boot -kernel/-bios)"),
    PROP_BOOL("mq", VirtIONet, mq, false, "one queue pair per netdev queue (multiqueue tap)"),
    PROP_BOOL("mrg_rxbuf", VirtIONet, mrg_rxbuf, true, "mergeable receive buffers"),
    PROP_BOOL("csum", VirtIONet, csum, true,
              "offer checksum/TSO offloads when the netdev carries vnet headers"),
    PROP_END
};

static void net_class_init(ObjectClass *klass, const void *data)
{
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);
    vdc->device_id = VIRTIO_ID_NET;
    vdc->realize = net_realize;
    vdc->unrealize = net_unrealize;
    vdc->get_features = net_get_features;
    vdc->set_features = net_set_features;
    vdc->get_config = net_get_config;
    vdc->set_config = net_set_config;
    vdc->set_status = net_set_status;
    vdc->reset = net_reset;
    object_class_add_field_properties(klass, net_props);
    static const char *const stats[] = { "rx-packets", "tx-packets", "rx-bytes", "tx-bytes",
                                         "rx-filtered" };
    for (size_t i = 0; i < G_N_ELEMENTS(stats); i++) {
        Property *p = object_class_property_add(klass, stats[i], PROP_KIND_UINT64, stat_get,
                                                NULL, NULL);
        property_set_description(p, "statistics (read-only)");
    }
}

static const TypeInfo net_info = {
    .name = TYPE_VIRTIO_NET,
    .parent = TYPE_VIRTIO_DEVICE,
    .category = "network",
    .description = "virtio network card",
    .user_creatable = true,
    .instance_size = sizeof(VirtIONet),
    .class_size = sizeof(VirtIODeviceClass),
    .class_init = net_class_init,
};

static const TypeInfo net_pci_info =
    VIRTIO_PCI_PROXY_TYPE(TYPE_VIRTIO_NET_PCI, TYPE_VIRTIO_NET, 0x0200 /* Ethernet */, "network",
                          "virtio network card (PCI)");

static const TypeInfo net_pci_nt_info =
    VIRTIO_PCI_NON_TRANSITIONAL_TYPE(TYPE_VIRTIO_NET_PCI "-non-transitional", TYPE_VIRTIO_NET_PCI,
                                     "network", "virtio network card (PCI, modern virtio only)");

TESSERA_MODULE(.name = "virtio-net", .kind = "device",
               .types = TESSERA_TYPES(&net_info, &net_pci_info, &net_pci_nt_info));
