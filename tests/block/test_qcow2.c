/* SPDX-License-Identifier: MIT */
/*
 * qcow2 against QEMU's own tools (qemu-img, qemu-io from Debian's
 * qemu-utils): images they make read back right through Tessera, images
 * Tessera writes pass `qemu-img check` and read back the same through
 * qemu-img; backing chains, zero and compressed clusters, discard, resize,
 * blockdev-create, lazy refcounts with the dirty bit, and a kill -9 in the
 * middle of writing.
 */
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blocktest.h"
#include "kernel/core.h"
#include "kernel/module.h"

#define MiB (1024 * 1024)

static void write_file(const char *path, const void *buf, size_t len)
{
    ck_assert(g_file_set_contents(path, buf, len, NULL));
}

/* Writes through Tessera, including unaligned and cluster-crossing ones;
 * qemu-img check is clean and qemu-img sees exactly what was written. */
/* Run with 64 KiB clusters and with 4 KiB ones, where the long writes
 * (filled as runs of new clusters) cross L2 tables and refcount blocks. */
static const char *const cluster_sizes[] = { "65536", "4096" };

START_TEST(test_write_then_qemu_img_reads)
{
    bt_need("qemu-img");
    g_autofree char *img = bt_path("w.qcow2");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 -o cluster_size=%s '%s' 16M",
                           cluster_sizes[_i], img), 0);
    BlockGraph *g = bt_graph();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", img);
    bt_take_write(blk);
    uint64_t size = 16 * MiB;
    g_autofree uint8_t *expect = g_malloc0(size);
    struct { uint64_t off, len; } w[] = {
        { 0, 4096 }, { 65536 - 100, 300 }, { MiB + 7, 200000 }, { size - 512, 512 },
        { 3 * MiB, 2 * MiB }, { 3 * MiB + 4096, 10 }, { 6 * MiB, 9 * MiB + 4096 },
        { 5 * MiB + 512, 2 * MiB },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(w); i++) {
        g_autofree uint8_t *buf = g_malloc(w[i].len);
        bt_fill(buf, w[i].len, i + 1);
        bt_write(blk, w[i].off, buf, w[i].len);
        memcpy(expect + w[i].off, buf, w[i].len);
    }
    g_autofree uint8_t *back = g_malloc(size);
    bt_read(blk, 0, back, size);
    ck_assert(memcmp(back, expect, size) == 0);
    ck_assert_int_eq(blk_flush(blk), 0);
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(img), 0);
    uint64_t len;
    g_autofree uint8_t *view = bt_qemu_img_read(img, &len);
    ck_assert_uint_eq(len, size);
    ck_assert(memcmp(view, expect, size) == 0);
}
END_TEST

/* Images qemu-img converts from a raw file (plain, zlib and zstd
 * compressed, version 2 and 3) read back as that file. */
START_TEST(test_reads_qemu_img_images)
{
    bt_need("qemu-img");
    uint64_t size = 4 * MiB;
    g_autofree uint8_t *data = g_malloc0(size);
    bt_fill(data, size / 2, 7);              /* second half stays zero */
    bt_fill(data + 3 * MiB, 100000, 8);
    g_autofree char *raw = bt_path("src.raw");
    write_file(raw, data, size);
    const char *variants[] = {
        "-o compat=1.1", "-o compat=0.10", "-c", "-c -o compression_type=zstd",
        "-o cluster_size=4096,refcount_bits=1", "-o cluster_size=2M",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(variants); i++) {
        g_autofree char *img = bt_path("conv.qcow2");
        g_autofree char *out = NULL;
        ck_assert_msg(bt_sh(&out, "qemu-img convert -O qcow2 %s '%s' '%s'", variants[i], raw,
                            img) == 0, "%s", out);
        BlockGraph *g = bt_graph();
        BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2,readonly=on", img);
        g_autofree uint8_t *back = g_malloc(size);
        bt_read(blk, 0, back, size);
        ck_assert_msg(memcmp(back, data, size) == 0, "qemu-img convert %s", variants[i]);
        block_graph_free(g);
    }
}
END_TEST

/* A compressed cluster overwritten in part becomes a normal cluster
 * holding the decompressed data plus the new bytes. */
START_TEST(test_overwrite_compressed)
{
    bt_need("qemu-img");
    uint64_t size = MiB;
    g_autofree uint8_t *data = g_malloc(size);
    bt_fill(data, size, 3);
    g_autofree char *raw = bt_path("c.raw");
    g_autofree char *img = bt_path("c.qcow2");
    write_file(raw, data, size);
    ck_assert_int_eq(bt_sh(NULL, "qemu-img convert -c -O qcow2 '%s' '%s'", raw, img), 0);
    BlockGraph *g = bt_graph();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", img);
    bt_take_write(blk);
    uint8_t patch[1000];
    memset(patch, 0x5a, sizeof(patch));
    bt_write(blk, 70000, patch, sizeof(patch));
    memcpy(data + 70000, patch, sizeof(patch));
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(img), 0);
    uint64_t len;
    g_autofree uint8_t *view = bt_qemu_img_read(img, &len);
    ck_assert(len == size && memcmp(view, data, size) == 0);
}
END_TEST

static char *sha(const char *path)
{
    char *out = NULL;
    ck_assert_int_eq(bt_sh(&out, "sha256sum < '%s'", path), 0);
    return out;
}

/* base.raw <- mid.qcow2 <- top.qcow2: the merged view, zero clusters
 * hiding backing data, writes only in top. */
START_TEST(test_backing_chain)
{
    bt_need("qemu-img");
    bt_need("qemu-io");
    uint64_t size = 4 * MiB;
    g_autofree uint8_t *expect = g_malloc(size);
    bt_fill(expect, size, 11);
    g_autofree char *base = bt_path("base.raw");
    g_autofree char *mid = bt_path("mid.qcow2");
    g_autofree char *top = bt_path("top.qcow2");
    write_file(base, expect, size);
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 -b base.raw -F raw '%s' && "
                                 "qemu-io -c 'write -P 0x22 1M 64k' -c 'write -z 2M 128k' '%s' "
                                 ">/dev/null && qemu-img create -q -f qcow2 -b mid.qcow2 "
                                 "-F qcow2 '%s'", mid, mid, top), 0);
    memset(expect + MiB, 0x22, 65536);
    memset(expect + 2 * MiB, 0, 131072);
    g_autofree char *base_sum = sha(base);
    g_autofree char *mid_sum = sha(mid);
    BlockGraph *g = bt_graph();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", top);
    bt_take_write(blk);
    ck_assert_int_eq(block_node_backing_depth(blk_node(blk)), 2);
    g_autofree uint8_t *back = g_malloc(size);
    bt_read(blk, 0, back, size);
    ck_assert(memcmp(back, expect, size) == 0);
    uint8_t patch[10000];
    bt_fill(patch, sizeof(patch), 12);
    bt_write(blk, MiB + 60000, patch, sizeof(patch)); /* across mid's data and base's */
    memcpy(expect + MiB + 60000, patch, sizeof(patch));
    ck_assert_int_eq(blk_pwrite(blk, 3 * MiB, 0, "", 0), 0);
    bt_read(blk, 0, back, size);
    ck_assert(memcmp(back, expect, size) == 0);
    block_graph_free(g);
    g_autofree char *base_after = sha(base);
    g_autofree char *mid_after = sha(mid);
    ck_assert_str_eq(base_sum, base_after);
    ck_assert_str_eq(mid_sum, mid_after);
    ck_assert_int_eq(bt_qemu_img_check(top), 0);
    uint64_t len;
    g_autofree uint8_t *view = bt_qemu_img_read(top, &len);
    ck_assert(len == size && memcmp(view, expect, size) == 0);
}
END_TEST

/* Discard and write-zeroes, with and without a backing file: reads give
 * zeros (never the backing data), freed clusters are reusable, the image
 * stays consistent. */
START_TEST(test_discard_and_zeroes)
{
    bt_need("qemu-img");
    uint64_t size = 4 * MiB;
    g_autofree char *base = bt_path("zb.raw");
    g_autofree char *img = bt_path("z.qcow2");
    g_autofree uint8_t *expect = g_malloc(size);
    bt_fill(expect, size, 21);
    write_file(base, expect, size);
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 -b zb.raw -F raw '%s'", img), 0);
    BlockGraph *g = bt_graph();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2,discard=unmap", img);
    bt_take_write(blk);
    g_autofree uint8_t *buf = g_malloc(MiB);
    bt_fill(buf, MiB, 22);
    bt_write(blk, 0, buf, MiB);
    memcpy(expect, buf, MiB);
    BlockNode *bs = blk_node(blk);
    ck_assert_int_eq(block_node_pdiscard(bs, 65536, 3 * 65536), 0);
    memset(expect + 65536, 0, 3 * 65536);
    ck_assert_int_eq(block_node_pwrite_zeroes(bs, 2 * MiB + 100, 300000, true), 0);
    memset(expect + 2 * MiB + 100, 0, 300000);
    bt_write(blk, 65536, buf, 4096); /* reuses a freed cluster */
    memcpy(expect + 65536, buf, 4096);
    g_autofree uint8_t *back = g_malloc(size);
    bt_read(blk, 0, back, size);
    ck_assert(memcmp(back, expect, size) == 0);
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(img), 0);
    uint64_t len;
    g_autofree uint8_t *view = bt_qemu_img_read(img, &len);
    ck_assert(len == size && memcmp(view, expect, size) == 0);
}
END_TEST

/* blockdev-create (file, then qcow2 on it with a backing file), then a
 * resize that needs a bigger L1 table. */
START_TEST(test_create_and_resize)
{
    bt_need("qemu-img");
    g_autofree char *img = bt_path("new.qcow2");
    g_autofree char *base = bt_path("nb.raw");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f raw '%s' 1M", base), 0);
    BlockGraph *g = bt_graph();
    GError *err = NULL;
    BlockOpts *o = block_opts_new();
    g_hash_table_insert(o, g_strdup("driver"), g_strdup("file"));
    g_hash_table_insert(o, g_strdup("filename"), g_strdup(img));
    g_hash_table_insert(o, g_strdup("size"), g_strdup("0"));
    ck_assert_msg(block_create(g, o, &err), "%s", err ? err->message : "");
    g_hash_table_unref(o);
    g_autofree char *text = g_strdup_printf("driver=file,filename=%s,node-name=f0", img);
    ck_assert_msg(block_cmdline_blockdev(g, text, &err), "%s", err ? err->message : "");
    o = block_opts_new();
    g_hash_table_insert(o, g_strdup("driver"), g_strdup("qcow2"));
    g_hash_table_insert(o, g_strdup("file"), g_strdup("f0"));
    g_hash_table_insert(o, g_strdup("size"), g_strdup("65536"));
    g_hash_table_insert(o, g_strdup("cluster-size"), g_strdup("512"));
    g_hash_table_insert(o, g_strdup("backing-file"), g_strdup(base));
    g_hash_table_insert(o, g_strdup("backing-fmt"), g_strdup("raw"));
    ck_assert_msg(block_create(g, o, &err), "%s", err ? err->message : "");
    g_hash_table_unref(o);
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(img), 0);
    g_autofree char *info = NULL;
    ck_assert_int_eq(bt_sh(&info, "qemu-img info '%s'", img), 0);
    ck_assert_msg(strstr(info, "virtual size: 64 KiB") && strstr(info, "cluster_size: 512") &&
                  strstr(info, "backing file format: raw"), "%s", info);

    g = bt_graph();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", img);
    bt_take_write(blk);
    ck_assert_msg(blk_resize(blk, 10 * MiB, &err), "%s", err ? err->message : "");
    uint8_t buf[2048];
    bt_fill(buf, sizeof(buf), 5);
    bt_write(blk, 9 * MiB, buf, sizeof(buf));
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(img), 0);
    g_free(info);
    ck_assert_int_eq(bt_sh(&info, "qemu-img info '%s'", img), 0);
    ck_assert_msg(strstr(info, "virtual size: 10 MiB"), "%s", info);
    uint64_t len;
    g_autofree uint8_t *view = bt_qemu_img_read(img, &len);
    ck_assert(len == 10 * MiB && memcmp(view + 9 * MiB, buf, sizeof(buf)) == 0);
}
END_TEST

static uint64_t header_incompat(const char *img)
{
    uint8_t h[80];
    FILE *f = fopen(img, "rb");
    ck_assert(f && fread(h, 1, sizeof(h), f) == sizeof(h));
    fclose(f);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | h[72 + i];
    }
    return v;
}

/* Lazy refcounts: the dirty bit is set while written and cleared on a
 * clean close; a dirty image (process killed) is repaired on open. */
START_TEST(test_lazy_refcounts_dirty_bit)
{
    bt_need("qemu-img");
    g_autofree char *img = bt_path("lazy.qcow2");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 -o lazy_refcounts=on '%s' 8M",
                           img), 0);
    uint8_t buf[4096];
    bt_fill(buf, sizeof(buf), 9);
    pid_t pid = fork();
    if (pid == 0) {
        BlockGraph *g = bt_graph();
        BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", img);
        bt_take_write(blk);
        for (int i = 0; i < 8; i++) {
            bt_write(blk, i * MiB, buf, sizeof(buf));
        }
        blk_flush(blk);
        _exit(header_incompat(img) & 1 ? 0 : 1); /* no close: a crash */
    }
    int st;
    waitpid(pid, &st, 0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "dirty bit not set while writing");
    ck_assert_uint_eq(header_incompat(img) & 1, 1);
    BlockGraph *g = bt_graph();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", img);
    bt_take_write(blk);
    uint8_t back[4096];
    bt_read(blk, 5 * MiB, back, sizeof(back));
    ck_assert(memcmp(back, buf, sizeof(buf)) == 0);
    block_graph_free(g);
    ck_assert_uint_eq(header_incompat(img) & 1, 0);
    ck_assert_int_eq(bt_qemu_img_check(img), 0);
}
END_TEST

static uint64_t be64_at(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

static void put_be64(FILE *f, uint64_t off, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    }
    ck_assert(fseek(f, (long)off, SEEK_SET) == 0 && fwrite(b, 1, 8, f) == 8);
}

/* A dirty image whose L2 table points far past the end of the file (found
 * by the qcow2 fuzzer: the refcount rebuild grew its table to the offset,
 * 8 GiB for this one) is refused with one clear error, without that. */
START_TEST(test_dirty_image_offset_past_eof)
{
    bt_need("qemu-img");
    bt_need("qemu-io");
    g_autofree char *img = bt_path("bad-lazy.qcow2");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 -o lazy_refcounts=on '%s' 8M && "
                                 "qemu-io -f qcow2 -c 'write 0 4k' '%s' >/dev/null", img, img), 0);
    FILE *f = fopen(img, "r+b");
    ck_assert(f);
    uint8_t h[80], l1[8];
    ck_assert(fread(h, 1, sizeof(h), f) == sizeof(h));
    ck_assert(fseek(f, (long)be64_at(h + 40), SEEK_SET) == 0 && fread(l1, 1, 8, f) == 8);
    uint64_t l2 = be64_at(l1) & 0x00fffffffffffe00ull;
    ck_assert_msg(l2, "qemu-io's write allocated no L2 table");
    put_be64(f, 72, be64_at(h + 72) | 1);                        /* dirty */
    put_be64(f, l2 + 8, (1ull << 63) | (1ull << 40));            /* 1 TiB */
    fclose(f);
    BlockGraph *g = bt_graph();
    g_autofree char *err = bt_drive_error(g, "file=%s,format=qcow2", img);
    ck_assert_msg(err && strstr(err, "past the end of the file"), "error: %s", err ? err : "none");
    ck_assert_msg(!strchr(err, '\n'), "not one line: %s", err);
    block_graph_free(g);
}
END_TEST

/* Internal snapshots are listed; writing such an image is refused. */
START_TEST(test_snapshots_listed)
{
    bt_need("qemu-img");
    g_autofree char *img = bt_path("snap.qcow2");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 '%s' 1M && "
                                 "qemu-img snapshot -c first '%s'", img, img), 0);
    BlockGraph *g = bt_graph();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2,readonly=on", img);
    JsonObject *image = json_object_new();
    BlockNode *bs = blk_node(blk);
    bs->drv->query_image(bs, image);
    JsonArray *snaps = json_object_get_array_member(image, "snapshots");
    ck_assert_uint_eq(json_array_get_length(snaps), 1);
    ck_assert_str_eq(json_object_get_string_member(json_array_get_object_element(snaps, 0),
                                                   "name"), "first");
    json_object_unref(image);
    g_autofree char *e = bt_drive_error(g, "file=%s,format=qcow2", img);
    ck_assert_msg(e && strstr(e, img) && strstr(e, "internal snapshots"), "%s", e);
    block_graph_free(g);
}
END_TEST

/* kill -9 while writing with flushes: qemu-img check finds no corruption
 * and every record whose flush completed is there.  TESSERA_KILL_ROUNDS
 * raises the number of rounds (soak: 200). */
START_TEST(test_kill_during_writes)
{
    bt_need("qemu-img");
    const char *env = g_getenv("TESSERA_KILL_ROUNDS");
    int rounds = env ? atoi(env) : 3;
    for (int round = 0; round < rounds; round++) {
        g_autofree char *img = bt_path("kill.qcow2");
        ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 '%s' 64M", img), 0);
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t pid = fork();
        if (pid == 0) {
            /* A fresh process: the parent's worker threads do not survive fork. */
            close(fds[0]);
            g_autofree char *fd = g_strdup_printf("%d", fds[1]);
            execl("/proc/self/exe", "block-qcow2", "--writer", img, fd, (char *)NULL);
            _exit(127);
        }
        close(fds[1]);
        /* Kill at a random moment after the first flush (not after a fixed
         * time, which a loaded host may spend before the writer starts). */
        uint32_t last = UINT32_MAX, v;
        if (read(fds[0], &v, 4) == 4) {
            last = v;
        }
        g_usleep(g_random_int_range(0, 400000));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        while (read(fds[0], &v, 4) == 4) {
            last = v;
        }
        close(fds[0]);
        int st = bt_qemu_img_check(img);
        ck_assert_msg(st == 0 || st == 3, "round %d: qemu-img check exit %d", round, st);
        ck_assert_msg(last != UINT32_MAX, "round %d: the writer flushed nothing", round);
        BlockGraph *g = bt_graph();
        BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2,readonly=on", img);
        /* The last flushed record of each slot is there (later ones may
         * have overwritten earlier ones in the same slot). */
        uint8_t rec[4096], want[4096];
        for (uint32_t i = last > 64 ? last - 64 : 0; i <= last; i++) {
            uint64_t off = (uint64_t)(i * 2654435761u % 16384) * 4096;
            bool later = false;
            for (uint32_t j = i + 1; j <= last + 1; j++) {
                later |= (uint64_t)(j * 2654435761u % 16384) * 4096 == off;
            }
            if (later) {
                continue;
            }
            bt_read(blk, off, rec, sizeof(rec));
            bt_fill(want, sizeof(want), i);
            memcpy(want, &i, 4);
            ck_assert_msg(memcmp(rec, want, sizeof(rec)) == 0, "round %d: record %u lost",
                          round, i);
        }
        block_graph_free(g);
    }
}
END_TEST

/* The kill test's writer: record i at a scattered place (allocations all
 * over), flushed, then its number reported on @fd. */
static int writer_main(const char *img, int fd)
{
    /* Outside a Check test: no ck_assert here. */
    GError *err = NULL;
    core_init("blocktest", NULL);
    if (!module_load("block", &err)) {
        fprintf(stderr, "writer: %s\n", err->message);
        return 1;
    }
    BlockGraph *g = block_graph_new();
    g_autofree char *text = g_strdup_printf("file=%s,format=qcow2,if=none,id=w", img);
    BlockBackend *blk = block_cmdline_drive(g, text, false, NULL, &err) ? blk_by_name(g, "w")
                                                                       : NULL;
    if (!blk || !blk_set_perm(blk, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE, 0, &err)) {
        fprintf(stderr, "writer: %s\n", err->message);
        return 1;
    }
    uint8_t rec[4096];
    for (uint32_t i = 0;; i++) {
        uint64_t off = (uint64_t)(i * 2654435761u % 16384) * 4096;
        bt_fill(rec, sizeof(rec), i);
        memcpy(rec, &i, 4);
        int ret = blk_pwrite(blk, off, sizeof(rec), rec, 0);
        if (ret >= 0) {
            ret = blk_flush(blk);
        }
        if (ret < 0) {
            fprintf(stderr, "writer: record %u: %s\n", i, g_strerror(-ret));
            return 2;
        }
        if (write(fd, &i, 4) != 4) {
            return 3;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--writer")) {
        return writer_main(argv[2], atoi(argv[3]));
    }
    Suite *s = suite_create("block/qcow2");
    TCase *tc = tcase_create("qcow2");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_write_then_qemu_img_reads, 0, G_N_ELEMENTS(cluster_sizes));
    tcase_add_test(tc, test_reads_qemu_img_images);
    tcase_add_test(tc, test_overwrite_compressed);
    tcase_add_test(tc, test_backing_chain);
    tcase_add_test(tc, test_discard_and_zeroes);
    tcase_add_test(tc, test_create_and_resize);
    tcase_add_test(tc, test_lazy_refcounts_dirty_bit);
    tcase_add_test(tc, test_dirty_image_offset_past_eof);
    tcase_add_test(tc, test_snapshots_listed);
    tcase_add_test(tc, test_kill_during_writes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
