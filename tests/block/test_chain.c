/* SPDX-License-Identifier: MIT */
/*
 * The block library's hooks for jobs and bitmaps: write notifiers (before
 * and after, a failing before-hook failing the write, job writes skipping
 * them), allocation status through a qcow2 chain, moving a node's users
 * onto another node, and changing the backing node with the header
 * rewritten (checked with qemu-img).
 */
#include <errno.h>
#include <string.h>

#include "blocktest.h"

typedef struct Counter {
    BlockWriteNotifier n;
    int before, after;
    uint64_t last_off, last_bytes;
    int fail_with;
} Counter;

static int count_before(BlockWriteNotifier *n, BlockNode *bs, uint64_t off, uint64_t bytes)
{
    Counter *c = n->opaque;
    c->before++;
    c->last_off = off;
    c->last_bytes = bytes;
    return c->fail_with;
}

static void count_after(BlockWriteNotifier *n, BlockNode *bs, uint64_t off, uint64_t bytes,
                        int ret)
{
    Counter *c = n->opaque;
    c->after++;
}

START_TEST(test_write_notifiers)
{
    BlockGraph *g = bt_graph();
    g_autofree char *img = bt_path("n.raw");
    ck_assert_int_eq(bt_sh(NULL, "truncate -s 1M %s", img), 0);
    BlockBackend *blk = bt_drive(g, "file=%s,format=raw", img);
    bt_take_write(blk);
    BlockNode *bs = blk_node(blk);
    Counter c = { .n = { .before_write = count_before, .after_write = count_after } };
    c.n.opaque = &c;
    block_node_add_write_notifier(bs, &c.n);
    uint8_t buf[4096];
    bt_fill(buf, sizeof(buf), 1);
    bt_write(blk, 8192, buf, sizeof(buf));
    ck_assert_int_eq(c.before, 1);
    ck_assert_int_eq(c.after, 1);
    ck_assert_uint_eq(c.last_off, 8192);
    ck_assert_uint_eq(c.last_bytes, 4096);
    /* A job's own write does not notify. */
    ck_assert_int_eq(block_node_pwrite(bs, 0, 512, buf, BLOCK_WRITE_NO_NOTIFY), 0);
    ck_assert_int_eq(c.before, 1);
    /* A failing before-hook fails the write; the data is not written. */
    c.fail_with = -EIO;
    uint8_t other[4096];
    bt_fill(other, sizeof(other), 2);
    ck_assert_int_eq(block_node_pwrite(bs, 8192, 4096, other, 0), -EIO);
    ck_assert_int_eq(c.after, 1);
    uint8_t back[4096];
    bt_read(blk, 8192, back, sizeof(back));
    ck_assert(memcmp(back, buf, sizeof(buf)) == 0);
    c.fail_with = 0;
    block_node_remove_write_notifier(bs, &c.n);
    bt_write(blk, 0, buf, 512);
    ck_assert_int_eq(c.before, 2);
    block_graph_free(g);
}
END_TEST

START_TEST(test_allocation_and_backing_change)
{
    bt_need("qemu-img");
    g_autofree char *base = bt_path("base.qcow2");
    g_autofree char *top = bt_path("top.qcow2");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 %s 4M && "
                           "qemu-io -f qcow2 -c 'write -P 0x11 0 64k' %s >/dev/null && "
                           "qemu-img create -q -f qcow2 -b %s -F qcow2 %s && "
                           "qemu-io -f qcow2 -c 'write -P 0x22 1M 128k' %s >/dev/null",
                           base, base, base, top, top), 0);
    BlockGraph *g = bt_graph();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", top);
    bt_take_write(blk);
    BlockNode *t = blk_node(blk);
    BlockNode *b = t->backing->node;
    uint64_t n;
    ck_assert_int_eq(block_node_block_status(t, 0, 4 << 20, &n), 0);
    ck_assert_uint_eq(n, 1 << 20);
    ck_assert_int_eq(block_node_block_status(t, 1 << 20, 4 << 20, &n), 1);
    ck_assert_uint_eq(n, 128 << 10);
    ck_assert_int_eq(block_node_is_allocated_above(t, NULL, 0, 4 << 20, &n), 1);
    ck_assert_uint_eq(n, 64 << 10);
    ck_assert_int_eq(block_node_is_allocated_above(t, b, 0, 4 << 20, &n), 0);
    ck_assert_uint_eq(n, 1 << 20);
    /* Drop the backing file: the header no longer names it. */
    GError *err = NULL;
    ck_assert_msg(block_node_set_backing(t, NULL, true, &err), "%s",
                  err ? err->message : "");
    ck_assert_ptr_null(t->backing);
    uint8_t buf[512];
    bt_read(blk, 0, buf, sizeof(buf));
    ck_assert_int_eq(buf[0], 0);
    block_graph_free(g);
    g_autofree char *info = NULL;
    ck_assert_int_eq(bt_sh(&info, "qemu-img info %s", top), 0);
    ck_assert_msg(!strstr(info, "backing file"), "%s", info);
    ck_assert_int_eq(bt_qemu_img_check(top), 0);
    /* And set it again, with its format. */
    g = bt_graph();
    blk = bt_drive(g, "file=%s,format=qcow2", top);
    bt_take_write(blk);
    GError *e2 = NULL;
    ck_assert(block_cmdline_blockdev(g, g_strdup_printf("driver=qcow2,node-name=b0,"
                                     "read-only=on,file.driver=file,file.filename=%s", base),
                                     &e2));
    ck_assert(block_node_set_backing(blk_node(blk), block_node_find(g, "b0"), true, &e2));
    bt_read(blk, 0, buf, sizeof(buf));
    ck_assert_int_eq(buf[0], 0x11);
    block_graph_free(g);
    g_free(info);
    info = NULL;
    ck_assert_int_eq(bt_sh(&info, "qemu-img info %s", top), 0);
    ck_assert_msg(strstr(info, "backing file: ") && strstr(info, "base.qcow2"), "%s", info);
    ck_assert_msg(strstr(info, "backing file format: qcow2"), "%s", info);
    ck_assert_int_eq(bt_qemu_img_check(top), 0);
}
END_TEST

START_TEST(test_replace_moves_users)
{
    BlockGraph *g = bt_graph();
    GError *err = NULL;
    ck_assert(block_cmdline_blockdev(g, "driver=null-co,node-name=a,size=1M", &err));
    ck_assert(block_cmdline_blockdev(g, "driver=null-co,node-name=b,size=1M", &err));
    BlockNode *a = block_node_find(g, "a"), *b = block_node_find(g, "b");
    BlockBackend *blk = blk_for_device(g, "a", "dev", &err);
    ck_assert(blk);
    ck_assert(blk_set_perm(blk, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                           BLK_PERM_CONSISTENT_READ, &err));
    ck_assert(block_node_replace(a, b, &err));
    ck_assert_ptr_eq(blk_node(blk), b);
    ck_assert_uint_eq(a->parents->len, 0);
    ck_assert_uint_eq(b->parents->len, 1);
    /* A writer on the destination that shares nothing blocks the move. */
    BlockBackend *other = blk_for_device(g, "a", "dev2", &err);
    ck_assert(other);
    ck_assert(blk_set_perm(other, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE, 0, &err));
    ck_assert(!block_node_replace(a, b, &err));
    ck_assert_ptr_eq(blk_node(other), a);
    g_clear_error(&err);
    block_graph_free(g);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("block/chain");
    TCase *tc = tcase_create("chain");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_write_notifiers);
    tcase_add_test(tc, test_allocation_and_backing_change);
    tcase_add_test(tc, test_replace_moves_users);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
