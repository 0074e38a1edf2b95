/* SPDX-License-Identifier: MIT */
/*
 * Corrupt and hostile qcow2 images are refused at open with one message
 * naming the image and the problem; nothing is written to them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blocktest.h"

static void poke(const char *img, uint64_t off, const void *bytes, size_t len)
{
    int fd = open(img, O_WRONLY);
    ck_assert(fd >= 0 && pwrite(fd, bytes, len, off) == (ssize_t)len);
    close(fd);
}

static void poke_be64(const char *img, uint64_t off, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = v >> (56 - 8 * i);
    }
    poke(img, off, b, 8);
}

static void poke_be32(const char *img, uint64_t off, uint32_t v)
{
    uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };
    poke(img, off, b, 4);
}

static char *fresh(const char *name)
{
    char *img = bt_path(name);
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 '%s' 16M && "
                                 "qemu-io -c 'write -P 1 0 64k' '%s' >/dev/null", img, img), 0);
    return img;
}

static char *sum(const char *img)
{
    char *out;
    ck_assert_int_eq(bt_sh(&out, "sha256sum < '%s'", img), 0);
    return out;
}

/* Opening @img read-write fails with a message naming it and @what; the
 * file is unchanged. */
static void assert_refused(const char *img, const char *what)
{
    g_autofree char *before = sum(img);
    BlockGraph *g = bt_graph();
    g_autofree char *e = bt_drive_error(g, "file=%s,format=qcow2", img);
    ck_assert_msg(e && strstr(e, img) && strstr(e, what), "wanted '%s', got: %s", what,
                  e ? e : "(opened)");
    ck_assert_msg(!strchr(e, '\n'), "not one line: %s", e);
    block_graph_free(g);
    g_autofree char *after = sum(img);
    ck_assert_str_eq(before, after);
}

START_TEST(test_wrong_magic)
{
    bt_need("qemu-img");
    g_autofree char *img = fresh("magic.qcow2");
    poke(img, 0, "QFIX", 4);
    assert_refused(img, "wrong magic");
}
END_TEST

START_TEST(test_l1_past_end)
{
    bt_need("qemu-img");
    g_autofree char *img = fresh("l1.qcow2");
    poke_be64(img, 40, 1ull << 40);
    assert_refused(img, "L1 table lies past the end of the file");
}
END_TEST

START_TEST(test_l1_entry_out_of_file)
{
    bt_need("qemu-img");
    g_autofree char *img = fresh("l1e.qcow2");
    uint8_t h[48];
    FILE *f = fopen(img, "rb");
    ck_assert(fread(h, 1, sizeof(h), f) == sizeof(h));
    fclose(f);
    uint64_t l1 = 0;
    for (int i = 0; i < 8; i++) {
        l1 = l1 << 8 | h[40 + i];
    }
    poke_be64(img, l1, (1ull << 63) | (1ull << 45));
    assert_refused(img, "invalid L2 table offset");
}
END_TEST

START_TEST(test_absurd_size)
{
    bt_need("qemu-img");
    g_autofree char *img = fresh("size.qcow2");
    poke_be64(img, 24, 1ull << 62);
    assert_refused(img, "absurd virtual size");
}
END_TEST

START_TEST(test_refcount_width_overflow)
{
    bt_need("qemu-img");
    g_autofree char *img = fresh("refc.qcow2");
    poke_be32(img, 96, 7);
    assert_refused(img, "refcount width 2^7 bits is too wide");
}
END_TEST

START_TEST(test_unknown_incompatible_feature)
{
    bt_need("qemu-img");
    g_autofree char *img = fresh("feat.qcow2");
    poke_be64(img, 72, 1ull << 40);
    assert_refused(img, "unknown incompatible features");
}
END_TEST

START_TEST(test_huge_cluster_bits)
{
    bt_need("qemu-img");
    g_autofree char *img = fresh("cbits.qcow2");
    poke_be32(img, 20, 40);
    assert_refused(img, "unsupported cluster size");
}
END_TEST

START_TEST(test_cyclic_backing_chain)
{
    bt_need("qemu-img");
    g_autofree char *a = bt_path("cyc-a.qcow2");
    g_autofree char *b = bt_path("cyc-b.qcow2");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 '%s' 1M && "
                                 "qemu-img create -q -f qcow2 -b cyc-a.qcow2 -F qcow2 '%s' && "
                                 "qemu-img rebase -u -b cyc-b.qcow2 -F qcow2 '%s'", a, b, a), 0);
    g_autofree char *before = sum(a);
    BlockGraph *g = bt_graph();
    g_autofree char *e = bt_drive_error(g, "file=%s,format=qcow2", a);
    ck_assert_msg(e && strstr(e, "backing chain is cyclic"), "%s", e);
    ck_assert(!strchr(e, '\n'));
    block_graph_free(g);
    g_autofree char *self = bt_path("self.qcow2");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 '%s' 1M && "
                                 "qemu-img rebase -u -b self.qcow2 -F qcow2 '%s'", self, self), 0);
    g = bt_graph();
    g_autofree char *e2 = bt_drive_error(g, "file=%s,format=qcow2", self);
    ck_assert_msg(e2 && strstr(e2, self) && strstr(e2, "cyclic"), "%s", e2);
    block_graph_free(g);
    g_autofree char *after = sum(a);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(test_truncated_file)
{
    bt_need("qemu-img");
    g_autofree char *img = fresh("trunc.qcow2");
    ck_assert_int_eq(bt_sh(NULL, "truncate -s 100 '%s'", img), 0);
    assert_refused(img, "qcow2");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("block/hostile");
    TCase *tc = tcase_create("hostile");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_wrong_magic);
    tcase_add_test(tc, test_l1_past_end);
    tcase_add_test(tc, test_l1_entry_out_of_file);
    tcase_add_test(tc, test_absurd_size);
    tcase_add_test(tc, test_refcount_width_overflow);
    tcase_add_test(tc, test_unknown_incompatible_feature);
    tcase_add_test(tc, test_huge_cluster_bits);
    tcase_add_test(tc, test_cyclic_backing_chain);
    tcase_add_test(tc, test_truncated_file);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
