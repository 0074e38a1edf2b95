/* SPDX-License-Identifier: MIT */
/*
 * Tessera device SDK: timers on the virtual clock.
 *
 * The virtual clock counts nanoseconds of guest time: it stops while the
 * VM is paused, and in the test harness it moves only when the test steps
 * it.  A timer calls its callback once when the clock reaches the time it
 * was armed for; re-arm it from the callback for periodic behaviour.
 * Callbacks run with the device lock held.
 */
#ifndef TESSERA_SDK_TIMER_H
#define TESSERA_SDK_TIMER_H

#include <tessera/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TSR_NS_PER_SEC 1000000000LL

typedef void (*TsrTimerCallback)(void *opaque);

/* Current virtual time in ns. */
int64_t tsr_clock_ns(void);

/* A disarmed timer owned by @dev (freed with it; cancelled at unrealize). */
TsrTimer *tsr_timer_new(TsrDevice *dev, TsrTimerCallback cb, void *opaque);
/* Fire at absolute virtual time @expire_ns (re-arming moves it). */
void tsr_timer_arm(TsrTimer *timer, int64_t expire_ns);
/* Fire @delay_ns from now. */
void tsr_timer_arm_in(TsrTimer *timer, int64_t delay_ns);
void tsr_timer_cancel(TsrTimer *timer);
bool tsr_timer_pending(const TsrTimer *timer);
/* Time it is armed for (meaningful only while pending). */
int64_t tsr_timer_expire_ns(const TsrTimer *timer);

#ifdef __cplusplus
}
#endif

#endif
