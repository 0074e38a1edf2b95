/* SPDX-License-Identifier: MIT */
/*
 * goldfish-rtc: wall-clock nanoseconds advancing with the virtual clock,
 * settable time, and an alarm that raises the IRQ when enabled.
 */
#include "devtest.h"

enum {
    TIME_LOW = 0x00,
    TIME_HIGH = 0x04,
    ALARM_LOW = 0x08,
    ALARM_HIGH = 0x0c,
    IRQ_ENABLED = 0x10,
    CLEAR_ALARM = 0x14,
    ALARM_STATUS = 0x18,
    CLEAR_INTERRUPT = 0x1c,
};

static uint64_t rtc_time(DeviceState *dev)
{
    uint64_t lo = devtest_read(dev, TIME_LOW, 4);
    return devtest_read(dev, TIME_HIGH, 4) << 32 | lo;
}

static void rtc_set_alarm(DeviceState *dev, uint64_t t)
{
    devtest_write(dev, ALARM_HIGH, t >> 32, 4);
    devtest_write(dev, ALARM_LOW, (uint32_t)t, 4);
}

START_TEST(test_time_is_wall_clock_and_follows_virtual_time)
{
    DeviceState *dev = devtest_create("goldfish-rtc", NULL, NULL);
    uint64_t host = (uint64_t)g_get_real_time() * 1000;
    uint64_t t0 = rtc_time(dev);
    ck_assert_uint_le(t0 > host ? t0 - host : host - t0, 5 * NANOSECONDS_PER_SECOND);
    clock_step(NANOSECONDS_PER_SECOND);
    ck_assert_uint_eq(rtc_time(dev) - t0, NANOSECONDS_PER_SECOND);
}
END_TEST

START_TEST(test_set_time)
{
    DeviceState *dev = devtest_create("goldfish-rtc", NULL, NULL);
    const uint64_t t = 0x123456789abcdef0ull;
    devtest_write(dev, TIME_HIGH, t >> 32, 4);
    devtest_write(dev, TIME_LOW, (uint32_t)t, 4);
    ck_assert_uint_eq(rtc_time(dev), t);
    clock_step(500);
    ck_assert_uint_eq(rtc_time(dev), t + 500);
}
END_TEST

START_TEST(test_alarm_raises_irq_when_due)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("goldfish-rtc", &pins, NULL);
    devtest_write(dev, IRQ_ENABLED, 1, 4);
    rtc_set_alarm(dev, rtc_time(dev) + 1000);
    ck_assert_uint_eq(devtest_read(dev, ALARM_STATUS, 4), 1);
    clock_step(999);
    ck_assert_int_eq(pins.level[0], 0);
    clock_step(1);
    ck_assert_int_eq(pins.level[0], 1);
    ck_assert_uint_eq(devtest_read(dev, ALARM_STATUS, 4), 0);
    devtest_write(dev, CLEAR_INTERRUPT, 1, 4);
    ck_assert_int_eq(pins.level[0], 0);
}
END_TEST

START_TEST(test_alarm_in_the_past_fires_at_once)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("goldfish-rtc", &pins, NULL);
    devtest_write(dev, IRQ_ENABLED, 1, 4);
    rtc_set_alarm(dev, rtc_time(dev) - 1);
    ck_assert_int_eq(pins.level[0], 1);
}
END_TEST

START_TEST(test_clear_alarm_disarms)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("goldfish-rtc", &pins, NULL);
    devtest_write(dev, IRQ_ENABLED, 1, 4);
    rtc_set_alarm(dev, rtc_time(dev) + 1000);
    devtest_write(dev, CLEAR_ALARM, 1, 4);
    ck_assert_uint_eq(devtest_read(dev, ALARM_STATUS, 4), 0);
    clock_step(2000);
    ck_assert_int_eq(pins.level[0], 0);
}
END_TEST

START_TEST(test_disabled_irq_is_held_until_enabled)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("goldfish-rtc", &pins, NULL);
    rtc_set_alarm(dev, rtc_time(dev) + 10);
    clock_step(10);
    ck_assert_int_eq(pins.level[0], 0);
    devtest_write(dev, IRQ_ENABLED, 1, 4);
    ck_assert_int_eq(pins.level[0], 1);
}
END_TEST

static Suite *rtc_suite(void)
{
    Suite *s = suite_create("/devices/goldfish-rtc");
    TCase *tc = tcase_create("/devices/goldfish-rtc/time");
    tcase_add_test(tc, test_time_is_wall_clock_and_follows_virtual_time);
    tcase_add_test(tc, test_set_time);
    suite_add_tcase(s, tc);
    tc = tcase_create("/devices/goldfish-rtc/alarm");
    tcase_add_test(tc, test_alarm_raises_irq_when_due);
    tcase_add_test(tc, test_alarm_in_the_past_fires_at_once);
    tcase_add_test(tc, test_clear_alarm_disarms);
    tcase_add_test(tc, test_disabled_irq_is_held_until_enabled);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return devtest_run(rtc_suite());
}
