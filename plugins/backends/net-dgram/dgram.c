/* SPDX-License-Identifier: MIT */
/*
 * -netdev dgram (QEMU 7.2's form): one frame per datagram.
 *   -netdev dgram,id=ID,local.type=inet,local.host=H,local.port=P
 *        ,remote.type=inet,remote.host=H,remote.port=P
 *   -netdev dgram,id=ID,remote.type=inet,remote.host=MCAST,remote.port=P[,local.host=ADDR]
 *   -netdev dgram,id=ID,local.type=unix,local.path=P,remote.type=unix,remote.path=P
 * A multicast remote joins the group and binds its port, so every member
 * sees every frame (QEMU's multicast "hub").
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kernel/module.h"
#include "net/net.h"

typedef struct DgramState {
    NetClientState nc;
    NetDgramConn conn;
    char *unlink_path;
} DgramState;

static const char *const dgram_options[] = {
    "local.type", "local.host", "local.port", "local.path",
    "remote.type", "remote.host", "remote.port", "remote.path", NULL,
};

static ssize_t dgram_receive(NetClientState *nc, const struct iovec *iov, int iovcnt)
{
    return net_dgram_conn_receive(&((DgramState *)nc)->conn, iov, iovcnt);
}

static void dgram_cleanup(NetClientState *nc)
{
    DgramState *s = (DgramState *)nc;
    net_dgram_conn_stop(&s->conn);
    if (s->unlink_path) {
        unlink(s->unlink_path);
        g_free(s->unlink_path);
    }
}

static const NetClientInfo dgram_info = {
    .kind = "dgram",
    .receive = dgram_receive,
    .cleanup = dgram_cleanup,
};

static bool resolve4(const char *host, const char *port, struct sockaddr_in *out, GError **errp)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host && *host ? host : "0.0.0.0", port, &hints, &res);
    if (rc) {
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "cannot resolve '%s:%s': %s",
                    host ? host : "", port, gai_strerror(rc));
        return false;
    }
    memcpy(out, res->ai_addr, sizeof(*out));
    freeaddrinfo(res);
    return true;
}

/* Open for net_dgram_conn_start; also used by -netdev socket,mcast=/udp=. */
static int open_inet(const char *lhost, const char *lport, const char *rhost, const char *rport,
                     struct sockaddr_storage *dest, socklen_t *dest_len, GError **errp)
{
    struct sockaddr_in remote, local;
    if (!resolve4(rhost, rport, &remote, errp)) {
        return -1;
    }
    bool mcast = IN_MULTICAST(ntohl(remote.sin_addr.s_addr));
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (mcast) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        local = (struct sockaddr_in) { .sin_family = AF_INET, .sin_port = remote.sin_port,
                                       .sin_addr.s_addr = htonl(INADDR_ANY) };
        struct ip_mreq mreq = { .imr_multiaddr = remote.sin_addr };
        if (lhost && inet_pton(AF_INET, lhost, &mreq.imr_interface) != 1) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "invalid local address '%s'", lhost);
            close(fd);
            return -1;
        }
        if (bind(fd, (struct sockaddr *)&local, sizeof(local)) ||
            setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq))) {
            g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "cannot join %s:%s: %s", rhost, rport,
                        g_strerror(errno));
            close(fd);
            return -1;
        }
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof(one));
        if (lhost) {
            setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq.imr_interface,
                       sizeof(mreq.imr_interface));
        }
    } else {
        if (!lport) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                        "a unicast remote needs a local port to receive on");
            close(fd);
            return -1;
        }
        if (!resolve4(lhost, lport, &local, errp)) {
            close(fd);
            return -1;
        }
        if (bind(fd, (struct sockaddr *)&local, sizeof(local))) {
            g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "cannot bind %s:%s: %s",
                        lhost ? lhost : "", lport, g_strerror(errno));
            close(fd);
            return -1;
        }
    }
    memcpy(dest, &remote, sizeof(remote));
    *dest_len = sizeof(remote);
    return fd;
}

static NetClientState *dgram_init(OptDict *opts, const char *name, NetClientState *peer,
                                  GError **errp)
{
    const char *ltype = opt_dict_get(opts, "local.type");
    const char *rtype = opt_dict_get(opts, "remote.type");
    struct sockaddr_storage dest;
    socklen_t dest_len = 0;
    int fd = -1;
    g_autofree char *where = NULL;
    char *unlink_path = NULL;
    if (!rtype) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "parameter 'remote.type' is missing");
        return NULL;
    }
    if (ltype && strcmp(ltype, rtype) != 0) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "local.type and remote.type must be the same");
        return NULL;
    }
    if (!strcmp(rtype, "inet")) {
        const char *rhost = opt_dict_get(opts, "remote.host");
        const char *rport = opt_dict_get(opts, "remote.port");
        if (!rhost || !rport || opt_dict_get(opts, "remote.path") ||
            opt_dict_get(opts, "local.path")) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "remote.type=inet needs remote.host "
                        "and remote.port (and no paths)");
            return NULL;
        }
        fd = open_inet(opt_dict_get(opts, "local.host"), opt_dict_get(opts, "local.port"), rhost,
                       rport, &dest, &dest_len, errp);
        where = g_strdup_printf("udp=%s:%s", rhost, rport);
    } else if (!strcmp(rtype, "unix")) {
        const char *lpath = opt_dict_get(opts, "local.path");
        const char *rpath = opt_dict_get(opts, "remote.path");
        struct sockaddr_un lsun = { .sun_family = AF_UNIX }, rsun = { .sun_family = AF_UNIX };
        if (!lpath || !rpath || opt_dict_get(opts, "remote.host") ||
            opt_dict_get(opts, "local.host")) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "type unix needs local.path and "
                        "remote.path (and no hosts)");
            return NULL;
        }
        if (strlen(lpath) >= sizeof(lsun.sun_path) || strlen(rpath) >= sizeof(rsun.sun_path)) {
            g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "unix socket path too long");
            return NULL;
        }
        strcpy(lsun.sun_path, lpath);
        strcpy(rsun.sun_path, rpath);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        unlink(lpath);
        if (bind(fd, (struct sockaddr *)&lsun, sizeof(lsun))) {
            g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "cannot bind unix:%s: %s", lpath,
                        g_strerror(errno));
            close(fd);
            return NULL;
        }
        unlink_path = g_strdup(lpath);
        memcpy(&dest, &rsun, sizeof(rsun));
        dest_len = sizeof(rsun);
        where = g_strdup_printf("udp=%s:%s", lpath, rpath);
    } else {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "remote.type '%s' is not supported (inet or unix)", rtype);
        return NULL;
    }
    if (fd < 0) {
        return NULL;
    }
    DgramState *s = (DgramState *)net_client_new(&dgram_info, sizeof(DgramState), peer, "dgram",
                                                 name, errp);
    if (!s) {
        close(fd);
        g_free(unlink_path);
        return NULL;
    }
    s->unlink_path = unlink_path;
    s->conn.dest = dest;
    s->conn.dest_len = dest_len;
    net_dgram_conn_start(&s->conn, &s->nc, fd);
    net_client_set_info_str(&s->nc, "%s", where);
    return &s->nc;
}

static void dgram_class_init(ObjectClass *klass, const void *data)
{
    NetdevClass *nc = NETDEV_CLASS(klass);
    nc->options = dgram_options;
    nc->init = dgram_init;
}

static const TypeInfo dgram_type = {
    .name = TYPE_NETDEV_PREFIX "dgram",
    .parent = TYPE_NETDEV,
    .category = "netdev",
    .description = "one frame per datagram (inet unicast or multicast, unix)",
    .instance_size = sizeof(Object),
    .class_size = sizeof(NetdevClass),
    .class_init = dgram_class_init,
};

TESSERA_MODULE(.name = "net-dgram", .kind = "backend", .types = TESSERA_TYPES(&dgram_type));
