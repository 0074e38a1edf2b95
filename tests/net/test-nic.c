/* SPDX-License-Identifier: MIT */
/*
 * test-nic: a NIC for the network tests, built only into the tests' module
 * directory.  It bridges its netdev to a chardev with the stream netdev's
 * framing (4-byte big-endian length, then the frame), so a test drives the
 * NIC side of the layer from outside:
 *   -device test-nic,netdev=ID,chardev=CHR[,mac=52:54:00:..]
 * A frame of ethertype 0x88b5 from the chardev is a command to the NIC, not
 * sent: payload "promisc-on"/"promisc-off" changes its receive filter
 * (NIC_RX_FILTER_CHANGED), "rx-stop"/"rx-go" stops or resumes taking frames
 * (back-pressure).  Each command is acknowledged once applied by a frame of
 * the same ethertype whose payload is "ack " and the command, so a test
 * orders it against what it asks over QMP.  Frames arrive only while the
 * chardev has a client.
 */
#include <string.h>

#include "kernel/chardev.h"
#include "kernel/device.h"
#include "kernel/module.h"
#include "net/net.h"

#define TYPE_TEST_NIC "test-nic"
#define CMD_ETHERTYPE 0x88b5

typedef struct TestNicState TestNicState;

typedef struct TestNicClient {
    NetClientState nc;
    TestNicState *s;
} TestNicClient;

struct TestNicState {
    DeviceState parent_obj;
    char *netdev, *chardev, *mac_str;
    uint8_t mac[6];
    Chardev *chr;
    TestNicClient *client;
    bool promisc, stopped, connected;
    uint8_t buf[4 + NET_MAX_FRAME];
    size_t len;
};

OBJECT_DECLARE_SIMPLE_TYPE(TestNicState, TEST_NIC, TYPE_TEST_NIC)

static bool tn_can_receive(NetClientState *nc)
{
    TestNicState *s = ((TestNicClient *)nc)->s;
    return s->connected && !s->stopped;
}

static ssize_t tn_receive(NetClientState *nc, const struct iovec *iov, int iovcnt)
{
    TestNicState *s = ((TestNicClient *)nc)->s;
    size_t len = net_iov_size(iov, iovcnt);
    if (!tn_can_receive(nc)) {
        return 0;
    }
    g_autofree uint8_t *out = g_malloc(4 + len);
    out[0] = len >> 24;
    out[1] = len >> 16;
    out[2] = len >> 8;
    out[3] = len;
    net_iov_to_buf(iov, iovcnt, 0, out + 4, len);
    if (len >= 6 && !s->promisc && !(out[4] & 1) &&
        memcmp(out + 4, s->mac, 6) != 0) {
        return len; /* not for us */
    }
    chardev_write(s->chr, out, 4 + len);
    return len;
}

static void tn_query_rx_filter(NetClientState *nc, NetRxFilter *f)
{
    TestNicState *s = ((TestNicClient *)nc)->s;
    f->promiscuous = s->promisc;
    f->multicast = "all";
    f->unicast = "normal";
    f->vlan = "all";
    f->broadcast_allowed = true;
    memcpy(f->main_mac, s->mac, 6);
}

static const NetClientInfo tn_info = {
    .kind = "nic",
    .receive = tn_receive,
    .can_receive = tn_can_receive,
    .query_rx_filter = tn_query_rx_filter,
};

static void tn_ack(TestNicState *s, const char *cmd)
{
    size_t n = 14 + 4 + strlen(cmd);
    g_autofree uint8_t *out = g_malloc0(4 + n);
    out[2] = n >> 8;
    out[3] = n;
    memset(out + 4, 0xff, 6);                   /* broadcast from our MAC */
    memcpy(out + 4 + 6, s->mac, 6);
    out[4 + 12] = CMD_ETHERTYPE >> 8;
    out[4 + 13] = CMD_ETHERTYPE & 0xff;
    memcpy(out + 4 + 14, "ack ", 4);
    memcpy(out + 4 + 18, cmd, strlen(cmd));
    chardev_write(s->chr, out, 4 + n);
}

static void tn_command(TestNicState *s, const uint8_t *p, size_t len)
{
    g_autofree char *cmd = g_strndup((const char *)p, len);
    tn_ack(s, cmd);
    if (!strcmp(cmd, "promisc-on") || !strcmp(cmd, "promisc-off")) {
        s->promisc = !strcmp(cmd, "promisc-on");
        g_autofree char *path = object_get_canonical_path(OBJECT(s));
        net_nic_rx_filter_changed(&s->client->nc, path);
    } else if (!strcmp(cmd, "rx-stop")) {
        s->stopped = true;
    } else if (!strcmp(cmd, "rx-go")) {
        s->stopped = false;
        net_client_flush(&s->client->nc);
    }
}

static int tn_chr_can_read(void *opaque)
{
    TestNicState *s = opaque;
    return sizeof(s->buf) - s->len;
}

static void tn_chr_read(void *opaque, const uint8_t *buf, int len)
{
    TestNicState *s = opaque;
    memcpy(s->buf + s->len, buf, len);
    s->len += len;
    size_t off = 0;
    while (s->len - off >= 4) {
        const uint8_t *h = s->buf + off;
        uint32_t n = (uint32_t)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
        if (n > NET_MAX_FRAME) {
            s->len = 0;
            return;
        }
        if (s->len - off < 4 + n) {
            break;
        }
        if (n >= 14 && h[4 + 12] == (CMD_ETHERTYPE >> 8) && h[4 + 13] == (CMD_ETHERTYPE & 0xff)) {
            tn_command(s, h + 4 + 14, n - 14);
        } else {
            net_send(&s->client->nc, h + 4, n, NULL);
        }
        off += 4 + n;
    }
    memmove(s->buf, s->buf + off, s->len - off);
    s->len -= off;
}

static void tn_chr_event(void *opaque, ChardevEvent ev)
{
    TestNicState *s = opaque;
    if (ev == CHR_EVENT_OPENED) {
        s->connected = true;
        s->len = 0;
        net_client_flush(&s->client->nc);
    } else if (ev == CHR_EVENT_CLOSED) {
        s->connected = false;
    }
}

static const ChardevHandlers tn_chr_handlers = {
    .can_read = tn_chr_can_read,
    .read = tn_chr_read,
    .event = tn_chr_event,
};

static bool tn_realize(DeviceState *dev, GError **errp)
{
    TestNicState *s = TEST_NIC(dev);
    if (s->mac_str ? !net_parse_mac(s->mac_str, s->mac) : (net_default_mac(s->mac), false)) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "test-nic: invalid mac '%s'",
                    s->mac_str);
        return false;
    }
    s->chr = s->chardev ? chardev_find(s->chardev) : NULL;
    if (!s->chr) {
        g_set_error(errp, NET_ERROR, NET_ERROR_INVALID, "test-nic: chardev '%s' not found",
                    s->chardev ? s->chardev : "");
        return false;
    }
    s->client = (TestNicClient *)net_nic_new(&tn_info, sizeof(TestNicClient), s->netdev,
                                             TYPE_TEST_NIC, dev->id, errp);
    if (!s->client) {
        return false;
    }
    s->client->s = s;
    net_client_set_info_str(&s->client->nc, "model=test-nic,macaddr=%02x:%02x:%02x:%02x:%02x:%02x",
                            s->mac[0], s->mac[1], s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
    if (!chardev_set_handlers(s->chr, &tn_chr_handlers, s, errp)) {
        net_client_free(&s->client->nc);
        s->client = NULL;
        return false;
    }
    s->connected = s->chr->fe_open;
    return true;
}

static void tn_unrealize(DeviceState *dev)
{
    TestNicState *s = TEST_NIC(dev);
    if (s->client) {
        net_client_free(&s->client->nc);
        s->client = NULL;
    }
    if (s->chr) {
        chardev_clear_handlers(s->chr);
    }
}

static const PropertyInfo tn_props[] = {
    PROP_STRING("netdev", TestNicState, netdev, NULL, "the netdev"),
    PROP_STRING("chardev", TestNicState, chardev, NULL, "where frames go (stream framing)"),
    PROP_STRING("mac", TestNicState, mac_str, NULL, "MAC address"),
    PROP_END
};

static void tn_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = tn_realize;
    dc->unrealize = tn_unrealize;
    dc->hotpluggable = true;
    object_class_add_field_properties(klass, tn_props);
}

static const TypeInfo tn_type = {
    .name = TYPE_TEST_NIC,
    .parent = TYPE_DEVICE,
    .category = "network",
    .description = "test NIC bridging a netdev to a chardev",
    .user_creatable = true,
    .instance_size = sizeof(TestNicState),
    .class_size = sizeof(DeviceClass),
    .class_init = tn_class_init,
};

TESSERA_MODULE(.name = "test-nic", .kind = "device", .types = TESSERA_TYPES(&tn_type));
