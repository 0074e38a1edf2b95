/* SPDX-License-Identifier: MIT */
/*
 * scsi-hd and scsi-cd on a SCSI bus of a test HBA: the commands Linux and
 * EDK2 use, with the data and sense data they must produce; unit
 * attentions; LUN handling; tray, lock and media change on the CD.
 */
#include <string.h>

#include "blocktest.h"
#include "kernel/core.h"
#include "kernel/block-hook.h"
#include "kernel/options.h"
#include "scsi/scsi.h"

#define TYPE_TEST_HBA "test-scsi-hba"

static const SCSIBusInfo test_bus_info = { .max_channel = 0, .max_target = 7, .max_lun = 7 };

static const TypeInfo test_hba_info = {
    .name = TYPE_TEST_HBA, .parent = TYPE_DEVICE, .instance_size = sizeof(DeviceState),
    .class_size = sizeof(DeviceClass),
};

static SCSIBus *bus;
static BlockGraph *graph;

static void setup(void)
{
    bt_graph();
    graph = block_graph_default();
    type_register_static(&test_hba_info);
    DeviceState *hba = DEVICE(object_new(TYPE_TEST_HBA));
    object_property_add_child(object_root(), "hba", OBJECT(hba), NULL);
    ck_assert(device_realize(hba, NULL));
    bus = scsi_bus_new(hba, NULL, &test_bus_info);
}

/* -device TYPE,drive=...,... on the test bus; NULL and *error on failure. */
static SCSIDevice *add_device(const char *opts, char **error)
{
    GError *err = NULL;
    g_autofree char *text = g_strdup_printf("%s,bus=%s", opts, ((BusState *)bus)->name);
    OptDict *d = opt_dict_parse("-device", text, "driver", false, &err);
    DeviceState *dev = d ? device_create_from_opts(d, false, &err) : NULL;
    if (d) {
        opt_dict_free(d);
    }
    if (error) {
        *error = dev ? NULL : g_strdup(err->message);
    } else {
        ck_assert_msg(dev, "%s: %s", opts, err ? err->message : "");
    }
    g_clear_error(&err);
    return dev ? SCSI_DEVICE(dev) : NULL;
}

typedef struct Cmd {
    SCSIRequest req;
    bool done;
    uint8_t buf[65536];
} Cmd;

static void cmd_done(SCSIRequest *req)
{
    ((Cmd *)req->hba_opaque)->done = true;
}

/* Run @cdb on (id, lun) with a data buffer of @len bytes (out: from @data). */
static Cmd *run(unsigned id, unsigned lun, const uint8_t *cdb, unsigned cdb_len,
                const void *data, unsigned len, bool out)
{
    static struct iovec one;
    Cmd *c = g_new0(Cmd, 1);
    memcpy(c->req.cdb, cdb, cdb_len);
    c->req.cdb_len = cdb_len;
    c->req.lun = lun;
    c->req.data_out = out;
    if (out && data) {
        memcpy(c->buf, data, len);
    }
    block_iov_from_buf(&c->req.data, &one, c->buf, len);
    c->req.complete = cmd_done;
    c->req.hba_opaque = c;
    scsi_req_submit(bus, 0, id, &c->req);
    block_graph_drain(graph);
    ck_assert(c->done);
    return c;
}

#define RUN(id, lun, len, ...) \
    run(id, lun, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), \
        NULL, len, false)

static void assert_sense(Cmd *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
    ck_assert_int_eq(c->req.status, SCSI_STATUS_CHECK_CONDITION);
    ck_assert_int_eq(c->req.sense[0], 0x70);
    ck_assert_msg(c->req.sense[2] == key && c->req.sense[12] == asc && c->req.sense[13] == ascq,
                  "sense %x/%x/%x, wanted %x/%x/%x", c->req.sense[2], c->req.sense[12],
                  c->req.sense[13], key, asc, ascq);
}

static void assert_good(Cmd *c)
{
    ck_assert_msg(c->req.status == SCSI_STATUS_GOOD, "status %d sense %x/%x/%x",
                  c->req.status, c->req.sense[2], c->req.sense[12], c->req.sense[13]);
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

static char *raw_image(const char *name, size_t size)
{
    char *path = bt_path(name);
    ck_assert_int_eq(bt_sh(NULL, "truncate -s %zu '%s'", size, path), 0);
    return path;
}

/* A fresh disk at scsi-id @id consumes its power-on unit attention. */
static SCSIDevice *disk(unsigned id, const char *drive_opts, const char *dev_opts)
{
    static unsigned n;
    g_autofree char *name = g_strdup_printf("hd%u.raw", n);
    g_autofree char *img = raw_image(name, 1 << 20);
    g_autofree char *did = g_strdup_printf("drv%u", n++);
    g_autofree char *text = g_strdup_printf("file=%s,format=raw,if=none,id=%s%s", img, did,
                                            drive_opts);
    GError *err = NULL;
    ck_assert_msg(block_cmdline_drive(graph, text, false, NULL, &err), "%s", err ? err->message : "");
    g_autofree char *opts = g_strdup_printf("scsi-hd,drive=%s,scsi-id=%u%s", did, id, dev_opts);
    SCSIDevice *dev = add_device(opts, NULL);
    Cmd *c = RUN(id, dev->lun, 0, 0x00, 0, 0, 0, 0, 0);
    assert_sense(c, 0x06, 0x29, 0x00);  /* power on / reset */
    g_free(c);
    return dev;
}

START_TEST(test_inquiry_and_vpd)
{
    setup();
    disk(1, "", ",serial=SN123");
    Cmd *c = RUN(1, 0, 96, 0x12, 0, 0, 0, 96, 0);
    assert_good(c);
    ck_assert_uint_eq(c->req.transferred, 36);
    ck_assert_int_eq(c->buf[0], 0x00);
    ck_assert(memcmp(c->buf + 8, "TESSERA ", 8) == 0);
    ck_assert(memcmp(c->buf + 16, "TESSERA HARDDISK", 16) == 0);
    g_free(c);
    c = RUN(1, 0, 255, 0x12, 1, 0x00, 0, 255, 0);
    assert_good(c);
    ck_assert(memchr(c->buf + 4, 0xb0, c->buf[3]) && memchr(c->buf + 4, 0x80, c->buf[3]));
    g_free(c);
    c = RUN(1, 0, 255, 0x12, 1, 0x80, 0, 255, 0);
    assert_good(c);
    ck_assert_int_eq(c->buf[3], 5);
    ck_assert(memcmp(c->buf + 4, "SN123", 5) == 0);
    g_free(c);
    c = RUN(1, 0, 255, 0x12, 1, 0xb0, 0, 255, 0);
    assert_good(c);
    ck_assert_uint_eq(be32(c->buf + 20), 0x100000); /* maximum unmap LBA count */
    g_free(c);
    c = RUN(1, 0, 255, 0x12, 1, 0x99, 0, 255, 0);
    assert_sense(c, 0x05, 0x24, 0x00);
    g_free(c);
}
END_TEST

START_TEST(test_capacity_read_write)
{
    setup();
    disk(2, "", "");
    Cmd *c = RUN(2, 0, 8, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_good(c);
    ck_assert_uint_eq(be32(c->buf), 2047);
    ck_assert_uint_eq(be32(c->buf + 4), 512);
    g_free(c);
    c = RUN(2, 0, 32, 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
    assert_good(c);
    ck_assert_uint_eq(be32(c->buf + 4), 2047);
    ck_assert_int_eq(c->buf[14] & 0x80, 0x80);      /* LBPME */
    g_free(c);
    uint8_t data[1024];
    bt_fill(data, sizeof(data), 1);
    const uint8_t w10[] = { 0x2a, 0, 0, 0, 0, 10, 0, 0, 2, 0 };
    c = run(2, 0, w10, sizeof(w10), data, sizeof(data), true);
    assert_good(c);
    ck_assert_uint_eq(c->req.transferred, 1024);
    g_free(c);
    c = RUN(2, 0, 1024, 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 2, 0, 0);
    assert_good(c);
    ck_assert(memcmp(c->buf, data, sizeof(data)) == 0);
    g_free(c);
    c = RUN(2, 0, 512, 0x08, 0, 0, 11, 1, 0);        /* READ 6 of the second block */
    assert_good(c);
    ck_assert(memcmp(c->buf, data + 512, 512) == 0);
    g_free(c);
    c = RUN(2, 0, 1024, 0x28, 0, 0, 0, 0x07, 0xff, 0, 0, 2, 0); /* 2047 + 2 blocks */
    assert_sense(c, 0x05, 0x21, 0x00);
    g_free(c);
    c = RUN(2, 0, 0, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0);  /* SYNCHRONIZE CACHE */
    assert_good(c);
    g_free(c);
    c = RUN(2, 0, 0, 0xff, 0, 0, 0, 0, 0);
    assert_sense(c, 0x05, 0x20, 0x00);
    g_free(c);
    c = RUN(2, 0, 18, 0x03, 0, 0, 0, 18, 0);
    assert_good(c);
    ck_assert_int_eq(c->buf[2], 0);                  /* no sense pending */
    g_free(c);
}
END_TEST

START_TEST(test_unmap_and_write_same)
{
    setup();
    disk(3, ",discard=unmap", "");
    uint8_t data[4096];
    bt_fill(data, sizeof(data), 2);
    const uint8_t w10[] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
    g_free(run(3, 0, w10, sizeof(w10), data, sizeof(data), true));
    uint8_t list[24] = { 0, 22, 0, 16 };
    list[15] = 2;                                   /* LBA 2, 4 blocks */
    list[19] = 4;
    const uint8_t unmap[] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 };
    Cmd *c = run(3, 0, unmap, sizeof(unmap), list, sizeof(list), true);
    assert_good(c);
    g_free(c);
    c = RUN(3, 0, 4096, 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0);
    assert_good(c);
    ck_assert(memcmp(c->buf, data, 1024) == 0);
    for (int i = 1024; i < 3072; i++) {
        ck_assert_int_eq(c->buf[i], 0);
    }
    ck_assert(memcmp(c->buf + 3072, data + 3072, 1024) == 0);
    g_free(c);
    uint8_t block[512];
    memset(block, 0x77, sizeof(block));
    const uint8_t ws16[] = { 0x93, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 3, 0, 0 };
    c = run(3, 0, ws16, sizeof(ws16), block, sizeof(block), true);
    assert_good(c);
    g_free(c);
    c = RUN(3, 0, 2048, 0x28, 0, 0, 0, 0, 99, 0, 0, 4, 0);
    assert_good(c);
    for (int i = 512; i < 2048; i++) {
        ck_assert_int_eq(c->buf[i], 0x77);
    }
    g_free(c);
}
END_TEST

START_TEST(test_mode_sense_and_read_only)
{
    setup();
    disk(4, ",readonly=on", "");
    Cmd *c = RUN(4, 0, 255, 0x1a, 0, 0x08, 0, 255, 0);
    assert_good(c);
    ck_assert_int_eq(c->buf[2] & 0x80, 0x80);       /* write protected */
    ck_assert_int_eq(c->buf[3], 8);                 /* block descriptor */
    ck_assert_int_eq(c->buf[4 + 8], 0x08);          /* caching page */
    ck_assert_int_eq(c->buf[4 + 8 + 2] & 0x04, 0x04); /* WCE: writeback */
    g_free(c);
    c = RUN(4, 0, 255, 0x5a, 0x08, 0x3f, 0, 0, 0, 0, 0, 255, 0);
    assert_good(c);
    ck_assert_int_eq(c->buf[3] & 0x80, 0x80);
    ck_assert_int_eq(c->buf[8], 0x01);              /* DBD: pages follow at once */
    g_free(c);
    uint8_t data[512] = { 1 };
    const uint8_t w10[] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    c = run(4, 0, w10, sizeof(w10), data, sizeof(data), true);
    assert_sense(c, 0x07, 0x27, 0x00);
    g_free(c);
}
END_TEST

START_TEST(test_luns_and_addresses)
{
    setup();
    disk(5, "", ",lun=0");
    disk(5, "", ",lun=3");
    Cmd *c = RUN(5, 0, 64, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0);
    assert_good(c);
    ck_assert_uint_eq(be32(c->buf), 16);
    ck_assert_int_eq(c->buf[8 + 1], 0);
    ck_assert_int_eq(c->buf[16 + 1], 3);
    g_free(c);
    c = RUN(5, 2, 36, 0x12, 0, 0, 0, 36, 0);
    assert_good(c);
    ck_assert_int_eq(c->buf[0], 0x7f);              /* no device at LUN 2 */
    g_free(c);
    c = RUN(5, 2, 0, 0x00, 0, 0, 0, 0, 0);
    assert_sense(c, 0x05, 0x25, 0x00);
    g_free(c);
    ck_assert(!scsi_bus_has_target(bus, 0, 6));
    char *e = NULL;
    g_autofree char *img = raw_image("dup.raw", 65536);
    g_autofree char *text = g_strdup_printf("file=%s,format=raw,if=none,id=dupd", img);
    ck_assert(block_cmdline_drive(graph, text, false, NULL, NULL));
    ck_assert(!add_device("scsi-hd,drive=dupd,scsi-id=5,lun=3", &e));
    ck_assert_msg(strstr(e, "scsi-id 5, lun 3 is already in use"), "%s", e);
    g_free(e);
    ck_assert(!add_device("scsi-hd,drive=dupd,scsi-id=9", &e));
    ck_assert_msg(strstr(e, "bad scsi-id 9"), "%s", e);
    g_free(e);
    ck_assert(add_device("scsi-hd,drive=dupd,scsi-id=6", &e));
    ck_assert(!add_device("scsi-hd,drive=dupd,scsi-id=7", &e));
    ck_assert_msg(strstr(e, "Drive 'dupd' is already in use"), "%s", e);
    g_free(e);
}
END_TEST

START_TEST(test_cdrom_tray_and_media)
{
    setup();
    g_autofree char *iso = raw_image("cd.iso", 4 << 20);
    g_autofree char *iso2 = raw_image("cd2.iso", 2 << 20);
    g_autofree char *text = g_strdup_printf("file=%s,format=raw,if=none,id=cd,media=cdrom", iso);
    GError *err = NULL;
    ck_assert_msg(block_cmdline_drive(graph, text, false, NULL, &err), "%s",
                  err ? err->message : "");
    SCSIDevice *dev = add_device("scsi-cd,drive=cd,scsi-id=0,id=cd0", NULL);
    g_free(RUN(0, 0, 0, 0x00, 0, 0, 0, 0, 0));      /* the power-on unit attention */
    Cmd *c = RUN(0, 0, 36, 0x12, 0, 0, 0, 36, 0);
    ck_assert_int_eq(c->buf[0], 0x05);
    ck_assert_int_eq(c->buf[1], 0x80);              /* removable */
    g_free(c);
    c = RUN(0, 0, 8, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    ck_assert_uint_eq(be32(c->buf), 2047);
    ck_assert_uint_eq(be32(c->buf + 4), 2048);
    g_free(c);
    c = RUN(0, 0, 100, 0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0);  /* READ TOC */
    assert_good(c);
    ck_assert_int_eq(c->buf[4 + 2], 1);
    ck_assert_int_eq(c->buf[12 + 2], 0xaa);
    ck_assert_uint_eq(be32(c->buf + 12 + 4), 2048);
    g_free(c);
    c = RUN(0, 0, 64, 0x46, 0, 0, 0, 0, 0, 0, 0, 64, 0);    /* GET CONFIGURATION */
    assert_good(c);
    ck_assert_int_eq(c->buf[7], 0x08);              /* current profile: CD-ROM */
    g_free(c);
    uint8_t data[2048] = { 0 };
    const uint8_t w10[] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    c = run(0, 0, w10, sizeof(w10), data, sizeof(data), true);
    assert_sense(c, 0x05, 0x20, 0x00);
    g_free(c);
    /* The guest locks the tray, so it may not eject; unlocked, it may. */
    g_free(RUN(0, 0, 0, 0x1e, 0, 0, 0, 1, 0));
    c = RUN(0, 0, 0, 0x1b, 0, 0, 0, 0x02, 0);
    assert_sense(c, 0x05, 0x53, 0x02);
    g_free(c);
    g_free(RUN(0, 0, 0, 0x1e, 0, 0, 0, 0, 0));
    c = RUN(0, 0, 0, 0x1b, 0, 0, 0, 0x02, 0);
    assert_good(c);
    g_free(c);
    ck_assert(blk_is_tray_open(dev->blk));
    c = RUN(0, 0, 0, 0x00, 0, 0, 0, 0, 0);
    assert_sense(c, 0x02, 0x3a, 0x02);              /* tray open */
    g_free(c);
    c = RUN(0, 0, 8, 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0);   /* GESN: media class */
    assert_good(c);
    ck_assert_int_eq(c->buf[4], 3);                 /* media removal */
    ck_assert_int_eq(c->buf[5] & 1, 1);             /* tray open */
    g_free(c);
    g_free(RUN(0, 0, 0, 0x1b, 0, 0, 0, 0x03, 0));   /* load */
    g_free(RUN(0, 0, 0, 0x00, 0, 0, 0, 0, 0));
    /* The monitor swaps the medium: the guest sees a unit attention, then
     * the new capacity. */
    const BlockHookOps *ops = block_hook_get(NULL);
    ck_assert(ops);
    JsonObject *args = json_object_new();
    json_object_set_string_member(args, "id", "cd0");
    json_object_set_string_member(args, "filename", iso2);
    json_object_set_string_member(args, "format", "raw");
    JsonNode *r = ops->qmp("blockdev-change-medium", args, &err);
    ck_assert_msg(r, "%s", err ? err->message : "");
    json_node_unref(r);
    json_object_unref(args);
    c = RUN(0, 0, 0, 0x00, 0, 0, 0, 0, 0);
    assert_sense(c, 0x06, 0x28, 0x00);              /* medium may have changed */
    g_free(c);
    c = RUN(0, 0, 8, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_good(c);
    ck_assert_uint_eq(be32(c->buf), 1023);
    g_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("block/scsi");
    TCase *tc = tcase_create("scsi");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_inquiry_and_vpd);
    tcase_add_test(tc, test_capacity_read_write);
    tcase_add_test(tc, test_unmap_and_write_same);
    tcase_add_test(tc, test_mode_sense_and_read_only);
    tcase_add_test(tc, test_luns_and_addresses);
    tcase_add_test(tc, test_cdrom_tray_and_media);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
