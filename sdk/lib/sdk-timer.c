/* SPDX-License-Identifier: MIT */
/*
 * SDK facade: timers on the virtual clock, owned by their device.
 */
#include "sdk-internal.h"

int64_t tsr_clock_ns(void)
{
    return clock_get_ns(CLOCK_VIRTUAL);
}

TsrTimer *tsr_timer_new(TsrDevice *dev, TsrTimerCallback cb, void *opaque)
{
    g_assert(cb);
    TsrTimer *t = g_new0(TsrTimer, 1);
    t->timer = timer_new_ns(CLOCK_VIRTUAL, cb, opaque);
    g_ptr_array_add(dev->timers, t);
    return t;
}

void sdk_timer_free(TsrTimer *t)
{
    timer_free(t->timer);
    g_free(t);
}

void sdk_timers_cancel_all(TsrDevice *dev)
{
    for (guint i = 0; i < dev->timers->len; i++) {
        tsr_timer_cancel(g_ptr_array_index(dev->timers, i));
    }
}

void tsr_timer_arm(TsrTimer *timer, int64_t expire_ns)
{
    timer_mod_ns(timer->timer, expire_ns);
}

void tsr_timer_arm_in(TsrTimer *timer, int64_t delay_ns)
{
    timer_mod_ns(timer->timer, tsr_clock_ns() + delay_ns);
}

void tsr_timer_cancel(TsrTimer *timer)
{
    timer_del(timer->timer);
}

bool tsr_timer_pending(const TsrTimer *timer)
{
    return timer_pending(timer->timer);
}

int64_t tsr_timer_expire_ns(const TsrTimer *timer)
{
    return timer_expire_time_ns(timer->timer);
}
