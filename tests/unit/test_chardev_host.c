/* SPDX-License-Identifier: MIT */
/*
 * Chardev backends that talk to other processes: socket (unix and TCP,
 * server and client), pty and stdio.  The test plays the other side
 * itself with non-blocking sockets while running the main loop.
 */
#define _GNU_SOURCE /* posix_openpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "test_chardev.h"

/* ---- the test's side of a socket ---------------------------------------- */

static int unix_client(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

    ck_assert_int_ge(fd, 0);
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    /* A listening unix socket takes the connection into its backlog at
     * once; the chardev accepts it when the main loop runs. */
    ck_assert_msg(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0, "connect %s: %s",
                  path, g_strerror(errno));
    return fd;
}

static int unix_server(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    return fd;
}

/* Accept on @lfd while running the main loop (the chardev connects). */
static int accept_running(int lfd)
{
    int fd = -1;
    WAIT_FOR((fd = accept(lfd, NULL, NULL)) >= 0);
    ck_assert_msg(fd >= 0, "nobody connected");
    return fd;
}

/* Read exactly @len bytes from @fd while running the main loop. */
static char *recv_running(int fd, size_t len)
{
    char *buf = g_malloc0(len + 1);
    size_t got = 0;
    gint64 end = g_get_monotonic_time() + WAIT_USEC;

    while (got < len && g_get_monotonic_time() < end) {
        ssize_t n = recv(fd, buf + got, len - got, MSG_DONTWAIT);
        if (n > 0) {
            got += n;
        } else if (!g_main_context_iteration(main_loop_context(), FALSE)) {
            g_usleep(500);
        }
    }
    ck_assert_msg(got == len, "received %zu of %zu bytes", got, len);
    return buf;
}

static void send_str(int fd, const char *s)
{
    ck_assert_int_eq(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Nothing more arrives on @fd within @ms milliseconds of main loop. */
static void assert_quiet(int fd, int ms)
{
    char c;
    spin_ms(ms);
    ck_assert_int_lt(recv(fd, &c, 1, MSG_DONTWAIT), 0);
}

static Chardev *unix_server_chardev(const char *dir, char **path)
{
    *path = g_build_filename(dir, "sock", NULL);
    g_autofree char *opts = g_strdup_printf("socket,id=s,path=%s,server=on,wait=off", *path);
    return chardev_ok(opts);
}

/* ---- socket server ------------------------------------------------------- */

START_TEST(test_socket_unix_server_both_ways)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = NULL;
    Chardev *chr = unix_server_chardev(dir, &path);
    TestFrontend *fe = test_fe_attach(chr, 100);

    ck_assert(!object_property_get_bool(OBJECT(chr), "connected", NULL));
    int c = unix_client(path);
    WAIT_FOR(fe->opened == 1);
    ck_assert_int_eq(fe->opened, 1);
    ck_assert(object_property_get_bool(OBJECT(chr), "connected", NULL));
    g_autofree char *desc = chardev_describe(chr);
    ck_assert(g_str_has_prefix(desc, "unix:"));

    chardev_write_str(chr, "to client");
    g_autofree char *got = recv_running(c, 9);
    ck_assert_str_eq(got, "to client");

    send_str(c, "to guest");
    WAIT_FOR(fe->got->len == 8);
    ck_assert(test_fe_got(fe, "to guest"));
    close(c);
    chardev_delete(chr);
    ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS)); /* socket file removed */
    test_rmdir(dir);
}
END_TEST

START_TEST(test_socket_client_leaves_and_next_comes)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = NULL;
    Chardev *chr = unix_server_chardev(dir, &path);
    TestFrontend *fe = test_fe_attach(chr, 100);

    int c1 = unix_client(path);
    WAIT_FOR(fe->opened == 1);
    /* A second client waits while the first is served. */
    int c2 = unix_client(path);
    chardev_write_str(chr, "one");
    g_autofree char *got1 = recv_running(c1, 3);
    ck_assert_str_eq(got1, "one");
    assert_quiet(c2, 30);

    close(c1);
    WAIT_FOR(fe->closed == 1);
    ck_assert_int_eq(fe->closed, 1);
    WAIT_FOR(fe->opened == 2);
    ck_assert_int_eq(fe->opened, 2);
    chardev_write_str(chr, "two");
    g_autofree char *got2 = recv_running(c2, 3);
    ck_assert_str_eq(got2, "two");
    send_str(c2, "hi");
    WAIT_FOR(fe->got->len == 2);
    ck_assert(test_fe_got(fe, "hi"));

    close(c2);
    WAIT_FOR(fe->closed == 2);
    int c3 = unix_client(path);
    WAIT_FOR(fe->opened == 3);
    ck_assert_int_eq(fe->opened, 3);
    close(c3);
    chardev_delete(chr);
    test_rmdir(dir);
}
END_TEST

START_TEST(test_socket_output_held_without_client)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = NULL;
    Chardev *chr = unix_server_chardev(dir, &path);
    TestFrontend *fe = test_fe_attach(chr, 100);

    /* Written while nobody listens: kept for the first client. */
    ck_assert_int_eq(chardev_write_str(chr, "boot log "), 9);
    int c = unix_client(path);
    WAIT_FOR(fe->opened == 1);
    chardev_write_str(chr, "and more");
    g_autofree char *got = recv_running(c, 17);
    ck_assert_str_eq(got, "boot log and more");

    /* The client leaves: output written meanwhile goes to the next one. */
    close(c);
    WAIT_FOR(fe->closed == 1);
    chardev_write_str(chr, "while away");
    c = unix_client(path);
    g_autofree char *got2 = recv_running(c, 10);
    ck_assert_str_eq(got2, "while away");
    close(c);
    chardev_delete(chr);
    test_rmdir(dir);
}
END_TEST

START_TEST(test_socket_held_output_is_bounded)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = NULL;
    Chardev *chr = unix_server_chardev(dir, &path);
    size_t total = CHARDEV_STREAM_DEFAULT_PENDING + 1000;
    g_autofree uint8_t *data = g_malloc(total);

    for (size_t i = 0; i < total; i++) {
        data[i] = 'a' + i % 26;
    }
    ck_assert_int_eq(chardev_write(chr, data, total), (int)total);
    int c = unix_client(path);
    g_autofree char *got = recv_running(c, CHARDEV_STREAM_DEFAULT_PENDING);
    /* The oldest 1000 bytes were dropped. */
    ck_assert(!memcmp(got, data + 1000, CHARDEV_STREAM_DEFAULT_PENDING));
    assert_quiet(c, 20);
    close(c);
    chardev_delete(chr);
    test_rmdir(dir);
}
END_TEST

START_TEST(test_socket_peer_gone_never_blocks)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = NULL;
    Chardev *chr = unix_server_chardev(dir, &path);
    TestFrontend *fe = test_fe_attach(chr, 0); /* input paused */
    uint8_t block[4096] = { 0 };

    int c = unix_client(path);
    WAIT_FOR(fe->opened == 1);
    close(c);
    /* Writing into a dead connection: EPIPE, no SIGPIPE, no blocking. */
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(chardev_write(chr, block, sizeof(block)), (int)sizeof(block));
    }
    WAIT_FOR(fe->closed == 1);
    ck_assert_int_eq(fe->closed, 1);
    chardev_delete(chr);
    test_rmdir(dir);
}
END_TEST

START_TEST(test_socket_tcp_server)
{
    Chardev *chr = chardev_ok("socket,id=t,host=127.0.0.1,port=0,server=on,wait=off");
    TestFrontend *fe = test_fe_attach(chr, 100);
    g_autofree char *desc = chardev_describe(chr);
    const char *port = strrchr(desc, ':') + 1;
    struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_port = htons(atoi(port)),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };

    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int rc = connect(c, (struct sockaddr *)&sin, sizeof(sin));
    ck_assert(rc == 0 || errno == EINPROGRESS);
    WAIT_FOR(fe->opened == 1);
    ck_assert_int_eq(fe->opened, 1);
    chardev_write_str(chr, "over tcp");
    g_autofree char *got = recv_running(c, 8);
    ck_assert_str_eq(got, "over tcp");
    send_str(c, "back");
    WAIT_FOR(fe->got->len == 4);
    ck_assert(test_fe_got(fe, "back"));
    close(c);
    chardev_delete(chr);
}
END_TEST

START_TEST(test_socket_listen_error_names_address)
{
    g_autofree char *msg = chardev_fails("socket,id=s,path=/nonexistent-dir/sock,server=on");
    ck_assert_str_eq(msg, "-chardev: could not listen on 'unix:/nonexistent-dir/sock': "
                          "No such file or directory");
    g_autofree char *msg2 = chardev_fails("socket,id=s,server=on");
    ck_assert_str_eq(msg2, "-chardev: socket: 'path' (unix) or 'port' (tcp) is required");
    g_autofree char *msg3 = chardev_fails("socket,id=s,path=/tmp/x,port=4");
    ck_assert_str_eq(msg3, "-chardev: 'path' (unix) cannot be combined with 'port' (tcp)");
}
END_TEST

/* ---- socket client ---------------------------------------------------------- */

START_TEST(test_socket_client_refused)
{
    g_autofree char *msg = chardev_fails("socket,id=s,path=/nonexistent-dir/sock");
    ck_assert_str_eq(msg, "-chardev: could not connect to 'unix:/nonexistent-dir/sock': "
                          "No such file or directory");
}
END_TEST

START_TEST(test_socket_client_reconnects)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "srv", NULL);
    int lfd = unix_server(path);
    g_autofree char *opts = g_strdup_printf("socket,id=c,path=%s,reconnect=1", path);
    Chardev *chr = chardev_ok(opts);
    TestFrontend *fe = test_fe_attach(chr, 100);

    int s1 = accept_running(lfd);
    WAIT_FOR(fe->opened == 1);
    ck_assert_int_eq(fe->opened, 1);
    send_str(s1, "hello");
    WAIT_FOR(fe->got->len == 5);
    ck_assert(test_fe_got(fe, "hello"));

    /* The server side drops the connection; the client comes back. */
    close(s1);
    WAIT_FOR(fe->closed == 1);
    ck_assert_int_eq(fe->closed, 1);
    chardev_write_str(chr, "queued");
    int s2 = accept_running(lfd);
    WAIT_FOR(fe->opened == 2);
    ck_assert_int_eq(fe->opened, 2);
    g_autofree char *got = recv_running(s2, 6);
    ck_assert_str_eq(got, "queued");
    close(s2);
    close(lfd);
    chardev_delete(chr);
    test_rmdir(dir);
}
END_TEST

START_TEST(test_socket_client_waits_for_server)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "later", NULL);
    g_autofree char *opts = g_strdup_printf("socket,id=c,path=%s,reconnect=1", path);
    /* No server yet: with reconnect= that is not an error. */
    Chardev *chr = chardev_ok(opts);
    TestFrontend *fe = test_fe_attach(chr, 100);
    ck_assert_int_eq(fe->opened, 0);

    int lfd = unix_server(path);
    int s = accept_running(lfd);
    WAIT_FOR(fe->opened == 1);
    ck_assert_int_eq(fe->opened, 1);
    close(s);
    close(lfd);
    chardev_delete(chr);
    test_rmdir(dir);
}
END_TEST

/* ---- pty ---------------------------------------------------------------------- */

START_TEST(test_pty_data_flows)
{
    Chardev *chr = chardev_ok("pty,id=p");
    TestFrontend *fe = test_fe_attach(chr, 100);
    g_autofree char *path = object_property_get_str(OBJECT(chr), "path", NULL);

    ck_assert(g_str_has_prefix(path, "/dev/pts/"));
    ck_assert(g_file_test(path, G_FILE_TEST_EXISTS));
    g_autofree char *desc = chardev_describe(chr);
    g_autofree char *want = g_strconcat("pty:", path, NULL);
    ck_assert_str_eq(desc, want);

    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    ck_assert_int_ge(fd, 0);
    chardev_write_str(chr, "guest says\n");
    char buf[32] = { 0 };
    ssize_t n = 0;
    gint64 end = g_get_monotonic_time() + WAIT_USEC;
    while (n < 11 && g_get_monotonic_time() < end) {
        ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
        if (r > 0) {
            n += r;
        } else {
            spin_ms(1);
        }
    }
    /* Raw mode: bytes arrive unchanged (no CR added). */
    ck_assert_str_eq(buf, "guest says\n");

    ck_assert_int_eq(write(fd, "typed\r", 6), 6);
    WAIT_FOR(fe->got->len == 6);
    ck_assert(test_fe_got(fe, "typed\r"));
    close(fd);
    chardev_delete(chr);
}
END_TEST

/* ---- stdio ---------------------------------------------------------------------- */

/* Replace fd @target with @fd (which is closed). */
static void redirect(int fd, int target)
{
    ck_assert_int_eq(dup2(fd, target), target);
    close(fd);
}

START_TEST(test_stdio_without_terminal)
{
    int out[2];
    ck_assert_int_eq(pipe(out), 0);
    redirect(open("/dev/null", O_RDONLY), 0);
    redirect(out[1], 1);

    Chardev *chr = chardev_ok("stdio,id=con");
    TestFrontend *fe = test_fe_attach(chr, 100);
    ck_assert_int_eq(fe->opened, 1);
    chardev_write_str(chr, "console");
    char buf[16] = { 0 };
    ck_assert_int_eq(read(out[0], buf, sizeof(buf)), 7);
    ck_assert_str_eq(buf, "console");
    /* End of file on stdin is quiet. */
    spin_ms(20);
    ck_assert_uint_eq(fe->got->len, 0);

    g_autofree char *msg = chardev_fails("stdio,id=con2");
    ck_assert_str_eq(msg, "-chardev: stdio: already used by chardev 'con'");
    chardev_delete(chr);
}
END_TEST

START_TEST(test_stdio_with_stdin_closed)
{
    close(0);
    Chardev *chr = chardev_ok("stdio,id=con");
    ck_assert_int_eq(chardev_write_str(chr, ""), 0);
    chardev_delete(chr);
}
END_TEST

START_TEST(test_stdio_output_never_blocks)
{
    int out[2];
    size_t total = 256 * 1024; /* far more than a pipe holds */
    g_autofree uint8_t *data = g_malloc(total);
    g_autofree uint8_t *got = g_malloc(total);
    size_t n = 0;

    for (size_t i = 0; i < total; i++) {
        data[i] = i * 7;
    }
    ck_assert_int_eq(pipe(out), 0);
    redirect(open("/dev/null", O_RDONLY), 0);
    redirect(out[1], 1);
    Chardev *chr = chardev_ok("stdio,id=con");
    /* Returns at once although nobody reads yet. */
    ck_assert_int_eq(chardev_write(chr, data, total), (int)total);

    fcntl(out[0], F_SETFL, O_NONBLOCK);
    gint64 end = g_get_monotonic_time() + WAIT_USEC;
    while (n < total && g_get_monotonic_time() < end) {
        ssize_t r = read(out[0], got + n, total - n);
        if (r > 0) {
            n += r;
        } else {
            spin_ms(1);
        }
    }
    ck_assert_uint_eq(n, total);
    ck_assert(!memcmp(got, data, total));
    chardev_delete(chr);
}
END_TEST

/* A terminal on stdin is switched to raw mode and put back on close. */
static void check_terminal_mode(const char *opts, bool want_isig)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    ck_assert_int_ge(master, 0);
    ck_assert_int_eq(grantpt(master), 0);
    ck_assert_int_eq(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    ck_assert_int_ge(slave, 0);
    struct termios before, during, after;
    ck_assert_int_eq(tcgetattr(slave, &before), 0);
    ck_assert(before.c_lflag & ICANON);
    redirect(slave, 0);

    Chardev *chr = chardev_ok(opts);
    TestFrontend *fe = test_fe_attach(chr, 100);
    ck_assert_int_eq(tcgetattr(0, &during), 0);
    ck_assert(!(during.c_lflag & (ICANON | ECHO)));
    ck_assert(!(during.c_iflag & ICRNL));
    ck_assert_int_eq(!!(during.c_lflag & ISIG), want_isig);

    /* Keys arrive one by one, unchanged. */
    ck_assert_int_eq(write(master, "\x03q", 2), 2);
    if (!want_isig) {
        WAIT_FOR(fe->got->len == 2);
        ck_assert(test_fe_got(fe, "\x03q"));
    }

    chardev_delete(chr);
    ck_assert_int_eq(tcgetattr(0, &after), 0);
    ck_assert_int_eq(after.c_lflag, before.c_lflag);
    ck_assert_int_eq(after.c_iflag, before.c_iflag);
    close(master);
}

START_TEST(test_stdio_terminal_raw_signal_off)
{
    check_terminal_mode("stdio,id=con,signal=off", false);
}
END_TEST

START_TEST(test_stdio_terminal_raw_signal_on)
{
    /* ISIG stays on, so Ctrl-C would be SIGINT for the core; ignore it here
     * (the pty is not our controlling terminal anyway). */
    signal(SIGINT, SIG_IGN);
    check_terminal_mode("stdio,id=con", true);
}
END_TEST

START_TEST(test_stdio_bad_signal_option)
{
    g_autofree char *msg = chardev_fails("stdio,id=con,signal=sometimes");
    ck_assert_str_eq(msg, "-chardev: invalid value 'sometimes' for 'signal' "
                          "(expected on or off)");
}
END_TEST

static Suite *chardev_host_suite(void)
{
    Suite *s = suite_create("chardev-host");
    TCase *tc;

    tc = tcase_create("/chardev/socket/server");
    tcase_add_checked_fixture(tc, chardev_test_setup, chardev_test_teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_socket_unix_server_both_ways);
    tcase_add_test(tc, test_socket_client_leaves_and_next_comes);
    tcase_add_test(tc, test_socket_output_held_without_client);
    tcase_add_test(tc, test_socket_held_output_is_bounded);
    tcase_add_test(tc, test_socket_peer_gone_never_blocks);
    tcase_add_test(tc, test_socket_tcp_server);
    tcase_add_test(tc, test_socket_listen_error_names_address);
    suite_add_tcase(s, tc);

    tc = tcase_create("/chardev/socket/client");
    tcase_add_checked_fixture(tc, chardev_test_setup, chardev_test_teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_socket_client_refused);
    tcase_add_test(tc, test_socket_client_reconnects);
    tcase_add_test(tc, test_socket_client_waits_for_server);
    suite_add_tcase(s, tc);

    tc = tcase_create("/chardev/pty");
    tcase_add_checked_fixture(tc, chardev_test_setup, chardev_test_teardown);
    tcase_add_test(tc, test_pty_data_flows);
    suite_add_tcase(s, tc);

    tc = tcase_create("/chardev/stdio");
    tcase_add_checked_fixture(tc, chardev_test_setup, chardev_test_teardown);
    tcase_add_test(tc, test_stdio_without_terminal);
    tcase_add_test(tc, test_stdio_with_stdin_closed);
    tcase_add_test(tc, test_stdio_output_never_blocks);
    tcase_add_test(tc, test_stdio_terminal_raw_signal_off);
    tcase_add_test(tc, test_stdio_terminal_raw_signal_on);
    tcase_add_test(tc, test_stdio_bad_signal_option);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(chardev_host_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
