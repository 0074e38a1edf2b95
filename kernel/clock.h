/* SPDX-License-Identifier: MIT */
/*
 * Clocks and timers.
 *
 * CLOCK_VIRTUAL advances only while the VM runs (it stops on pause); with
 * clock_virtual_set_manual(true) it advances only through clock_step(),
 * which the SDK test harness uses.  CLOCK_HOST (host monotonic time) always advances.
 * Timer callbacks run in the main-loop thread with the device lock held.
 */
#ifndef TESSERA_KERNEL_CLOCK_H
#define TESSERA_KERNEL_CLOCK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    CLOCK_VIRTUAL,
    CLOCK_HOST,
    CLOCK_COUNT,
} ClockType;

#define NANOSECONDS_PER_SECOND 1000000000LL

typedef struct Timer Timer;
typedef void (*TimerCallback)(void *opaque);

int64_t clock_get_ns(ClockType type);
/* Pause/resume the virtual clock (run-state changes call these). */
void clock_virtual_enable(bool enabled);
void clock_virtual_set_manual(bool manual);
/* Manual mode: advance virtual time by @ns, firing due timers in order. */
void clock_step(int64_t ns);
/* Expiry (absolute virtual ns) of the earliest armed CLOCK_VIRTUAL timer,
 * -1 when none: what a manual-mode driver steps to next (qtest). */
int64_t clock_virtual_next_deadline(void);

Timer *timer_new_ns(ClockType type, TimerCallback cb, void *opaque);
void timer_free(Timer *t);
/* Arm at absolute time @expire_ns of the timer's clock. */
void timer_mod_ns(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(Timer *t);
int64_t timer_expire_time_ns(Timer *t);

/* Earliest deadline across clocks in ns from now (-1: none); used by the
 * main loop.  timers_run_due() fires everything due. */
int64_t timers_deadline_ns(void);
void timers_run_due(void);

/*
 * The guest's real-time clock (-rtc base=): boards' RTCs start from
 * clock_rtc_now_ns() (ns since the Unix epoch: host UTC time plus the
 * offset -rtc base=localtime|DATE set) and then follow CLOCK_VIRTUAL.
 */
void clock_rtc_set_offset(int64_t offset_ns);
int64_t clock_rtc_now_ns(void);

/* Someone armed a timer earlier than the current deadline: wake the loop. */
void timers_set_notify(void (*notify)(void *opaque), void *opaque);

#endif
