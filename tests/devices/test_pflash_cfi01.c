/* SPDX-License-Identifier: MIT */
/*
 * cfi.pflash01 as the aarch64 virt board wires it (4-byte bank of two
 * 16-bit chips, commands and status in each chip's lane): CFI query and
 * identifier, block erase, word and buffered program, status, the contents
 * read from and written back to a block node, and a read-only node's
 * refusal.  Links the block library to make nodes.
 */
#include <inttypes.h>
#include <string.h>

#include <glib/gstdio.h>

#include "block/block.h"
#include "devtest.h"
#include "kernel/module.h"

#define SECTOR (256 * 1024)
#define SIZE (4 * SECTOR)
#define DUAL(c) ((uint32_t)(c) << 16 | (uint32_t)(c))

static DeviceState *flash_new(const char *drive)
{
    if (drive) {
        return devtest_create("cfi.pflash01", NULL, "num-blocks", "4", "drive", drive, NULL);
    }
    return devtest_create("cfi.pflash01", NULL, "num-blocks", "4", NULL);
}

static uint32_t rd(DeviceState *d, hwaddr a)
{
    return (uint32_t)devtest_read(d, a, 4);
}

static void wr(DeviceState *d, hwaddr a, uint32_t v)
{
    devtest_write(d, a, v, 4);
}

static char *scratch;

static void teardown(void)
{
    if (scratch) {
        g_autofree char *f = g_build_filename(scratch, "flash.img", NULL);
        g_remove(f);
        g_rmdir(scratch);
        g_clear_pointer(&scratch, g_free);
    }
}

/* A file of @size bytes as block node @node: @contents, or byte i = i % 251. */
static char *make_node_with(const char *node, size_t size, bool read_only,
                            const uint8_t *contents)
{
    if (!scratch) {
        scratch = g_dir_make_tmp("pflash-XXXXXX", NULL);
    }
    char *path = g_build_filename(scratch, "flash.img", NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_autofree uint8_t *buf = g_malloc(size);
        for (size_t i = 0; i < size; i++) {
            buf[i] = contents ? contents[i] : (uint8_t)(i % 251);
        }
        ck_assert(g_file_set_contents(path, (char *)buf, (gssize)size, NULL));
    }
    g_autofree char *opts = g_strdup_printf("driver=file,node-name=%s,filename=%s%s", node,
                                            path, read_only ? ",read-only=on" : "");
    GError *err = NULL;
    ck_assert_msg(module_load("block", &err), "%s", err ? err->message : "");
    ck_assert_msg(block_cmdline_blockdev(block_graph_default(), opts, &err), "%s",
                  err ? err->message : "");
    return path;
}

static char *make_node(const char *node, size_t size, bool read_only)
{
    return make_node_with(node, size, read_only, NULL);
}

START_TEST(test_cfi_query_and_identifier)
{
    DeviceState *d = flash_new(NULL);
    wr(d, 0, DUAL(0x98));
    ck_assert_uint_eq(rd(d, 0x10 * 4), DUAL('Q'));
    ck_assert_uint_eq(rd(d, 0x11 * 4), DUAL('R'));
    ck_assert_uint_eq(rd(d, 0x12 * 4), DUAL('Y'));
    ck_assert_uint_eq(rd(d, 0x13 * 4), DUAL(1));             /* Intel command set */
    ck_assert_uint_eq(rd(d, 0x27 * 4), DUAL(19));            /* 512 KiB per chip */
    ck_assert_uint_eq(rd(d, 0x2c * 4), DUAL(1));
    ck_assert_uint_eq(rd(d, 0x2d * 4), DUAL(3));             /* 4 blocks */
    ck_assert_uint_eq(rd(d, 0x2f * 4), DUAL(0));             /* 128 KiB per chip */
    ck_assert_uint_eq(rd(d, 0x30 * 4), DUAL(2));
    wr(d, 0, DUAL(0x90));
    ck_assert_uint_eq(rd(d, 0), DUAL(0x89));
    ck_assert_uint_eq(rd(d, 4), DUAL(0x18));
    wr(d, 0, DUAL(0xff));
    ck_assert_uint_eq(rd(d, 0), 0);                           /* array again */
}
END_TEST

START_TEST(test_erase_and_word_program)
{
    DeviceState *d = flash_new(NULL);
    wr(d, SECTOR + 8, DUAL(0x20));
    wr(d, SECTOR + 8, DUAL(0xd0));
    ck_assert_uint_eq(rd(d, 0), DUAL(0x80));                  /* status: ready */
    wr(d, 0, DUAL(0xff));
    ck_assert_uint_eq(rd(d, SECTOR), 0xffffffff);
    ck_assert_uint_eq(rd(d, 2 * SECTOR - 4), 0xffffffff);
    ck_assert_uint_eq(rd(d, SECTOR - 4), 0);                  /* other blocks untouched */
    ck_assert_uint_eq(rd(d, 2 * SECTOR), 0);
    wr(d, SECTOR + 4, DUAL(0x40));
    wr(d, SECTOR + 4, 0x12345678);
    ck_assert_uint_eq(rd(d, SECTOR + 4), DUAL(0x80));
    wr(d, 0, DUAL(0xff));
    ck_assert_uint_eq(rd(d, SECTOR + 4), 0x12345678);
    /* A bad erase confirm is a command sequence error until cleared. */
    wr(d, 0, DUAL(0x20));
    wr(d, 0, DUAL(0xff));
    ck_assert_uint_eq(rd(d, 0) & DUAL(0x30), DUAL(0x30));
    wr(d, 0, DUAL(0x50));
    wr(d, 0, DUAL(0x70));
    ck_assert_uint_eq(rd(d, 0), DUAL(0x80));
}
END_TEST

START_TEST(test_buffered_program)
{
    DeviceState *d = flash_new(NULL);
    hwaddr b = 2 * SECTOR;
    wr(d, b, DUAL(0xe8));
    ck_assert_uint_eq(rd(d, b) & DUAL(0x80), DUAL(0x80));    /* buffer available */
    wr(d, b, DUAL(2));                                         /* three bank words */
    wr(d, b + 0x10, 0xaaaaaaaa);
    wr(d, b + 0x14, 0xbbbbbbbb);
    wr(d, b + 0x18, 0xcccccccc);
    wr(d, b, DUAL(0xd0));
    ck_assert_uint_eq(rd(d, b), DUAL(0x80));
    wr(d, b, DUAL(0xff));
    ck_assert_uint_eq(rd(d, b + 0x10), 0xaaaaaaaa);
    ck_assert_uint_eq(rd(d, b + 0x18), 0xcccccccc);
    ck_assert_uint_eq(rd(d, b + 0x1c), 0);
}
END_TEST

START_TEST(test_contents_from_and_to_the_node)
{
    g_autofree char *path = make_node("fl", SIZE, false);
    DeviceState *d = flash_new("fl");
    ck_assert_uint_eq(rd(d, 0), 0x03020100);
    ck_assert_uint_eq(devtest_read(d, 251, 1), 0);
    wr(d, 8, DUAL(0x10));
    wr(d, 8, 0xdeadbeef);
    g_autofree uint8_t *buf = NULL;
    gsize len;
    ck_assert(g_file_get_contents(path, (char **)&buf, &len, NULL));
    ck_assert_uint_eq(len, SIZE);
    ck_assert_uint_eq(buf[8] | buf[9] << 8 | buf[10] << 16 | (uint32_t)buf[11] << 24,
                      0xdeadbeef);
    wr(d, SECTOR, DUAL(0x20));
    wr(d, SECTOR, DUAL(0xd0));
    g_free(buf);
    buf = NULL;
    ck_assert(g_file_get_contents(path, (char **)&buf, &len, NULL));
    ck_assert_uint_eq(buf[SECTOR], 0xff);
    ck_assert_uint_eq(buf[2 * SECTOR - 1], 0xff);
    ck_assert_uint_eq(buf[2 * SECTOR], (2 * SECTOR) % 251);
}
END_TEST

/* An image that is mostly zero padding (as firmware and varstores are): the
 * zero chunks are skipped when loading, and the array reads the image
 * exactly, the padding as zeros; erase and program work in the padding. */
START_TEST(test_mostly_zero_image)
{
    g_autofree uint8_t *img = g_malloc0(SIZE);
    memset(img + 100, 0xa5, 200);
    img[SECTOR + 65536 + 3] = 0x3c;             /* one byte in a later chunk */
    memset(img + SIZE - 16, 0xff, 16);
    g_autofree char *path = make_node_with("z", SIZE, false, img);
    DeviceState *d = flash_new("z");
    for (hwaddr a = 0; a < SIZE; a += 4) {
        uint32_t want = img[a] | img[a + 1] << 8 | img[a + 2] << 16 | (uint32_t)img[a + 3] << 24;
        ck_assert_msg(rd(d, a) == want, "%#" PRIx64 ": %#x, want %#x", (uint64_t)a, rd(d, a),
                      want);
    }
    wr(d, 2 * SECTOR, DUAL(0x20));
    wr(d, 2 * SECTOR, DUAL(0xd0));
    wr(d, 0, DUAL(0xff));
    ck_assert_uint_eq(rd(d, 2 * SECTOR + 4096), 0xffffffff);
    wr(d, 2 * SECTOR + 64, DUAL(0x40));
    wr(d, 2 * SECTOR + 64, 0x01020304);
    wr(d, 0, DUAL(0xff));
    ck_assert_uint_eq(rd(d, 2 * SECTOR + 64), 0x01020304);
    ck_assert_uint_eq(rd(d, 3 * SECTOR), 0);
}
END_TEST

START_TEST(test_read_only_node_refuses)
{
    g_autofree char *path = make_node("ro", SIZE, true);
    DeviceState *d = flash_new("ro");
    wr(d, 8, DUAL(0x40));
    wr(d, 8, 0xdeadbeef);
    ck_assert_uint_eq(rd(d, 0), DUAL(0x80 | 0x10 | 0x02));    /* program error, locked */
    wr(d, 0, DUAL(0x50));
    wr(d, 0, DUAL(0x20));
    wr(d, 0, DUAL(0xd0));
    ck_assert_uint_eq(rd(d, 0), DUAL(0x80 | 0x20 | 0x02));    /* erase error, locked */
    wr(d, 0, DUAL(0xff));
    ck_assert_uint_eq(rd(d, 8), 0x0b0a0908);
    g_autofree uint8_t *buf = NULL;
    gsize len;
    ck_assert(g_file_get_contents(path, (char **)&buf, &len, NULL));
    ck_assert_uint_eq(buf[8], 8);
}
END_TEST

START_TEST(test_wrong_size_refused)
{
    g_autofree char *path = make_node("small", SIZE / 2, false);
    GError *err = NULL;
    Object *obj = object_new("cfi.pflash01");
    ck_assert(object_property_parse(obj, "num-blocks", "4", &err));
    ck_assert(object_property_parse(obj, "drive", "small", &err));
    ck_assert(!device_realize(DEVICE(obj), &err));
    ck_assert_msg(strstr(err->message, "needs exactly 1048576"), "%s", err->message);
    g_error_free(err);
    object_unref(obj);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pflash-cfi01");
    TCase *tc = tcase_create("pflash");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_cfi_query_and_identifier);
    tcase_add_test(tc, test_erase_and_word_program);
    tcase_add_test(tc, test_buffered_program);
    tcase_add_test(tc, test_contents_from_and_to_the_node);
    tcase_add_test(tc, test_mostly_zero_image);
    tcase_add_test(tc, test_read_only_node_refuses);
    tcase_add_test(tc, test_wrong_size_refused);
    suite_add_tcase(s, tc);
    return devtest_run(s);
}
