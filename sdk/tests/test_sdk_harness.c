/* SPDX-License-Identifier: MIT */
/*
 * The SDK test harness itself: buses, holes and RAM, virtual time, and
 * driving an in-tree device ("ns16550a", from the uart16550 module) the
 * way Tessera's own device tests do.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tessera/testing.h"

#define UART 0x10000000u
#define UART_RBR_THR 0
#define UART_IER 1
#define UART_LSR 5
#define IER_RDI 0x01
#define IER_THRI 0x02
#define LSR_DR 0x01
#define LSR_THRE 0x20

static TsrTestBus *bus;

static void setup(void)
{
    bus = tsr_test_bus_new();
}

static void teardown(void)
{
    tsr_test_bus_free(bus);
}

START_TEST(test_unknown_type_is_named)
{
    ck_assert_ptr_null(tsr_test_device_new(bus, "no-such-device"));
    ck_assert_ptr_nonnull(strstr(tsr_test_error(bus), "no-such-device"));
}
END_TEST

START_TEST(test_non_device_type_is_refused)
{
    ck_assert_ptr_null(tsr_test_device_new(bus, "container"));
    ck_assert_ptr_nonnull(strstr(tsr_test_error(bus), "not a device"));
}
END_TEST

START_TEST(test_holes_read_zero_and_report)
{
    ck_assert_uint_eq(tsr_test_read32(bus, 0x1234), 0);
    ck_assert(!tsr_test_last_access_ok(bus));
}
END_TEST

START_TEST(test_ram_reads_back)
{
    tsr_test_add_ram(bus, 0x80000000u, 0x1000);
    tsr_test_write32(bus, 0x80000010u, 0xdeadbeef);
    ck_assert(tsr_test_last_access_ok(bus));
    uint8_t bytes[4];
    tsr_test_memread(bus, 0x80000010u, bytes, sizeof(bytes));
    ck_assert_uint_eq(bytes[0], 0xef); /* little-endian bus */
    ck_assert_uint_eq(bytes[3], 0xde);
    ck_assert_uint_eq(tsr_test_read16(bus, 0x80000012u), 0xdead);
}
END_TEST

START_TEST(test_clock_moves_only_when_stepped)
{
    int64_t t0 = tsr_test_clock_ns(bus);
    ck_assert_int_eq(tsr_test_clock_ns(bus), t0);
    tsr_test_clock_step(bus, 12345);
    ck_assert_int_eq(tsr_test_clock_ns(bus) - t0, 12345);
}
END_TEST

START_TEST(test_file_beside_program)
{
    const char *p = tsr_test_file_beside_program("x.so");
    ck_assert_ptr_nonnull(strstr(p, "/tests/x.so"));
}
END_TEST

START_TEST(test_core_uart_transmits_to_chardev)
{
    TsrTestChardev *c = tsr_test_chardev_new(bus, "uart0");
    TsrTestDevice *d = tsr_test_device_create(bus, "ns16550a", "chardev=uart0", UART);
    ck_assert_uint_ne(tsr_test_read8(bus, UART + UART_LSR) & LSR_THRE, 0);
    tsr_test_write8(bus, UART + UART_RBR_THR, 'h');
    tsr_test_write8(bus, UART + UART_RBR_THR, 'i');
    char *out = tsr_test_chardev_take(c, NULL);
    ck_assert_str_eq(out, "hi");
    free(out);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 0);
    tsr_test_write8(bus, UART + UART_IER, IER_THRI);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 1);
}
END_TEST

START_TEST(test_core_uart_receives_from_chardev)
{
    TsrTestChardev *c = tsr_test_chardev_new(bus, "uart0");
    TsrTestDevice *d = tsr_test_device_create(bus, "ns16550a", "chardev=uart0", UART);
    tsr_test_write8(bus, UART + UART_IER, IER_RDI);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 0);
    tsr_test_chardev_feed_str(c, "ok");
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 1);
    ck_assert_uint_ne(tsr_test_read8(bus, UART + UART_LSR) & LSR_DR, 0);
    ck_assert_uint_eq(tsr_test_read8(bus, UART + UART_RBR_THR), 'o');
    ck_assert_uint_eq(tsr_test_read8(bus, UART + UART_RBR_THR), 'k');
    ck_assert_uint_eq(tsr_test_read8(bus, UART + UART_LSR) & LSR_DR, 0);
    ck_assert_int_eq(tsr_test_irq_level(d, 0), 0);
}
END_TEST

START_TEST(test_two_buses_are_independent)
{
    TsrTestBus *other = tsr_test_bus_new();
    tsr_test_chardev_new(bus, "a");
    TsrTestChardev *cb = tsr_test_chardev_new(other, "b");
    tsr_test_device_create(bus, "ns16550a", "chardev=a", UART);
    tsr_test_device_create(other, "ns16550a", "chardev=b", UART);
    tsr_test_write8(other, UART + UART_RBR_THR, '!');
    char *out = tsr_test_chardev_take(cb, NULL);
    ck_assert_str_eq(out, "!");
    free(out);
    tsr_test_bus_free(other);
    /* the first bus still works after the second is gone */
    ck_assert_uint_ne(tsr_test_read8(bus, UART + UART_LSR) & LSR_THRE, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("/sdk/harness");
    TCase *tc = tcase_create("/sdk/harness/bus");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_unknown_type_is_named);
    tcase_add_test(tc, test_non_device_type_is_refused);
    tcase_add_test(tc, test_holes_read_zero_and_report);
    tcase_add_test(tc, test_ram_reads_back);
    tcase_add_test(tc, test_clock_moves_only_when_stepped);
    tcase_add_test(tc, test_file_beside_program);
    suite_add_tcase(s, tc);
    tc = tcase_create("/sdk/harness/core-device");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_core_uart_transmits_to_chardev);
    tcase_add_test(tc, test_core_uart_receives_from_chardev);
    tcase_add_test(tc, test_two_buses_are_independent);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
