/* SPDX-License-Identifier: MIT */
/* Clocks and timers: virtual time, manual stepping, deadlines, threads. */
#include <check.h>

#include "kernel/clock.h"
#include "kernel/runstate.h"

#define MS (1000 * 1000LL)
#define MAX_FIRES 16

/* What the callbacks saw, in order. */
typedef struct FireLog {
    int count;
    int ids[MAX_FIRES];
    int64_t times[MAX_FIRES];
} FireLog;

typedef struct TestTimer {
    Timer *timer;
    FireLog *log;
    int id;
    int64_t period;            /* re-arm by this much from the callback */
    int rearms_left;
    Timer *victim;             /* deleted from the callback */
    bool saw_devlock;
} TestTimer;

static void test_timer_cb(void *opaque)
{
    TestTimer *tt = opaque;
    FireLog *log = tt->log;
    ck_assert_int_lt(log->count, MAX_FIRES);
    log->ids[log->count] = tt->id;
    log->times[log->count] = clock_get_ns(CLOCK_VIRTUAL);
    log->count++;
    tt->saw_devlock = devlock_held();
    if (tt->victim) {
        timer_del(tt->victim);
    }
}

/* Re-arms one period after the time it sees (its own expiry). */
static void periodic_cb(void *opaque)
{
    TestTimer *tt = opaque;
    FireLog *log = tt->log;
    ck_assert_int_lt(log->count, MAX_FIRES);
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    log->ids[log->count] = tt->id;
    log->times[log->count] = now;
    log->count++;
    if (tt->rearms_left > 0) {
        tt->rearms_left--;
        timer_mod_ns(tt->timer, now + tt->period);
    }
}

static TestTimer *test_timer_new(ClockType type, FireLog *log, int id)
{
    TestTimer *tt = g_new0(TestTimer, 1);
    tt->timer = timer_new_ns(type, test_timer_cb, tt);
    tt->log = log;
    tt->id = id;
    return tt;
}

START_TEST(test_virtual_stopped_while_disabled)
{
    int64_t v1 = clock_get_ns(CLOCK_VIRTUAL);
    g_usleep(20 * 1000);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), v1);

    clock_virtual_enable(true);
    g_usleep(20 * 1000);
    int64_t v2 = clock_get_ns(CLOCK_VIRTUAL);
    ck_assert_int_ge(v2 - v1, 15 * MS);

    clock_virtual_enable(false);
    int64_t v3 = clock_get_ns(CLOCK_VIRTUAL);
    g_usleep(20 * 1000);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), v3);

    /* Resuming continues from the frozen value, not from host time. */
    clock_virtual_enable(true);
    int64_t v4 = clock_get_ns(CLOCK_VIRTUAL);
    ck_assert_int_ge(v4, v3);
    ck_assert_int_lt(v4 - v3, 10 * MS);
}
END_TEST

START_TEST(test_realtime_advances)
{
    int64_t r1 = clock_get_ns(CLOCK_HOST);
    g_usleep(10 * 1000);
    ck_assert_int_ge(clock_get_ns(CLOCK_HOST) - r1, 5 * MS);
}
END_TEST

START_TEST(test_manual_step_moves_time)
{
    clock_virtual_enable(true);
    clock_virtual_set_manual(true);
    int64_t t0 = clock_get_ns(CLOCK_VIRTUAL);
    g_usleep(10 * 1000);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), t0);
    clock_step(1234);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), t0 + 1234);
    clock_step(0);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), t0 + 1234);
}
END_TEST

START_TEST(test_manual_fires_in_expiry_order)
{
    FireLog log = { 0 };
    clock_virtual_set_manual(true);
    int64_t t0 = clock_get_ns(CLOCK_VIRTUAL);
    TestTimer *a = test_timer_new(CLOCK_VIRTUAL, &log, 1);
    TestTimer *b = test_timer_new(CLOCK_VIRTUAL, &log, 2);
    TestTimer *c = test_timer_new(CLOCK_VIRTUAL, &log, 3);
    timer_mod_ns(a->timer, t0 + 300);
    timer_mod_ns(b->timer, t0 + 100);
    timer_mod_ns(c->timer, t0 + 200);

    clock_step(250);
    ck_assert_int_eq(log.count, 2);
    ck_assert_int_eq(log.ids[0], 2);
    ck_assert_int_eq(log.times[0], t0 + 100);
    ck_assert_int_eq(log.ids[1], 3);
    ck_assert_int_eq(log.times[1], t0 + 200);
    ck_assert(b->saw_devlock && c->saw_devlock);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), t0 + 250);
    ck_assert(timer_pending(a->timer));
    ck_assert(!timer_pending(b->timer));

    clock_step(1000);
    ck_assert_int_eq(log.count, 3);
    ck_assert_int_eq(log.ids[2], 1);
    ck_assert_int_eq(log.times[2], t0 + 300);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), t0 + 1250);
    ck_assert(!devlock_held());
}
END_TEST

START_TEST(test_manual_equal_expiry_keeps_arming_order)
{
    FireLog log = { 0 };
    clock_virtual_set_manual(true);
    int64_t t0 = clock_get_ns(CLOCK_VIRTUAL);
    TestTimer *a = test_timer_new(CLOCK_VIRTUAL, &log, 1);
    TestTimer *b = test_timer_new(CLOCK_VIRTUAL, &log, 2);
    timer_mod_ns(a->timer, t0 + 50);
    timer_mod_ns(b->timer, t0 + 50);
    clock_step(50);
    ck_assert_int_eq(log.count, 2);
    ck_assert_int_eq(log.ids[0], 1);
    ck_assert_int_eq(log.ids[1], 2);
}
END_TEST

START_TEST(test_manual_rearm_from_callback)
{
    FireLog log = { 0 };
    clock_virtual_set_manual(true);
    int64_t t0 = clock_get_ns(CLOCK_VIRTUAL);
    TestTimer tt = { .log = &log, .id = 7, .period = 100, .rearms_left = 10 };
    tt.timer = timer_new_ns(CLOCK_VIRTUAL, periodic_cb, &tt);
    timer_mod_ns(tt.timer, t0 + 100);

    /* One step crosses four periods: each firing is seen at its own time. */
    clock_step(450);
    ck_assert_int_eq(log.count, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(log.times[i], t0 + 100 * (i + 1));
    }
    ck_assert(timer_pending(tt.timer));
    ck_assert_int_eq(timer_expire_time_ns(tt.timer), t0 + 500);
    timer_free(tt.timer);
}
END_TEST

START_TEST(test_manual_delete_from_callback)
{
    FireLog log = { 0 };
    clock_virtual_set_manual(true);
    int64_t t0 = clock_get_ns(CLOCK_VIRTUAL);
    TestTimer *a = test_timer_new(CLOCK_VIRTUAL, &log, 1);
    TestTimer *b = test_timer_new(CLOCK_VIRTUAL, &log, 2);
    a->victim = b->timer;
    timer_mod_ns(a->timer, t0 + 10);
    timer_mod_ns(b->timer, t0 + 20);
    clock_step(100);
    ck_assert_int_eq(log.count, 1);
    ck_assert_int_eq(log.ids[0], 1);
    ck_assert(!timer_pending(b->timer));
}
END_TEST

START_TEST(test_timer_pending_and_expire_time)
{
    FireLog log = { 0 };
    clock_virtual_set_manual(true);
    TestTimer *a = test_timer_new(CLOCK_VIRTUAL, &log, 1);
    ck_assert(!timer_pending(a->timer));
    ck_assert_int_eq(timer_expire_time_ns(a->timer), -1);
    timer_mod_ns(a->timer, 5000);
    ck_assert(timer_pending(a->timer));
    ck_assert_int_eq(timer_expire_time_ns(a->timer), 5000);
    timer_mod_ns(a->timer, 7000);
    ck_assert_int_eq(timer_expire_time_ns(a->timer), 7000);
    timer_del(a->timer);
    ck_assert(!timer_pending(a->timer));
    ck_assert_int_eq(timer_expire_time_ns(a->timer), -1);

    /* Freeing an armed timer disarms it. */
    timer_mod_ns(a->timer, 6000);
    timer_free(a->timer);
    timer_free(NULL);
    clock_step(10000);
    ck_assert_int_eq(log.count, 0);
}
END_TEST

START_TEST(test_deadline)
{
    FireLog log = { 0 };
    ck_assert_int_eq(timers_deadline_ns(), -1);

    /* A stopped virtual clock never makes its timers due. */
    TestTimer *v = test_timer_new(CLOCK_VIRTUAL, &log, 1);
    timer_mod_ns(v->timer, clock_get_ns(CLOCK_VIRTUAL) + 10 * MS);
    ck_assert_int_eq(timers_deadline_ns(), -1);
    clock_virtual_enable(true);
    int64_t d = timers_deadline_ns();
    ck_assert_int_gt(d, 0);
    ck_assert_int_le(d, 10 * MS);

    /* The earliest deadline across clocks wins; overdue means 0. */
    TestTimer *r = test_timer_new(CLOCK_HOST, &log, 2);
    timer_mod_ns(r->timer, clock_get_ns(CLOCK_HOST) + 2 * MS);
    ck_assert_int_le(timers_deadline_ns(), 2 * MS);
    timer_mod_ns(r->timer, clock_get_ns(CLOCK_HOST) - MS);
    ck_assert_int_eq(timers_deadline_ns(), 0);
    timer_del(r->timer);
    timer_del(v->timer);
    ck_assert_int_eq(timers_deadline_ns(), -1);
}
END_TEST

START_TEST(test_run_due)
{
    FireLog log = { 0 };
    TestTimer *due = test_timer_new(CLOCK_HOST, &log, 1);
    TestTimer *later = test_timer_new(CLOCK_HOST, &log, 2);
    int64_t now = clock_get_ns(CLOCK_HOST);
    timer_mod_ns(later->timer, now + 60 * NANOSECONDS_PER_SECOND);
    timer_mod_ns(due->timer, now - 1);
    timers_run_due();
    ck_assert_int_eq(log.count, 1);
    ck_assert_int_eq(log.ids[0], 1);
    ck_assert(timer_pending(later->timer));
    timers_run_due();
    ck_assert_int_eq(log.count, 1);
    timer_free(later->timer);
}
END_TEST

static void count_notify(void *opaque)
{
    (*(int *)opaque)++;
}

START_TEST(test_notify_on_earlier_deadline)
{
    FireLog log = { 0 };
    int notified = 0;
    timers_set_notify(count_notify, &notified);
    TestTimer *a = test_timer_new(CLOCK_HOST, &log, 1);
    TestTimer *b = test_timer_new(CLOCK_HOST, &log, 2);
    int64_t now = clock_get_ns(CLOCK_HOST);
    timer_mod_ns(a->timer, now + 10 * NANOSECONDS_PER_SECOND);
    ck_assert_int_eq(notified, 1);
    timer_mod_ns(b->timer, now + 20 * NANOSECONDS_PER_SECOND);
    ck_assert_int_eq(notified, 1);
    timer_mod_ns(b->timer, now + 5 * NANOSECONDS_PER_SECOND);
    ck_assert_int_eq(notified, 2);
    timers_set_notify(NULL, NULL);
    timer_mod_ns(a->timer, now + NANOSECONDS_PER_SECOND);
    ck_assert_int_eq(notified, 2);
    timer_free(a->timer);
    timer_free(b->timer);
}
END_TEST

#define ARM_THREADS 4
#define ARM_ROUNDS 2000

static int64_t arm_base;

static gpointer arm_thread(gpointer opaque)
{
    TestTimer *tt = opaque;
    for (int i = 0; i < ARM_ROUNDS; i++) {
        timer_mod_ns(tt->timer, arm_base + 1000 + (i * 7919 + tt->id * 31) % 5000);
        if (i % 3 == 0) {
            timer_del(tt->timer);
        }
    }
    timer_mod_ns(tt->timer, arm_base + 1000 + tt->id);
    return NULL;
}

START_TEST(test_arming_from_threads)
{
    FireLog log = { 0 };
    clock_virtual_set_manual(true);
    arm_base = clock_get_ns(CLOCK_VIRTUAL);
    TestTimer *tts[ARM_THREADS];
    GThread *threads[ARM_THREADS];
    for (int i = 0; i < ARM_THREADS; i++) {
        tts[i] = test_timer_new(CLOCK_VIRTUAL, &log, i);
        threads[i] = g_thread_new("arm", arm_thread, tts[i]);
    }
    for (int i = 0; i < ARM_THREADS; i++) {
        g_thread_join(threads[i]);
    }
    clock_step(1000 + ARM_THREADS);
    ck_assert_int_eq(log.count, ARM_THREADS);
    for (int i = 0; i < ARM_THREADS; i++) {
        ck_assert_int_eq(log.ids[i], i);
        ck_assert_int_eq(log.times[i], arm_base + 1000 + i);
        timer_free(tts[i]->timer);
    }
}
END_TEST

/* Each case starts with a stopped, automatic virtual clock (this matters
 * when Check runs the cases in one process, CK_FORK=no). */
static void setup(void)
{
    clock_virtual_set_manual(false);
    clock_virtual_enable(false);
    timers_set_notify(NULL, NULL);
}

static Suite *clock_suite(void)
{
    Suite *s = suite_create("clock");
    struct { const char *name; const TTest *fn; } cases[] = {
        { "/clock/virtual/stopped-while-disabled", test_virtual_stopped_while_disabled },
        { "/clock/realtime/advances", test_realtime_advances },
        { "/clock/manual/step", test_manual_step_moves_time },
        { "/clock/manual/expiry-order", test_manual_fires_in_expiry_order },
        { "/clock/manual/equal-expiry", test_manual_equal_expiry_keeps_arming_order },
        { "/clock/manual/rearm-from-callback", test_manual_rearm_from_callback },
        { "/clock/manual/delete-from-callback", test_manual_delete_from_callback },
        { "/clock/timer/pending-expire", test_timer_pending_and_expire_time },
        { "/clock/timers/deadline", test_deadline },
        { "/clock/timers/run-due", test_run_due },
        { "/clock/timers/notify", test_notify_on_earlier_deadline },
        { "/clock/timers/threads", test_arming_from_threads },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(clock_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
