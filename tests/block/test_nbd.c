/* SPDX-License-Identifier: MIT */
/*
 * The NBD client driver against the real servers qemu-nbd and nbdkit:
 * inet and unix sockets, named exports, reads and writes that reach the
 * server's image, many requests in flight at once, discard and write
 * zeroes, read-only exports, clear errors for bad options and unreachable
 * servers, and a server restart (the next request reconnects).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blocktest.h"

#define MIB (1024 * 1024)

static void die_with_parent(gpointer unused)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Start @argv (a server) and wait until @sock exists (unix) or @port
 * accepts (inet).  Fails the test naming the tool when it is missing. */
static GPid start_server(const char *const *argv, const char *sock, int port)
{
    bt_need(argv[0]);
    GPid pid;
    GError *err = NULL;
    ck_assert_msg(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                G_SPAWN_STDOUT_TO_DEV_NULL,
                                die_with_parent, NULL, &pid, &err),
                  "%s: %s", argv[0], err ? err->message : "");
    for (int i = 0; i < 600; i++) {
        if (sock) {
            struct stat st;
            if (stat(sock, &st) == 0) {
                return pid;
            }
        } else {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                                     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
            int r = connect(fd, (struct sockaddr *)&a, sizeof(a));
            close(fd);
            if (r == 0) {
                return pid;
            }
        }
        int status;
        ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0, "%s exited early", argv[0]);
        g_usleep(50 * 1000);
    }
    ck_abort_msg("%s did not start listening", argv[0]);
    return pid;
}

static void stop_server(GPid pid, const char *sock)
{
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    if (sock) {
        unlink(sock);
    }
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static char *open_error(BlockGraph *g, const char *text)
{
    GError *err = NULL;
    if (block_cmdline_blockdev(g, text, &err)) {
        return NULL;
    }
    char *m = g_strdup(err->message);
    g_error_free(err);
    return m;
}

static BlockBackend *backend(BlockGraph *g, const char *text, bool write)
{
    GError *err = NULL;
    ck_assert_msg(block_cmdline_blockdev(g, text, &err), "%s: %s", text,
                  err ? err->message : "");
    GPtrArray *n = block_graph_nodes(g);
    BlockNode *bs = g_ptr_array_index(n, n->len - 1);
    BlockBackend *blk = blk_new(g, NULL, &err);
    ck_assert(blk);
    ck_assert_msg(blk_insert_node(blk, bs, &err), "%s", err ? err->message : "");
    if (write) {
        bt_take_write(blk);
    }
    return blk;
}

/* qemu-nbd on a unix socket, export "disk": data written by Tessera is in
 * the image; the image's data reads back; 32 requests in flight. */
START_TEST(test_qemu_nbd_unix)
{
    g_autofree char *img = bt_path("q.raw");
    g_autofree char *sock = bt_path("q.sock");
    g_autofree uint8_t *pat = g_malloc(4 * MIB);
    bt_fill(pat, 4 * MIB, 11);
    ck_assert(g_file_set_contents(img, (char *)pat, 4 * MIB, NULL));
    const char *argv[] = { "qemu-nbd", "-f", "raw", "-x", "disk", "-k", sock, "-t",
                           "--cache=writeback", img, NULL };
    GPid pid = start_server(argv, sock, 0);
    BlockGraph *g = bt_graph();
    g_autofree char *opts = g_strdup_printf("driver=nbd,node-name=n0,server.type=unix,"
                                            "server.path=%s,export=disk", sock);
    BlockBackend *blk = backend(g, opts, true);
    ck_assert_int_eq(blk_length(blk), 4 * MIB);
    uint8_t buf[65536];
    bt_read(blk, MIB, buf, sizeof(buf));
    ck_assert(memcmp(buf, pat + MIB, sizeof(buf)) == 0);

    /* 32 asynchronous reads at once, from different places. */
    static uint8_t many[32][8192];
    for (int i = 0; i < 32; i++) {
        struct iovec one;
        BlockIOV v;
        block_iov_from_buf(&v, &one, many[i], sizeof(many[i]));
        blk_aio_preadv(blk, (uint64_t)i * 100000, &v, NULL, NULL);
    }
    ck_assert_int_eq(blk_in_flight(blk), 32);
    block_graph_drain(g);
    for (int i = 0; i < 32; i++) {
        ck_assert_msg(memcmp(many[i], pat + (uint64_t)i * 100000, sizeof(many[i])) == 0,
                      "read %d", i);
    }

    uint8_t w[12345];
    bt_fill(w, sizeof(w), 12);
    bt_write(blk, 3 * MIB + 7, w, sizeof(w));
    ck_assert_int_eq(blk_flush(blk), 0);
    blk_unref(blk);
    block_graph_free(g);
    stop_server(pid, sock);
    gchar *data;
    gsize n;
    ck_assert(g_file_get_contents(img, &data, &n, NULL));
    ck_assert_uint_eq(n, 4 * MIB);
    memcpy(pat + 3 * MIB + 7, w, sizeof(w));
    ck_assert(memcmp(data, pat, n) == 0);
    g_free(data);
}
END_TEST

/* nbdkit's memory plugin over TCP: write, write zeroes, discard, FUA,
 * and a qcow2 image inside the export (a format over the nbd protocol). */
START_TEST(test_nbdkit_inet)
{
    int port = free_port();
    g_autofree char *ports = g_strdup_printf("%d", port);
    const char *argv[] = { "nbdkit", "-f", "--exit-with-parent", "-p", ports,
                           "-i", "127.0.0.1", "memory", "16M", NULL };
    GPid pid = start_server(argv, NULL, port);
    BlockGraph *g = bt_graph();
    g_autofree char *opts = g_strdup_printf("driver=nbd,node-name=k0,server.type=inet,"
                                            "server.host=127.0.0.1,server.port=%d", port);
    BlockBackend *blk = backend(g, opts, true);
    ck_assert_int_eq(blk_length(blk), 16 * MIB);
    g_autofree uint8_t *w = g_malloc(MIB);
    bt_fill(w, MIB, 21);
    ck_assert_int_eq(blk_pwrite(blk, 2 * MIB, MIB, w, BLOCK_WRITE_FUA), 0);
    g_autofree uint8_t *r = g_malloc(MIB);
    bt_read(blk, 2 * MIB, r, MIB);
    ck_assert(memcmp(r, w, MIB) == 0);
    BlockNode *bs = blk_node(blk);
    ck_assert_int_eq(block_node_pwrite_zeroes(bs, 2 * MIB + 4096, 8192, false), 0);
    ck_assert_int_eq(block_node_pdiscard(bs, 2 * MIB + 65536, 65536), 0);
    bt_read(blk, 2 * MIB, r, MIB);
    memset(w + 4096, 0, 8192);
    ck_assert(memcmp(r, w, 4096 + 8192) == 0);
    ck_assert(memcmp(r + 4096 + 8192, w + 4096 + 8192, 65536 - 4096 - 8192) == 0);
    blk_unref(blk);

    /* A qcow2 image created inside the export, then used through it. */
    GError *err = NULL;
    g_autofree char *cr = g_strdup_printf("driver=qcow2,file=k0,size=%d", 8 * MIB);
    BlockOpts *co = block_opts_parse(cr, &err);
    ck_assert(co);
    ck_assert_msg(block_create(g, co, &err), "%s", err ? err->message : "");
    g_hash_table_unref(co);
    BlockBackend *q = backend(g, "driver=qcow2,node-name=q0,file=k0", true);
    ck_assert_int_eq(blk_length(q), 8 * MIB);
    bt_fill(w, 65536, 22);
    bt_write(q, 5 * MIB, w, 65536);
    bt_read(q, 5 * MIB, r, 65536);
    ck_assert(memcmp(r, w, 65536) == 0);
    blk_unref(q);
    block_graph_free(g);
    stop_server(pid, NULL);
}
END_TEST

/* Bad options and unreachable or read-only servers: one clear error. */
START_TEST(test_errors)
{
    BlockGraph *g = bt_graph();
    int port = free_port();
    g_autofree char *sock = bt_path("ro.sock");
    struct { const char *opts; const char *want; } cases[] = {
        { "driver=nbd,node-name=e1,server.host=x", "server.type" },
        { "driver=nbd,node-name=e2,server.type=tcp,server.host=x", "server.type" },
        { "driver=nbd,node-name=e3,server.type=inet", "server.host" },
        { "driver=nbd,node-name=e4,server.type=unix", "server.path" },
        { "driver=nbd,node-name=e5,server.type=inet,server.host=h,server.port=99999",
          "not a port number" },
        { "driver=nbd,node-name=e6,server.type=unix,server.path=/x,server.host=h",
          "server.type=inet" },
        { "driver=nbd,node-name=e7,server.type=unix,server.path=/x,tls-creds=t",
          "tls-creds is not supported" },
        { "driver=nbd,node-name=e8,server.type=unix,server.path=/x,bogus=1", "bogus" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *e = open_error(g, cases[i].opts);
        ck_assert_msg(e && strstr(e, cases[i].want), "%s -> %s", cases[i].opts, e);
    }
    g_autofree char *refused = g_strdup_printf("driver=nbd,node-name=r,server.type=inet,"
                                               "server.host=127.0.0.1,server.port=%d", port);
    g_autofree char *e = open_error(g, refused);
    g_autofree char *want = g_strdup_printf("Could not connect to nbd://127.0.0.1:%d/", port);
    ck_assert_msg(e && strstr(e, want), "%s", e);

    /* A read-only export: refused read-write, fine with read-only=on. */
    g_autofree char *img = bt_path("ro.raw");
    ck_assert_int_eq(bt_sh(NULL, "truncate -s 1M '%s'", img), 0);
    const char *argv[] = { "qemu-nbd", "-r", "-f", "raw", "-k", sock, "-t", img, NULL };
    GPid pid = start_server(argv, sock, 0);
    g_autofree char *rw = g_strdup_printf("driver=nbd,node-name=ro,server.type=unix,"
                                          "server.path=%s", sock);
    g_autofree char *e2 = open_error(g, rw);
    ck_assert_msg(e2 && strstr(e2, "read-only export"), "%s", e2);
    g_autofree char *ro = g_strconcat(rw, ",read-only=on", NULL);
    ck_assert_ptr_null(open_error(g, ro));
    block_graph_free(g);
    stop_server(pid, sock);
}
END_TEST

/* The server goes away: requests fail with EIO (not hang); when it is back
 * on the same address, the next request reconnects and works. */
START_TEST(test_reconnect)
{
    g_autofree char *img = bt_path("rc.raw");
    g_autofree char *sock = bt_path("rc.sock");
    g_autofree uint8_t *pat = g_malloc(MIB);
    bt_fill(pat, MIB, 31);
    ck_assert(g_file_set_contents(img, (char *)pat, MIB, NULL));
    const char *argv[] = { "qemu-nbd", "-f", "raw", "-k", sock, "-t", img, NULL };
    GPid pid = start_server(argv, sock, 0);
    BlockGraph *g = bt_graph();
    g_autofree char *opts = g_strdup_printf("driver=nbd,node-name=n0,server.type=unix,"
                                            "server.path=%s", sock);
    BlockBackend *blk = backend(g, opts, true);
    uint8_t buf[4096];
    bt_read(blk, 0, buf, sizeof(buf));
    ck_assert(memcmp(buf, pat, sizeof(buf)) == 0);
    stop_server(pid, sock);
    ck_assert_int_eq(blk_pread(blk, 0, sizeof(buf), buf), -EIO);
    ck_assert_int_eq(blk_pwrite(blk, 0, sizeof(buf), buf, 0), -EIO);
    pid = start_server(argv, sock, 0);
    memset(buf, 0, sizeof(buf));
    bt_read(blk, 8192, buf, sizeof(buf));
    ck_assert(memcmp(buf, pat + 8192, sizeof(buf)) == 0);
    bt_write(blk, 0, pat + 4096, 4096);
    blk_unref(blk);
    block_graph_free(g);
    stop_server(pid, sock);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("block/nbd");
    TCase *tc = tcase_create("nbd");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_qemu_nbd_unix);
    tcase_add_test(tc, test_nbdkit_inet);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_reconnect);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
