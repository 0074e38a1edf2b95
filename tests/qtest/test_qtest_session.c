/* SPDX-License-Identifier: MIT */
/*
 * The qtest protocol in-process: a session over a bare address space with a
 * goldfish RTC at 0x1000 (placed at /rtc in the composition tree), driven
 * with qtest_session_command() and qtest_session_feed().
 */
#include "../devices/devtest.h"

#include <string.h>

#include "kernel/runstate.h"
#include "plugins/accel/qtest/qtest.h"

#define RTC_BASE 0x1000
#define RTC_ALARM_LOW 0x08
#define RTC_ALARM_HIGH 0x0c
#define RTC_IRQ_ENABLED 0x10
#define RTC_CLEAR_INTERRUPT 0x1c

typedef struct Rig {
    MemoryRegion root;
    AddressSpace as;
    DeviceState *rtc;
    DevTestPins pins;
    QTestSession *s;
    GString *emitted;
} Rig;

static void collect(void *opaque, const char *text, size_t len)
{
    g_string_append_len(opaque, text, (gssize)len);
}

static void rig_init(Rig *r)
{
    memset(r, 0, sizeof(*r));
    r->rtc = devtest_create("goldfish-rtc", &r->pins, NULL);
    ck_assert(object_property_add_child(object_root(), "rtc", OBJECT(r->rtc), NULL));
    memory_region_init(&r->root, NULL, "root", UINT64_MAX);
    device_mmio_map(r->rtc, 0, &r->root, RTC_BASE);
    address_space_init(&r->as, &r->root, "qtest-test");
    r->emitted = g_string_new(NULL);
    r->s = qtest_session_new(&r->as, collect, r->emitted);
}

static void rig_fini(Rig *r)
{
    qtest_session_free(r->s);
    g_string_free(r->emitted, TRUE);
    address_space_destroy(&r->as);
    memory_region_del_subregion(&r->root, r->rtc->mmio[0]);
    memory_region_destroy(&r->root);
    object_unparent(OBJECT(r->rtc));
    object_unref(OBJECT(r->rtc));
    for (int i = 0; i < r->pins.count; i++) {
        irq_free(r->pins.lines[i]);
    }
}

/* Run @line and compare everything it produced with @want. */
static void expect(Rig *r, const char *line, const char *want)
{
    g_autofree char *got = qtest_session_command(r->s, line);
    ck_assert_msg(!strcmp(got, want), "%s: got '%s', want '%s'", line, got, want);
}

static uint64_t rtc_now(Rig *r)
{
    g_autofree char *lo = qtest_session_command(r->s, "readl 0x1000");
    g_autofree char *hi = qtest_session_command(r->s, "readl 0x1004");
    ck_assert(g_str_has_prefix(lo, "OK 0x") && g_str_has_prefix(hi, "OK 0x"));
    return g_ascii_strtoull(hi + 3, NULL, 16) << 32 | g_ascii_strtoull(lo + 3, NULL, 16);
}

static void arm_alarm(Rig *r, uint64_t t)
{
    g_autofree char *hi = g_strdup_printf("writel 0x%x 0x%" PRIx64, RTC_BASE + RTC_ALARM_HIGH,
                                          t >> 32);
    g_autofree char *lo = g_strdup_printf("writel 0x%x 0x%" PRIx64, RTC_BASE + RTC_ALARM_LOW,
                                          t & 0xffffffffu);
    expect(r, "writel 0x1010 1", "OK\n");
    expect(r, hi, "OK\n");
    expect(r, lo, "OK\n");
}

START_TEST(test_command_returns_irq_notes_then_reply)
{
    Rig r;
    rig_init(&r);
    expect(&r, "irq_intercept_out /rtc", "OK\n");
    int64_t start = clock_get_ns(CLOCK_VIRTUAL);
    arm_alarm(&r, rtc_now(&r) + 700);
    g_autofree char *step = g_strdup_printf("OK %" PRId64 "\n", start + 699);
    expect(&r, "clock_step 699", step);
    g_autofree char *fire = g_strdup_printf("IRQ raise 0\nOK %" PRId64 "\n", start + 700);
    expect(&r, "clock_step", fire);
    expect(&r, "writel 0x101c 1", "IRQ lower 0\nOK\n");
    /* Intercepted: the board's (here the test's) connection saw nothing. */
    ck_assert_uint_eq(r.pins.changes[0], 0);
    ck_assert_str_eq(r.emitted->str, "");
    rig_fini(&r);
}
END_TEST

START_TEST(test_free_restores_the_connection)
{
    Rig r;
    rig_init(&r);
    expect(&r, "irq_intercept_out /rtc", "OK\n");
    qtest_session_free(r.s);
    r.s = qtest_session_new(&r.as, collect, r.emitted);
    arm_alarm(&r, rtc_now(&r) + 10);
    g_autofree char *want = g_strdup_printf("OK %" PRId64 "\n", clock_get_ns(CLOCK_VIRTUAL) + 10);
    expect(&r, "clock_step 10", want);
    ck_assert_int_eq(r.pins.level[0], 1);
    rig_fini(&r);
}
END_TEST

START_TEST(test_feed_splits_lines_and_emits)
{
    Rig r;
    rig_init(&r);
    static const char input[] = "writel 0x1010 1\r\nread";
    qtest_session_feed(r.s, (const uint8_t *)input, strlen(input));
    ck_assert_str_eq(r.emitted->str, "OK\n");
    qtest_session_feed(r.s, (const uint8_t *)"l 0x1010\n\nreadb 0x9000\n", 24);
    ck_assert_str_eq(r.emitted->str, "OK\nOK 0x0000000000000001\n"
                                     "FAIL read of 1 byte at 0x9000: unmapped address\n");
    qtest_session_reset(r.s);
    rig_fini(&r);
}
END_TEST

START_TEST(test_overlong_line_in_pieces)
{
    Rig r;
    rig_init(&r);
    char chunk[4096];
    memset(chunk, 'a', sizeof(chunk));
    for (int i = 0; i < QTEST_MAX_LINE / (int)sizeof(chunk) + 2; i++) {
        qtest_session_feed(r.s, (const uint8_t *)chunk, sizeof(chunk));
    }
    qtest_session_feed(r.s, (const uint8_t *)"\nendianness\n", 12);
    g_autofree char *want = g_strdup_printf("FAIL command line longer than %d bytes\nOK little\n",
                                            QTEST_MAX_LINE);
    ck_assert_str_eq(r.emitted->str, want);
    rig_fini(&r);
}
END_TEST

START_TEST(test_session_without_address_space_uses_the_machine)
{
    QTestSession *s = qtest_session_new(NULL, NULL, NULL);
    g_autofree char *r = qtest_session_command(s, "readb 0");
    ck_assert_str_eq(r, "FAIL no machine\n"); /* none was created */
    g_autofree char *e = qtest_session_command(s, "endianness");
    ck_assert_str_eq(e, "OK little\n");
    qtest_session_free(s);
}
END_TEST

static void count_fire(void *opaque)
{
    (*(int *)opaque)++;
}

START_TEST(test_overdue_timers_fire_on_any_clock_command)
{
    QTestSession *s = qtest_session_new(NULL, NULL, NULL);
    int fired = 0;
    Timer *t = timer_new_ns(CLOCK_VIRTUAL, count_fire, &fired);
    g_autofree char *r1 = qtest_session_command(s, "clock_set 1000");
    ck_assert_str_eq(r1, "OK 1000\n");
    timer_mod_ns(t, 400); /* already overdue: nothing moves the clock on its own */
    g_autofree char *r2 = qtest_session_command(s, "clock_step 0");
    ck_assert_str_eq(r2, "OK 1000\n");
    ck_assert_int_eq(fired, 1);
    timer_mod_ns(t, 10);
    g_autofree char *r3 = qtest_session_command(s, "clock_set 5");
    ck_assert_str_eq(r3, "OK 1000\n");
    ck_assert_int_eq(fired, 2);
    timer_mod_ns(t, 20);
    g_autofree char *r4 = qtest_session_command(s, "clock_step");
    ck_assert_str_eq(r4, "OK 1000\n");
    ck_assert_int_eq(fired, 3);
    /* No timer: clock_step without an argument leaves the clock alone. */
    g_autofree char *r5 = qtest_session_command(s, "clock_step");
    ck_assert_str_eq(r5, "OK 1000\n");
    timer_mod_ns(t, 2500);
    g_autofree char *r6 = qtest_session_command(s, "clock_step");
    ck_assert_str_eq(r6, "OK 2500\n");
    ck_assert_int_eq(fired, 4);
    timer_free(t);
    qtest_session_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("qtest-session");
    TCase *tc = tcase_create("session");
    tcase_add_test(tc, test_command_returns_irq_notes_then_reply);
    tcase_add_test(tc, test_free_restores_the_connection);
    tcase_add_test(tc, test_feed_splits_lines_and_emits);
    tcase_add_test(tc, test_overlong_line_in_pieces);
    tcase_add_test(tc, test_session_without_address_space_uses_the_machine);
    tcase_add_test(tc, test_overdue_timers_fire_on_any_clock_command);
    suite_add_tcase(s, tc);
    return devtest_run(s);
}
