/* SPDX-License-Identifier: MIT */
/*
 * Tests of the "example-timer" plugin on the SDK test harness: the plugin
 * file is loaded from the directory of this test program, placed at BASE
 * on a bare bus, and driven through its registers and the virtual clock.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/testing.h>

#define PLUGIN_FILE "example-timer.so"
#define BASE 0x10000000u

#define REG_ID 0x00
#define REG_CTRL 0x04
#define REG_LOAD 0x08
#define REG_COUNT 0x0c
#define REG_STATUS 0x10
#define REG_SCRATCH0 0x20

#define CTRL_ENABLE 0x1
#define CTRL_PERIODIC 0x2
#define CTRL_IRQ_ENABLE 0x4
#define STATUS_EXPIRED 0x1

#define NS_PER_US 1000

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

/* A timer at BASE ticking at 1 MHz (the default): one tick per microsecond. */
static TsrTestDevice *timer_at_base(const char *props)
{
    return tsr_test_device_create(bus, "example-timer", props, BASE);
}

START_TEST(test_id_register)
{
    timer_at_base(NULL);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_ID), 0x54494d52u);
    ck_assert(tsr_test_last_access_ok(bus));
}
END_TEST

START_TEST(test_scratch_registers_hold_values)
{
    timer_at_base(NULL);
    for (unsigned i = 0; i < 4; i++) {
        tsr_test_write32(bus, BASE + REG_SCRATCH0 + 4 * i, 0xcafe0000u + i);
    }
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_SCRATCH0 + 4 * i), 0xcafe0000u + i);
    }
}
END_TEST

START_TEST(test_read_only_registers_ignore_writes)
{
    timer_at_base(NULL);
    tsr_test_write32(bus, BASE + REG_ID, 0);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_ID), 0x54494d52u);
}
END_TEST

START_TEST(test_byte_access_is_refused)
{
    timer_at_base(NULL);
    tsr_test_write32(bus, BASE + REG_SCRATCH0, 0x11223344);
    ck_assert_uint_eq(tsr_test_read8(bus, BASE + REG_SCRATCH0), 0);
    ck_assert(!tsr_test_last_access_ok(bus));
}
END_TEST

START_TEST(test_oneshot_raises_irq_at_expiry)
{
    TsrTestDevice *t = timer_at_base(NULL);
    tsr_test_write32(bus, BASE + REG_LOAD, 10);
    tsr_test_write32(bus, BASE + REG_CTRL, CTRL_ENABLE | CTRL_IRQ_ENABLE);
    tsr_test_clock_step(bus, 10 * NS_PER_US - 1);
    ck_assert_int_eq(tsr_test_irq_level(t, 0), 0);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_STATUS), 0);
    tsr_test_clock_step(bus, 1);
    ck_assert_int_eq(tsr_test_irq_level(t, 0), 1);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_STATUS), STATUS_EXPIRED);
    /* one-shot: ENABLE clears itself */
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_CTRL) & CTRL_ENABLE, 0);
}
END_TEST

START_TEST(test_status_write_one_clears_irq)
{
    TsrTestDevice *t = timer_at_base(NULL);
    tsr_test_write32(bus, BASE + REG_LOAD, 1);
    tsr_test_write32(bus, BASE + REG_CTRL, CTRL_ENABLE | CTRL_IRQ_ENABLE);
    tsr_test_clock_step(bus, NS_PER_US);
    ck_assert_int_eq(tsr_test_irq_level(t, 0), 1);
    tsr_test_write32(bus, BASE + REG_STATUS, STATUS_EXPIRED);
    ck_assert_int_eq(tsr_test_irq_level(t, 0), 0);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_STATUS), 0);
}
END_TEST

START_TEST(test_irq_masked_without_irq_enable)
{
    TsrTestDevice *t = timer_at_base(NULL);
    tsr_test_write32(bus, BASE + REG_LOAD, 5);
    tsr_test_write32(bus, BASE + REG_CTRL, CTRL_ENABLE);
    tsr_test_clock_step(bus, 5 * NS_PER_US);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_STATUS), STATUS_EXPIRED);
    ck_assert_int_eq(tsr_test_irq_level(t, 0), 0);
    tsr_test_write32(bus, BASE + REG_CTRL, CTRL_IRQ_ENABLE);
    ck_assert_int_eq(tsr_test_irq_level(t, 0), 1);
}
END_TEST

START_TEST(test_periodic_fires_every_period)
{
    TsrTestDevice *t = timer_at_base(NULL);
    tsr_test_write32(bus, BASE + REG_LOAD, 100);
    tsr_test_write32(bus, BASE + REG_CTRL, CTRL_ENABLE | CTRL_PERIODIC | CTRL_IRQ_ENABLE);
    for (unsigned i = 1; i <= 3; i++) {
        tsr_test_clock_step(bus, 100 * NS_PER_US);
        ck_assert_uint_eq(tsr_test_irq_rises(t, 0), i);
        tsr_test_write32(bus, BASE + REG_STATUS, STATUS_EXPIRED);
    }
    ck_assert_uint_ne(tsr_test_read32(bus, BASE + REG_CTRL) & CTRL_ENABLE, 0);
}
END_TEST

START_TEST(test_count_reads_down)
{
    timer_at_base(NULL);
    tsr_test_write32(bus, BASE + REG_LOAD, 1000);
    tsr_test_write32(bus, BASE + REG_CTRL, CTRL_ENABLE);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_COUNT), 1000);
    tsr_test_clock_step(bus, 250 * NS_PER_US);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_COUNT), 750);
    tsr_test_clock_step(bus, 750 * NS_PER_US);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_COUNT), 0);
}
END_TEST

START_TEST(test_freq_property_sets_tick_rate)
{
    TsrTestDevice *t = timer_at_base("freq=1000");
    char *freq = tsr_test_device_get(t, "freq");
    ck_assert_str_eq(freq, "1000");
    free(freq);
    tsr_test_write32(bus, BASE + REG_LOAD, 2);
    tsr_test_write32(bus, BASE + REG_CTRL, CTRL_ENABLE | CTRL_IRQ_ENABLE);
    tsr_test_clock_step(bus, 1999999);
    ck_assert_int_eq(tsr_test_irq_level(t, 0), 0);
    tsr_test_clock_step(bus, 1);
    ck_assert_int_eq(tsr_test_irq_level(t, 0), 1);
}
END_TEST

START_TEST(test_zero_freq_is_refused)
{
    TsrTestDevice *t = tsr_test_device_new(bus, "example-timer");
    ck_assert_ptr_nonnull(t);
    ck_assert(tsr_test_device_set(t, "freq", "0"));
    ck_assert(!tsr_test_device_realize(t));
    ck_assert_ptr_nonnull(strstr(tsr_test_error(bus), "freq must be between"));
}
END_TEST

START_TEST(test_reset_stops_and_clears)
{
    TsrTestDevice *t = timer_at_base(NULL);
    tsr_test_write32(bus, BASE + REG_SCRATCH0, 7);
    tsr_test_write32(bus, BASE + REG_LOAD, 1);
    tsr_test_write32(bus, BASE + REG_CTRL, CTRL_ENABLE | CTRL_PERIODIC | CTRL_IRQ_ENABLE);
    tsr_test_clock_step(bus, NS_PER_US);
    ck_assert_int_eq(tsr_test_irq_level(t, 0), 1);
    tsr_test_device_reset(t);
    ck_assert_int_eq(tsr_test_irq_level(t, 0), 0);
    ck_assert_uint_eq(tsr_test_read32(bus, BASE + REG_SCRATCH0), 0);
    tsr_test_clock_step(bus, 10 * NS_PER_US);
    ck_assert_uint_eq(tsr_test_irq_rises(t, 0), 1);
}
END_TEST

START_TEST(test_device_tree_node)
{
    TsrTestDevice *t = timer_at_base("freq=32768");
    char *dt = tsr_test_device_fdt(t);
    ck_assert_msg(dt != NULL, "%s", tsr_test_error(bus));
    ck_assert_msg(strstr(dt, "/soc/timer@10000000 {") != NULL, "%s", dt);
    ck_assert_msg(strstr(dt, "compatible = \"tessera,example-timer\";") != NULL, "%s", dt);
    ck_assert_msg(strstr(dt, "reg = <0x0 0x10000000 0x0 0x100>;") != NULL, "%s", dt);
    ck_assert_msg(strstr(dt, "clock-frequency = <0x8000>;") != NULL, "%s", dt);
    ck_assert_msg(strstr(dt, "interrupts = <0x1>;") != NULL, "%s", dt);
    free(dt);
}
END_TEST

static Suite *example_timer_suite(void)
{
    Suite *s = suite_create("/sdk/example-timer");
    TCase *regs = tcase_create("/sdk/example-timer/registers");
    tcase_add_checked_fixture(regs, setup, teardown);
    tcase_add_test(regs, test_id_register);
    tcase_add_test(regs, test_scratch_registers_hold_values);
    tcase_add_test(regs, test_read_only_registers_ignore_writes);
    tcase_add_test(regs, test_byte_access_is_refused);
    suite_add_tcase(s, regs);
    TCase *timer = tcase_create("/sdk/example-timer/countdown");
    tcase_add_checked_fixture(timer, setup, teardown);
    tcase_add_test(timer, test_oneshot_raises_irq_at_expiry);
    tcase_add_test(timer, test_status_write_one_clears_irq);
    tcase_add_test(timer, test_irq_masked_without_irq_enable);
    tcase_add_test(timer, test_periodic_fires_every_period);
    tcase_add_test(timer, test_count_reads_down);
    tcase_add_test(timer, test_reset_stops_and_clears);
    suite_add_tcase(s, timer);
    TCase *config = tcase_create("/sdk/example-timer/configuration");
    tcase_add_checked_fixture(config, setup, teardown);
    tcase_add_test(config, test_freq_property_sets_tick_rate);
    tcase_add_test(config, test_zero_freq_is_refused);
    tcase_add_test(config, test_device_tree_node);
    suite_add_tcase(s, config);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(example_timer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
