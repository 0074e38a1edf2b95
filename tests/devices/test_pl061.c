/* SPDX-License-Identifier: MIT */
/*
 * pl061: masked data access, direction, edge (single and both) and level
 * interrupts, interrupt clear, the output lines, the PrimeCell ids.
 */
#include "devtest.h"

enum {
    GDIR = 0x400,
    GIS = 0x404,
    GIBE = 0x408,
    GIEV = 0x40c,
    GIE = 0x410,
    GRIS = 0x414,
    GMIS = 0x418,
    GIC_ = 0x41c,
};

#define DATA(mask) ((mask) << 2)

static void line(DeviceState *dev, int n, int level)
{
    irq_set(device_get_irq_in(dev, n), level);
}

START_TEST(test_masked_data_and_direction)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("pl061", &pins, NULL);
    line(dev, 0, 1);
    line(dev, 5, 1);
    ck_assert_uint_eq(devtest_read(dev, DATA(0xff), 4), 0x21);
    ck_assert_uint_eq(devtest_read(dev, DATA(0x01), 4), 0x01);   /* address masks */
    ck_assert_uint_eq(devtest_read(dev, DATA(0x20), 4), 0x20);
    /* Lines 1 and 5 as outputs: writes through the mask only. */
    devtest_write(dev, GDIR, 0x22, 4);
    devtest_write(dev, DATA(0x02), 0xff, 4);
    ck_assert_uint_eq(devtest_read(dev, DATA(0xff), 4), 0x03);   /* 5 is an output at 0 */
    ck_assert_int_eq(pins.level[1 + 1], 1);                      /* output pin of line 1 */
    ck_assert_int_eq(pins.level[1 + 5], 0);
    devtest_write(dev, DATA(0x20), 0x20, 4);
    ck_assert_int_eq(pins.level[1 + 5], 1);
    ck_assert_uint_eq(devtest_read(dev, DATA(0xff), 4), 0x23);
}
END_TEST

START_TEST(test_edge_interrupts)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("pl061", &pins, NULL);
    devtest_write(dev, GIEV, 0x08, 4);    /* line 3 rising, line 4 falling */
    devtest_write(dev, GIBE, 0x40, 4);    /* line 6 both edges */
    devtest_write(dev, GIE, 0x58, 4);
    line(dev, 3, 1);
    ck_assert_uint_eq(devtest_read(dev, GRIS, 4), 0x08);
    ck_assert_int_eq(pins.level[0], 1);
    line(dev, 3, 0);                     /* falling edge of a rising line: nothing new */
    devtest_write(dev, GIC_, 0x08, 4);
    ck_assert_uint_eq(devtest_read(dev, GRIS, 4), 0);
    ck_assert_int_eq(pins.level[0], 0);
    line(dev, 4, 1);
    ck_assert_uint_eq(devtest_read(dev, GRIS, 4), 0);
    line(dev, 4, 0);
    ck_assert_uint_eq(devtest_read(dev, GRIS, 4), 0x10);
    devtest_write(dev, GIC_, 0xff, 4);
    line(dev, 6, 1);
    ck_assert_uint_eq(devtest_read(dev, GRIS, 4), 0x40);
    devtest_write(dev, GIC_, 0x40, 4);
    line(dev, 6, 0);
    ck_assert_uint_eq(devtest_read(dev, GRIS, 4), 0x40);
    /* Masked lines latch in GRIS but not in GMIS. */
    devtest_write(dev, GIE, 0, 4);
    ck_assert_uint_eq(devtest_read(dev, GMIS, 4), 0);
    ck_assert_int_eq(pins.level[0], 0);
}
END_TEST

START_TEST(test_level_interrupts)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("pl061", &pins, NULL);
    devtest_write(dev, GIS, 0x01, 4);     /* line 0 level, active high */
    devtest_write(dev, GIEV, 0x01, 4);
    devtest_write(dev, GIE, 0x01, 4);
    ck_assert_int_eq(pins.level[0], 0);
    line(dev, 0, 1);
    ck_assert_int_eq(pins.level[0], 1);
    devtest_write(dev, GIC_, 0x01, 4);     /* still high: stays */
    ck_assert_int_eq(pins.level[0], 1);
    line(dev, 0, 0);
    ck_assert_int_eq(pins.level[0], 0);
    devtest_write(dev, GIEV, 0x00, 4);    /* active low now */
    ck_assert_int_eq(pins.level[0], 1);
}
END_TEST

START_TEST(test_primecell_ids)
{
    DeviceState *dev = devtest_create("pl061", NULL, NULL);
    static const uint8_t ids[8] = { 0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(devtest_read(dev, 0xfe0 + 4 * i, 4), ids[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pl061");
    TCase *tc = tcase_create("pl061");
    tcase_add_test(tc, test_masked_data_and_direction);
    tcase_add_test(tc, test_edge_interrupts);
    tcase_add_test(tc, test_level_interrupts);
    tcase_add_test(tc, test_primecell_ids);
    suite_add_tcase(s, tc);
    return devtest_run(s);
}
