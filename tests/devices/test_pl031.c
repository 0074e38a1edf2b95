/* SPDX-License-Identifier: MIT */
/*
 * pl031: a wall-clock seconds counter following the virtual clock, load and
 * match registers, the match interrupt, and the PrimeCell ids Linux's AMBA
 * bus reads.
 */
#include "devtest.h"

enum {
    DR = 0x000,
    MR = 0x004,
    LR = 0x008,
    CR = 0x00c,
    IMSC = 0x010,
    RIS = 0x014,
    MIS = 0x018,
    ICR = 0x01c,
};

#define SEC NANOSECONDS_PER_SECOND

START_TEST(test_counter_is_wall_clock_seconds)
{
    DeviceState *dev = devtest_create("pl031", NULL, NULL);
    uint64_t host = (uint64_t)(g_get_real_time() / 1000000);
    uint64_t t0 = devtest_read(dev, DR, 4);
    ck_assert_uint_le(t0 > host ? t0 - host : host - t0, 5);
    ck_assert_uint_eq(devtest_read(dev, CR, 4), 1);
    devtest_write(dev, LR, 1000, 4);
    ck_assert_uint_eq(devtest_read(dev, DR, 4), 1000);
    clock_step(SEC - 1);
    ck_assert_uint_eq(devtest_read(dev, DR, 4), 1000);
    clock_step(1);
    ck_assert_uint_eq(devtest_read(dev, DR, 4), 1001);
    clock_step(10 * SEC);
    ck_assert_uint_eq(devtest_read(dev, DR, 4), 1011);
}
END_TEST

START_TEST(test_match_interrupt)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("pl031", &pins, NULL);
    devtest_write(dev, LR, 5000, 4);
    devtest_write(dev, MR, 5003, 4);
    devtest_write(dev, IMSC, 1, 4);
    clock_step(3 * SEC - 1);
    ck_assert_uint_eq(devtest_read(dev, RIS, 4), 0);
    ck_assert_int_eq(pins.level[0], 0);
    clock_step(1);
    ck_assert_uint_eq(devtest_read(dev, RIS, 4), 1);
    ck_assert_uint_eq(devtest_read(dev, MIS, 4), 1);
    ck_assert_int_eq(pins.level[0], 1);
    devtest_write(dev, ICR, 1, 4);
    ck_assert_int_eq(pins.level[0], 0);
    /* Masked: RIS still records the match, the line stays low. */
    devtest_write(dev, IMSC, 0, 4);
    devtest_write(dev, MR, 5005, 4);
    clock_step(2 * SEC);
    ck_assert_uint_eq(devtest_read(dev, RIS, 4), 1);
    ck_assert_uint_eq(devtest_read(dev, MIS, 4), 0);
    ck_assert_int_eq(pins.level[0], 0);
    devtest_write(dev, IMSC, 1, 4);
    ck_assert_int_eq(pins.level[0], 1);
}
END_TEST

START_TEST(test_primecell_ids)
{
    DeviceState *dev = devtest_create("pl031", NULL, NULL);
    static const uint8_t ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(devtest_read(dev, 0xfe0 + 4 * i, 4), ids[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pl031");
    TCase *tc = tcase_create("pl031");
    tcase_add_test(tc, test_counter_is_wall_clock_seconds);
    tcase_add_test(tc, test_match_interrupt);
    tcase_add_test(tc, test_primecell_ids);
    suite_add_tcase(s, tc);
    return devtest_run(s);
}
