/* SPDX-License-Identifier: MIT */
/*
 * htif: commands written to tohost end the run with a status, reach the
 * console, read from it, and run proxied syscalls on guest memory (a
 * "none" machine's RAM); replies appear in fromhost and queue until the
 * guest clears it; the device tree node lists fromhost then tohost.
 */
#include <libfdt.h>
#include <string.h>

#include "devtest.h"

#include "kernel/chardev.h"
#include "kernel/fdt.h"
#include "kernel/machine.h"
#include "kernel/options.h"
#include "kernel/runstate.h"

enum { TOHOST = 0, FROMHOST = 1 };
#define CMD(dev, cmd, payload) ((uint64_t)(dev) << 56 | (uint64_t)(cmd) << 48 | (payload))
#define EXIT(code) ((uint64_t)(code) << 1 | 1)
#define DEV_SYSTEM 0
#define DEV_CONSOLE 1
#define CONSOLE_GETC 0
#define CONSOLE_PUTC 1
#define CONSOLE_ACK(c) CMD(DEV_CONSOLE, CONSOLE_PUTC, 0x100 | (uint8_t)(c))
#define SYSCALL_DONE CMD(DEV_SYSTEM, 0, 1)
#define SYS_WRITE 64
#define SYS_EXIT 93
#define ENOSYS 38
#define EBADF 9
#define RAM_SIZE 0x10000
#define MAGIC_ADDR 0x1000
#define TEXT_ADDR 0x2000

static uint64_t reg_read(DeviceState *dev, int n, hwaddr addr, unsigned size)
{
    uint64_t v = 0;
    ck_assert_int_eq(memory_region_dispatch_read(dev->mmio[n], addr, &v, size), MEMTX_OK);
    return v;
}

static void reg_write(DeviceState *dev, int n, hwaddr addr, uint64_t v, unsigned size)
{
    ck_assert_int_eq(memory_region_dispatch_write(dev->mmio[n], addr, v, size), MEMTX_OK);
}

static Chardev *ringbuf_new(const char *id)
{
    GError *err = NULL;
    char *text = g_strdup_printf("ringbuf,id=%s", id);
    OptDict *opts = opt_dict_parse("-chardev", text, "backend", false, &err);
    ck_assert_msg(opts, "%s", err ? err->message : "?");
    Chardev *chr = chardev_new_from_opts(opts, &err);
    ck_assert_msg(chr, "%s", err ? err->message : "?");
    opt_dict_free(opts);
    g_free(text);
    return chr;
}

static char *ringbuf_data(Chardev *chr)
{
    return object_property_get_str(OBJECT(chr), "data", NULL);
}

/* ---- run state ------------------------------------------------------------ */

typedef struct Seen {
    int shutdowns;
    ShutdownCause cause;
} Seen;

static void on_event(RunEvent ev, ShutdownCause cause, void *opaque)
{
    Seen *seen = opaque;
    if (ev == RUN_EVENT_SHUTDOWN) {
        seen->shutdowns++;
        seen->cause = cause;
    }
}

/* Let the main loop act on what the device requested (a shutdown). */
static Seen run_loop(void)
{
    Seen seen = { 0 };
    runstate_add_listener(on_event, &seen);
    main_loop_run();
    runstate_remove_listener(on_event, &seen);
    return seen;
}

/* Same when the device should have requested nothing: a host quit ends
 * the loop and must be what is seen. */
static Seen run_loop_idle(void)
{
    system_request_shutdown(SHUTDOWN_CAUSE_HOST_QMP);
    return run_loop();
}

/* ---- guest memory: a "none" machine with RAM at 0 ------------------------ */

static MachineState *machine_with_ram(void)
{
    GError *err = NULL;
    MachineState *ms = machine_create("none", &err);
    ck_assert_msg(ms, "%s", err ? err->message : "?");
    ms->ram_size = RAM_SIZE;
    ck_assert_msg(machine_init(ms, &err), "%s", err ? err->message : "?");
    return ms;
}

static void put_magic(MachineState *ms, uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2)
{
    uint64_t mm[8] = { GUINT64_TO_LE(n), GUINT64_TO_LE(a0), GUINT64_TO_LE(a1),
                       GUINT64_TO_LE(a2) };
    ck_assert_int_eq(address_space_write_buf(&ms->address_space, MAGIC_ADDR, mm, sizeof(mm)),
                     MEMTX_OK);
}

static int64_t magic_result(MachineState *ms)
{
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(&ms->address_space, MAGIC_ADDR, &v, 8), MEMTX_OK);
    return (int64_t)v;
}

/* ---- exit ------------------------------------------------------------------ */

START_TEST(test_exit_pass)
{
    DeviceState *dev = devtest_create("htif", NULL, NULL);
    reg_write(dev, TOHOST, 0, EXIT(0), 8);
    ck_assert_uint_eq(reg_read(dev, TOHOST, 0, 8), 0); /* consumed */
    Seen seen = run_loop();
    ck_assert_int_eq(seen.shutdowns, 1);
    ck_assert_int_eq(seen.cause, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    ck_assert_int_eq(runstate_exit_status(), 0);
}
END_TEST

START_TEST(test_exit_with_code)
{
    DeviceState *dev = devtest_create("htif", NULL, NULL);
    reg_write(dev, TOHOST, 0, EXIT(3), 8);
    Seen seen = run_loop();
    ck_assert_int_eq(seen.cause, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    ck_assert_int_eq(runstate_exit_status(), 3);
}
END_TEST

START_TEST(test_exit_first_wins)
{
    DeviceState *dev = devtest_create("htif", NULL, NULL);
    reg_write(dev, TOHOST, 0, EXIT(3), 8);
    reg_write(dev, TOHOST, 0, EXIT(99), 8);
    run_loop();
    ck_assert_int_eq(runstate_exit_status(), 3);
}
END_TEST

START_TEST(test_low_half_waits_for_high_half)
{
    DeviceState *dev = devtest_create("htif", NULL, NULL);
    reg_write(dev, TOHOST, 0, EXIT(4), 4);
    /* Not acted on yet: still there, no power-off requested. */
    ck_assert_uint_eq(reg_read(dev, TOHOST, 0, 4), EXIT(4));
    ck_assert_uint_eq(reg_read(dev, TOHOST, 0, 8), EXIT(4));
    Seen seen = run_loop_idle();
    ck_assert_int_eq(seen.cause, SHUTDOWN_CAUSE_HOST_QMP);

    reg_write(dev, TOHOST, 4, 0, 4);
    ck_assert_uint_eq(reg_read(dev, TOHOST, 0, 8), 0);
    seen = run_loop();
    ck_assert_int_eq(seen.cause, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    ck_assert_int_eq(runstate_exit_status(), 4);
}
END_TEST

START_TEST(test_halves_build_a_console_command)
{
    Chardev *chr = ringbuf_new("con");
    DeviceState *dev = devtest_create("htif", NULL, "chardev", "con", NULL);
    uint64_t cmd = CMD(DEV_CONSOLE, CONSOLE_PUTC, 'k');
    reg_write(dev, TOHOST, 0, (uint32_t)cmd, 4);
    reg_write(dev, TOHOST, 4, cmd >> 32, 4);
    char *data = ringbuf_data(chr);
    ck_assert_str_eq(data, "k");
    g_free(data);
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), CONSOLE_ACK('k'));
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 4, 4), CONSOLE_ACK('k') >> 32);
}
END_TEST

/* ---- console ---------------------------------------------------------------- */

START_TEST(test_putchar_reaches_console_and_is_acknowledged)
{
    Chardev *chr = ringbuf_new("con");
    DeviceState *dev = devtest_create("htif", NULL, "chardev", "con", NULL);
    for (const char *p = "hi\n"; *p; p++) {
        reg_write(dev, TOHOST, 0, CMD(DEV_CONSOLE, CONSOLE_PUTC, (uint8_t)*p), 8);
    }
    char *data = ringbuf_data(chr);
    ck_assert_str_eq(data, "hi\n");
    g_free(data);
    /* The first reply sits in fromhost, the others queue behind it. */
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), CONSOLE_ACK('h'));
    reg_write(dev, FROMHOST, 0, 0, 8);
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), CONSOLE_ACK('i'));
    reg_write(dev, FROMHOST, 0, 0, 8);
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), CONSOLE_ACK('\n'));
    reg_write(dev, FROMHOST, 0, 0, 8);
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), 0);
}
END_TEST

START_TEST(test_reply_queue_is_bounded)
{
    DeviceState *dev = devtest_create("htif", NULL, NULL);
    /* A program that never clears fromhost: replies beyond the queue are lost. */
    for (int i = 0; i < 1000; i++) {
        reg_write(dev, TOHOST, 0, CMD(DEV_CONSOLE, CONSOLE_PUTC, 'a'), 8);
    }
    int replies = 0;
    while (reg_read(dev, FROMHOST, 0, 8)) {
        replies++;
        reg_write(dev, FROMHOST, 0, 0, 8);
        ck_assert_int_lt(replies, 1000);
    }
    ck_assert_int_gt(replies, 1);
}
END_TEST

START_TEST(test_getchar_answers_with_input)
{
    Chardev *chr = ringbuf_new("con");
    DeviceState *dev = devtest_create("htif", NULL, "chardev", "con", NULL);
    /* No request outstanding: input waits. */
    ck_assert_int_eq(chardev_be_can_read(chr), 0);
    reg_write(dev, TOHOST, 0, CMD(DEV_CONSOLE, CONSOLE_GETC, 0), 8);
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), 0);
    ck_assert_int_eq(chardev_be_can_read(chr), 1);
    chardev_be_read(chr, (const uint8_t *)"q", 1);
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), CMD(DEV_CONSOLE, CONSOLE_GETC, 0x100 | 'q'));
    ck_assert_int_eq(chardev_be_can_read(chr), 0);
}
END_TEST

START_TEST(test_unknown_device_is_consumed_without_reply)
{
    DeviceState *dev = devtest_create("htif", NULL, NULL);
    reg_write(dev, TOHOST, 0, CMD(7, 3, 0x1234), 8);
    ck_assert_uint_eq(reg_read(dev, TOHOST, 0, 8), 0);
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), 0);
    Seen seen = run_loop_idle();
    ck_assert_int_eq(seen.cause, SHUTDOWN_CAUSE_HOST_QMP);
}
END_TEST

START_TEST(test_reset_clears_words_and_queue)
{
    DeviceState *dev = devtest_create("htif", NULL, NULL);
    reg_write(dev, TOHOST, 0, CMD(DEV_CONSOLE, CONSOLE_PUTC, 'a'), 8);
    reg_write(dev, TOHOST, 0, CMD(DEV_CONSOLE, CONSOLE_PUTC, 'b'), 8);
    reg_write(dev, TOHOST, 0, 0x55, 4);
    device_reset(dev);
    ck_assert_uint_eq(reg_read(dev, TOHOST, 0, 8), 0);
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), 0);
    reg_write(dev, FROMHOST, 0, 0, 8);
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), 0);
}
END_TEST

/* ---- syscall proxy ------------------------------------------------------------ */

START_TEST(test_syscall_write_to_stdout)
{
    MachineState *ms = machine_with_ram();
    Chardev *chr = ringbuf_new("con");
    DeviceState *dev = devtest_create("htif", NULL, "chardev", "con", NULL);
    const char text[] = "proxied text\n";
    address_space_write_buf(&ms->address_space, TEXT_ADDR, text, strlen(text));
    put_magic(ms, SYS_WRITE, 1, TEXT_ADDR, strlen(text));
    reg_write(dev, TOHOST, 0, CMD(DEV_SYSTEM, 0, MAGIC_ADDR), 8);
    char *data = ringbuf_data(chr);
    ck_assert_str_eq(data, text);
    g_free(data);
    ck_assert_int_eq(magic_result(ms), (int64_t)strlen(text));
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), SYSCALL_DONE);
}
END_TEST

START_TEST(test_syscall_write_to_stderr_and_bad_fd)
{
    MachineState *ms = machine_with_ram();
    Chardev *chr = ringbuf_new("con");
    DeviceState *dev = devtest_create("htif", NULL, "chardev", "con", NULL);
    address_space_write_buf(&ms->address_space, TEXT_ADDR, "err", 3);
    put_magic(ms, SYS_WRITE, 2, TEXT_ADDR, 3);
    reg_write(dev, TOHOST, 0, CMD(DEV_SYSTEM, 0, MAGIC_ADDR), 8);
    ck_assert_int_eq(magic_result(ms), 3);
    put_magic(ms, SYS_WRITE, 5, TEXT_ADDR, 3);
    reg_write(dev, TOHOST, 0, CMD(DEV_SYSTEM, 0, MAGIC_ADDR), 8);
    ck_assert_int_eq(magic_result(ms), -EBADF);
    char *data = ringbuf_data(chr);
    ck_assert_str_eq(data, "err");
    g_free(data);
}
END_TEST

START_TEST(test_syscall_unknown_returns_enosys)
{
    MachineState *ms = machine_with_ram();
    DeviceState *dev = devtest_create("htif", NULL, NULL);
    put_magic(ms, 4321, 0, 0, 0);
    reg_write(dev, TOHOST, 0, CMD(DEV_SYSTEM, 0, MAGIC_ADDR), 8);
    ck_assert_int_eq(magic_result(ms), -ENOSYS);
    ck_assert_uint_eq(reg_read(dev, FROMHOST, 0, 8), SYSCALL_DONE);
}
END_TEST

START_TEST(test_syscall_exit)
{
    MachineState *ms = machine_with_ram();
    DeviceState *dev = devtest_create("htif", NULL, NULL);
    put_magic(ms, SYS_EXIT, 9, 0, 0);
    reg_write(dev, TOHOST, 0, CMD(DEV_SYSTEM, 0, MAGIC_ADDR), 8);
    Seen seen = run_loop();
    ck_assert_int_eq(seen.cause, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    ck_assert_int_eq(runstate_exit_status(), 9);
}
END_TEST

START_TEST(test_syscall_block_outside_memory_is_ignored)
{
    machine_with_ram();
    DeviceState *dev = devtest_create("htif", NULL, NULL);
    reg_write(dev, TOHOST, 0, CMD(DEV_SYSTEM, 0, 0x40000000), 8);
    ck_assert_uint_eq(reg_read(dev, TOHOST, 0, 8), 0);
    Seen seen = run_loop_idle();
    ck_assert_int_eq(seen.cause, SHUTDOWN_CAUSE_HOST_QMP);
}
END_TEST

/* ---- device tree ------------------------------------------------------------- */

START_TEST(test_fdt_node_lists_fromhost_then_tohost)
{
    DeviceState *dev = devtest_create("htif", NULL, NULL);
    dev->mmio_addr[TOHOST] = 0x80001000;
    dev->mmio_addr[FROMHOST] = 0x80001040;
    FdtBuilder *fdt = fdt_builder_new();
    fdt_builder_prop_u32(fdt, "/", "#address-cells", 2);
    fdt_builder_prop_u32(fdt, "/", "#size-cells", 2);
    DEVICE_GET_CLASS(dev)->fdt_node(dev, fdt);
    GError *err = NULL;
    ck_assert_msg(fdt_builder_finish(fdt, &err), "%s", err ? err->message : "?");
    const void *blob = fdt_builder_blob(fdt, NULL);
    int node = fdt_path_offset(blob, "/htif");
    ck_assert_int_ge(node, 0);
    ck_assert_int_eq(fdt_node_check_compatible(blob, node, "ucb,htif0"), 0);
    int len = 0;
    const fdt32_t *reg = fdt_getprop(blob, node, "reg", &len);
    ck_assert_ptr_nonnull(reg);
    ck_assert_int_eq(len, 8 * 4);
    ck_assert_uint_eq(fdt32_to_cpu(reg[1]), 0x80001040); /* fromhost */
    ck_assert_uint_eq(fdt32_to_cpu(reg[3]), 8);
    ck_assert_uint_eq(fdt32_to_cpu(reg[5]), 0x80001000); /* tohost */
    ck_assert_uint_eq(fdt32_to_cpu(reg[7]), 8);
    fdt_builder_free(fdt);
}
END_TEST

START_TEST(test_missing_chardev_fails_realize)
{
    GError *err = NULL;
    Object *obj = object_new_checked("htif", &err);
    ck_assert(object_property_parse(obj, "chardev", "nosuch", &err));
    ck_assert(!device_realize(DEVICE(obj), &err));
    ck_assert_ptr_nonnull(strstr(err->message, "nosuch"));
    g_error_free(err);
}
END_TEST

static Suite *htif_suite(void)
{
    Suite *s = suite_create("/devices/htif");
    TCase *tc = tcase_create("/devices/htif/exit");
    tcase_add_test(tc, test_exit_pass);
    tcase_add_test(tc, test_exit_with_code);
    tcase_add_test(tc, test_exit_first_wins);
    tcase_add_test(tc, test_low_half_waits_for_high_half);
    tcase_add_test(tc, test_halves_build_a_console_command);
    suite_add_tcase(s, tc);
    tc = tcase_create("/devices/htif/console");
    tcase_add_test(tc, test_putchar_reaches_console_and_is_acknowledged);
    tcase_add_test(tc, test_reply_queue_is_bounded);
    tcase_add_test(tc, test_getchar_answers_with_input);
    tcase_add_test(tc, test_unknown_device_is_consumed_without_reply);
    tcase_add_test(tc, test_reset_clears_words_and_queue);
    suite_add_tcase(s, tc);
    tc = tcase_create("/devices/htif/syscall");
    tcase_add_test(tc, test_syscall_write_to_stdout);
    tcase_add_test(tc, test_syscall_write_to_stderr_and_bad_fd);
    tcase_add_test(tc, test_syscall_unknown_returns_enosys);
    tcase_add_test(tc, test_syscall_exit);
    tcase_add_test(tc, test_syscall_block_outside_memory_is_ignored);
    suite_add_tcase(s, tc);
    tc = tcase_create("/devices/htif/config");
    tcase_add_test(tc, test_fdt_node_lists_fromhost_then_tohost);
    tcase_add_test(tc, test_missing_chardev_fails_realize);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return devtest_run(htif_suite());
}
