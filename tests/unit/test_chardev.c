/* SPDX-License-Identifier: MIT */
/*
 * Character devices: creation from -chardev options and from -serial
 * shorthands, the /chardevs container, frontend plumbing and flow control,
 * and the simple backends (null, file, ringbuf, pipe).  Socket, pty and
 * stdio are in test_chardev_host.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_chardev.h"

static char *read_file(const char *path)
{
    char *text = NULL;
    ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "cannot read %s", path);
    return text;
}

/* ---- creation ----------------------------------------------------------- */

START_TEST(test_create_places_in_tree)
{
    Chardev *b = chardev_ok("null,id=bravo");
    Chardev *a = chardev_ok("null,id=alpha");

    ck_assert_ptr_eq(chardev_find("alpha"), a);
    ck_assert_ptr_eq(chardev_find("bravo"), b);
    ck_assert_ptr_null(chardev_find("charlie"));
    ck_assert_ptr_eq(object_resolve_path("/chardevs/alpha", NULL), OBJECT(a));
    ck_assert_str_eq(object_get_typename(OBJECT(a)), "chardev-null");
    ck_assert(object_dynamic_cast(OBJECT(a), TYPE_CHARDEV));

    g_autoptr(GPtrArray) all = chardev_list();
    ck_assert_uint_eq(all->len, 2);
    ck_assert_ptr_eq(g_ptr_array_index(all, 0), a);
    ck_assert_ptr_eq(g_ptr_array_index(all, 1), b);

    g_autofree char *label = object_property_get_str(OBJECT(a), "label", NULL);
    ck_assert_str_eq(label, "alpha");
    g_autofree char *filename = object_property_get_str(OBJECT(a), "filename", NULL);
    ck_assert_str_eq(filename, "null");
    ck_assert(object_property_get_bool(OBJECT(a), "connected", NULL));

    chardev_delete(a);
    ck_assert_ptr_null(chardev_find("alpha"));
    g_autoptr(GPtrArray) left = chardev_list();
    ck_assert_uint_eq(left->len, 1);
}
END_TEST

START_TEST(test_create_unknown_backend)
{
    g_autofree char *msg = chardev_fails("foo,id=x");
    ck_assert_str_eq(msg, "-chardev: unknown backend 'foo'");
}
END_TEST

START_TEST(test_create_needs_id)
{
    g_autofree char *msg = chardev_fails("null");
    ck_assert_str_eq(msg, "-chardev: 'id' is required");
}
END_TEST

START_TEST(test_create_bad_id)
{
    g_autofree char *msg = chardev_fails("null,id=0bad");
    ck_assert_ptr_nonnull(strstr(msg, "invalid id '0bad'"));
}
END_TEST

START_TEST(test_create_duplicate_id)
{
    chardev_ok("null,id=dup");
    g_autofree char *msg = chardev_fails("ringbuf,id=dup");
    ck_assert_str_eq(msg, "-chardev: duplicate id 'dup'");
}
END_TEST

START_TEST(test_create_unknown_option)
{
    g_autofree char *msg = chardev_fails("null,id=n,bogus=1");
    ck_assert_str_eq(msg, "-chardev: backend 'null' has no option 'bogus'");
}
END_TEST

START_TEST(test_create_mux_needs_the_monitor)
{
    /* The multiplexer is the monitor's type, not registered here. */
    g_autofree char *msg = chardev_fails("null,id=n,mux=on");
    ck_assert_str_eq(msg, "-chardev: mux=on: no multiplexer (the monitor is not available)");
    ck_assert_ptr_null(chardev_find("n"));
    ck_assert_ptr_null(chardev_find("n-base"));
}
END_TEST

START_TEST(test_close_all_at_shutdown)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *sock = g_build_filename(dir, "mon", NULL);
    g_autofree char *opts = g_strdup_printf("socket,id=s,path=%s,server=on,wait=off", sock);
    Chardev *s = chardev_ok(opts);
    Chardev *r = chardev_ok("ringbuf,id=r");
    chardev_write_str(r, "before");
    ck_assert(g_file_test(sock, G_FILE_TEST_EXISTS));

    chardev_close_all();
    /* Host side gone, objects still there for frontends that point at them. */
    ck_assert(!g_file_test(sock, G_FILE_TEST_EXISTS));
    ck_assert_ptr_eq(chardev_find("s"), s);
    ck_assert_int_eq(chardev_write_str(r, "after"), 5);
    ck_assert_int_eq(chardev_write_str(s, "after"), 5);
    chardev_accept_input(s);
    test_rmdir(dir);
}
END_TEST

/* ---- frontend plumbing --------------------------------------------------- */

START_TEST(test_frontend_opened_and_in_use)
{
    Chardev *chr = chardev_ok("null,id=n");
    TestFrontend *fe = test_fe_attach(chr, 0);

    ck_assert_int_eq(fe->opened, 1); /* the backend was already open */
    GError *err = NULL;
    ck_assert(!chardev_set_handlers(chr, &test_fe_handlers, fe, &err));
    ck_assert_str_eq(err->message, "chardev 'n' is already in use by another device");
    g_error_free(err);

    chardev_clear_handlers(chr);
    ck_assert(chardev_set_handlers(chr, &test_fe_handlers, fe, NULL));
}
END_TEST

/* ---- null ------------------------------------------------------------------ */

START_TEST(test_null_swallows)
{
    Chardev *chr = chardev_ok("null,id=n");
    TestFrontend *fe = test_fe_attach(chr, 100);

    ck_assert_int_eq(chardev_write_str(chr, "into the void"), 13);
    spin_ms(20);
    ck_assert_uint_eq(fe->got->len, 0);
}
END_TEST

/* ---- file ------------------------------------------------------------------ */

START_TEST(test_file_writes_and_truncates)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "out.txt", NULL);
    ck_assert(g_file_set_contents(path, "old contents", -1, NULL));

    g_autofree char *opts = g_strdup_printf("file,id=f,path=%s", path);
    Chardev *chr = chardev_ok(opts);
    ck_assert_int_eq(chardev_write_str(chr, "hello"), 5);
    g_autofree char *text = read_file(path);
    ck_assert_str_eq(text, "hello");
    g_autofree char *desc = chardev_describe(chr);
    g_autofree char *want = g_strdup_printf("file:%s", path);
    ck_assert_str_eq(desc, want);
    chardev_delete(chr);
    test_rmdir(dir);
}
END_TEST

START_TEST(test_file_append)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "log.txt", NULL);
    ck_assert(g_file_set_contents(path, "first\n", -1, NULL));

    g_autofree char *opts = g_strdup_printf("file,id=f,path=%s,append=on", path);
    Chardev *chr = chardev_ok(opts);
    chardev_write_str(chr, "second\n");
    g_autofree char *text = read_file(path);
    ck_assert_str_eq(text, "first\nsecond\n");
    chardev_delete(chr);
    test_rmdir(dir);
}
END_TEST

START_TEST(test_file_error_names_path)
{
    g_autofree char *msg = chardev_fails("file,id=f,path=/nonexistent-dir/out.txt");
    ck_assert_str_eq(msg, "-chardev: could not open '/nonexistent-dir/out.txt': "
                          "No such file or directory");
    g_autofree char *msg2 = chardev_fails("file,id=f");
    ck_assert_str_eq(msg2, "-chardev: file: 'path' is required");
    g_autofree char *msg3 = chardev_fails("file,id=f,path=/tmp/x,append=sometimes");
    ck_assert_str_eq(msg3, "-chardev: invalid value 'sometimes' for 'append' "
                           "(expected on or off)");
}
END_TEST

/* ---- logfile ---------------------------------------------------------------- */

START_TEST(test_logfile_copies_output)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "serial.log", NULL);
    ck_assert(g_file_set_contents(path, "before\n", -1, NULL));

    g_autofree char *opts = g_strdup_printf("null,id=n,logfile=%s,logappend=on", path);
    Chardev *chr = chardev_ok(opts);
    chardev_write_str(chr, "logged\n");
    g_autofree char *text = read_file(path);
    ck_assert_str_eq(text, "before\nlogged\n");
    chardev_delete(chr);

    g_autofree char *opts2 = g_strdup_printf("null,id=m,logfile=%s", path);
    chr = chardev_ok(opts2);
    chardev_write_str(chr, "fresh\n");
    g_autofree char *text2 = read_file(path);
    ck_assert_str_eq(text2, "fresh\n");
    chardev_delete(chr);
    test_rmdir(dir);
}
END_TEST

/* ---- ringbuf ---------------------------------------------------------------- */

static char *ringbuf_data(Chardev *chr)
{
    GError *err = NULL;
    char *data = object_property_get_str(OBJECT(chr), "data", &err);
    ck_assert_msg(data, "%s", err ? err->message : "");
    return data;
}

START_TEST(test_ringbuf_keeps_last_bytes)
{
    Chardev *chr = chardev_ok("ringbuf,id=r,size=16");

    g_autofree char *empty = ringbuf_data(chr);
    ck_assert_str_eq(empty, "");
    chardev_write_str(chr, "0123456789");
    g_autofree char *d1 = ringbuf_data(chr);
    ck_assert_str_eq(d1, "0123456789");
    /* Wraps: only the last 16 bytes stay. */
    chardev_write_str(chr, "abcdefghij");
    g_autofree char *d2 = ringbuf_data(chr);
    ck_assert_str_eq(d2, "456789abcdefghij");
    /* Reading does not consume. */
    g_autofree char *d3 = ringbuf_data(chr);
    ck_assert_str_eq(d3, "456789abcdefghij");
    /* One write larger than the ring keeps its tail. */
    chardev_write_str(chr, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    g_autofree char *d4 = ringbuf_data(chr);
    ck_assert_str_eq(d4, "KLMNOPQRSTUVWXYZ");
    ck_assert_uint_eq(object_property_get_uint(OBJECT(chr), "size", NULL), 16);
}
END_TEST

START_TEST(test_ringbuf_default_size)
{
    Chardev *chr = chardev_ok("ringbuf,id=r");
    ck_assert_uint_eq(object_property_get_uint(OBJECT(chr), "size", NULL), 64 * 1024);
}
END_TEST

START_TEST(test_ringbuf_size_must_be_power_of_two)
{
    g_autofree char *msg = chardev_fails("ringbuf,id=r,size=100");
    ck_assert_str_eq(msg, "-chardev: invalid value '100' for 'size' "
                          "(expected a power of two such as 64K)");
}
END_TEST

/* ---- pipe and flow control ------------------------------------------------- */

typedef struct PipeFixture {
    char *dir, *base, *in, *out;
    int to_chr;      /* the test writes input here */
    int from_chr;    /* and reads output here */
} PipeFixture;

static void pipe_fixture_open(PipeFixture *p)
{
    p->dir = test_tmpdir();
    p->base = g_build_filename(p->dir, "fifo", NULL);
    p->in = g_strconcat(p->base, ".in", NULL);
    p->out = g_strconcat(p->base, ".out", NULL);
    ck_assert_int_eq(mkfifo(p->in, 0600), 0);
    ck_assert_int_eq(mkfifo(p->out, 0600), 0);
    /* Read-write opens never wait for the other side. */
    p->to_chr = open(p->in, O_RDWR | O_NONBLOCK);
    p->from_chr = open(p->out, O_RDWR | O_NONBLOCK);
    ck_assert_int_ge(p->to_chr, 0);
    ck_assert_int_ge(p->from_chr, 0);
}

static void pipe_fixture_close(PipeFixture *p)
{
    close(p->to_chr);
    close(p->from_chr);
    test_rmdir(p->dir);
    g_free(p->dir);
    g_free(p->base);
    g_free(p->in);
    g_free(p->out);
}

START_TEST(test_pipe_both_directions)
{
    PipeFixture p;
    pipe_fixture_open(&p);
    g_autofree char *opts = g_strdup_printf("pipe,id=p,path=%s", p.base);
    Chardev *chr = chardev_ok(opts);
    TestFrontend *fe = test_fe_attach(chr, 100);

    ck_assert_int_eq(write(p.to_chr, "ping", 4), 4);
    WAIT_FOR(fe->got->len == 4);
    ck_assert(test_fe_got(fe, "ping"));

    ck_assert_int_eq(chardev_write_str(chr, "pong"), 4);
    char buf[16];
    ck_assert_int_eq(read(p.from_chr, buf, sizeof(buf)), 4);
    ck_assert(!memcmp(buf, "pong", 4));
    chardev_delete(chr);
    pipe_fixture_close(&p);
}
END_TEST

START_TEST(test_flow_control_can_read)
{
    PipeFixture p;
    pipe_fixture_open(&p);
    g_autofree char *opts = g_strdup_printf("pipe,id=p,path=%s", p.base);
    Chardev *chr = chardev_ok(opts);
    TestFrontend *fe = test_fe_attach(chr, 3);

    ck_assert_int_eq(write(p.to_chr, "abcdefghij", 10), 10);
    WAIT_FOR(fe->got->len == 3);
    /* Nothing beyond what the frontend said it could take. */
    spin_ms(50);
    ck_assert(test_fe_got(fe, "abc"));
    ck_assert_int_eq(fe->too_much, 0);

    /* Room again: delivery resumes only once the frontend says so. */
    fe->room = 4;
    spin_ms(50);
    ck_assert(test_fe_got(fe, "abc"));
    chardev_accept_input(chr);
    WAIT_FOR(fe->got->len == 7);
    spin_ms(20);
    ck_assert(test_fe_got(fe, "abcdefg"));

    fe->room = 100;
    chardev_accept_input(chr);
    WAIT_FOR(fe->got->len == 10);
    ck_assert(test_fe_got(fe, "abcdefghij"));
    ck_assert_int_eq(fe->too_much, 0);
    chardev_delete(chr);
    pipe_fixture_close(&p);
}
END_TEST

START_TEST(test_no_frontend_no_input)
{
    PipeFixture p;
    pipe_fixture_open(&p);
    g_autofree char *opts = g_strdup_printf("pipe,id=p,path=%s", p.base);
    Chardev *chr = chardev_ok(opts);

    /* Input waits in the pipe until a frontend attaches. */
    ck_assert_int_eq(write(p.to_chr, "early", 5), 5);
    spin_ms(30);
    TestFrontend *fe = test_fe_attach(chr, 100);
    WAIT_FOR(fe->got->len == 5);
    ck_assert(test_fe_got(fe, "early"));
    chardev_delete(chr);
    pipe_fixture_close(&p);
}
END_TEST

START_TEST(test_pipe_missing_names_paths)
{
    g_autofree char *msg = chardev_fails("pipe,id=p,path=/nonexistent-dir/fifo");
    ck_assert_str_eq(msg, "-chardev: could not open '/nonexistent-dir/fifo' (nor "
                          "'/nonexistent-dir/fifo.in' and '/nonexistent-dir/fifo.out'): "
                          "No such file or directory");
}
END_TEST

/* ---- shorthands -------------------------------------------------------------- */

static Chardev *shorthand_ok(const char *id, const char *text)
{
    GError *err = NULL;
    Chardev *chr = chardev_new_from_shorthand(id, text, &err);
    ck_assert_msg(chr, "'%s': %s", text, err ? err->message : "no error set");
    return chr;
}

static char *shorthand_fails(const char *text)
{
    GError *err = NULL;
    Chardev *chr = chardev_new_from_shorthand("serial0", text, &err);
    ck_assert_msg(!chr, "'%s' was accepted", text);
    ck_assert_msg(err, "'%s' failed without an error", text);
    char *msg = g_strdup(err->message);
    g_error_free(err);
    return msg;
}

static void assert_describes(Chardev *chr, const char *want)
{
    g_autofree char *desc = chardev_describe(chr);
    ck_assert_str_eq(desc, want);
}

START_TEST(test_shorthand_simple_forms)
{
    GError *err = NULL;
    ck_assert_ptr_null(chardev_new_from_shorthand("serial0", "none", &err));
    ck_assert_ptr_null(err);

    Chardev *chr = shorthand_ok("serial0", "null");
    ck_assert_str_eq(object_get_typename(OBJECT(chr)), "chardev-null");
    ck_assert_str_eq(chr->label, "serial0");
    ck_assert_ptr_eq(chardev_find("serial0"), chr);

    /* chardev:ID names an existing one instead of creating. */
    ck_assert_ptr_eq(shorthand_ok("serial1", "chardev:serial0"), chr);
    ck_assert_ptr_null(chardev_find("serial1"));

    chr = shorthand_ok("pty0", "pty");
    ck_assert_str_eq(object_get_typename(OBJECT(chr)), "chardev-pty");
}
END_TEST

START_TEST(test_shorthand_file_and_pipe)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "with,comma.txt", NULL);
    g_autofree char *text = g_strdup_printf("file:%s", path);
    Chardev *chr = shorthand_ok("serial0", text);
    assert_describes(chr, text); /* the rest is taken verbatim */
    chardev_write_str(chr, "x");
    ck_assert(g_file_test(path, G_FILE_TEST_EXISTS));
    chardev_delete(chr);

    g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    g_autofree char *ptext = g_strdup_printf("pipe:%s", fifo);
    chr = shorthand_ok("serial1", ptext);
    assert_describes(chr, ptext);
    chardev_delete(chr);
    test_rmdir(dir);
}
END_TEST

START_TEST(test_shorthand_sockets)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *sock = g_build_filename(dir, "s", NULL);
    g_autofree char *text = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    Chardev *chr = shorthand_ok("serial0", text);
    ck_assert_str_eq(object_get_typename(OBJECT(chr)), "chardev-socket");
    g_autofree char *want = g_strdup_printf("disconnected:unix:%s,server=on", sock);
    assert_describes(chr, want);
    chardev_delete(chr);

    /* Old bare flags, and the port really bound for port 0. */
    chr = shorthand_ok("serial1", "tcp:127.0.0.1:0,server,nowait");
    g_autofree char *desc = chardev_describe(chr);
    ck_assert_msg(g_str_has_prefix(desc, "disconnected:tcp:127.0.0.1:"), "%s", desc);
    ck_assert_msg(g_str_has_suffix(desc, ",server=on"), "%s", desc);
    ck_assert_msg(!strstr(desc, ":0,"), "port 0 not replaced: %s", desc);
    test_rmdir(dir);
}
END_TEST

START_TEST(test_shorthand_bad_forms)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "mon:stdio", "mon: multiplexer not available yet" },
        { "chardev:nope", "no chardev with id 'nope'" },
        { "file:", "a path is required after 'file:'" },
        { "pipe:", "a path is required after 'pipe:'" },
        { "unix:", "a socket path is required after 'unix:'" },
        { "tcp:localhost", "expected HOST:PORT after 'tcp:'" },
        { "tcp:localhost:99999", "invalid port '99999' (expected 0 to 65535)" },
        { "tcp:localhost:", "invalid port '' (expected 0 to 65535)" },
        { "tcp:[::1:4444", "unterminated '[' in host '[::1'" },
        { "unix:/tmp/x,server=maybe", "invalid value 'maybe' for 'server' (expected on or off)" },
        { "tcp:127.0.0.1:4444,server=on,wait=perhaps",
          "invalid value 'perhaps' for 'wait' (expected on or off)" },
        { "unix:/tmp/x,bogus=1", "backend 'socket' has no option 'bogus'" },
        { "unix:/tmp/x,=1", "option name missing before '=1'" },
        { "unix:/tmp/x,fast", "option 'fast' needs a value ('fast=on')" },
        { "tcp:127.0.0.1:4444,nowait", "'wait' is only for servers (server=on)" },
        { "tcp:127.0.0.1:4444,server=on,reconnect=2",
          "'reconnect' is only for clients (server=off)" },
        { "tcp:127.0.0.1:65537", "invalid port '65537' (expected 0 to 65535)" },
        { "tcp:127.0.0.1:-1", "invalid port '-1' (expected 0 to 65535)" },
        { "tcp:127.0.0.1:4444,reconnect=-1",
          "invalid value '-1' for 'reconnect' (expected 0 to 86400)" },
        { "tcp:127.0.0.1:4444,reconnect=soon",
          "invalid value 'soon' for 'reconnect' (expected 0 to 86400)" },
        { "telnet:localhost:4444", "'telnet:' is not supported (use tcp:HOST:PORT)" },
        { "vc", "unknown character device (expected stdio, mon:stdio, null, none, pty, "
                "file:PATH, pipe:PATH, tcp:HOST:PORT, unix:PATH or chardev:ID)" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *msg = shorthand_fails(cases[i].text);
        ck_assert_msg(!strcmp(msg, cases[i].msg), "'%s': got \"%s\", want \"%s\"",
                      cases[i].text, msg, cases[i].msg);
    }
}
END_TEST

static Suite *chardev_suite(void)
{
    Suite *s = suite_create("chardev");
    TCase *tc;

    tc = tcase_create("/chardev/create");
    tcase_add_checked_fixture(tc, chardev_test_setup, chardev_test_teardown);
    tcase_add_test(tc, test_create_places_in_tree);
    tcase_add_test(tc, test_create_unknown_backend);
    tcase_add_test(tc, test_create_needs_id);
    tcase_add_test(tc, test_create_bad_id);
    tcase_add_test(tc, test_create_duplicate_id);
    tcase_add_test(tc, test_create_unknown_option);
    tcase_add_test(tc, test_create_mux_needs_the_monitor);
    tcase_add_test(tc, test_close_all_at_shutdown);
    suite_add_tcase(s, tc);

    tc = tcase_create("/chardev/frontend");
    tcase_add_checked_fixture(tc, chardev_test_setup, chardev_test_teardown);
    tcase_add_test(tc, test_frontend_opened_and_in_use);
    tcase_add_test(tc, test_flow_control_can_read);
    tcase_add_test(tc, test_no_frontend_no_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("/chardev/backends");
    tcase_add_checked_fixture(tc, chardev_test_setup, chardev_test_teardown);
    tcase_add_test(tc, test_null_swallows);
    tcase_add_test(tc, test_file_writes_and_truncates);
    tcase_add_test(tc, test_file_append);
    tcase_add_test(tc, test_file_error_names_path);
    tcase_add_test(tc, test_logfile_copies_output);
    tcase_add_test(tc, test_ringbuf_keeps_last_bytes);
    tcase_add_test(tc, test_ringbuf_default_size);
    tcase_add_test(tc, test_ringbuf_size_must_be_power_of_two);
    tcase_add_test(tc, test_pipe_both_directions);
    tcase_add_test(tc, test_pipe_missing_names_paths);
    suite_add_tcase(s, tc);

    tc = tcase_create("/chardev/shorthand");
    tcase_add_checked_fixture(tc, chardev_test_setup, chardev_test_teardown);
    tcase_add_test(tc, test_shorthand_simple_forms);
    tcase_add_test(tc, test_shorthand_file_and_pipe);
    tcase_add_test(tc, test_shorthand_sockets);
    tcase_add_test(tc, test_shorthand_bad_forms);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(chardev_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
