/* SPDX-License-Identifier: MIT */
/*
 * ns16550a: transmit to the chardev, receive FIFO with trigger levels and
 * character timeout, interrupt identification and priorities, loopback,
 * overrun, divisor latch.
 */
#include <string.h>

#include "devtest.h"

#include "kernel/chardev.h"
#include "kernel/options.h"

enum { RBR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define THR RBR
#define FCR IIR
#define DLL RBR
#define DLM IER

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_CTI 0x0c
#define IIR_FIFO 0xc0
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MCR_LOOP 0x10
#define LCR_DLAB 0x80
#define FCR_ENABLE 0x01
#define FCR_TRIGGER_8 0x80

static uint8_t rd(DeviceState *dev, hwaddr reg)
{
    return (uint8_t)devtest_read(dev, reg, 1);
}

static void wr(DeviceState *dev, hwaddr reg, uint8_t v)
{
    devtest_write(dev, reg, v, 1);
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

START_TEST(test_reset_state)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("ns16550a", &pins, NULL);
    ck_assert_uint_eq(rd(dev, LSR), LSR_THRE | LSR_TEMT);
    ck_assert_uint_eq(rd(dev, IIR), IIR_NONE);
    ck_assert_uint_eq(rd(dev, IER), 0);
    ck_assert_int_eq(pins.level[0], 0);
}
END_TEST

START_TEST(test_transmit_reaches_chardev)
{
    Chardev *chr = ringbuf_new("cap");
    DeviceState *dev = devtest_create("ns16550a", NULL, "chardev", "cap", NULL);
    const char *msg = "hello";
    for (const char *p = msg; *p; p++) {
        wr(dev, THR, (uint8_t)*p);
    }
    GError *err = NULL;
    char *data = object_property_get_str(OBJECT(chr), "data", &err);
    ck_assert_str_eq(data, msg);
    g_free(data);
}
END_TEST

START_TEST(test_missing_chardev_fails_realize)
{
    GError *err = NULL;
    Object *obj = object_new_checked("ns16550a", &err);
    ck_assert(object_property_parse(obj, "chardev", "nosuch", &err));
    ck_assert(!device_realize(DEVICE(obj), &err));
    ck_assert_ptr_nonnull(strstr(err->message, "nosuch"));
    g_error_free(err);
}
END_TEST

START_TEST(test_thre_interrupt)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("ns16550a", &pins, NULL);
    /* No chardev: output is dropped, the interrupt still works. */
    wr(dev, IER, IER_THRI);
    ck_assert_int_eq(pins.level[0], 1);
    ck_assert_uint_eq(rd(dev, IIR), IIR_THRI);
    /* Reading IIR acknowledged it. */
    ck_assert_int_eq(pins.level[0], 0);
    ck_assert_uint_eq(rd(dev, IIR), IIR_NONE);
    wr(dev, THR, 'x');
    ck_assert_int_eq(pins.level[0], 1);
    wr(dev, IER, 0);
    ck_assert_int_eq(pins.level[0], 0);
}
END_TEST

START_TEST(test_receive_from_host)
{
    DevTestPins pins = { 0 };
    Chardev *chr = ringbuf_new("host");
    DeviceState *dev = devtest_create("ns16550a", &pins, "chardev", "host", NULL);
    wr(dev, IER, IER_RDI);
    /* Without the FIFO the receiver holds one byte. */
    ck_assert_int_eq(chardev_be_can_read(chr), 1);
    chardev_be_read(chr, (const uint8_t *)"a", 1);
    ck_assert_int_eq(pins.level[0], 1);
    ck_assert_uint_eq(rd(dev, IIR), IIR_RDI);
    ck_assert_uint_eq(rd(dev, LSR) & LSR_DR, LSR_DR);
    ck_assert_uint_eq(rd(dev, RBR), 'a');
    ck_assert_int_eq(pins.level[0], 0);
    ck_assert_uint_eq(rd(dev, LSR) & LSR_DR, 0);
    wr(dev, FCR, FCR_ENABLE);
    ck_assert_int_eq(chardev_be_can_read(chr), 16);
}
END_TEST

START_TEST(test_fifo_trigger_level)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("ns16550a", &pins, NULL);
    wr(dev, FCR, FCR_ENABLE | FCR_TRIGGER_8);
    wr(dev, MCR, MCR_LOOP);
    wr(dev, IER, IER_RDI);
    for (int i = 0; i < 7; i++) {
        wr(dev, THR, (uint8_t)('0' + i));
    }
    ck_assert_int_eq(pins.level[0], 0);
    ck_assert_uint_eq(rd(dev, IIR), IIR_NONE | IIR_FIFO);
    wr(dev, THR, '7');
    ck_assert_int_eq(pins.level[0], 1);
    ck_assert_uint_eq(rd(dev, IIR), IIR_RDI | IIR_FIFO);
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(rd(dev, RBR), '0' + i);
    }
    ck_assert_int_eq(pins.level[0], 0);
}
END_TEST

START_TEST(test_character_timeout)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("ns16550a", &pins, NULL);
    wr(dev, FCR, FCR_ENABLE | FCR_TRIGGER_8);
    wr(dev, MCR, MCR_LOOP);
    wr(dev, IER, IER_RDI);
    wr(dev, THR, 'z');
    ck_assert_int_eq(pins.level[0], 0);
    /* Four character times at the reset divisor: 4 * 10 bits * 16 * 12 / 3.6864 MHz. */
    clock_step(4 * 10 * 16 * 12 * 1000000000LL / 3686400 + 1);
    ck_assert_int_eq(pins.level[0], 1);
    ck_assert_uint_eq(rd(dev, IIR), IIR_CTI | IIR_FIFO);
    ck_assert_uint_eq(rd(dev, RBR), 'z');
    ck_assert_int_eq(pins.level[0], 0);
}
END_TEST

START_TEST(test_overrun_and_line_status_priority)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = devtest_create("ns16550a", &pins, NULL);
    wr(dev, FCR, FCR_ENABLE);
    wr(dev, MCR, MCR_LOOP);
    wr(dev, IER, IER_RDI | IER_THRI | IER_RLSI);
    for (int i = 0; i < 17; i++) {
        wr(dev, THR, (uint8_t)i);
    }
    /* Line status outranks received data and THR empty. */
    ck_assert_uint_eq(rd(dev, IIR), IIR_RLSI | IIR_FIFO);
    ck_assert_uint_eq(rd(dev, LSR) & (LSR_OE | LSR_DR), LSR_OE | LSR_DR);
    /* Reading LSR cleared the error. */
    ck_assert_uint_eq(rd(dev, LSR) & LSR_OE, 0);
    ck_assert_uint_eq(rd(dev, IIR), IIR_RDI | IIR_FIFO);
    for (int i = 0; i < 16; i++) {
        ck_assert_uint_eq(rd(dev, RBR), i);
    }
    ck_assert_uint_eq(rd(dev, IIR), IIR_THRI | IIR_FIFO);
}
END_TEST

START_TEST(test_break_event_sets_bi)
{
    DevTestPins pins = { 0 };
    Chardev *chr = ringbuf_new("brk");
    DeviceState *dev = devtest_create("ns16550a", &pins, "chardev", "brk", NULL);
    wr(dev, IER, IER_RLSI);
    chardev_be_event(chr, CHR_EVENT_BREAK);
    ck_assert_int_eq(pins.level[0], 1);
    ck_assert_uint_eq(rd(dev, LSR) & LSR_BI, LSR_BI);
    ck_assert_int_eq(pins.level[0], 0);
}
END_TEST

START_TEST(test_divisor_latch_and_scratch)
{
    DeviceState *dev = devtest_create("ns16550a", NULL, NULL);
    wr(dev, IER, IER_RDI);
    wr(dev, LCR, LCR_DLAB | 0x03);
    wr(dev, DLL, 0x34);
    wr(dev, DLM, 0x12);
    ck_assert_uint_eq(rd(dev, DLL), 0x34);
    ck_assert_uint_eq(rd(dev, DLM), 0x12);
    wr(dev, LCR, 0x03);
    ck_assert_uint_eq(rd(dev, IER), IER_RDI);
    ck_assert_uint_eq(rd(dev, LCR), 0x03);
    wr(dev, SCR, 0xa5);
    ck_assert_uint_eq(rd(dev, SCR), 0xa5);
}
END_TEST

START_TEST(test_loopback_modem_status)
{
    DeviceState *dev = devtest_create("ns16550a", NULL, NULL);
    /* Outside loopback the lines read as connected. */
    ck_assert_uint_eq(rd(dev, MSR) & 0xb0, 0xb0);
    wr(dev, MCR, MCR_LOOP | 0x03); /* DTR, RTS -> DSR, CTS */
    ck_assert_uint_eq(rd(dev, MSR) & 0xf0, 0x30);
}
END_TEST

static Suite *uart_suite(void)
{
    Suite *s = suite_create("/devices/ns16550a");
    TCase *tc = tcase_create("/devices/ns16550a/registers");
    tcase_add_test(tc, test_reset_state);
    tcase_add_test(tc, test_divisor_latch_and_scratch);
    tcase_add_test(tc, test_loopback_modem_status);
    suite_add_tcase(s, tc);
    tc = tcase_create("/devices/ns16550a/chardev");
    tcase_add_test(tc, test_transmit_reaches_chardev);
    tcase_add_test(tc, test_missing_chardev_fails_realize);
    tcase_add_test(tc, test_receive_from_host);
    tcase_add_test(tc, test_break_event_sets_bi);
    suite_add_tcase(s, tc);
    tc = tcase_create("/devices/ns16550a/interrupts");
    tcase_add_test(tc, test_thre_interrupt);
    tcase_add_test(tc, test_fifo_trigger_level);
    tcase_add_test(tc, test_character_timeout);
    tcase_add_test(tc, test_overrun_and_line_status_priority);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return devtest_run(uart_suite());
}
