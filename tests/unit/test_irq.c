/* SPDX-License-Identifier: MIT */
/*
 * IRQ lines (kernel/irq.h): a receiver's input pins deliver every level
 * change to its handler with the pin number; unconnected outputs are inert.
 */
#include <check.h>

#include "kernel/irq.h"

#define MAX_EVENTS 16

/* A throwaway interrupt controller that logs what reaches its pins. */
typedef struct TestIntc {
    unsigned nevents;
    struct {
        int n;
        int level;
    } events[MAX_EVENTS];
    int levels[8];
} TestIntc;

static void intc_set_irq(void *opaque, int n, int level)
{
    TestIntc *s = opaque;
    ck_assert_uint_lt(s->nevents, MAX_EVENTS);
    s->events[s->nevents].n = n;
    s->events[s->nevents].level = level;
    s->nevents++;
    s->levels[n] = level;
}

/* A throwaway device with one output pin. */
typedef struct TestDev {
    IRQLine *irq;
} TestDev;

START_TEST(test_irq_set)
{
    TestIntc intc = { 0 };
    IRQLine *in = irq_new(intc_set_irq, &intc, 5);
    TestDev dev = { .irq = in };   /* connect output to input */

    irq_set(dev.irq, 1);
    ck_assert_uint_eq(intc.nevents, 1);
    ck_assert_int_eq(intc.events[0].n, 5);
    ck_assert_int_eq(intc.events[0].level, 1);
    irq_set(dev.irq, 0);
    ck_assert_int_eq(intc.levels[5], 0);
    /* Repeated levels still reach the handler. */
    irq_set(dev.irq, 0);
    ck_assert_uint_eq(intc.nevents, 3);
    irq_free(in);
}
END_TEST

START_TEST(test_irq_raise_lower)
{
    TestIntc intc = { 0 };
    IRQLine *in = irq_new(intc_set_irq, &intc, 2);
    irq_raise(in);
    ck_assert_int_eq(intc.levels[2], 1);
    irq_lower(in);
    ck_assert_int_eq(intc.levels[2], 0);
    ck_assert_uint_eq(intc.nevents, 2);
    irq_free(in);
}
END_TEST

START_TEST(test_irq_pulse)
{
    TestIntc intc = { 0 };
    IRQLine *in = irq_new(intc_set_irq, &intc, 1);
    irq_pulse(in);
    ck_assert_uint_eq(intc.nevents, 2);
    ck_assert_int_eq(intc.events[0].level, 1);
    ck_assert_int_eq(intc.events[1].level, 0);
    ck_assert_int_eq(intc.levels[1], 0);
    irq_free(in);
}
END_TEST

START_TEST(test_irq_unconnected)
{
    /* Driving an unconnected pin reaches nobody; connecting it later
     * delivers only what is driven after. */
    TestIntc intc = { 0 };
    TestDev dev = { .irq = NULL };
    irq_set(dev.irq, 1);
    irq_raise(dev.irq);
    irq_lower(dev.irq);
    irq_pulse(dev.irq);
    dev.irq = irq_new(intc_set_irq, &intc, 2);
    ck_assert_uint_eq(intc.nevents, 0);
    irq_raise(dev.irq);
    ck_assert_uint_eq(intc.nevents, 1);
    ck_assert_int_eq(intc.levels[2], 1);
    irq_free(dev.irq);
    /* A line without a handler is inert too. */
    IRQLine *dangling = irq_new(NULL, NULL, 0);
    irq_raise(dangling);
    irq_free(dangling);
    irq_free(NULL);
}
END_TEST

START_TEST(test_irq_array)
{
    TestIntc intc = { 0 };
    IRQLine **pins = irq_new_array(intc_set_irq, &intc, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_ptr_nonnull(pins[i]);
        ck_assert_int_eq(pins[i]->n, i);
    }
    ck_assert_ptr_null(pins[4]);

    irq_raise(pins[3]);
    irq_raise(pins[0]);
    ck_assert_uint_eq(intc.nevents, 2);
    ck_assert_int_eq(intc.events[0].n, 3);
    ck_assert_int_eq(intc.events[1].n, 0);
    ck_assert_int_eq(intc.levels[3], 1);
    ck_assert_int_eq(intc.levels[1], 0);
    irq_free_array(pins, 4);
}
END_TEST

static void add_case(Suite *s, const char *name, const TTest *test)
{
    TCase *tc = tcase_create(name);
    tcase_add_test(tc, test);
    suite_add_tcase(s, tc);
}

static Suite *irq_suite(void)
{
    Suite *s = suite_create("irq");
    add_case(s, "/irq/set", test_irq_set);
    add_case(s, "/irq/raise-lower", test_irq_raise_lower);
    add_case(s, "/irq/pulse", test_irq_pulse);
    add_case(s, "/irq/unconnected", test_irq_unconnected);
    add_case(s, "/irq/array", test_irq_array);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(irq_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
