/* SPDX-License-Identifier: MIT */
/*
 * Clocks and timers.
 *
 * CLOCK_VIRTUAL is the host's monotonic time minus the time the VM spent
 * stopped; it starts at 0, stopped.  In manual mode (the SDK test harness)
 * it is a plain counter that only clock_step() moves.  CLOCK_HOST is
 * the host's monotonic time.
 *
 * Each clock keeps its armed timers in a list sorted by expiry.  vCPU
 * threads arm timers (e.g. RISC-V stimecmp), so the lists and the clock
 * state are behind one mutex; callbacks always run with it released, since
 * they may re-arm timers and take the device lock.
 */
#include "kernel/clock.h"

#include "kernel/runstate.h"

struct Timer {
    ClockType type;
    TimerCallback cb;
    void *opaque;
    int64_t expire_ns;
    bool pending;
    Timer *next;               /* in the clock's sorted list */
};

typedef struct ClockState {
    GMutex lock;
    Timer *timers[CLOCK_COUNT];
    /* Virtual clock: while enabled its value is host_ns() - virt_offset;
     * while disabled it is frozen at virt_frozen. */
    bool virt_enabled;
    int64_t virt_offset;
    int64_t virt_frozen;
    bool virt_manual;
    int64_t virt_manual_ns;
    void (*notify)(void *opaque);
    void *notify_opaque;
} ClockState;

static ClockState clocks;

static int64_t host_ns(void)
{
    return g_get_monotonic_time() * 1000;
}

/* With clocks.lock held. */
static int64_t clock_now_locked(ClockType type)
{
    switch (type) {
    case CLOCK_VIRTUAL:
        if (clocks.virt_manual) {
            return clocks.virt_manual_ns;
        }
        return clocks.virt_enabled ? host_ns() - clocks.virt_offset : clocks.virt_frozen;
    case CLOCK_HOST:
        return host_ns();
    default:
        g_assert_not_reached();
    }
}

int64_t clock_get_ns(ClockType type)
{
    g_assert(type >= 0 && type < CLOCK_COUNT);
    g_mutex_lock(&clocks.lock);
    int64_t now = clock_now_locked(type);
    g_mutex_unlock(&clocks.lock);
    return now;
}

void clock_virtual_enable(bool enabled)
{
    g_mutex_lock(&clocks.lock);
    if (enabled != clocks.virt_enabled) {
        if (enabled) {
            clocks.virt_offset = host_ns() - clocks.virt_frozen;
        } else {
            clocks.virt_frozen = host_ns() - clocks.virt_offset;
        }
        clocks.virt_enabled = enabled;
    }
    g_mutex_unlock(&clocks.lock);
}

void clock_virtual_set_manual(bool manual)
{
    g_mutex_lock(&clocks.lock);
    if (manual != clocks.virt_manual) {
        /* Continue from the current value in either direction. */
        int64_t now = clock_now_locked(CLOCK_VIRTUAL);
        clocks.virt_manual = manual;
        clocks.virt_manual_ns = now;
        clocks.virt_frozen = now;
        clocks.virt_offset = host_ns() - now;
    }
    g_mutex_unlock(&clocks.lock);
}

/* Unlink @t from its list; with clocks.lock held. */
static void timer_unlink_locked(Timer *t)
{
    if (!t->pending) {
        return;
    }
    for (Timer **pp = &clocks.timers[t->type]; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->pending = false;
}

/* Detach and return the first timer of @type due at or before @limit_ns. */
static Timer *timer_take_due_locked(ClockType type, int64_t limit_ns)
{
    Timer *t = clocks.timers[type];
    if (!t || t->expire_ns > limit_ns) {
        return NULL;
    }
    timer_unlink_locked(t);
    return t;
}

void clock_step(int64_t ns)
{
    g_assert(ns >= 0);
    g_mutex_lock(&clocks.lock);
    g_assert(clocks.virt_manual);
    int64_t target = clocks.virt_manual_ns + ns;
    g_mutex_unlock(&clocks.lock);

    devlock_lock();
    for (;;) {
        g_mutex_lock(&clocks.lock);
        Timer *t = timer_take_due_locked(CLOCK_VIRTUAL, target);
        if (!t) {
            clocks.virt_manual_ns = MAX(clocks.virt_manual_ns, target);
            g_mutex_unlock(&clocks.lock);
            break;
        }
        /* The callback sees the time it was due (or now, if armed late). */
        clocks.virt_manual_ns = MAX(clocks.virt_manual_ns, t->expire_ns);
        TimerCallback cb = t->cb;
        void *opaque = t->opaque;
        g_mutex_unlock(&clocks.lock);
        cb(opaque);
    }
    devlock_unlock();
}

int64_t clock_virtual_next_deadline(void)
{
    g_mutex_lock(&clocks.lock);
    Timer *t = clocks.timers[CLOCK_VIRTUAL];
    int64_t expire = t ? t->expire_ns : -1;
    g_mutex_unlock(&clocks.lock);
    return expire;
}

Timer *timer_new_ns(ClockType type, TimerCallback cb, void *opaque)
{
    g_assert(type >= 0 && type < CLOCK_COUNT);
    g_assert(cb);
    Timer *t = g_new0(Timer, 1);
    t->type = type;
    t->cb = cb;
    t->opaque = opaque;
    t->expire_ns = -1;
    return t;
}

void timer_free(Timer *t)
{
    if (!t) {
        return;
    }
    timer_del(t);
    g_free(t);
}

void timer_mod_ns(Timer *t, int64_t expire_ns)
{
    g_mutex_lock(&clocks.lock);
    timer_unlink_locked(t);
    Timer **pp = &clocks.timers[t->type];
    /* Equal expiries fire in arming order. */
    while (*pp && (*pp)->expire_ns <= expire_ns) {
        pp = &(*pp)->next;
    }
    t->expire_ns = expire_ns;
    t->pending = true;
    t->next = *pp;
    *pp = t;
    bool became_first = clocks.timers[t->type] == t;
    void (*notify)(void *) = clocks.notify;
    void *notify_opaque = clocks.notify_opaque;
    g_mutex_unlock(&clocks.lock);
    if (became_first && notify) {
        notify(notify_opaque);
    }
}

void timer_del(Timer *t)
{
    g_mutex_lock(&clocks.lock);
    timer_unlink_locked(t);
    g_mutex_unlock(&clocks.lock);
}

bool timer_pending(Timer *t)
{
    g_mutex_lock(&clocks.lock);
    bool pending = t->pending;
    g_mutex_unlock(&clocks.lock);
    return pending;
}

int64_t timer_expire_time_ns(Timer *t)
{
    g_mutex_lock(&clocks.lock);
    int64_t expire = t->pending ? t->expire_ns : -1;
    g_mutex_unlock(&clocks.lock);
    return expire;
}

/* Does the clock move on its own?  A stopped or manual virtual clock does
 * not, so its timers cannot become due while the main loop sleeps. */
static bool clock_runs_locked(ClockType type)
{
    return type != CLOCK_VIRTUAL || (clocks.virt_enabled && !clocks.virt_manual);
}

int64_t timers_deadline_ns(void)
{
    int64_t deadline = -1;
    g_mutex_lock(&clocks.lock);
    for (int type = 0; type < CLOCK_COUNT; type++) {
        Timer *t = clocks.timers[type];
        if (!t || !clock_runs_locked(type)) {
            continue;
        }
        int64_t delta = MAX(t->expire_ns - clock_now_locked(type), 0);
        if (deadline < 0 || delta < deadline) {
            deadline = delta;
        }
    }
    g_mutex_unlock(&clocks.lock);
    return deadline;
}

void timers_run_due(void)
{
    for (int type = 0; type < CLOCK_COUNT; type++) {
        g_mutex_lock(&clocks.lock);
        int64_t now = clock_now_locked(type);
        g_mutex_unlock(&clocks.lock);
        for (;;) {
            g_mutex_lock(&clocks.lock);
            Timer *t = timer_take_due_locked(type, now);
            TimerCallback cb = t ? t->cb : NULL;
            void *opaque = t ? t->opaque : NULL;
            g_mutex_unlock(&clocks.lock);
            if (!t) {
                break;
            }
            cb(opaque);
        }
    }
}

void timers_set_notify(void (*notify)(void *opaque), void *opaque)
{
    g_mutex_lock(&clocks.lock);
    clocks.notify = notify;
    clocks.notify_opaque = opaque;
    g_mutex_unlock(&clocks.lock);
}

/* ---- the guest's RTC base (-rtc base=) ----------------------------------- */

static int64_t rtc_offset_ns;   /* set once by the launcher, before any board */

void clock_rtc_set_offset(int64_t offset_ns)
{
    rtc_offset_ns = offset_ns;
}

int64_t clock_rtc_now_ns(void)
{
    return g_get_real_time() * 1000 + rtc_offset_ns;
}
