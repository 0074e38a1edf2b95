/* SPDX-License-Identifier: MIT */
/*
 * -netdev tap: a Linux tap interface.
 *   -netdev tap,id=ID[,ifname=NAME][,script=no|PATH][,downscript=no|PATH]
 *        [,fd=N][,vnet_hdr=on|off][,queues=N]
 * script=PATH runs "PATH IFNAME" after opening (downscript at removal); no
 * script runs unless one is named.  With vnet_hdr=on the kernel puts a
 * virtio-net header before every frame: a NIC that negotiates offloads
 * uses it as is (net_peer_set_vnet_hdr), otherwise it is removed on
 * input and a zero header (no offload) added on output.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib-unix.h>

#include "kernel/fdpass.h"
#include "kernel/module.h"
#include "kernel/runstate.h"
#include "net/net.h"

#define TAP_VNET_HDR_DEFAULT 10 /* struct virtio_net_hdr */
#define TAP_MAX_QUEUES 16

typedef struct TapState {
    NetClientState nc;
    int fd;
    GSource *in_src, *out_src;
    bool vnet_hdr;              /* the fd carries headers */
    int hdr_len;                /* their size */
    bool peer_uses_hdr;         /* the NIC reads/writes them itself */
    bool paused;
    char ifname[IFNAMSIZ];
    char *downscript;
} TapState;

static const char *const tap_options[] = {
    "ifname", "script", "downscript", "fd", "vnet_hdr", "queues", NULL,
};

static gboolean tap_readable(gint fd, GIOCondition cond, gpointer opaque);

static GSource *tap_watch(TapState *s, GIOCondition cond, GUnixFDSourceFunc fn)
{
    GSource *src = g_unix_fd_source_new(s->fd, cond);
    g_source_set_callback(src, G_SOURCE_FUNC(fn), s, NULL);
    g_source_attach(src, main_loop_context());
    return src;
}

static void tap_sent(NetClientState *nc, ssize_t len)
{
    TapState *s = (TapState *)nc;
    if (s->paused && s->fd >= 0) {
        s->paused = false;
        s->in_src = tap_watch(s, G_IO_IN, tap_readable);
    }
}

static gboolean tap_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    TapState *s = opaque;
    g_autofree uint8_t *buf = g_malloc(NET_MAX_FRAME);
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(fd, buf, NET_MAX_FRAME);
        if (n <= 0) {
            break;
        }
        size_t skip = (s->vnet_hdr && !s->peer_uses_hdr) ? s->hdr_len : 0;
        if ((size_t)n <= skip) {
            continue;
        }
        if (net_send(&s->nc, buf + skip, n - skip, tap_sent) == 0) {
            s->paused = true;
            GSource *self = s->in_src;
            s->in_src = NULL;
            g_source_unref(self);
            return G_SOURCE_REMOVE;
        }
    }
    return G_SOURCE_CONTINUE;
}

static gboolean tap_writable(gint fd, GIOCondition cond, gpointer opaque)
{
    TapState *s = opaque;
    GSource *self = s->out_src;
    s->out_src = NULL;
    g_source_unref(self);
    net_client_flush(&s->nc);
    return G_SOURCE_REMOVE;
}

static ssize_t tap_receive(NetClientState *nc, const struct iovec *iov, int iovcnt)
{
    TapState *s = (TapState *)nc;
    size_t len = net_iov_size(iov, iovcnt);
    if (s->out_src) {
        return 0;
    }
    uint8_t zero_hdr[16] = { 0 };
    struct iovec v[65];
    int n = 0;
    if (s->vnet_hdr && !s->peer_uses_hdr) {
        v[n++] = (struct iovec) { .iov_base = zero_hdr, .iov_len = s->hdr_len };
    }
    for (int i = 0; i < iovcnt && n < (int)G_N_ELEMENTS(v); i++) {
        v[n++] = iov[i];
    }
    ssize_t r = writev(s->fd, v, n);
    if (r < 0 && errno == EAGAIN) {
        s->out_src = tap_watch(s, G_IO_OUT, tap_writable);
        return 0;
    }
    return len; /* other errors: the interface is down, the frame is gone */
}

static bool tap_has_vnet_hdr(NetClientState *nc)
{
    return ((TapState *)nc)->vnet_hdr;
}

static void tap_set_vnet_hdr(NetClientState *nc, bool on, int len)
{
    TapState *s = (TapState *)nc;
    if (!s->vnet_hdr) {
        return;
    }
    if (ioctl(s->fd, TUNSETVNETHDRSZ, &len) == 0) {
        s->hdr_len = len;
        s->peer_uses_hdr = on;
        nc->vnet_hdr_len = on ? len : 0;
    }
}

static void tap_set_offload(NetClientState *nc, const NetOffloads *o)
{
    TapState *s = (TapState *)nc;
    unsigned flags = (o->csum ? TUN_F_CSUM : 0) | (o->tso4 ? TUN_F_TSO4 : 0) |
                     (o->tso6 ? TUN_F_TSO6 : 0) | (o->ecn ? TUN_F_TSO_ECN : 0) |
                     (o->ufo ? TUN_F_UFO : 0);
    if (s->vnet_hdr) {
        ioctl(s->fd, TUNSETOFFLOAD, flags);
    }
}

static void tap_cleanup(NetClientState *nc)
{
    TapState *s = (TapState *)nc;
    GSource *srcs[] = { s->in_src, s->out_src };
    for (size_t i = 0; i < G_N_ELEMENTS(srcs); i++) {
        if (srcs[i]) {
            g_source_destroy(srcs[i]);
            g_source_unref(srcs[i]);
        }
    }
    if (s->downscript) {
        char *argv[] = { s->downscript, s->ifname, NULL };
        g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, NULL, NULL);
        g_free(s->downscript);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
}

static const NetClientInfo tap_info = {
    .kind = "tap",
    .receive = tap_receive,
    .has_vnet_hdr = tap_has_vnet_hdr,
    .set_vnet_hdr = tap_set_vnet_hdr,
    .set_offload = tap_set_offload,
    .cleanup = tap_cleanup,
};

static int tap_open(const char *ifname, bool vnet_hdr, bool mq, char *out_name, GError **errp)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "cannot open /dev/net/tun: %s",
                    g_strerror(errno));
        return -1;
    }
    struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
    if (vnet_hdr) {
        ifr.ifr_flags |= IFF_VNET_HDR;
    }
    if (mq) {
        ifr.ifr_flags |= IFF_MULTI_QUEUE;
    }
    if (ifname) {
        g_strlcpy(ifr.ifr_name, ifname, IFNAMSIZ);
    }
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "could not configure tap '%s': %s",
                    ifname ? ifname : "tap%d", g_strerror(errno));
        close(fd);
        return -1;
    }
    g_strlcpy(out_name, ifr.ifr_name, IFNAMSIZ);
    return fd;
}

static NetClientState *tap_init(OptDict *opts, const char *name, NetClientState *peer,
                                GError **errp)
{
    bool vnet_hdr;
    unsigned queues;
    int passed = -1;
    const char *ifname = opt_dict_get(opts, "ifname");
    const char *script = opt_dict_get(opts, "script");
    const char *downscript = opt_dict_get(opts, "downscript");
    bool has_fd = opt_dict_get(opts, "fd") != NULL;
    if (!net_opt_bool(opts, "vnet_hdr", false, &vnet_hdr, errp) ||
        !net_opt_uint(opts, "queues", 1, TAP_MAX_QUEUES, &queues, errp)) {
        return NULL;
    }
    if (queues == 0) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "queues must be at least 1");
        return NULL;
    }
    if (ifname && strlen(ifname) >= IFNAMSIZ) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "ifname '%s' is too long", ifname);
        return NULL;
    }
    if (has_fd && (ifname || script || downscript || queues > 1)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "fd= cannot be combined with ifname=, script=, downscript= or queues=");
        return NULL;
    }
    /* fd=: an inherited fd's number, or a name QMP getfd gave one. */
    if (has_fd && (passed = fdpass_resolve(opt_dict_get(opts, "fd"), errp)) < 0) {
        return NULL;
    }
    NetClientState *first = NULL;
    char actual[IFNAMSIZ] = "";
    for (unsigned q = 0; q < queues; q++) {
        int fd = has_fd ? passed : tap_open(q ? actual : ifname, vnet_hdr, queues > 1,
                                                actual, errp);
        if (fd < 0) {
            goto fail;
        }
        TapState *s = (TapState *)net_client_new(&tap_info, sizeof(TapState),
                                                 q == 0 ? peer : NULL, "tap", name, errp);
        if (!s) {
            close(fd);
            goto fail;
        }
        s->fd = fd;
        s->vnet_hdr = vnet_hdr;
        s->hdr_len = TAP_VNET_HDR_DEFAULT;
        s->nc.queue_index = q;
        g_strlcpy(s->ifname, actual, IFNAMSIZ);
        if (vnet_hdr) {
            int len = s->hdr_len;
            ioctl(fd, TUNSETVNETHDRSZ, &len);
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        s->in_src = tap_watch(s, G_IO_IN, tap_readable);
        net_client_set_info_str(&s->nc, "ifname=%s,script=%s,downscript=%s", actual,
                                script ? script : "no", downscript ? downscript : "no");
        if (q == 0) {
            first = &s->nc;
            if (downscript && strcmp(downscript, "no") != 0) {
                s->downscript = g_strdup(downscript);
            }
        }
    }
    if (script && strcmp(script, "no") != 0) {
        char *argv[] = { (char *)script, actual, NULL };
        gint status = 0;
        GError *err = NULL;
        if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                          &err) || !g_spawn_check_wait_status(status, &err)) {
            g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "script '%s' failed: %s", script,
                        err->message);
            g_error_free(err);
            goto fail;
        }
    }
    return first;
fail:
    {
        g_autoptr(GPtrArray) all = net_client_list();
        for (guint i = 0; i < all->len; i++) {
            NetClientState *nc = g_ptr_array_index(all, i);
            if (nc->info == &tap_info && !strcmp(nc->name, name)) {
                net_client_free(nc);
            }
        }
    }
    return NULL;
}

static void tap_class_init(ObjectClass *klass, const void *data)
{
    NetdevClass *nc = NETDEV_CLASS(klass);
    nc->options = tap_options;
    nc->init = tap_init;
}

static const TypeInfo tap_type = {
    .name = TYPE_NETDEV_PREFIX "tap",
    .parent = TYPE_NETDEV,
    .category = "netdev",
    .description = "Linux tap interface (multiqueue, vnet headers)",
    .instance_size = sizeof(Object),
    .class_size = sizeof(NetdevClass),
    .class_init = tap_class_init,
};

TESSERA_MODULE(.name = "net-tap", .kind = "backend", .types = TESSERA_TYPES(&tap_type));
