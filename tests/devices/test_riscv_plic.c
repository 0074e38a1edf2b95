/* SPDX-License-Identifier: MIT */
/*
 * riscv-plic: level-triggered sources gated by priority, per-context enables
 * and thresholds; claim/complete; two contexts per hart (M then S).
 */
#include "devtest.h"

#define PRIORITY(i) (0x000000 + 4 * (i))
#define PENDING(i) (0x001000 + 4 * ((i) / 32))
#define ENABLE(c, i) (0x002000 + 0x80 * (c) + 4 * ((i) / 32))
#define THRESHOLD(c) (0x200000 + 0x1000 * (c))
#define CLAIM(c) (0x200004 + 0x1000 * (c))
#define CTX_M(h) (2 * (h))
#define CTX_S(h) (2 * (h) + 1)

static DeviceState *plic_new(DevTestPins *pins, const char *harts)
{
    return devtest_create("riscv-plic", pins, "num-harts", harts, "num-sources", "96", NULL);
}

static void source_set(DeviceState *dev, int i, int level)
{
    irq_set(device_get_irq_in(dev, i), level);
}

static void enable(DeviceState *dev, int ctx, int i)
{
    uint64_t v = devtest_read(dev, ENABLE(ctx, i), 4);
    devtest_write(dev, ENABLE(ctx, i), v | 1u << (i % 32), 4);
}

START_TEST(test_layout_two_contexts_per_hart)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = plic_new(&pins, "3");
    ck_assert_int_eq(pins.count, 6);
    ck_assert_uint_eq(memory_region_size(dev->mmio[0]), 0x200000 + 6 * 0x1000);
    ck_assert_int_eq(dev->num_irq_in, 97);
}
END_TEST

START_TEST(test_claim_and_complete)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = plic_new(&pins, "1");
    devtest_write(dev, PRIORITY(10), 1, 4);
    enable(dev, CTX_M(0), 10);
    source_set(dev, 10, 1);
    ck_assert_int_eq(pins.level[CTX_M(0)], 1);
    ck_assert_uint_eq(devtest_read(dev, PENDING(10), 4), 1u << 10);

    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(0)), 4), 10);
    ck_assert_int_eq(pins.level[CTX_M(0)], 0);
    ck_assert_uint_eq(devtest_read(dev, PENDING(10), 4), 0);
    /* Nothing else to claim. */
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(0)), 4), 0);

    /* Still high at completion: it pends again. */
    devtest_write(dev, CLAIM(CTX_M(0)), 10, 4);
    ck_assert_int_eq(pins.level[CTX_M(0)], 1);

    /* Lowered before completion: it does not. */
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(0)), 4), 10);
    source_set(dev, 10, 0);
    devtest_write(dev, CLAIM(CTX_M(0)), 10, 4);
    ck_assert_int_eq(pins.level[CTX_M(0)], 0);
    ck_assert_uint_eq(devtest_read(dev, PENDING(10), 4), 0);
}
END_TEST

START_TEST(test_claimed_source_does_not_repend)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = plic_new(&pins, "1");
    devtest_write(dev, PRIORITY(4), 1, 4);
    enable(dev, CTX_M(0), 4);
    source_set(dev, 4, 1);
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(0)), 4), 4);
    source_set(dev, 4, 0);
    source_set(dev, 4, 1);
    ck_assert_int_eq(pins.level[CTX_M(0)], 0);
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(0)), 4), 0);
}
END_TEST

START_TEST(test_level_dropped_before_claim_unpends)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = plic_new(&pins, "1");
    devtest_write(dev, PRIORITY(2), 1, 4);
    enable(dev, CTX_M(0), 2);
    source_set(dev, 2, 1);
    source_set(dev, 2, 0);
    ck_assert_int_eq(pins.level[CTX_M(0)], 0);
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(0)), 4), 0);
}
END_TEST

START_TEST(test_highest_priority_first_ties_to_lowest_id)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = plic_new(&pins, "1");
    int ids[] = { 3, 7, 40, 41 };
    int prio[] = { 2, 5, 5, 1 };
    for (int i = 0; i < 4; i++) {
        devtest_write(dev, PRIORITY(ids[i]), prio[i], 4);
        enable(dev, CTX_M(0), ids[i]);
        source_set(dev, ids[i], 1);
    }
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(0)), 4), 7);
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(0)), 4), 40);
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(0)), 4), 3);
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(0)), 4), 41);
}
END_TEST

START_TEST(test_threshold_masks_lower_priorities)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = plic_new(&pins, "1");
    devtest_write(dev, PRIORITY(9), 3, 4);
    enable(dev, CTX_M(0), 9);
    source_set(dev, 9, 1);
    devtest_write(dev, THRESHOLD(CTX_M(0)), 3, 4);
    ck_assert_uint_eq(devtest_read(dev, THRESHOLD(CTX_M(0)), 4), 3);
    ck_assert_int_eq(pins.level[CTX_M(0)], 0);
    devtest_write(dev, THRESHOLD(CTX_M(0)), 2, 4);
    ck_assert_int_eq(pins.level[CTX_M(0)], 1);
}
END_TEST

START_TEST(test_priority_zero_never_interrupts)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = plic_new(&pins, "1");
    enable(dev, CTX_M(0), 5);
    source_set(dev, 5, 1);
    ck_assert_int_eq(pins.level[CTX_M(0)], 0);
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(0)), 4), 0);
    /* It is pending all the same. */
    ck_assert_uint_eq(devtest_read(dev, PENDING(5), 4), 1u << 5);
}
END_TEST

START_TEST(test_contexts_are_independent)
{
    DevTestPins pins = { 0 };
    DeviceState *dev = plic_new(&pins, "2");
    devtest_write(dev, PRIORITY(33), 1, 4);
    enable(dev, CTX_S(1), 33);
    source_set(dev, 33, 1);
    ck_assert_int_eq(pins.level[CTX_S(1)], 1);
    ck_assert_int_eq(pins.level[CTX_M(0)], 0);
    ck_assert_int_eq(pins.level[CTX_S(0)], 0);
    ck_assert_int_eq(pins.level[CTX_M(1)], 0);
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_M(1)), 4), 0);
    ck_assert_uint_eq(devtest_read(dev, CLAIM(CTX_S(1)), 4), 33);
}
END_TEST

START_TEST(test_source_0_and_missing_sources_not_enableable)
{
    DeviceState *dev = plic_new(NULL, "1");
    devtest_write(dev, ENABLE(CTX_M(0), 0), 0xffffffff, 4);
    ck_assert_uint_eq(devtest_read(dev, ENABLE(CTX_M(0), 0), 4), 0xfffffffe);
    /* 96 sources: word 3 holds id 96 only, ids 97..127 do not exist. */
    devtest_write(dev, ENABLE(CTX_M(0), 96), 0xffffffff, 4);
    ck_assert_uint_eq(devtest_read(dev, ENABLE(CTX_M(0), 96), 4), 0x1);
    devtest_write(dev, PRIORITY(1), 0xff, 4);
    ck_assert_uint_eq(devtest_read(dev, PRIORITY(1), 4), 7);
}
END_TEST

static Suite *plic_suite(void)
{
    Suite *s = suite_create("/devices/riscv-plic");
    TCase *tc = tcase_create("/devices/riscv-plic/registers");
    tcase_add_test(tc, test_layout_two_contexts_per_hart);
    tcase_add_test(tc, test_source_0_and_missing_sources_not_enableable);
    suite_add_tcase(s, tc);
    tc = tcase_create("/devices/riscv-plic/gateway");
    tcase_add_test(tc, test_claim_and_complete);
    tcase_add_test(tc, test_claimed_source_does_not_repend);
    tcase_add_test(tc, test_level_dropped_before_claim_unpends);
    suite_add_tcase(s, tc);
    tc = tcase_create("/devices/riscv-plic/arbitration");
    tcase_add_test(tc, test_highest_priority_first_ties_to_lowest_id);
    tcase_add_test(tc, test_threshold_masks_lower_priorities);
    tcase_add_test(tc, test_priority_zero_never_interrupts);
    tcase_add_test(tc, test_contexts_are_independent);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return devtest_run(plic_suite());
}
