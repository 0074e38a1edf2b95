/* SPDX-License-Identifier: MIT */
/*
 * riscv-aclint (SiFive CLINT layout): mtime derived from the virtual clock
 * at the timebase frequency, per-hart mtimecmp driving MTIP through a
 * timer, and msip driving MSIP.  Output pins: 2h = MSIP, 2h+1 = MTIP.
 */
#include "devtest.h"

#define MSIP(h) (0x0000 + 4 * (h))
#define MTIMECMP(h) (0x4000 + 8 * (h))
#define MTIME 0xbff8
#define PIN_MSIP(h) (2 * (h))
#define PIN_MTIP(h) (2 * (h) + 1)
/* 10 MHz: one tick per 100 ns. */
#define NS_PER_TICK 100

START_TEST(test_mtime_counts_at_timebase)
{
    DeviceState *dev = devtest_create("riscv-aclint", NULL, "num-harts", "1", NULL);
    uint64_t t0 = devtest_read(dev, MTIME, 8);
    clock_step(1000 * NS_PER_TICK);
    ck_assert_uint_eq(devtest_read(dev, MTIME, 8) - t0, 1000);
    /* The two halves read with 32-bit accesses. */
    uint64_t lo = devtest_read(dev, MTIME, 4), hi = devtest_read(dev, MTIME + 4, 4);
    ck_assert_uint_eq(hi << 32 | lo, t0 + 1000);
}
END_TEST

START_TEST(test_mtime_matches_cpu_time_formula)
{
    /* mtime = ns * freq / 1e9, truncated, with no drift from rounding. */
    DeviceState *dev = devtest_create("riscv-aclint", NULL, "timebase-frequency", "3000000",
                                      NULL);
    int64_t before = clock_get_ns(CLOCK_VIRTUAL);
    clock_step(1000000007);
    int64_t ns = clock_get_ns(CLOCK_VIRTUAL);
    ck_assert_int_eq(ns - before, 1000000007);
    uint64_t expect = (uint64_t)((unsigned __int128)ns * 3000000 / 1000000000);
    ck_assert_uint_eq(devtest_read(dev, MTIME, 8), expect);
}
END_TEST

START_TEST(test_mtimecmp_raises_mtip_when_reached)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("riscv-aclint", &pins, "num-harts", "2", NULL);
    ck_assert_int_eq(pins.count, 4);
    uint64_t now = devtest_read(dev, MTIME, 8);
    devtest_write(dev, MTIMECMP(1), now + 10, 8);
    ck_assert_uint_eq(devtest_read(dev, MTIMECMP(1), 8), now + 10);
    ck_assert_int_eq(pins.level[PIN_MTIP(1)], 0);
    clock_step(10 * NS_PER_TICK - 1);
    ck_assert_int_eq(pins.level[PIN_MTIP(1)], 0);
    clock_step(1);
    ck_assert_int_eq(pins.level[PIN_MTIP(1)], 1);
    ck_assert_int_eq(pins.level[PIN_MTIP(0)], 0);
    /* Moving the compare value into the future lowers MTIP. */
    devtest_write(dev, MTIMECMP(1), UINT64_MAX, 8);
    ck_assert_int_eq(pins.level[PIN_MTIP(1)], 0);
}
END_TEST

START_TEST(test_mtimecmp_32bit_halves)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("riscv-aclint", &pins, NULL);
    /* The usual RV32 sequence: high word to all-ones first, then low, then high. */
    devtest_write(dev, MTIMECMP(0) + 4, 0xffffffff, 4);
    devtest_write(dev, MTIMECMP(0), 0x20, 4);
    devtest_write(dev, MTIMECMP(0) + 4, 0, 4);
    ck_assert_uint_eq(devtest_read(dev, MTIMECMP(0), 8), 0x20);
    clock_step(0x20 * NS_PER_TICK);
    ck_assert_int_eq(pins.level[PIN_MTIP(0)], 1);
}
END_TEST

START_TEST(test_mtimecmp_in_past_is_immediate)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("riscv-aclint", &pins, NULL);
    clock_step(50 * NS_PER_TICK);
    devtest_write(dev, MTIMECMP(0), 0, 8);
    ck_assert_int_eq(pins.level[PIN_MTIP(0)], 1);
}
END_TEST

START_TEST(test_reset_leaves_mtip_low)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("riscv-aclint", &pins, NULL);
    ck_assert_uint_eq(devtest_read(dev, MTIMECMP(0), 8), UINT64_MAX);
    ck_assert_int_eq(pins.level[PIN_MTIP(0)], 0);
}
END_TEST

START_TEST(test_msip_drives_software_interrupt)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("riscv-aclint", &pins, "num-harts", "2", NULL);
    devtest_write(dev, MSIP(1), 1, 4);
    ck_assert_int_eq(pins.level[PIN_MSIP(1)], 1);
    ck_assert_int_eq(pins.level[PIN_MSIP(0)], 0);
    ck_assert_uint_eq(devtest_read(dev, MSIP(1), 4), 1);
    /* Only bit 0 is implemented. */
    devtest_write(dev, MSIP(1), 0xfffffffe, 4);
    ck_assert_int_eq(pins.level[PIN_MSIP(1)], 0);
    ck_assert_uint_eq(devtest_read(dev, MSIP(1), 4), 0);
}
END_TEST

START_TEST(test_num_harts_out_of_range_fails)
{
    GError *err = NULL;
    Object *obj = object_new_checked("riscv-aclint", &err);
    ck_assert_ptr_nonnull(obj);
    ck_assert(object_property_parse(obj, "num-harts", "0", &err));
    ck_assert(!device_realize(DEVICE(obj), &err));
    ck_assert_ptr_nonnull(strstr(err->message, "num-harts"));
    g_error_free(err);
}
END_TEST

static Suite *aclint_suite(void)
{
    Suite *s = suite_create("/devices/riscv-aclint");
    TCase *tc = tcase_create("/devices/riscv-aclint/mtimer");
    tcase_add_test(tc, test_mtime_counts_at_timebase);
    tcase_add_test(tc, test_mtime_matches_cpu_time_formula);
    tcase_add_test(tc, test_mtimecmp_raises_mtip_when_reached);
    tcase_add_test(tc, test_mtimecmp_32bit_halves);
    tcase_add_test(tc, test_mtimecmp_in_past_is_immediate);
    tcase_add_test(tc, test_reset_leaves_mtip_low);
    suite_add_tcase(s, tc);
    tc = tcase_create("/devices/riscv-aclint/mswi");
    tcase_add_test(tc, test_msip_drives_software_interrupt);
    suite_add_tcase(s, tc);
    tc = tcase_create("/devices/riscv-aclint/config");
    tcase_add_test(tc, test_num_harts_out_of_range_fails);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return devtest_run(aclint_suite());
}
