/* SPDX-License-Identifier: MIT */
/* Run states, events, the device lock, requests and the main loop. */
#include <check.h>
#include <signal.h>

#include "kernel/clock.h"
#include "kernel/device.h"
#include "kernel/runstate.h"

#define MAX_EVENTS 16
#define MS (1000 * 1000LL)
#define REQUEST_DELAY_US (30 * 1000)

/* Everything the hooks and listeners saw. */
typedef struct Observed {
    int n_events;
    RunEvent events[MAX_EVENTS];
    ShutdownCause causes[MAX_EVENTS];
    RunState state_at_event[MAX_EVENTS];
    int paused, resumed, vcpu_resets, board_resets, powerdowns;
    bool devlock_in_hooks;
    /* The listener requests `quit` on this event when quit_on_set. */
    RunEvent quit_on;
    bool quit_on_set;
} Observed;

static Observed obs;

static void listener(RunEvent ev, ShutdownCause cause, void *opaque)
{
    ck_assert_ptr_eq(opaque, &obs);
    ck_assert_int_lt(obs.n_events, MAX_EVENTS);
    obs.events[obs.n_events] = ev;
    obs.causes[obs.n_events] = cause;
    obs.state_at_event[obs.n_events] = runstate_get();
    obs.n_events++;
    if (obs.quit_on_set && ev == obs.quit_on) {
        system_request_shutdown(SHUTDOWN_CAUSE_HOST_QMP);
    }
}

static void vcpu_pause(void *opaque) { obs.paused++; }
static void vcpu_resume(void *opaque) { obs.resumed++; }
static void vcpu_reset(void *opaque)
{
    obs.vcpu_resets++;
    obs.devlock_in_hooks = devlock_held();
}
static void board_reset(void *opaque) { obs.board_resets++; }
static void powerdown(void *opaque)
{
    obs.powerdowns++;
    system_request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
}

static const VcpuControl test_vcpus = {
    .pause_all = vcpu_pause,
    .resume_all = vcpu_resume,
    .reset_all = vcpu_reset,
};

static void setup(void)
{
    static bool types_registered;
    runstate_reset_for_tests();
    if (!types_registered) {
        device_types_init();
        types_registered = true;
    }
    obs = (Observed){ 0 };
    runstate_add_listener(listener, &obs);
    runstate_set_vcpu_control(&test_vcpus);
    runstate_set_reset_hook(board_reset, NULL);
}

static void assert_events(int n, const RunEvent *evs, const ShutdownCause *causes)
{
    ck_assert_int_eq(obs.n_events, n);
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(obs.events[i], evs[i]);
        ck_assert_int_eq(obs.causes[i], causes[i]);
    }
}

/* Run @fn on another thread after a short delay. */
typedef struct Later {
    void (*fn)(void);
} Later;

static gpointer later_thread(gpointer opaque)
{
    Later *l = opaque;
    g_usleep(REQUEST_DELAY_US);
    l->fn();
    return NULL;
}

static int run_loop_with(void (*fn)(void))
{
    Later l = { .fn = fn };
    GThread *t = g_thread_new("request", later_thread, &l);
    int status = main_loop_run();
    g_thread_join(t);
    return status;
}

static void request_guest_shutdown(void) { system_request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN); }
static void request_exit_status(void) { system_request_shutdown_status(3); }
static void request_guest_reset(void) { system_request_reset(SHUTDOWN_CAUSE_GUEST_RESET); }
static void request_powerdown(void) { system_request_powerdown(); }
static void request_powerdown_then_quit(void)
{
    system_request_powerdown();
    g_usleep(REQUEST_DELAY_US);
    system_request_shutdown(SHUTDOWN_CAUSE_HOST_QMP);
}
static void request_guest_shutdown_then_quit(void)
{
    system_request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    while (runstate_get() != RUN_STATE_PAUSED) {
        g_usleep(1000);
    }
    system_request_shutdown(SHUTDOWN_CAUSE_HOST_QMP);
}

START_TEST(test_names)
{
    ck_assert_str_eq(runstate_name(RUN_STATE_PRELAUNCH), "prelaunch");
    ck_assert_str_eq(runstate_name(RUN_STATE_RUNNING), "running");
    ck_assert_str_eq(runstate_name(RUN_STATE_PAUSED), "paused");
    ck_assert_str_eq(runstate_name(RUN_STATE_SHUTDOWN), "shutdown");
}
END_TEST

START_TEST(test_start_stop)
{
    ck_assert_int_eq(runstate_get(), RUN_STATE_PRELAUNCH);
    ck_assert(!runstate_is_running());
    int64_t v0 = clock_get_ns(CLOCK_VIRTUAL);
    g_usleep(5000);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), v0);

    vm_start();
    ck_assert(runstate_is_running());
    ck_assert_int_eq(obs.resumed, 1);
    g_usleep(5000);
    ck_assert_int_gt(clock_get_ns(CLOCK_VIRTUAL), v0);
    vm_start(); /* already running: nothing happens */

    vm_stop();
    ck_assert_int_eq(runstate_get(), RUN_STATE_PAUSED);
    ck_assert_int_eq(obs.paused, 1);
    int64_t v1 = clock_get_ns(CLOCK_VIRTUAL);
    g_usleep(5000);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), v1);
    vm_stop();

    vm_start();
    RunEvent evs[] = { RUN_EVENT_RESUME, RUN_EVENT_STOP, RUN_EVENT_RESUME };
    ShutdownCause causes[] = { SHUTDOWN_CAUSE_NONE, SHUTDOWN_CAUSE_NONE, SHUTDOWN_CAUSE_NONE };
    assert_events(3, evs, causes);
    ck_assert_int_eq(obs.state_at_event[0], RUN_STATE_RUNNING);
    ck_assert_int_eq(obs.state_at_event[1], RUN_STATE_PAUSED);
}
END_TEST

START_TEST(test_remove_listener)
{
    runstate_remove_listener(listener, &obs);
    vm_start();
    ck_assert_int_eq(obs.n_events, 0);
}
END_TEST

static gpointer lock_thread(gpointer opaque)
{
    int *acquired = opaque;
    ck_assert(!devlock_held());
    devlock_lock();
    g_atomic_int_set(acquired, 1);
    devlock_unlock();
    return NULL;
}

START_TEST(test_devlock)
{
    ck_assert(!devlock_held());
    devlock_lock();
    devlock_lock();
    ck_assert(devlock_held());
    int acquired = 0;
    GThread *t = g_thread_new("locker", lock_thread, &acquired);
    g_usleep(20 * 1000);
    ck_assert_int_eq(g_atomic_int_get(&acquired), 0);
    devlock_unlock();
    ck_assert(devlock_held());
    devlock_unlock();
    ck_assert(!devlock_held());
    g_thread_join(t);
    ck_assert_int_eq(acquired, 1);
}
END_TEST

START_TEST(test_shutdown_from_thread)
{
    vm_start();
    ck_assert_int_eq(run_loop_with(request_guest_shutdown), 0);
    ck_assert_int_eq(runstate_get(), RUN_STATE_SHUTDOWN);
    ck_assert_int_eq(obs.paused, 1);
    RunEvent evs[] = { RUN_EVENT_RESUME, RUN_EVENT_SHUTDOWN };
    ShutdownCause causes[] = { SHUTDOWN_CAUSE_NONE, SHUTDOWN_CAUSE_GUEST_SHUTDOWN };
    assert_events(2, evs, causes);
}
END_TEST

START_TEST(test_guest_exit_status)
{
    vm_start();
    ck_assert_int_eq(run_loop_with(request_exit_status), 3);
    RunEvent evs[] = { RUN_EVENT_RESUME, RUN_EVENT_SHUTDOWN };
    ShutdownCause causes[] = { SHUTDOWN_CAUSE_NONE, SHUTDOWN_CAUSE_GUEST_SHUTDOWN };
    assert_events(2, evs, causes);
}
END_TEST

START_TEST(test_no_shutdown_pauses)
{
    runstate_set_no_shutdown(true);
    vm_start();
    ck_assert_int_eq(run_loop_with(request_guest_shutdown_then_quit), 0);
    /* The guest's shutdown only stopped the VM; quit ended the loop. */
    RunEvent evs[] = { RUN_EVENT_RESUME, RUN_EVENT_SHUTDOWN, RUN_EVENT_STOP, RUN_EVENT_SHUTDOWN };
    ShutdownCause causes[] = { SHUTDOWN_CAUSE_NONE, SHUTDOWN_CAUSE_GUEST_SHUTDOWN,
                               SHUTDOWN_CAUSE_NONE, SHUTDOWN_CAUSE_HOST_QMP };
    assert_events(4, evs, causes);
    ck_assert_int_eq(obs.state_at_event[2], RUN_STATE_PAUSED);
}
END_TEST

START_TEST(test_reset_request)
{
    vm_start();
    obs.quit_on = RUN_EVENT_RESET;
    obs.quit_on_set = true;
    ck_assert_int_eq(run_loop_with(request_guest_reset), 0);
    ck_assert_int_eq(obs.board_resets, 1);
    ck_assert_int_eq(obs.vcpu_resets, 1);
    ck_assert(obs.devlock_in_hooks);
    /* Paused around the reset, running again afterwards, paused at exit. */
    ck_assert_int_eq(obs.resumed, 2);
    ck_assert_int_eq(obs.paused, 2);
    RunEvent evs[] = { RUN_EVENT_RESUME, RUN_EVENT_RESET, RUN_EVENT_SHUTDOWN };
    ShutdownCause causes[] = { SHUTDOWN_CAUSE_NONE, SHUTDOWN_CAUSE_GUEST_RESET,
                               SHUTDOWN_CAUSE_HOST_QMP };
    assert_events(3, evs, causes);
    ck_assert_int_eq(obs.state_at_event[1], RUN_STATE_RUNNING);
}
END_TEST

START_TEST(test_reset_with_no_reboot_shuts_down)
{
    runstate_set_no_reboot(true);
    vm_start();
    ck_assert_int_eq(run_loop_with(request_guest_reset), 0);
    ck_assert_int_eq(obs.board_resets, 0);
    RunEvent evs[] = { RUN_EVENT_RESUME, RUN_EVENT_SHUTDOWN };
    ShutdownCause causes[] = { SHUTDOWN_CAUSE_NONE, SHUTDOWN_CAUSE_GUEST_RESET };
    assert_events(2, evs, causes);
}
END_TEST

START_TEST(test_system_reset_direct)
{
    /* The reset before the first start: hooks run, no event, no resume. */
    system_reset();
    ck_assert_int_eq(obs.board_resets, 1);
    ck_assert_int_eq(obs.vcpu_resets, 1);
    ck_assert_int_eq(obs.paused + obs.resumed, 0);
    ck_assert_int_eq(obs.n_events, 0);
    ck_assert_int_eq(runstate_get(), RUN_STATE_PRELAUNCH);
    ck_assert(!devlock_held());
}
END_TEST

START_TEST(test_powerdown_handler)
{
    runstate_set_powerdown_handler(powerdown, NULL);
    vm_start();
    ck_assert_int_eq(run_loop_with(request_powerdown), 0);
    ck_assert_int_eq(obs.powerdowns, 1);
    RunEvent evs[] = { RUN_EVENT_RESUME, RUN_EVENT_POWERDOWN, RUN_EVENT_SHUTDOWN };
    ShutdownCause causes[] = { SHUTDOWN_CAUSE_NONE, SHUTDOWN_CAUSE_NONE,
                               SHUTDOWN_CAUSE_GUEST_SHUTDOWN };
    assert_events(3, evs, causes);
}
END_TEST

START_TEST(test_powerdown_without_handler)
{
    vm_start();
    ck_assert_int_eq(run_loop_with(request_powerdown_then_quit), 0);
    RunEvent evs[] = { RUN_EVENT_RESUME, RUN_EVENT_POWERDOWN, RUN_EVENT_SHUTDOWN };
    ShutdownCause causes[] = { SHUTDOWN_CAUSE_NONE, SHUTDOWN_CAUSE_NONE,
                               SHUTDOWN_CAUSE_HOST_QMP };
    assert_events(3, evs, causes);
    ck_assert_int_eq(obs.state_at_event[1], RUN_STATE_RUNNING);
}
END_TEST

static void raise_sigterm(void *opaque)
{
    raise(SIGTERM);
}

START_TEST(test_signal_requests_shutdown)
{
    vm_start();
    Timer *t = timer_new_ns(CLOCK_REALTIME, raise_sigterm, NULL);
    timer_mod_ns(t, clock_get_ns(CLOCK_REALTIME) + 10 * MS);
    ck_assert_int_eq(main_loop_run(), 0);
    RunEvent evs[] = { RUN_EVENT_RESUME, RUN_EVENT_SHUTDOWN };
    ShutdownCause causes[] = { SHUTDOWN_CAUSE_NONE, SHUTDOWN_CAUSE_HOST_SIGNAL };
    assert_events(2, evs, causes);
    timer_free(t);
}
END_TEST

/* A virtual timer armed from another thread while the loop sleeps must
 * still fire on time (the loop is woken to recompute its deadline). */
typedef struct LoopTimer {
    Timer *timer;
    int64_t fired_at;
    bool devlock;
} LoopTimer;

static LoopTimer loop_timer;

static void loop_timer_cb(void *opaque)
{
    loop_timer.fired_at = clock_get_ns(CLOCK_REALTIME);
    loop_timer.devlock = devlock_held();
    system_request_shutdown(SHUTDOWN_CAUSE_HOST_QMP);
}

static void arm_loop_timer(void)
{
    timer_mod_ns(loop_timer.timer, clock_get_ns(CLOCK_VIRTUAL) + 5 * MS);
}

START_TEST(test_timer_fires_in_loop)
{
    vm_start();
    loop_timer.timer = timer_new_ns(CLOCK_VIRTUAL, loop_timer_cb, NULL);
    /* Keep the loop asleep on a far-away timer until the thread arms. */
    Timer *far = timer_new_ns(CLOCK_REALTIME, loop_timer_cb, NULL);
    timer_mod_ns(far, clock_get_ns(CLOCK_REALTIME) + 60 * NANOSECONDS_PER_SECOND);
    int64_t start = clock_get_ns(CLOCK_REALTIME);
    ck_assert_int_eq(run_loop_with(arm_loop_timer), 0);
    ck_assert(loop_timer.devlock);
    ck_assert_int_gt(loop_timer.fired_at, start);
    ck_assert_int_lt(loop_timer.fired_at - start, 5 * NANOSECONDS_PER_SECOND);
    ck_assert(timer_pending(far));
    timer_free(far);
    timer_free(loop_timer.timer);
}
END_TEST

static Suite *runstate_suite(void)
{
    Suite *s = suite_create("runstate");
    struct { const char *name; const TTest *fn; } cases[] = {
        { "/runstate/names", test_names },
        { "/runstate/start-stop", test_start_stop },
        { "/runstate/listeners/remove", test_remove_listener },
        { "/runstate/devlock", test_devlock },
        { "/runstate/loop/shutdown-from-thread", test_shutdown_from_thread },
        { "/runstate/loop/no-shutdown", test_no_shutdown_pauses },
        { "/runstate/loop/reset", test_reset_request },
        { "/runstate/loop/no-reboot", test_reset_with_no_reboot_shuts_down },
        { "/runstate/system-reset", test_system_reset_direct },
        { "/runstate/loop/powerdown", test_powerdown_handler },
        { "/runstate/loop/powerdown-no-handler", test_powerdown_without_handler },
        { "/runstate/loop/signal", test_signal_requests_shutdown },
        { "/runstate/loop/timer", test_timer_fires_in_loop },
        /* Last: the recorded status outlives the case when CK_FORK=no. */
        { "/runstate/loop/guest-exit-status", test_guest_exit_status },
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
    SRunner *sr = srunner_create(runstate_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
