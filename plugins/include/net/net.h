/* SPDX-License-Identifier: MIT */
/*
 * The network layer (library module "net"): net clients joined in peer
 * pairs, hubs, queued delivery with back-pressure, netdev backends.
 *
 * A NetClientState is one end of a link: a guest NIC, a host backend
 * (netdev: user, tap, stream, dgram, socket) or a hub port.  Two clients
 * are peers; a packet sent by one is delivered to the other.  The legacy
 * "-net nic -net user" form and "-nic" join clients through a hub, whose
 * ports are clients too.
 *
 * Delivery: net_send() hands the packet to the peer's receive() when the
 * peer can take it and nothing is queued for it; otherwise the packet is
 * queued on the peer.  A sender that passes a completion callback gets 0
 * back and must stop reading its host source until the callback runs
 * (back-pressure: a NIC without rx buffers makes the backend stop
 * reading).  A sender without a callback (slirp, which cannot pause) has
 * its packet queued up to NET_QUEUE_MAX_PACKETS; beyond that the packet
 * is dropped and counted (shown by "info network", warned once), never
 * silently.  When a receiver can take packets again it calls
 * net_client_flush().
 *
 * Everything runs with the device lock held (vCPU MMIO or the main loop).
 */
#ifndef TESSERA_NET_NET_H
#define TESSERA_NET_NET_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "objmodel/object.h"
#include "kernel/options.h"
#include "monitor/monitor-net.h"

#define NET_ERROR (net_error_quark())
GQuark net_error_quark(void);
typedef enum {
    NET_ERROR_INVALID,   /* bad option or combination */
    NET_ERROR_EXISTS,    /* duplicate id */
    NET_ERROR_NOT_FOUND, /* no such netdev / client */
    NET_ERROR_IN_USE,    /* netdev already has a peer */
    NET_ERROR_HOST,      /* a host call failed (bind, open, connect) */
} NetErrorCode;

/* Packets held for one receiver before packets without a callback drop. */
#define NET_QUEUE_MAX_PACKETS 256
/* Largest frame the layer carries (with a vnet header). */
#define NET_MAX_FRAME (65536 + 64)

typedef struct NetClientState NetClientState;
typedef struct NetHub NetHub;
typedef struct NetPacket NetPacket;

/* Completion of a queued send: the sender may read again. */
typedef void (*NetSentCb)(NetClientState *sender, ssize_t len);

/* Offloads negotiated between a NIC and a backend that carries vnet
 * headers (virtio-net's feature bits, in the tap ioctl's terms). */
typedef struct NetOffloads {
    bool csum, tso4, tso6, ecn, ufo;
} NetOffloads;

/* The receive filter a NIC reports (query-rx-filter). */
typedef MonitorRxFilter NetRxFilter;

typedef struct NetClientInfo {
    /* "nic", "hubport", "user", "tap", "stream", "dgram", "socket" */
    const char *kind;
    /* Take one packet: its length when taken, 0 when it cannot be taken now
     * (it stays queued until net_client_flush()), negative to drop it
     * (counted as an error). */
    ssize_t (*receive)(NetClientState *nc, const struct iovec *iov, int iovcnt);
    /* NULL: always. */
    bool (*can_receive)(NetClientState *nc);
    void (*link_status_changed)(NetClientState *nc);
    /* The peer took everything queued for it: a backend that stopped
     * polling its host side (slirp) may poll again. */
    void (*peer_drained)(NetClientState *nc);
    /* Free host resources; the layer frees the client itself. */
    void (*cleanup)(NetClientState *nc);
    /* Backends carrying virtio-net headers (tap vnet_hdr=on). */
    bool (*has_vnet_hdr)(NetClientState *nc);
    void (*set_vnet_hdr)(NetClientState *nc, bool on, int len);
    void (*set_offload)(NetClientState *nc, const NetOffloads *o);
    /* NICs: fill @f for query-rx-filter. */
    void (*query_rx_filter)(NetClientState *nc, NetRxFilter *f);
    /* Extra lines for "info usernet" (user backend). */
    void (*info_usernet)(NetClientState *nc, GString *out);
    /* HMP hostfwd_add/hostfwd_remove (user backend). */
    bool (*hostfwd_add)(NetClientState *nc, const char *rule, GError **errp);
    bool (*hostfwd_remove)(NetClientState *nc, const char *rule, GError **errp);
} NetClientInfo;

typedef struct NetQueue {
    GQueue packets;             /* NetPacket * for this client */
    bool warned;
} NetQueue;

typedef struct NetFilterDump NetFilterDump;

struct NetClientState {
    const NetClientInfo *info;
    char *name;                 /* id ("n0") or generated ("hub0port1") */
    char *model;                /* "user", "virtio-net-pci", "hub" */
    char *info_str;             /* "net=10.0.2.0,restrict=off" for info network */
    NetClientState *peer;
    NetQueue queue;             /* packets waiting for this client */
    NetHub *hub;                /* hub ports: their hub */
    bool is_netdev;             /* created by -netdev/netdev_add (deletable by id) */
    bool is_nic;
    bool link_down;
    bool deleting;
    bool rx_filter_event_sent;  /* NIC_RX_FILTER_CHANGED sent, not yet queried */
    unsigned queue_index;       /* multiqueue netdevs: which queue */
    NetFilterDump *dump;        /* filter-dump on this netdev, or NULL */
    int vnet_hdr_len;           /* packets through this client carry a vnet header */
    void *io;                   /* the backend's NetStreamConn/NetDgramConn, or NULL */
    /* Counters for info network / statistics. */
    uint64_t tx_packets, rx_packets, tx_bytes, rx_bytes;
    uint64_t dropped;           /* queue full, no callback */
    uint64_t rx_errors;         /* receive() refused the packet */
};

/* ---- clients ------------------------------------------------------------- */

/* A new client of @size bytes (>= sizeof(NetClientState), so backends
 * embed it first), named @name (NULL: "<model>.<n>"), joined to @peer
 * when not NULL.  Fails only when @peer already has a peer. */
NetClientState *net_client_new(const NetClientInfo *info, size_t size, NetClientState *peer,
                               const char *model, const char *name, GError **errp);
/* Detach from the peer (the peer stays, now alone), drop queued packets,
 * run cleanup, free. */
void net_client_free(NetClientState *nc);
void net_client_set_info_str(NetClientState *nc, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
NetClientState *net_client_find(const char *name);
/* Every client (borrowed pointers, free the array). */
GPtrArray *net_client_list(void);
bool net_peer_pair(NetClientState *a, NetClientState *b, GError **errp);

/* Send to the peer.  Returns the length when delivered (or discarded
 * because a link is down or there is no peer), 0 when queued with @cb
 * (stop reading until it runs).  Without @cb a packet that cannot be
 * delivered is queued, or dropped and counted when the queue is full. */
ssize_t net_send(NetClientState *nc, const uint8_t *buf, size_t len, NetSentCb cb);
ssize_t net_send_iov(NetClientState *nc, const struct iovec *iov, int iovcnt, NetSentCb cb);
/* The receiver can take packets again: deliver what is queued for @nc,
 * then run the senders' callbacks.  Returns true when the queue emptied. */
bool net_client_flush(NetClientState *nc);
/* Whether @nc's peer would take a packet now (nothing queued for it and
 * its can_receive agrees).  Backends that cannot be told "wait" (slirp)
 * poll their host sources only while this is true. */
bool net_peer_can_receive(NetClientState *nc);
size_t net_queue_length(NetClientState *nc);
/* Link state (set_link): both ends of the pair follow, as in QEMU. */
bool net_set_link(const char *name, bool up, GError **errp);

/* vnet headers: true when @nc's peer carries them and can be set to
 * @len bytes; the NIC then puts a header before every packet. */
bool net_peer_has_vnet_hdr(NetClientState *nc);
void net_peer_set_vnet_hdr(NetClientState *nc, int len);
void net_peer_set_offload(NetClientState *nc, const NetOffloads *o);

/* ---- hubs (legacy -net, -nic) ------------------------------------------- */

/* The port of hub @hub_id (created on first use) joined to @peer. */
NetClientState *net_hub_add_port(int hub_id, const char *name, NetClientState *peer,
                                 GError **errp);
int net_hub_id(NetClientState *port);

/* ---- netdevs: backends as object types "netdev-<type>" ------------------ */

#define TYPE_NETDEV "netdev"
#define TYPE_NETDEV_PREFIX "netdev-"

/* A netdev backend class; one instance per -netdev. */
typedef struct NetdevClass {
    ObjectClass parent_class;
    /* Option keys besides "type" and "id" (NULL-terminated); others are
     * refused by name. */
    const char *const *options;
    /* Parse @opts and create the backend's client(s), joined to @peer
     * (a hub port for -net, NULL otherwise).  @name is the id.  Return
     * the first client (queues > 1: the others follow with queue_index). */
    NetClientState *(*init)(OptDict *opts, const char *name, NetClientState *peer,
                            GError **errp);
} NetdevClass;

#define NETDEV_CLASS(k) OBJECT_CLASS_CHECK(NetdevClass, (k), TYPE_NETDEV)

/* Create from "-netdev TYPE,id=ID,..." (type is the implied key); loads
 * the backend's module.  Errors are one line starting with "-netdev". */
NetClientState *netdev_add_opts(OptDict *opts, GError **errp);
/* Remove a netdev by id (and its extra queues); its NIC stays, unplugged. */
bool netdev_del(const char *id, GError **errp);
/* The queues of netdev @id: a new array of borrowed pointers, empty when
 * there is none. */
GPtrArray *netdev_queues(const char *id);
/* Parse "-netdev"/"-net"/"-nic" text (implied key "type"); repeated
 * hostfwd=/guestfwd=/dnssearch= become "hostfwd", "hostfwd.1", ... */
OptDict *net_opts_parse(const char *option, const char *text, GError **errp);
/* The values of such a key, in order (free the array, not the strings). */
GPtrArray *net_opt_list(OptDict *opts, const char *key);
/* Parse one option of a netdev: helpers reporting "-netdev TYPE: ..." */
bool net_opt_bool(OptDict *opts, const char *key, bool def, bool *out, GError **errp);
bool net_opt_uint(OptDict *opts, const char *key, unsigned def, unsigned max, unsigned *out,
                  GError **errp);

/* The legacy and shorthand forms, for the launcher:
 *   -net nic[,model=M][,macaddr=..][,netdev=..][,vlan=N]  -> a NIC entry
 *   -net user|tap|...[,vlan=N]                            -> backend on hub N
 *   -nic TYPE[,model=M][,mac=..][,backend options]        -> backend + NIC
 * A "-net nic" or "-nic" asks the board for a NIC of @model: the launcher
 * creates the device "<model>" with netdev=<the hub port or netdev>. */
typedef struct NetNicRequest {
    char *model;                /* NULL: the default (virtio-net-pci) */
    char *netdev;               /* the client the NIC joins */
    char *mac;                  /* or NULL */
    char *id;                   /* or NULL */
} NetNicRequest;
void net_nic_request_free(NetNicRequest *r);
/* Returns a NIC request for "-net nic" and "-nic" (NULL otherwise). */
bool net_legacy_add(const char *option, OptDict *opts, NetNicRequest **nic, GError **errp);

/* A NIC: claims the netdev @netdev_id (which must have no peer yet). */
NetClientState *net_nic_new(const NetClientInfo *info, size_t size, const char *netdev_id,
                            const char *model, const char *name, GError **errp);
/* Parse "52:54:00:12:34:56"; false on bad text. */
bool net_parse_mac(const char *text, uint8_t mac[6]);
/* A fresh locally administered MAC 52:54:00:12:34:(56+n). */
void net_default_mac(uint8_t mac[6]);
/* The NIC changed its receive filter: one NIC_RX_FILTER_CHANGED event
 * until the next query-rx-filter for it. */
void net_nic_rx_filter_changed(NetClientState *nc, const char *path);

/* ---- filter-dump -------------------------------------------------------- */

#define TYPE_FILTER_DUMP "filter-dump"
/* Attach every filter-dump object in /objects to its netdev (launcher,
 * after -netdev). */
bool net_filters_attach(GError **errp);
void net_filter_dump_packet(NetFilterDump *f, const struct iovec *iov, int iovcnt,
                            size_t skip);

/* ---- host I/O helpers for backends (net-io.c) ------------------------- */

/*
 * A connected stream socket carrying frames as QEMU's socket/stream
 * netdevs do: a 4-byte big-endian length, then the frame.  Reading pauses
 * while the peer cannot take a frame; output the socket cannot take now
 * is held (one frame at most) and further packets wait in the layer's
 * queue until it drains.  @closed runs (main loop) when the other side
 * goes away; the connection is already stopped then.
 */
typedef struct NetStreamConn {
    NetClientState *nc;
    int fd;
    GSource *in_src, *out_src;
    uint8_t *rbuf;
    size_t rlen;
    GByteArray *out;
    bool paused;                /* waiting for the peer to take a frame */
    void (*closed)(NetClientState *nc);
} NetStreamConn;

void net_stream_conn_start(NetStreamConn *c, NetClientState *nc, int fd,
                           void (*closed)(NetClientState *nc));
/* Stop watching, close the fd, forget held data. */
void net_stream_conn_stop(NetStreamConn *c);
bool net_stream_conn_active(NetStreamConn *c);
/* receive() for a stream backend. */
ssize_t net_stream_conn_receive(NetStreamConn *c, const struct iovec *iov, int iovcnt);

/* A datagram socket: one frame per datagram, to @dest (or connected). */
typedef struct NetDgramConn {
    NetClientState *nc;
    int fd;
    GSource *in_src, *out_src;
    struct sockaddr_storage dest;
    socklen_t dest_len;         /* 0: the socket is connected */
    bool paused;
} NetDgramConn;

void net_dgram_conn_start(NetDgramConn *c, NetClientState *nc, int fd);
void net_dgram_conn_stop(NetDgramConn *c);
ssize_t net_dgram_conn_receive(NetDgramConn *c, const struct iovec *iov, int iovcnt);

/* "host:port" (host may be empty or [v6]); false with an error. */
bool net_parse_host_port(const char *text, char **host, char **port, GError **errp);
/* Resolve and open: a listening TCP/unix socket, or a connected one. */
int net_inet_listen(const char *host, const char *port, GError **errp);
int net_inet_connect(const char *host, const char *port, GError **errp);
int net_unix_listen(const char *path, bool abstract, GError **errp);
int net_unix_connect(const char *path, bool abstract, GError **errp);

/* ---- info -------------------------------------------------------------- */

void net_info_network(GString *out);

/* iov helpers */
size_t net_iov_size(const struct iovec *iov, int iovcnt);
size_t net_iov_to_buf(const struct iovec *iov, int iovcnt, size_t offset, void *buf,
                      size_t len);

#endif
