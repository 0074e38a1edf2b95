/* SPDX-License-Identifier: MIT */
/*
 * The network layer (plugins/backends/net): peers, queued delivery and
 * back-pressure, bounded queues, hubs, link state, legacy option forms.
 */
#include <check.h>
#include <string.h>

#include "kernel/core.h"
#include "kernel/module.h"
#include "net/net.h"

/* A test client that takes packets only while it has room. */
typedef struct TestNic {
    NetClientState nc;
    int room;                   /* packets it may still take; -1: any */
    int got;
    size_t last_len;
    uint8_t last[64];
    int links_changed;
} TestNic;

static ssize_t tn_receive(NetClientState *nc, const struct iovec *iov, int iovcnt)
{
    TestNic *t = (TestNic *)nc;
    if (t->room == 0) {
        return 0;
    }
    if (t->room > 0) {
        t->room--;
    }
    t->got++;
    t->last_len = net_iov_to_buf(iov, iovcnt, 0, t->last, sizeof(t->last));
    return net_iov_size(iov, iovcnt);
}

static bool tn_can_receive(NetClientState *nc)
{
    return ((TestNic *)nc)->room != 0;
}

static void tn_link(NetClientState *nc)
{
    ((TestNic *)nc)->links_changed++;
}

static const NetClientInfo tn_info = {
    .kind = "nic",
    .receive = tn_receive,
    .can_receive = tn_can_receive,
    .link_status_changed = tn_link,
};

static TestNic *tn_new(const char *name, NetClientState *peer, int room)
{
    TestNic *t = (TestNic *)net_client_new(&tn_info, sizeof(TestNic), peer, "test", name, NULL);
    ck_assert_ptr_nonnull(t);
    t->room = room;
    return t;
}

static int sent_calls;
static void count_sent(NetClientState *nc, ssize_t len)
{
    sent_calls++;
}

static void setup(void)
{
    core_init("test", "/nonexistent-install-dir");
    sent_calls = 0;
}

static void teardown(void)
{
    g_autoptr(GPtrArray) all = net_client_list();
    for (guint i = 0; i < all->len; i++) {
        net_client_free(g_ptr_array_index(all, i));
    }
}

START_TEST(test_direct_delivery)
{
    TestNic *a = tn_new("a", NULL, -1);
    TestNic *b = tn_new("b", &a->nc, -1);
    ck_assert_ptr_eq(a->nc.peer, &b->nc);
    ck_assert_int_eq(net_send(&a->nc, (const uint8_t *)"hello", 5, count_sent), 5);
    ck_assert_int_eq(b->got, 1);
    ck_assert_mem_eq(b->last, "hello", 5);
    ck_assert_int_eq(sent_calls, 0);
    ck_assert_uint_eq(a->nc.tx_packets, 1);
    ck_assert_uint_eq(b->nc.rx_bytes, 5);
}
END_TEST

START_TEST(test_backpressure_with_callback)
{
    TestNic *a = tn_new("a", NULL, -1);
    TestNic *b = tn_new("b", &a->nc, 0);
    /* The receiver is full: queued, sender told to wait. */
    ck_assert_int_eq(net_send(&a->nc, (const uint8_t *)"x1", 2, count_sent), 0);
    ck_assert_int_eq(b->got, 0);
    ck_assert_uint_eq(net_queue_length(&b->nc), 1);
    ck_assert(!net_peer_can_receive(&a->nc));
    /* Order is kept: a later packet queues behind it even if room appears. */
    b->room = 1;
    ck_assert_int_eq(net_send(&a->nc, (const uint8_t *)"x2", 2, count_sent), 0);
    ck_assert_int_eq(b->got, 0);
    b->room = 1;
    ck_assert(!net_client_flush(&b->nc));   /* only one fits */
    ck_assert_int_eq(b->got, 1);
    ck_assert_mem_eq(b->last, "x1", 2);
    ck_assert_int_eq(sent_calls, 1);
    b->room = -1;
    ck_assert(net_client_flush(&b->nc));
    ck_assert_mem_eq(b->last, "x2", 2);
    ck_assert_int_eq(sent_calls, 2);
    ck_assert(net_peer_can_receive(&a->nc));
}
END_TEST

START_TEST(test_queue_bounded_without_callback)
{
    TestNic *a = tn_new("a", NULL, -1);
    TestNic *b = tn_new("b", &a->nc, 0);
    for (int i = 0; i < NET_QUEUE_MAX_PACKETS + 50; i++) {
        ck_assert_int_eq(net_send(&a->nc, (const uint8_t *)"pkt", 3, NULL), 3);
    }
    ck_assert_uint_eq(net_queue_length(&b->nc), NET_QUEUE_MAX_PACKETS);
    ck_assert_uint_eq(b->nc.dropped, 50);   /* counted, not silent */
    GString *out = g_string_new(NULL);
    net_info_network(out);
    ck_assert_ptr_nonnull(strstr(out->str, "dropped 50 packets"));
    g_string_free(out, true);
    b->room = -1;
    ck_assert(net_client_flush(&b->nc));
    ck_assert_int_eq(b->got, NET_QUEUE_MAX_PACKETS);
}
END_TEST

START_TEST(test_receive_returning_zero_queues)
{
    /* can_receive says yes but receive() refuses: still queued, not lost. */
    TestNic *a = tn_new("a", NULL, -1);
    TestNic *b = tn_new("b", &a->nc, -1);
    b->room = 0;
    NetClientInfo liar = tn_info;
    liar.can_receive = NULL;
    b->nc.info = &liar;
    ck_assert_int_eq(net_send(&a->nc, (const uint8_t *)"q", 1, count_sent), 0);
    ck_assert_uint_eq(net_queue_length(&b->nc), 1);
    b->room = -1;
    net_client_flush(&b->nc);
    ck_assert_int_eq(b->got, 1);
    ck_assert_int_eq(sent_calls, 1);
    b->nc.info = &tn_info;
}
END_TEST

START_TEST(test_hub_forwards_and_holds_back)
{
    TestNic *n1 = tn_new("n1", NULL, -1);
    TestNic *n2 = tn_new("n2", NULL, -1);
    TestNic *be = tn_new("be", NULL, -1);
    ck_assert_ptr_nonnull(net_hub_add_port(0, NULL, &n1->nc, NULL));
    ck_assert_ptr_nonnull(net_hub_add_port(0, NULL, &n2->nc, NULL));
    ck_assert_ptr_nonnull(net_hub_add_port(0, NULL, &be->nc, NULL));
    ck_assert_int_eq(net_send(&be->nc, (const uint8_t *)"bcast", 5, count_sent), 5);
    ck_assert_int_eq(n1->got, 1);
    ck_assert_int_eq(n2->got, 1);
    ck_assert_int_eq(be->got, 0);           /* not echoed to the sender */
    /* One NIC full: the hub port refuses, the backend waits. */
    n2->room = 0;
    ck_assert_int_eq(net_send(&be->nc, (const uint8_t *)"more", 4, count_sent), 0);
    ck_assert_int_eq(n1->got, 1);
    n2->room = -1;
    net_client_flush(&n2->nc);              /* the NIC has room: the hub moves */
    ck_assert_int_eq(n1->got, 2);
    ck_assert_int_eq(n2->got, 2);
    ck_assert_int_eq(sent_calls, 1);
    GString *out = g_string_new(NULL);
    net_info_network(out);
    ck_assert_ptr_nonnull(strstr(out->str, "hub 0\n \\ hub0port0: n1: index=0,type=nic"));
    g_string_free(out, true);
}
END_TEST

START_TEST(test_set_link)
{
    TestNic *a = tn_new("a", NULL, -1);
    TestNic *b = tn_new("b", &a->nc, -1);
    GError *err = NULL;
    ck_assert(net_set_link("b", false, &err));
    ck_assert(a->nc.link_down && b->nc.link_down);
    ck_assert_int_eq(b->links_changed, 1);
    ck_assert_int_eq(net_send(&a->nc, (const uint8_t *)"z", 1, count_sent), 1);
    ck_assert_int_eq(b->got, 0);            /* cable out: nowhere */
    ck_assert(net_set_link("b", true, &err));
    net_send(&a->nc, (const uint8_t *)"z", 1, count_sent);
    ck_assert_int_eq(b->got, 1);
    ck_assert(!net_set_link("nope", true, &err));
    ck_assert_str_eq(err->message, "Device 'nope' not found");
    g_error_free(err);
}
END_TEST

START_TEST(test_peer_in_use_and_free)
{
    TestNic *a = tn_new("a", NULL, -1);
    tn_new("b", &a->nc, 0);
    GError *err = NULL;
    ck_assert_ptr_null(net_client_new(&tn_info, sizeof(TestNic), &a->nc, "test", "c", &err));
    ck_assert_ptr_nonnull(strstr(err->message, "already connected"));
    g_error_free(err);
    /* Freeing a receiver with packets queued releases their senders. */
    net_send(&a->nc, (const uint8_t *)"w", 1, count_sent);
    net_client_free(net_client_find("b"));
    ck_assert_int_eq(sent_calls, 1);
    ck_assert_ptr_null(a->nc.peer);
}
END_TEST

START_TEST(test_opts_repeat_and_parse)
{
    GError *err = NULL;
    OptDict *d = net_opts_parse("-netdev", "user,id=n,hostfwd=tcp::1-:2,hostfwd=udp::3-:4,"
                                "net=10.1.0.0/16", &err);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(opt_dict_get(d, "type"), "user");
    GPtrArray *l = net_opt_list(d, "hostfwd");
    ck_assert_uint_eq(l->len, 2);
    ck_assert_str_eq(g_ptr_array_index(l, 0), "tcp::1-:2");
    ck_assert_str_eq(g_ptr_array_index(l, 1), "udp::3-:4");
    g_ptr_array_unref(l);
    opt_dict_free(d);
    uint8_t mac[6];
    ck_assert(net_parse_mac("52:54:00:12:34:56", mac));
    ck_assert_int_eq(mac[5], 0x56);
    ck_assert(!net_parse_mac("52:54:00:12:34", mac));
    ck_assert(!net_parse_mac("52:54:00:12:34:567", mac));
    char *host = NULL, *port = NULL;
    ck_assert(net_parse_host_port("[::1]:80", &host, &port, NULL));
    ck_assert_str_eq(host, "::1");
    ck_assert_str_eq(port, "80");
    g_free(host);
    g_free(port);
    ck_assert(!net_parse_host_port("host:99999", &host, &port, &err));
    ck_assert_str_eq(err->message, "invalid address 'host:99999' (expected host:port)");
    g_clear_error(&err);
}
END_TEST

START_TEST(test_netdev_errors)
{
    GError *err = NULL;
    OptDict *d = net_opts_parse("-netdev", "nosuch,id=x", &err);
    ck_assert_ptr_null(netdev_add_opts(d, &err));
    ck_assert_str_eq(err->message, "-netdev nosuch,id=x: unknown netdev type 'nosuch'; use "
                     "-netdev help to list the types");
    g_clear_error(&err);
    opt_dict_free(d);
    d = net_opts_parse("-netdev", "hubport,hubid=1", &err);
    ck_assert_ptr_null(netdev_add_opts(d, &err));
    ck_assert_str_eq(err->message, "-netdev hubport: parameter 'id' is missing");
    g_clear_error(&err);
    opt_dict_free(d);
    d = net_opts_parse("-netdev", "hubport,id=h,hubid=1", &err);
    ck_assert_ptr_nonnull(netdev_add_opts(d, &err));
    ck_assert_ptr_null(netdev_add_opts(d, &err));
    ck_assert_str_eq(err->message, "-netdev hubport: duplicate id 'h'");
    g_clear_error(&err);
    opt_dict_free(d);
    d = net_opts_parse("-netdev", "hubport,id=h2,hubid=1,netdev=missing", &err);
    ck_assert_ptr_null(netdev_add_opts(d, &err));
    ck_assert_str_eq(err->message, "-netdev hubport,id=h2: netdev 'missing' not found");
    g_clear_error(&err);
    opt_dict_free(d);
    /* A NIC naming a missing netdev, then one already in use. */
    ck_assert_ptr_null(net_nic_new(&tn_info, sizeof(TestNic), "missing", "test-nic", NULL,
                                   &err));
    ck_assert_str_eq(err->message, "Property 'test-nic.netdev' can't find value 'missing'");
    g_clear_error(&err);
    ck_assert_ptr_nonnull(net_nic_new(&tn_info, sizeof(TestNic), "h", "test-nic", NULL, &err));
    ck_assert_ptr_null(net_nic_new(&tn_info, sizeof(TestNic), "h", "test-nic", NULL, &err));
    ck_assert_str_eq(err->message, "Property 'test-nic.netdev' can't take value 'h', it's in use");
    g_clear_error(&err);
    ck_assert(netdev_del("h", &err));
    ck_assert(!netdev_del("h", &err));
    g_clear_error(&err);
}
END_TEST

/* A backend carrying vnet headers (as tap vnet_hdr=on). */
static bool hdr_has(NetClientState *nc)
{
    return true;
}

static int hdr_len_set;
static NetOffloads hdr_offloads;

static void hdr_set(NetClientState *nc, bool on, int len)
{
    hdr_len_set = on ? len : 0;
    nc->vnet_hdr_len = hdr_len_set;
}

static void hdr_offload(NetClientState *nc, const NetOffloads *o)
{
    hdr_offloads = *o;
}

START_TEST(test_vnet_hdr_negotiation)
{
    static NetClientInfo be_info;
    be_info = tn_info;
    be_info.has_vnet_hdr = hdr_has;
    be_info.set_vnet_hdr = hdr_set;
    be_info.set_offload = hdr_offload;
    TestNic *be = (TestNic *)net_client_new(&be_info, sizeof(TestNic), NULL, "tap", "be", NULL);
    be->room = -1;
    TestNic *plain = tn_new("plain", NULL, -1);
    TestNic *nic = tn_new("nic", &be->nc, -1);
    TestNic *nic2 = tn_new("nic2", &plain->nc, -1);
    ck_assert(net_peer_has_vnet_hdr(&nic->nc));
    ck_assert(!net_peer_has_vnet_hdr(&nic2->nc));   /* no headers without support */
    net_peer_set_vnet_hdr(&nic->nc, 12);
    ck_assert_int_eq(hdr_len_set, 12);
    NetOffloads o = { .csum = true, .tso4 = true };
    net_peer_set_offload(&nic->nc, &o);
    ck_assert(hdr_offloads.csum && hdr_offloads.tso4 && !hdr_offloads.ufo);
    net_peer_set_vnet_hdr(&nic2->nc, 12);            /* a no-op on a plain backend */
    ck_assert_int_eq(plain->nc.vnet_hdr_len, 0);
}
END_TEST

static Suite *net_suite(void)
{
    Suite *s = suite_create("net");
    struct { const char *name; const TTest *fn; } cases[] = {
        { "/net/deliver/direct", test_direct_delivery },
        { "/net/deliver/backpressure", test_backpressure_with_callback },
        { "/net/deliver/bounded", test_queue_bounded_without_callback },
        { "/net/deliver/receive-zero", test_receive_returning_zero_queues },
        { "/net/hub/forward", test_hub_forwards_and_holds_back },
        { "/net/link", test_set_link },
        { "/net/peer", test_peer_in_use_and_free },
        { "/net/options", test_opts_repeat_and_parse },
        { "/net/netdev/errors", test_netdev_errors },
        { "/net/vnet-hdr", test_vnet_hdr_negotiation },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(net_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
