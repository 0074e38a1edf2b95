/* SPDX-License-Identifier: MIT */
/*
 * Tests of "my-device" on the SDK test harness.  Each case sets up a bus
 * with the plugin loaded (setup), acts through registers, properties and
 * time, and asserts what the guest or the board would observe.
 */
#include <check.h>
#include <string.h>

#include <tessera/testing.h>

#define PLUGIN_FILE "my-device.so"
#define BASE 0x10000000u
#define REG_ID 0x00
#define REG_VALUE 0x04

static TsrTestBus *bus;

static void setup(void)
{
    bus = tsr_test_bus_new();
    ck_assert_msg(tsr_test_load_plugin(bus, tsr_test_file_beside_program(PLUGIN_FILE)), "%s",
                  tsr_test_error(bus));
}

static void teardown(void)
{
    tsr_test_bus_free(bus);
}

START_TEST(test_id_register_shows_property)
{
    tsr_test_device_create(bus, "my-device", "device-id=0x1234", BASE);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_ID), 0x1234);
}
END_TEST

START_TEST(test_value_drives_irq)
{
    TsrTestDevice *d = tsr_test_device_create(bus, "my-device", NULL, BASE);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 0);
    tsr_test_write32(bus, BASE + REG_VALUE, 5);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_VALUE), 5);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 1);
    tsr_test_write32(bus, BASE + REG_VALUE, 0);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 0);
}
END_TEST

START_TEST(test_zero_id_is_refused)
{
    TsrTestDevice *d = tsr_test_device_new(bus, "my-device");
    ck_assert(tsr_test_device_set(d, "device-id", "0"));
    ck_assert(!tsr_test_device_realize(d));
    ck_assert_ptr_nonnull(strstr(tsr_test_error(bus), "device-id"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("/sdk/my-device");
    TCase *tc = tcase_create("/sdk/my-device/registers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_id_register_shows_property);
    tcase_add_test(tc, test_value_drives_irq);
    tcase_add_test(tc, test_zero_id_is_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
