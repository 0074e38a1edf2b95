/* SPDX-License-Identifier: MIT */
/*
 * The block graph: node names, options, children owned by their parent,
 * permissions between users of a node, blockdev-del rules, asynchronous
 * requests (several in flight, completions in the calling thread's main
 * loop), and werror=stop holding a request until `cont`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "blocktest.h"
#include "kernel/runstate.h"

#define WRITE_PERM (BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE)
#define DEVICE_SHARED (BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED | BLK_PERM_RESIZE)

static BlockNode *blockdev(BlockGraph *g, const char *text)
{
    GError *err = NULL;
    ck_assert_msg(block_cmdline_blockdev(g, text, &err), "%s: %s", text,
                  err ? err->message : "");
    GPtrArray *n = block_graph_nodes(g);
    return g_ptr_array_index(n, n->len - 1);
}

static char *blockdev_error(BlockGraph *g, const char *text)
{
    GError *err = NULL;
    if (block_cmdline_blockdev(g, text, &err)) {
        return NULL;
    }
    char *m = g_strdup(err->message);
    g_error_free(err);
    return m;
}

static BlockBackend *backend_on(BlockGraph *g, const char *node, uint32_t perm, uint32_t shared,
                                char **error)
{
    GError *err = NULL;
    BlockBackend *blk = blk_for_device(g, node, "dev", &err);
    if (blk && !blk_set_perm(blk, perm, shared, &err)) {
        blk_detach_device(blk);
        blk = NULL;
    }
    *error = blk ? NULL : g_strdup(err->message);
    g_clear_error(&err);
    return blk;
}

START_TEST(test_node_names_and_options)
{
    BlockGraph *g = bt_graph();
    blockdev(g, "driver=null-co,node-name=n0,size=1M");
    g_autofree char *dup = blockdev_error(g, "driver=null-co,node-name=n0");
    ck_assert_msg(dup && strstr(dup, "Duplicate nodes with node-name='n0'"), "%s", dup);
    g_autofree char *bad = blockdev_error(g, "driver=null-co,node-name=0abc");
    ck_assert_msg(bad && strstr(bad, "Invalid node-name: '0abc'"), "%s", bad);
    g_autofree char *unk = blockdev_error(g, "driver=null-co,node-name=n1,bogus=1");
    ck_assert_msg(unk && strstr(unk, "does not support the option 'bogus'"), "%s", unk);
    g_autofree char *drv = blockdev_error(g, "driver=nosuch,node-name=n1");
    ck_assert_msg(drv && strstr(drv, "Unknown driver 'nosuch'"), "%s", drv);
    g_autofree char *noname = blockdev_error(g, "driver=null-co");
    ck_assert_msg(noname && strstr(noname, "node-name is required"), "%s", noname);
    g_autofree char *boolv = blockdev_error(g, "driver=null-co,node-name=n1,read-only=maybe");
    ck_assert_msg(boolv && strstr(boolv, "'read-only' expects 'on' or 'off'"), "%s", boolv);
    g_autofree char *dz = blockdev_error(g, "driver=null-co,node-name=n1,detect-zeroes=unmap");
    ck_assert_msg(dz && strstr(dz, "detect-zeroes to unmap"), "%s", dz);
    g_autofree char *nofile = blockdev_error(g, "driver=raw,node-name=n1");
    ck_assert_msg(nofile && strstr(nofile, "\"file\""), "%s", nofile);
    ck_assert_uint_eq(block_graph_nodes(g)->len, 1);
    /* JSON and dotted keys build the same nested graph. */
    blockdev(g, "{\"driver\": \"raw\", \"node-name\": \"r0\", \"size\": 4096,"
                " \"file\": {\"driver\": \"null-co\", \"size\": 65536}}");
    BlockNode *r1 = blockdev(g, "driver=raw,node-name=r1,file.driver=null-co,file.size=65536");
    ck_assert_uint_eq(block_graph_nodes(g)->len, 5);
    ck_assert(r1->file && r1->file->node->implicit);
    ck_assert_int_eq(block_node_length(block_node_find(g, "r0")), 4096);
    block_graph_free(g);
}
END_TEST

/* block_node_pread_nonzero: data chunks copied, all-zero chunks (64 KiB)
 * left as the buffer had them, a short last chunk, errors passed on. */
START_TEST(test_pread_nonzero_skips_zero_chunks)
{
    enum { K64 = 64 * 1024, LEN = 5 * K64 + 1000 };
    g_autofree char *path = bt_path("sparse.img");
    g_autofree uint8_t *img = g_malloc0(LEN);
    bt_fill(img + K64 + 17, 100, 1);            /* chunk 1: some data */
    img[3 * K64 + K64 - 1] = 0x5a;              /* chunk 3: its last byte */
    bt_fill(img + 5 * K64, 1000, 2);            /* the short last chunk */
    ck_assert(g_file_set_contents(path, (const char *)img, LEN, NULL));
    BlockGraph *g = bt_graph();
    g_autofree char *opts = g_strdup_printf("driver=file,node-name=f0,filename=%s", path);
    BlockNode *bs = blockdev(g, opts);
    g_autofree uint8_t *buf = g_malloc(LEN);
    memset(buf, 0xee, LEN);                     /* marks what was not written */
    ck_assert_int_eq(block_node_pread_nonzero(bs, 0, LEN, buf), 0);
    for (unsigned c = 0; c < 6; c++) {
        size_t n = MIN((size_t)K64, (size_t)LEN - c * K64);
        bool data = c == 1 || c == 3 || c == 5;
        for (size_t i = 0; i < n; i++) {
            uint8_t want = data ? img[c * K64 + i] : 0xee;
            ck_assert_msg(buf[c * K64 + i] == want, "chunk %u byte %zu: %#x, want %#x", c, i,
                          buf[c * K64 + i], want);
        }
    }
    /* Past the end of a format node: the read's error, not a partial
     * success (a protocol node reads zeros there). */
    BlockNode *raw = blockdev(g, "driver=raw,node-name=r0,file=f0");
    ck_assert_int_eq(block_node_pread_nonzero(raw, K64, LEN, buf), -EINVAL);
    block_graph_free(g);
}
END_TEST

START_TEST(test_two_writers_refused)
{
    BlockGraph *g = bt_graph();
    blockdev(g, "driver=null-co,node-name=n0");
    char *e1, *e2, *e3;
    BlockBackend *a = backend_on(g, "n0", WRITE_PERM, DEVICE_SHARED, &e1);
    ck_assert_msg(a, "%s", e1);
    BlockBackend *b = backend_on(g, "n0", WRITE_PERM, DEVICE_SHARED, &e2);
    ck_assert_msg(!b && strstr(e2, "Conflicts with use by device 'dev'") && strstr(e2, "write"),
                  "%s", e2);
    /* A reader that does not share writes is refused too; one that does is fine. */
    BlockBackend *c = backend_on(g, "n0", BLK_PERM_CONSISTENT_READ, DEVICE_SHARED, &e3);
    ck_assert(!c);
    g_free(e3);
    c = backend_on(g, "n0", BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL, &e3);
    ck_assert_msg(c, "%s", e3);
    /* The writer goes; the second writer may come. */
    blk_detach_device(a);
    g_free(e2);
    b = backend_on(g, "n0", WRITE_PERM, DEVICE_SHARED, &e2);
    ck_assert_msg(b, "%s", e2);
    g_free(e1);
    block_graph_free(g);
}
END_TEST

START_TEST(test_formats_hold_their_file)
{
    BlockGraph *g = bt_graph();
    blockdev(g, "driver=null-co,node-name=f0");
    blockdev(g, "driver=raw,node-name=r0,file=f0");
    /* A second writable format on the same file: both would write it. */
    g_autofree char *e = blockdev_error(g, "driver=raw,node-name=r1,file=f0");
    ck_assert_msg(e && strstr(e, "Conflicts with use by node 'r0' as 'file'"), "%s", e);
    /* Read-only nodes refuse writers. */
    blockdev(g, "driver=null-co,node-name=ro,read-only=on");
    char *err;
    ck_assert(!backend_on(g, "ro", WRITE_PERM, DEVICE_SHARED, &err));
    ck_assert_msg(strstr(err, "Block node 'ro' is read-only"), "%s", err);
    g_free(err);
    block_graph_free(g);
}
END_TEST

START_TEST(test_blockdev_del_rules)
{
    BlockGraph *g = bt_graph();
    blockdev(g, "driver=raw,node-name=r0,file.driver=null-co");
    ck_assert_uint_eq(block_graph_nodes(g)->len, 2);
    const char *child = ((BlockNode *)g_ptr_array_index(block_graph_nodes(g), 0))->node_name;
    GError *err = NULL;
    ck_assert(!block_node_delete(g, child, &err));
    ck_assert_msg(strstr(err->message, "is not owned by the monitor"), "%s", err->message);
    g_clear_error(&err);
    char *e;
    BlockBackend *blk = backend_on(g, "r0", WRITE_PERM, DEVICE_SHARED, &e);
    ck_assert(blk);
    ck_assert(!block_node_delete(g, "r0", &err));
    ck_assert_msg(strstr(err->message, "busy: in use by device 'dev'"), "%s", err->message);
    g_clear_error(&err);
    blk_detach_device(blk);
    ck_assert_msg(block_node_delete(g, "r0", &err), "%s", err ? err->message : "");
    ck_assert_uint_eq(block_graph_nodes(g)->len, 0); /* the nested child went with it */
    ck_assert(!block_node_delete(g, "r0", &err));
    g_clear_error(&err);
    block_graph_free(g);
}
END_TEST

typedef struct Done {
    int count, ret;
    GThread *thread;
} Done;

static void on_done(void *opaque, int ret)
{
    Done *d = opaque;
    d->count++;
    d->ret = ret ? ret : d->ret;
    d->thread = g_thread_self();
}

START_TEST(test_requests_in_flight)
{
    BlockGraph *g = bt_graph();
    blockdev(g, "driver=null-co,node-name=n0,latency-ns=20000000,read-zeroes=on");
    char *e;
    BlockBackend *blk = backend_on(g, "n0", WRITE_PERM, DEVICE_SHARED, &e);
    ck_assert(blk);
    Done d = { 0 };
    uint8_t bufs[8][512];
    memset(bufs, 0xff, sizeof(bufs));
    for (int i = 0; i < 8; i++) {
        struct iovec one;
        BlockIOV v;
        block_iov_from_buf(&v, &one, bufs[i], sizeof(bufs[i]));
        blk_aio_preadv(blk, i * 512, &v, on_done, &d);
    }
    /* Submission returned at once: all eight are in flight, none done. */
    ck_assert_int_eq(blk_in_flight(blk), 8);
    ck_assert_int_eq(d.count, 0);
    block_graph_drain(g);
    ck_assert_int_eq(d.count, 8);
    ck_assert_int_eq(d.ret, 0);
    ck_assert(d.thread == g_thread_self()); /* completions come back to this thread */
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(bufs[i][0], 0);
    }
    /* Out of range: -EINVAL to the device, never a crash. */
    uint8_t big[4096];
    ck_assert_int_eq(blk_pread(blk, (1ull << 30) - 1024, sizeof(big), big), -EINVAL);
    block_graph_drain(g);
    block_graph_free(g);
}
END_TEST

/* `stop` drains: when vm_stop returns, every request the guest had in
 * flight has completed (its completion delivered) and the device's node
 * was flushed, so an external reader sees a stable image. */
START_TEST(test_stop_drains_guest_io)
{
    BlockGraph *g = bt_graph();
    blockdev(g, "driver=null-co,node-name=n0,latency-ns=100000000,read-zeroes=on");
    char *e;
    BlockBackend *blk = backend_on(g, "n0", WRITE_PERM, DEVICE_SHARED, &e);
    ck_assert(blk);
    BlockNode *bs = block_node_find(g, "n0");
    vm_start();
    Done d = { 0 };
    static uint8_t bufs[4][512];
    for (int i = 0; i < 4; i++) {
        struct iovec one;
        BlockIOV v;
        block_iov_from_buf(&v, &one, bufs[i], sizeof(bufs[i]));
        blk_aio_pwritev(blk, i * 512, &v, 0, on_done, &d);
    }
    ck_assert_int_eq(blk_in_flight(blk), 4);
    ck_assert_uint_eq(bs->stats.flush_ops, 0);
    vm_stop();
    ck_assert_int_eq(blk_in_flight(blk), 0);
    ck_assert_int_eq(d.count, 4);
    ck_assert_int_eq(d.ret, 0);
    ck_assert(d.thread == g_thread_self());
    ck_assert_uint_eq(bs->stats.flush_ops, 1);
    block_graph_free(g);
}
END_TEST

/* werror=stop on a full file system: the write is held (not failed), and
 * resumes when the VM does, after space was freed. */
START_TEST(test_werror_stop_holds_until_cont)
{
    g_autofree char *mnt = bt_path("mnt");
    ck_assert_int_eq(g_mkdir_with_parents(mnt, 0700), 0);
    ck_assert_msg(mount("tmpfs", mnt, "tmpfs", 0, "size=1m") == 0,
                  "this test needs to mount a small tmpfs (root): %s", g_strerror(errno));
    g_autofree char *img = g_build_filename(mnt, "disk.raw", NULL);
    g_autofree char *filler = g_build_filename(mnt, "filler", NULL);
    ck_assert_int_eq(bt_sh(NULL, "truncate -s 2M '%s' && head -c 900k /dev/zero > '%s'", img,
                           filler), 0);
    BlockGraph *g = bt_graph();
    BlockBackend *blk = bt_drive(g, "file=%s,format=raw,werror=stop", img);
    bt_take_write(blk);
    Done d = { 0 };
    g_autofree uint8_t *buf = g_malloc(512 * 1024);
    bt_fill(buf, 512 * 1024, 4);
    struct iovec one;
    BlockIOV v;
    block_iov_from_buf(&v, &one, buf, 512 * 1024);
    blk_aio_pwritev(blk, 0, &v, 0, on_done, &d);
    block_graph_drain(g);
    ck_assert_int_eq(d.count, 0);          /* held, not completed */
    ck_assert_int_eq(blk_in_flight(blk), 1);
    unlink(filler);
    vm_start();                            /* `cont` */
    block_graph_drain(g);
    ck_assert_int_eq(d.count, 1);
    ck_assert_int_eq(d.ret, 0);
    g_autofree uint8_t *back = g_malloc(512 * 1024);
    bt_read(blk, 0, back, 512 * 1024);
    ck_assert(memcmp(back, buf, 512 * 1024) == 0);
    block_graph_free(g);
    umount(mnt);
}
END_TEST

/* werror=report passes ENOSPC to the device. */
START_TEST(test_werror_report)
{
    g_autofree char *mnt = bt_path("mnt2");
    ck_assert_int_eq(g_mkdir_with_parents(mnt, 0700), 0);
    ck_assert_msg(mount("tmpfs", mnt, "tmpfs", 0, "size=256k") == 0,
                  "this test needs to mount a small tmpfs (root): %s", g_strerror(errno));
    g_autofree char *img = g_build_filename(mnt, "disk.raw", NULL);
    ck_assert_int_eq(bt_sh(NULL, "truncate -s 2M '%s'", img), 0);
    BlockGraph *g = bt_graph();
    BlockBackend *blk = bt_drive(g, "file=%s,format=raw,werror=report", img);
    bt_take_write(blk);
    g_autofree uint8_t *buf = g_malloc0(1024 * 1024);
    memset(buf, 1, 1024 * 1024);
    ck_assert_int_eq(blk_pwrite(blk, 0, 1024 * 1024, buf, 0), -ENOSPC);
    block_graph_free(g);
    umount(mnt);
}
END_TEST

/* Write notifiers see writes, zero writes and discards of their node (not
 * reads), before and after the driver; a failing before_write fails the
 * request without touching the data; a removed notifier is not called. */
typedef struct Seen {
    int before, after, refuse;
    uint64_t off, bytes;
    int last_ret;
} Seen;

static int seen_before(BlockWriteNotifier *n, BlockNode *bs, uint64_t off, uint64_t bytes)
{
    Seen *s = n->opaque;
    s->before++;
    s->off = off;
    s->bytes = bytes;
    return s->refuse;
}

static void seen_after(BlockWriteNotifier *n, BlockNode *bs, uint64_t off, uint64_t bytes,
                       int ret)
{
    Seen *s = n->opaque;
    s->after++;
    s->last_ret = ret;
}

START_TEST(test_write_notifiers)
{
    BlockGraph *g = bt_graph();
    g_autofree char *img = bt_path("notify.raw");
    ck_assert_int_eq(bt_sh(NULL, "truncate -s 1M '%s'", img), 0);
    BlockBackend *blk = bt_drive(g, "file=%s,format=raw,discard=unmap", img);
    bt_take_write(blk);
    Seen seen = { 0 };
    BlockWriteNotifier n = { .before_write = seen_before, .after_write = seen_after,
                             .opaque = &seen };
    block_node_add_write_notifier(blk_node(blk), &n);
    uint8_t buf[4096];
    bt_fill(buf, sizeof(buf), 7);
    bt_write(blk, 8192, buf, sizeof(buf));
    ck_assert_int_eq(seen.before, 1);
    ck_assert_int_eq(seen.after, 1);
    ck_assert_uint_eq(seen.off, 8192);
    ck_assert_uint_eq(seen.bytes, 4096);
    bt_read(blk, 0, buf, sizeof(buf));
    ck_assert_int_eq(seen.before, 1); /* reads are not writes */
    ck_assert_int_eq(block_node_pwrite_zeroes(blk_node(blk), 65536, 512, false), 0);
    ck_assert_int_eq(seen.before, 2);
    ck_assert_uint_eq(seen.off, 65536);
    ck_assert_int_eq(block_node_pdiscard(blk_node(blk), 131072, 4096), 0);
    ck_assert_int_eq(seen.before, 3);
    ck_assert_int_eq(seen.after, 3);
    /* A refusing notifier fails the write; the data stays. */
    seen.refuse = -EPERM;
    uint8_t other[4096];
    memset(other, 0x5a, sizeof(other));
    ck_assert_int_eq(blk_pwrite(blk, 8192, sizeof(other), other, 0), -EPERM);
    ck_assert_int_eq(seen.after, 3);
    seen.refuse = 0;
    uint8_t back[4096], want[4096];
    bt_fill(want, sizeof(want), 7);
    bt_read(blk, 8192, back, sizeof(back));
    ck_assert(memcmp(back, want, sizeof(back)) == 0);
    block_node_remove_write_notifier(blk_node(blk), &n);
    bt_write(blk, 0, buf, sizeof(buf));
    ck_assert_int_eq(seen.before, 4);
    block_graph_free(g);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("block/graph");
    TCase *tc = tcase_create("graph");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_node_names_and_options);
    tcase_add_test(tc, test_pread_nonzero_skips_zero_chunks);
    tcase_add_test(tc, test_two_writers_refused);
    tcase_add_test(tc, test_formats_hold_their_file);
    tcase_add_test(tc, test_blockdev_del_rules);
    tcase_add_test(tc, test_requests_in_flight);
    tcase_add_test(tc, test_stop_drains_guest_io);
    tcase_add_test(tc, test_werror_stop_holds_until_cont);
    tcase_add_test(tc, test_werror_report);
    tcase_add_test(tc, test_write_notifiers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
