/* SPDX-License-Identifier: MIT */
/*
 * filter-dump: "-object filter-dump,id=f,netdev=n,file=x.pcap[,maxlen=N]"
 * writes every packet the netdev sends or receives to a pcap file
 * (link type Ethernet) that tcpdump and tshark read.  It attaches as soon
 * as both properties are set and the netdev exists; objects given on the
 * command line before their netdev attach once netdevs are created.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/hostfile.h"
#include "kernel/log.h"
#include "net-internal.h"

struct NetFilterDump {
    Object parent_obj;
    char *netdev;
    char *file;
    uint32_t maxlen;
    FILE *fp;
    NetClientState *nc;
};

OBJECT_DECLARE_SIMPLE_TYPE(NetFilterDump, FILTER_DUMP, TYPE_FILTER_DUMP)

#define PCAP_MAGIC 0xa1b2c3d4u
#define PCAP_LINKTYPE_ETHERNET 1

static bool dump_attach(NetFilterDump *f, GError **errp)
{
    if (f->nc || !f->netdev || !f->file) {
        return true;
    }
    NetClientState *nc = net_client_find(f->netdev);
    if (!nc || !nc->is_netdev) {
        g_set_error(errp, NET_ERROR, NET_ERROR_NOT_FOUND,
                    "filter-dump: netdev '%s' not found", f->netdev);
        return false;
    }
    if (nc->dump) {
        g_set_error(errp, NET_ERROR, NET_ERROR_IN_USE,
                    "filter-dump: netdev '%s' already has a dump filter", f->netdev);
        return false;
    }
    int fd = host_file_open(f->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!fp && fd >= 0) {
        int e = errno;
        close(fd);
        errno = e;
    }
    if (!fp) {
        g_set_error(errp, NET_ERROR, NET_ERROR_HOST, "filter-dump: cannot open '%s': %s",
                    f->file, g_strerror(errno));
        return false;
    }
    uint32_t hdr[6] = { PCAP_MAGIC, 2 | (4u << 16), 0, 0, f->maxlen, PCAP_LINKTYPE_ETHERNET };
    fwrite(hdr, sizeof(hdr), 1, fp);
    fflush(fp);
    f->fp = fp;
    f->nc = nc;
    nc->dump = f;
    return true;
}

void net_filter_dump_detach(NetFilterDump *f)
{
    if (f->nc) {
        f->nc->dump = NULL;
        f->nc = NULL;
    }
    if (f->fp) {
        fclose(f->fp);
        f->fp = NULL;
    }
}

void net_filter_dump_packet(NetFilterDump *f, const struct iovec *iov, int iovcnt, size_t skip)
{
    size_t total = net_iov_size(iov, iovcnt);
    if (!f->fp || total <= skip) {
        return;
    }
    size_t len = total - skip;
    size_t cap = MIN(len, (size_t)f->maxlen);
    gint64 now = g_get_real_time();
    uint32_t rec[4] = { now / G_USEC_PER_SEC, now % G_USEC_PER_SEC, cap, len };
    g_autofree uint8_t *buf = g_malloc(cap);
    net_iov_to_buf(iov, iovcnt, skip, buf, cap);
    if (fwrite(rec, sizeof(rec), 1, f->fp) != 1 || fwrite(buf, cap, 1, f->fp) != 1 ||
        fflush(f->fp) != 0) {
        warn_report("filter-dump: writing '%s' failed: %s; dump stopped", f->file,
                    g_strerror(errno));
        net_filter_dump_detach(f);
    }
}

static GVariant *dump_get_str(Object *obj, Property *prop)
{
    NetFilterDump *f = FILTER_DUMP(obj);
    const char *v = !strcmp(prop->name, "netdev") ? f->netdev : f->file;
    return g_variant_new_string(v ? v : "");
}

static bool dump_set_str(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    NetFilterDump *f = FILTER_DUMP(obj);
    if (f->nc) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "filter-dump: '%s' cannot change once the dump runs", prop->name);
        return false;
    }
    char **slot = !strcmp(prop->name, "netdev") ? &f->netdev : &f->file;
    g_free(*slot);
    *slot = g_variant_dup_string(value, NULL);
    /* Attach now if the netdev exists (object-add at run time); on the
     * command line the launcher attaches once -netdev ran. */
    if (f->netdev && net_client_find(f->netdev)) {
        return dump_attach(f, errp);
    }
    return true;
}

static GVariant *dump_get_maxlen(Object *obj, Property *prop)
{
    return g_variant_new_uint64(FILTER_DUMP(obj)->maxlen);
}

static bool dump_set_maxlen(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    NetFilterDump *f = FILTER_DUMP(obj);
    uint64_t v = g_variant_get_uint64(value);
    if (v < 64 || v > NET_MAX_FRAME) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "filter-dump: maxlen must be from 64 to %d", NET_MAX_FRAME);
        return false;
    }
    if (f->nc) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "filter-dump: 'maxlen' cannot change once the dump runs");
        return false;
    }
    f->maxlen = v;
    return true;
}

static void attach_one(Object *child, void *opaque)
{
    GError **errp = opaque;
    NetFilterDump *f = (NetFilterDump *)object_dynamic_cast(child, TYPE_FILTER_DUMP);
    if (!f || *errp) {
        return;
    }
    if (!f->netdev || !f->file) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID,
                    "-object filter-dump: parameters 'netdev' and 'file' are required");
        return;
    }
    dump_attach(f, errp);
}

bool net_filters_attach(GError **errp)
{
    GError *err = NULL;
    object_child_foreach(container_get("/objects"), attach_one, &err);
    if (err) {
        g_propagate_error(errp, err);
        return false;
    }
    return true;
}

static void dump_init(Object *obj)
{
    FILTER_DUMP(obj)->maxlen = 65536;
}

static void dump_finalize(Object *obj)
{
    NetFilterDump *f = FILTER_DUMP(obj);
    net_filter_dump_detach(f);
    g_free(f->netdev);
    g_free(f->file);
}

static void dump_class_init(ObjectClass *klass, const void *data)
{
    Property *p = object_class_property_add(klass, "netdev", PROP_KIND_STRING, dump_get_str,
                                            dump_set_str, NULL);
    property_set_description(p, "the netdev whose packets are dumped");
    p = object_class_property_add(klass, "file", PROP_KIND_STRING, dump_get_str, dump_set_str,
                                  NULL);
    property_set_description(p, "the pcap file written");
    p = object_class_property_add(klass, "maxlen", PROP_KIND_UINT32, dump_get_maxlen,
                                  dump_set_maxlen, NULL);
    property_set_description(p, "bytes kept of each packet (default 65536)");
}

const TypeInfo filter_dump_info = {
    .name = TYPE_FILTER_DUMP,
    .parent = TYPE_OBJECT,
    .category = "object",
    .description = "write a netdev's packets to a pcap file",
    .user_creatable = true,
    .instance_size = sizeof(NetFilterDump),
    .instance_init = dump_init,
    .instance_finalize = dump_finalize,
    .class_init = dump_class_init,
};
