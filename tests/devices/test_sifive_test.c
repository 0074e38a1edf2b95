/* SPDX-License-Identifier: MIT */
/*
 * sifive-test: writes to the finisher register turn into power-off (with an
 * exit status) and reset requests that the main loop acts on.
 */
#include "devtest.h"

#include "kernel/runstate.h"

#define REG_FINISHER 0x0

typedef struct Seen {
    int shutdowns, resets;
    ShutdownCause shutdown_cause, reset_cause;
} Seen;

static void on_event(RunEvent ev, ShutdownCause cause, void *opaque)
{
    Seen *seen = opaque;
    if (ev == RUN_EVENT_SHUTDOWN) {
        seen->shutdowns++;
        seen->shutdown_cause = cause;
    } else if (ev == RUN_EVENT_RESET) {
        seen->resets++;
        seen->reset_cause = cause;
        /* End the loop once the reset has been handled. */
        system_request_shutdown(SHUTDOWN_CAUSE_HOST_QMP);
    }
}

/* Let the main loop act on whatever the device requested. */
static Seen run_loop(void)
{
    Seen seen = { 0 };
    runstate_add_listener(on_event, &seen);
    main_loop_run();
    runstate_remove_listener(on_event, &seen);
    return seen;
}

START_TEST(test_pass_powers_off_with_status_0)
{
    DeviceState *dev = devtest_create("sifive-test", NULL, NULL);
    devtest_write(dev, REG_FINISHER, 0x5555, 4);
    Seen seen = run_loop();
    ck_assert_int_eq(seen.shutdowns, 1);
    ck_assert_int_eq(seen.shutdown_cause, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    ck_assert_int_eq(runstate_exit_status(), 0);
}
END_TEST

START_TEST(test_pass_by_16bit_write)
{
    /* OpenSBI writes the finisher with a 16-bit store. */
    DeviceState *dev = devtest_create("sifive-test", NULL, NULL);
    devtest_write(dev, REG_FINISHER, 0x5555, 2);
    Seen seen = run_loop();
    ck_assert_int_eq(seen.shutdowns, 1);
    ck_assert_int_eq(seen.shutdown_cause, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
}
END_TEST

START_TEST(test_fail_carries_exit_code)
{
    DeviceState *dev = devtest_create("sifive-test", NULL, NULL);
    devtest_write(dev, REG_FINISHER, (42u << 16) | 0x3333, 4);
    Seen seen = run_loop();
    ck_assert_int_eq(seen.shutdowns, 1);
    ck_assert_int_eq(seen.shutdown_cause, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    ck_assert_int_eq(runstate_exit_status(), 42);
}
END_TEST

START_TEST(test_reset_requests_guest_reset)
{
    DeviceState *dev = devtest_create("sifive-test", NULL, NULL);
    devtest_write(dev, REG_FINISHER, 0x7777, 4);
    Seen seen = run_loop();
    ck_assert_int_eq(seen.resets, 1);
    ck_assert_int_eq(seen.reset_cause, SHUTDOWN_CAUSE_GUEST_RESET);
}
END_TEST

START_TEST(test_unknown_value_is_ignored)
{
    DeviceState *dev = devtest_create("sifive-test", NULL, NULL);
    devtest_write(dev, REG_FINISHER, 0x1234, 4);
    ck_assert_uint_eq(devtest_read(dev, REG_FINISHER, 4), 0);
    system_request_shutdown(SHUTDOWN_CAUSE_HOST_QMP);
    Seen seen = run_loop();
    ck_assert_int_eq(seen.resets, 0);
    ck_assert_int_eq(seen.shutdowns, 1);
    ck_assert_int_eq(seen.shutdown_cause, SHUTDOWN_CAUSE_HOST_QMP);
}
END_TEST

static Suite *sifive_test_suite(void)
{
    Suite *s = suite_create("/devices/sifive-test");
    TCase *tc = tcase_create("/devices/sifive-test/finisher");
    tcase_add_test(tc, test_pass_powers_off_with_status_0);
    tcase_add_test(tc, test_pass_by_16bit_write);
    tcase_add_test(tc, test_fail_carries_exit_code);
    tcase_add_test(tc, test_reset_requests_guest_reset);
    tcase_add_test(tc, test_unknown_value_is_ignored);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return devtest_run(sifive_test_suite());
}
