/* SPDX-License-Identifier: MIT */
/*
 * -netdev user: a user-mode IP stack (libslirp) between the guest and the
 * host's sockets: DHCP, DNS, TFTP, host forwarding and guest forwarding.
 *
 *   -netdev user,id=ID[,net=ADDR[/MASK]][,host=ADDR][,dhcpstart=ADDR][,dns=ADDR]
 *        [,ipv4=on|off][,ipv6=on|off][,ipv6-net=ADDR/LEN][,ipv6-prefix=ADDR]
 *        [,ipv6-prefixlen=N][,ipv6-host=ADDR][,ipv6-dns=ADDR][,restrict=on|off]
 *        [,hostname=NAME][,domainname=NAME][,dnssearch=DOMAIN...]
 *        [,hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT...]
 *        [,guestfwd=[tcp]:SERVER:PORT-DEV...][,tftp=DIR][,bootfile=FILE]
 *        [,tftp-server-name=NAME]
 *
 * Slirp's sockets are polled from a GSource on the main loop.  While the
 * NIC cannot take more packets the sockets are not polled for input, so
 * TCP's own flow control slows the host side down instead of packets
 * being dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>

#include <slirp/libslirp.h>

#include "kernel/chardev.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "kernel/runstate.h"
#include "net/net.h"

typedef struct UserState UserState;

typedef struct UserSource {
    GSource src;
    UserState *s;
} UserSource;

typedef struct GuestFwd {
    UserState *s;
    Chardev *chr;
    struct in_addr addr;
    int port;
} GuestFwd;

struct UserState {
    NetClientState nc;
    Slirp *slirp;
    UserSource *source;
    GHashTable *pollrecs;       /* fd -> PollRec, each added to the source */
    GPtrArray *polls;           /* this round's PollRec * (or NULL), index = slirp's */
    guint round;
    gint64 deadline;            /* monotonic us when slirp's timers need a poll */
    struct in_addr vdhcp;
    GPtrArray *guestfwds;       /* GuestFwd * */
    GPtrArray *timers;
    char *hostname, *domainname, *tftp, *bootfile, *tftp_name;
    char **dnssearch;
};

typedef struct UserTimer {
    UserState *s;
    SlirpTimerId id;
    void *cb_opaque;
    GSource *src;
} UserTimer;

static const char *const user_options[] = {
    "net", "host", "dhcpstart", "dns", "ipv4", "ipv6", "ipv6-net", "ipv6-prefix",
    "ipv6-prefixlen", "ipv6-host", "ipv6-dns", "restrict", "hostname", "domainname",
    "dnssearch", "hostfwd", "guestfwd", "tftp", "bootfile", "tftp-server-name", NULL,
};

/* ---- slirp callbacks ------------------------------------------------------ */

static ssize_t user_send_packet(const void *buf, size_t len, void *opaque)
{
    UserState *s = opaque;
    net_send(&s->nc, buf, len, NULL);
    return len;
}

static void user_guest_error(const char *msg, void *opaque)
{
    log_mask(LOG_GUEST_ERROR, "netdev user: %s\n", msg);
}

static int64_t user_clock_ns(void *opaque)
{
    return g_get_monotonic_time() * 1000;
}

static gboolean user_timer_fire(gpointer opaque)
{
    UserTimer *t = opaque;
    g_source_unref(t->src);
    t->src = NULL;
    slirp_handle_timer(t->s->slirp, t->id, t->cb_opaque);
    return G_SOURCE_REMOVE;
}

static void *user_timer_new(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    UserState *s = opaque;
    UserTimer *t = g_new0(UserTimer, 1);
    t->s = s;
    t->id = id;
    t->cb_opaque = cb_opaque;
    g_ptr_array_add(s->timers, t);
    return t;
}

static void user_timer_stop(UserTimer *t)
{
    if (t->src) {
        g_source_destroy(t->src);
        g_source_unref(t->src);
        t->src = NULL;
    }
}

static void user_timer_free(void *timer, void *opaque)
{
    UserState *s = opaque;
    user_timer_stop(timer);
    g_ptr_array_remove(s->timers, timer);
    g_free(timer);
}

static void user_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    UserTimer *t = timer;
    user_timer_stop(t);
    int64_t now_ms = g_get_monotonic_time() / 1000;
    int64_t delay = expire_ms > now_ms ? expire_ms - now_ms : 0;
    t->src = g_timeout_source_new(delay);
    g_source_set_callback(t->src, user_timer_fire, t, NULL);
    g_source_attach(t->src, main_loop_context());
}

static void user_register_fd(int fd, void *opaque)
{
}

static void user_notify(void *opaque)
{
    g_main_context_wakeup(main_loop_context());
}

static const SlirpCb user_callbacks = {
    .send_packet = user_send_packet,
    .guest_error = user_guest_error,
    .clock_get_ns = user_clock_ns,
    .timer_free = user_timer_free,
    .timer_mod = user_timer_mod,
    .register_poll_fd = user_register_fd,
    .unregister_poll_fd = user_register_fd,
    .notify = user_notify,
    .timer_new_opaque = user_timer_new,
};

/* ---- polling -------------------------------------------------------------- */

/* Slirp's poll list is rebuilt before every poll, but glib wakes its own
 * loop whenever a source adds or removes a poll record: doing that for
 * every socket each round made the main loop spin (never sleeping, and
 * holding the device lock against the vCPU).  So each socket keeps one
 * record while slirp wants events on it and only its events change in
 * place (glib reads them at every query; records stay sorted by fd, as
 * glib requires); a record is added or removed only when that set
 * changes (a new socket, or input held back). */
typedef struct PollRec {
    GPollFD pfd;
    guint round;                /* the last round slirp asked for it */
} PollRec;

static void pollrec_remove(UserState *s, PollRec *r)
{
    g_source_remove_poll(&s->source->src, &r->pfd);
    g_hash_table_remove(s->pollrecs, GINT_TO_POINTER(r->pfd.fd)); /* frees it */
}

static void detach_polls(UserState *s)
{
    g_autoptr(GList) recs = g_hash_table_get_values(s->pollrecs);
    for (GList *l = recs; l; l = l->next) {
        pollrec_remove(s, l->data);
    }
    g_ptr_array_set_size(s->polls, 0);
}

typedef struct FillCtx {
    UserState *s;
    bool can_input;
} FillCtx;

static int user_add_poll(int fd, int events, void *opaque)
{
    FillCtx *ctx = opaque;
    UserState *s = ctx->s;
    gushort ev = 0;
    if ((events & SLIRP_POLL_IN) && ctx->can_input) {
        ev |= G_IO_IN;
    }
    if (events & SLIRP_POLL_OUT) {
        ev |= G_IO_OUT;
    }
    if (events & SLIRP_POLL_PRI) {
        ev |= G_IO_PRI;
    }
    if (events & SLIRP_POLL_ERR) {
        ev |= G_IO_ERR;
    }
    if (events & SLIRP_POLL_HUP) {
        ev |= G_IO_HUP;
    }
    PollRec *r = NULL;
    /* Nothing wanted (input held back): not polled at all, or a hung-up
     * socket would wake the loop at once, every round. */
    if (ev && fd >= 0) {
        r = g_hash_table_lookup(s->pollrecs, GINT_TO_POINTER(fd));
        if (!r) {
            r = g_new0(PollRec, 1);
            r->pfd.fd = fd;
            g_hash_table_insert(s->pollrecs, GINT_TO_POINTER(fd), r);
            g_source_add_poll(&s->source->src, &r->pfd);
        } else if (r->round == s->round) {
            ev |= r->pfd.events; /* the same fd twice in one round */
        }
        r->pfd.events = ev;
        r->pfd.revents = 0;
        r->round = s->round;
    }
    g_ptr_array_add(s->polls, r);
    return s->polls->len - 1;
}

static gboolean user_prepare(GSource *src, gint *timeout)
{
    UserState *s = ((UserSource *)src)->s;
    FillCtx ctx = { .s = s, .can_input = net_peer_can_receive(&s->nc) };
    uint32_t ms = UINT32_MAX;
    s->round++;
    g_ptr_array_set_size(s->polls, 0);
    slirp_pollfds_fill(s->slirp, &ms, user_add_poll, &ctx);
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, s->pollrecs);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        PollRec *r = val;
        if (r->round != s->round) {
            g_source_remove_poll(src, &r->pfd);
            g_hash_table_iter_remove(&it);
        }
    }
    if (ms > 1000) {
        ms = 1000; /* slirp's slow timers */
    }
    s->deadline = g_get_monotonic_time() + (gint64)ms * 1000;
    *timeout = ms;
    return FALSE;
}

static gboolean user_check(GSource *src)
{
    UserState *s = ((UserSource *)src)->s;
    for (guint i = 0; i < s->polls->len; i++) {
        PollRec *r = g_ptr_array_index(s->polls, i);
        if (r && r->pfd.revents) {
            return TRUE;
        }
    }
    return g_get_monotonic_time() >= s->deadline;
}

static int user_get_revents(int idx, void *opaque)
{
    UserState *s = opaque;
    if (idx < 0 || (guint)idx >= s->polls->len || !g_ptr_array_index(s->polls, idx)) {
        return 0;
    }
    int r = ((PollRec *)g_ptr_array_index(s->polls, idx))->pfd.revents, out = 0;
    out |= (r & G_IO_IN) ? SLIRP_POLL_IN : 0;
    out |= (r & G_IO_OUT) ? SLIRP_POLL_OUT : 0;
    out |= (r & G_IO_PRI) ? SLIRP_POLL_PRI : 0;
    out |= (r & G_IO_ERR) ? SLIRP_POLL_ERR : 0;
    out |= (r & G_IO_HUP) ? SLIRP_POLL_HUP : 0;
    return out;
}

static gboolean user_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
    UserState *s = ((UserSource *)src)->s;
    slirp_pollfds_poll(s->slirp, 0, user_get_revents, s);
    for (guint i = 0; i < s->polls->len; i++) {
        PollRec *r = g_ptr_array_index(s->polls, i);
        if (r) {
            r->pfd.revents = 0;
        }
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs user_source_funcs = {
    .prepare = user_prepare,
    .check = user_check,
    .dispatch = user_dispatch,
};

/* ---- net client ---------------------------------------------------------- */

static ssize_t user_receive(NetClientState *nc, const struct iovec *iov, int iovcnt)
{
    UserState *s = (UserState *)nc;
    size_t len = net_iov_size(iov, iovcnt);
    if (iovcnt == 1) {
        slirp_input(s->slirp, iov[0].iov_base, len);
    } else {
        g_autofree uint8_t *buf = g_malloc(len);
        net_iov_to_buf(iov, iovcnt, 0, buf, len);
        slirp_input(s->slirp, buf, len);
    }
    /* The packet may have given slirp something to write to a host socket
     * (or a timer): a vCPU thread sending it must make the main loop fill
     * its poll set again, or the data waits for the next timeout. */
    GMainContext *ctx = main_loop_context();
    if (!g_main_context_is_owner(ctx)) {
        g_main_context_wakeup(ctx);
    }
    return len;
}

static void user_peer_drained(NetClientState *nc)
{
    g_main_context_wakeup(main_loop_context());
}

static void user_cleanup(NetClientState *nc)
{
    UserState *s = (UserState *)nc;
    if (s->source) {
        detach_polls(s);
        g_source_destroy(&s->source->src);
        g_source_unref(&s->source->src);
    }
    for (guint i = 0; s->guestfwds && i < s->guestfwds->len; i++) {
        GuestFwd *g = g_ptr_array_index(s->guestfwds, i);
        if (g->chr) {
            chardev_clear_handlers(g->chr);
            chardev_delete(g->chr);
        }
        g_free(g);
    }
    if (s->slirp) {
        slirp_cleanup(s->slirp); /* frees its timers through user_timer_free */
    }
    while (s->timers && s->timers->len) {
        user_timer_free(g_ptr_array_index(s->timers, 0), s);
    }
    if (s->timers) {
        g_ptr_array_unref(s->timers);
    }
    if (s->guestfwds) {
        g_ptr_array_unref(s->guestfwds);
    }
    g_ptr_array_unref(s->polls);
    g_hash_table_unref(s->pollrecs);
    g_free(s->hostname);
    g_free(s->domainname);
    g_free(s->tftp);
    g_free(s->bootfile);
    g_free(s->tftp_name);
    g_strfreev(s->dnssearch);
}

/* ---- forwarding rules ----------------------------------------------------- */

static bool parse_addr(const char *text, struct in_addr *out, bool empty_ok, struct in_addr def)
{
    if (!*text) {
        *out = def;
        return empty_ok;
    }
    return inet_pton(AF_INET, text, out) == 1;
}

static bool parse_port(const char *text, int *port)
{
    char *end = NULL;
    guint64 n = g_ascii_strtoull(text, &end, 10);
    if (!*text || *end || n > 65535) {
        return false;
    }
    *port = n;
    return true;
}

/* "[tcp|udp]:" prefix; returns the rest. */
static const char *parse_proto(const char *rule, int *is_udp)
{
    *is_udp = 0;
    if (g_str_has_prefix(rule, "tcp:")) {
        return rule + 4;
    }
    if (g_str_has_prefix(rule, "udp:")) {
        *is_udp = 1;
        return rule + 4;
    }
    if (rule[0] == ':') {
        return rule + 1;
    }
    return NULL;
}

static bool user_hostfwd_add(NetClientState *nc, const char *rule, GError **errp)
{
    UserState *s = (UserState *)nc;
    int is_udp, hport, gport;
    struct in_addr haddr, gaddr, any = { .s_addr = INADDR_ANY };
    const char *p = parse_proto(rule, &is_udp);
    g_auto(GStrv) halves = p ? g_strsplit(p, "-", 2) : NULL;
    g_auto(GStrv) h = NULL, g = NULL;
    if (!halves || g_strv_length(halves) != 2) {
        goto bad;
    }
    h = g_strsplit(halves[0], ":", 2);
    g = g_strsplit(halves[1], ":", 2);
    if (g_strv_length(h) != 2 || g_strv_length(g) != 2 || !parse_addr(h[0], &haddr, true, any) ||
        !parse_port(h[1], &hport) || !parse_addr(g[0], &gaddr, true, s->vdhcp) ||
        !parse_port(g[1], &gport) || gport == 0) {
        goto bad;
    }
    if (slirp_add_hostfwd(s->slirp, is_udp, haddr, hport, gaddr, gport) < 0) {
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST,
                    "could not set up host forwarding rule '%s': %s", rule,
                    errno ? g_strerror(errno) : "address in use");
        return false;
    }
    return true;
bad:
    g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                "invalid host forwarding rule '%s' (expected "
                "[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport)", rule);
    return false;
}

static bool user_hostfwd_remove(NetClientState *nc, const char *rule, GError **errp)
{
    UserState *s = (UserState *)nc;
    int is_udp, hport;
    struct in_addr haddr, any = { .s_addr = INADDR_ANY };
    const char *p = parse_proto(rule, &is_udp);
    g_auto(GStrv) h = p ? g_strsplit(p, ":", 2) : NULL;
    if (!h || g_strv_length(h) != 2 || !parse_addr(h[0], &haddr, true, any) ||
        !parse_port(h[1], &hport)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "invalid host forwarding rule '%s' (expected [tcp|udp]:[hostaddr]:hostport)",
                    rule);
        return false;
    }
    if (slirp_remove_hostfwd(s->slirp, is_udp, haddr, hport) < 0) {
        g_set_error(errp, NET_ERROR, NET_ERROR_NOT_FOUND,
                    "no host forwarding rule '%s' on '%s'", rule, nc->name);
        return false;
    }
    return true;
}

static ssize_t guestfwd_write(const void *buf, size_t len, void *opaque)
{
    GuestFwd *g = opaque;
    return chardev_write(g->chr, buf, len);
}

static int guestfwd_can_read(void *opaque)
{
    GuestFwd *g = opaque;
    return slirp_socket_can_recv(g->s->slirp, g->addr, g->port);
}

static void guestfwd_read(void *opaque, const uint8_t *buf, int len)
{
    GuestFwd *g = opaque;
    slirp_socket_recv(g->s->slirp, g->addr, g->port, buf, len);
}

static const ChardevHandlers guestfwd_handlers = {
    .can_read = guestfwd_can_read,
    .read = guestfwd_read,
};

/* "[tcp]:SERVER:PORT-DEV": DEV is "cmd:COMMAND" or a chardev shorthand
 * ("chardev:ID", "unix:PATH", "tcp:HOST:PORT"...). */
static bool user_guestfwd_add(UserState *s, const char *rule, GError **errp)
{
    const char *p = g_str_has_prefix(rule, "tcp:") ? rule + 4 : rule;
    const char *dash = strchr(p, '-');
    g_autofree char *target = dash ? g_strndup(p, dash - p) : NULL;
    g_auto(GStrv) t = target ? g_strsplit(target, ":", 2) : NULL;
    struct in_addr addr;
    int port;
    if (!t || g_strv_length(t) != 2 || inet_pton(AF_INET, t[0], &addr) != 1 ||
        !parse_port(t[1], &port) || !dash[1]) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "invalid guest forwarding rule '%s' (expected [tcp]:server:port-dev)", rule);
        return false;
    }
    const char *dev = dash + 1;
    if (g_str_has_prefix(dev, "cmd:")) {
        if (slirp_add_exec(s->slirp, dev + 4, &addr, port) < 0) {
            g_set_error(errp, NET_ERROR, NET_ERROR_HOST,
                        "could not set up guest forwarding rule '%s'", rule);
            return false;
        }
        return true;
    }
    GuestFwd *g = g_new0(GuestFwd, 1);
    g->s = s;
    g->addr = addr;
    g->port = port;
    g_autofree char *id = g_strdup_printf("%s-guestfwd%u", s->nc.name, s->guestfwds->len);
    GError *err = NULL;
    g->chr = chardev_new_from_shorthand(id, dev, &err);
    if (!g->chr || !chardev_set_handlers(g->chr, &guestfwd_handlers, g, &err)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "guest forwarding rule '%s': %s", rule,
                    err ? err->message : "no chardev");
        g_clear_error(&err);
        g_free(g);
        return false;
    }
    if (slirp_add_guestfwd(s->slirp, guestfwd_write, g, &addr, port) < 0) {
        chardev_clear_handlers(g->chr);
        g_free(g);
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST,
                    "could not set up guest forwarding rule '%s'", rule);
        return false;
    }
    g_ptr_array_add(s->guestfwds, g);
    return true;
}

static void user_info_usernet(NetClientState *nc, GString *out)
{
    UserState *s = (UserState *)nc;
    g_autofree char *info = slirp_connection_info(s->slirp);
    g_string_append_printf(out, "Hub -1 (%s):\n%s", nc->name, info);
}

static const NetClientInfo user_info = {
    .kind = "user",
    .receive = user_receive,
    .peer_drained = user_peer_drained,
    .cleanup = user_cleanup,
    .info_usernet = user_info_usernet,
    .hostfwd_add = user_hostfwd_add,
    .hostfwd_remove = user_hostfwd_remove,
};

/* ---- options --------------------------------------------------------------- */

static bool opt_in4(OptDict *opts, const char *key, struct in_addr *out, GError **errp)
{
    const char *v = opt_dict_get(opts, key);
    if (v && inet_pton(AF_INET, v, out) != 1) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "parameter '%s': invalid IPv4 address "
                    "'%s'", key, v);
        return false;
    }
    return true;
}

static bool opt_in6(OptDict *opts, const char *key, struct in6_addr *out, GError **errp)
{
    const char *v = opt_dict_get(opts, key);
    if (v && inet_pton(AF_INET6, v, out) != 1) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "parameter '%s': invalid IPv6 address "
                    "'%s'", key, v);
        return false;
    }
    return true;
}

/* net=ADDR[/MASK|/BITS] */
static bool parse_net(const char *v, struct in_addr *net, struct in_addr *mask, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(v, "/", 2);
    if (inet_pton(AF_INET, parts[0], net) != 1) {
        goto bad;
    }
    if (parts[1]) {
        char *end = NULL;
        guint64 bits = g_ascii_strtoull(parts[1], &end, 10);
        if (*parts[1] && !*end) {
            if (bits > 32) {
                goto bad;
            }
            mask->s_addr = bits ? htonl(0xffffffffu << (32 - bits)) : 0;
        } else if (inet_pton(AF_INET, parts[1], mask) != 1) {
            goto bad;
        }
    } else {
        /* Without a mask: the class's, at least /24, as QEMU. */
        uint32_t a = ntohl(net->s_addr);
        uint32_t m = (a & 0x80000000u) == 0 ? 0xff000000u
                   : (a & 0xc0000000u) == 0x80000000u ? 0xffff0000u : 0xffffff00u;
        mask->s_addr = htonl(m);
    }
    uint32_t m = ntohl(mask->s_addr);
    if ((m | (m - 1)) != 0xffffffffu && m) {
        goto bad; /* not contiguous */
    }
    if (net->s_addr & ~mask->s_addr) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "parameter 'net': '%s' has host bits set", v);
        return false;
    }
    return true;
bad:
    g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "parameter 'net': invalid network '%s'", v);
    return false;
}

static bool in_net(struct in_addr a, struct in_addr net, struct in_addr mask)
{
    return (a.s_addr & mask.s_addr) == net.s_addr && (a.s_addr & ~mask.s_addr) != 0 &&
           (a.s_addr | mask.s_addr) != 0xffffffffu;
}

static NetClientState *user_init(OptDict *opts, const char *name, NetClientState *peer,
                                 GError **errp)
{
    struct in_addr net, mask, host, dhcp, dns;
    struct in6_addr prefix6, host6, dns6;
    bool ipv4, ipv6, restricted;
    unsigned prefix_len;
    inet_pton(AF_INET, "10.0.2.0", &net);
    inet_pton(AF_INET, "255.255.255.0", &mask);
    inet_pton(AF_INET6, "fec0::", &prefix6);
    const char *v;
    if ((v = opt_dict_get(opts, "net")) && !parse_net(v, &net, &mask, errp)) {
        return NULL;
    }
    uint32_t base = ntohl(net.s_addr);
    host.s_addr = htonl(base | 2);
    dhcp.s_addr = htonl(base | 15);
    dns.s_addr = htonl(base | 3);
    if (!opt_in4(opts, "host", &host, errp) || !opt_in4(opts, "dhcpstart", &dhcp, errp) ||
        !opt_in4(opts, "dns", &dns, errp)) {
        return NULL;
    }
    struct { const char *key; struct in_addr a; } inside[] = {
        { "host", host }, { "dhcpstart", dhcp }, { "dns", dns },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(inside); i++) {
        if (!in_net(inside[i].a, net, mask)) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                        "parameter '%s': the address is not a host of the 'net' network",
                        inside[i].key);
            return NULL;
        }
    }
    if (!net_opt_bool(opts, "ipv4", true, &ipv4, errp) ||
        !net_opt_bool(opts, "ipv6", true, &ipv6, errp) ||
        !net_opt_bool(opts, "restrict", false, &restricted, errp)) {
        return NULL;
    }
    if (!ipv4 && !ipv6) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "ipv4=off and ipv6=off leave no "
                    "protocol");
        return NULL;
    }
    prefix_len = 64;
    if ((v = opt_dict_get(opts, "ipv6-net"))) {
        if (opt_dict_get(opts, "ipv6-prefix") || opt_dict_get(opts, "ipv6-prefixlen")) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                        "'ipv6-net' cannot be combined with 'ipv6-prefix'/'ipv6-prefixlen'");
            return NULL;
        }
        g_auto(GStrv) parts = g_strsplit(v, "/", 2);
        char *end = NULL;
        if (inet_pton(AF_INET6, parts[0], &prefix6) != 1 ||
            (parts[1] && ((prefix_len = g_ascii_strtoull(parts[1], &end, 10)) > 126 || *end ||
                          !*parts[1]))) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                        "parameter 'ipv6-net': invalid IPv6 network '%s'", v);
            return NULL;
        }
    }
    if (!opt_in6(opts, "ipv6-prefix", &prefix6, errp) ||
        !net_opt_uint(opts, "ipv6-prefixlen", prefix_len, 126, &prefix_len, errp)) {
        return NULL;
    }
    host6 = prefix6;
    host6.s6_addr[15] |= 2;
    dns6 = prefix6;
    dns6.s6_addr[15] |= 3;
    if (!opt_in6(opts, "ipv6-host", &host6, errp) || !opt_in6(opts, "ipv6-dns", &dns6, errp)) {
        return NULL;
    }
    UserState *s = (UserState *)net_client_new(&user_info, sizeof(UserState), peer, "user", name,
                                               errp);
    if (!s) {
        return NULL;
    }
    s->polls = g_ptr_array_new();
    s->pollrecs = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    s->timers = g_ptr_array_new();
    s->guestfwds = g_ptr_array_new();
    s->vdhcp = dhcp;
    s->hostname = g_strdup(opt_dict_get(opts, "hostname"));
    s->domainname = g_strdup(opt_dict_get(opts, "domainname"));
    s->tftp = g_strdup(opt_dict_get(opts, "tftp"));
    s->bootfile = g_strdup(opt_dict_get(opts, "bootfile"));
    s->tftp_name = g_strdup(opt_dict_get(opts, "tftp-server-name"));
    g_autoptr(GPtrArray) search = net_opt_list(opts, "dnssearch");
    if (search->len) {
        s->dnssearch = g_new0(char *, search->len + 1);
        for (guint i = 0; i < search->len; i++) {
            s->dnssearch[i] = g_strdup(g_ptr_array_index(search, i));
        }
    }
    if (s->tftp && !g_file_test(s->tftp, G_FILE_TEST_IS_DIR)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "parameter 'tftp': '%s' is not a "
                    "directory", s->tftp);
        net_client_free(&s->nc);
        return NULL;
    }
    SlirpConfig cfg = {
        .version = 4,
        .restricted = restricted,
        .in_enabled = ipv4,
        .vnetwork = net,
        .vnetmask = mask,
        .vhost = host,
        .in6_enabled = ipv6,
        .vprefix_addr6 = prefix6,
        .vprefix_len = prefix_len,
        .vhost6 = host6,
        .vhostname = s->hostname,
        .tftp_server_name = s->tftp_name,
        .tftp_path = s->tftp,
        .bootfile = s->bootfile,
        .vdhcp_start = dhcp,
        .vnameserver = dns,
        .vnameserver6 = dns6,
        .vdnssearch = (const char **)s->dnssearch,
        .vdomainname = s->domainname,
    };
    s->slirp = slirp_new(&cfg, &user_callbacks, s);
    if (!s->slirp) {
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "libslirp refused the configuration");
        net_client_free(&s->nc);
        return NULL;
    }
    g_autoptr(GPtrArray) fwds = net_opt_list(opts, "hostfwd");
    for (guint i = 0; i < fwds->len; i++) {
        if (!user_hostfwd_add(&s->nc, g_ptr_array_index(fwds, i), errp)) {
            net_client_free(&s->nc);
            return NULL;
        }
    }
    g_autoptr(GPtrArray) gfwds = net_opt_list(opts, "guestfwd");
    for (guint i = 0; i < gfwds->len; i++) {
        if (!user_guestfwd_add(s, g_ptr_array_index(gfwds, i), errp)) {
            net_client_free(&s->nc);
            return NULL;
        }
    }
    char nbuf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &net, nbuf, sizeof(nbuf));
    net_client_set_info_str(&s->nc, "net=%s,restrict=%s", nbuf, restricted ? "on" : "off");
    s->source = (UserSource *)g_source_new(&user_source_funcs, sizeof(UserSource));
    s->source->s = s;
    g_source_attach(&s->source->src, main_loop_context());
    return &s->nc;
}

static void user_class_init(ObjectClass *klass, const void *data)
{
    NetdevClass *nc = NETDEV_CLASS(klass);
    nc->options = user_options;
    nc->init = user_init;
}

static const TypeInfo user_type = {
    .name = TYPE_NETDEV_PREFIX "user",
    .parent = TYPE_NETDEV,
    .category = "netdev",
    .description = "user-mode network stack (libslirp): DHCP, DNS, TFTP, port forwarding",
    .instance_size = sizeof(Object),
    .class_size = sizeof(NetdevClass),
    .class_init = user_class_init,
};

TESSERA_MODULE(.name = "net-user", .kind = "backend", .types = TESSERA_TYPES(&user_type));
