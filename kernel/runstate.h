/* SPDX-License-Identifier: MIT */
/*
 * Run state, the device lock, and the main loop.
 *
 * One device lock protects device state: vCPU threads take it for MMIO
 * dispatch, the main loop holds it while running callbacks.  RAM is
 * accessed without it.
 */
#ifndef TESSERA_KERNEL_RUNSTATE_H
#define TESSERA_KERNEL_RUNSTATE_H

#include <glib.h>
#include <stdbool.h>

typedef enum {
    RUN_STATE_PRELAUNCH,
    RUN_STATE_RUNNING,
    RUN_STATE_PAUSED,
    RUN_STATE_SHUTDOWN,
    RUN_STATE_COUNT,
} RunState;

typedef enum {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_QMP,       /* quit */
    SHUTDOWN_CAUSE_HOST_SIGNAL,
    SHUTDOWN_CAUSE_HOST_UI,
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN, /* device-requested power off */
    SHUTDOWN_CAUSE_GUEST_RESET,    /* device-requested reboot */
    SHUTDOWN_CAUSE_GUEST_PANIC,
    SHUTDOWN_CAUSE_HOST_RESET,     /* system_reset */
} ShutdownCause;

typedef enum {
    RUN_EVENT_STOP,
    RUN_EVENT_RESUME,
    RUN_EVENT_RESET,
    RUN_EVENT_SHUTDOWN,
    RUN_EVENT_POWERDOWN,
} RunEvent;

const char *runstate_name(RunState s);   /* "prelaunch", "running", ... */
RunState runstate_get(void);
bool runstate_is_running(void);

/* Device lock (recursive). */
void devlock_lock(void);
void devlock_unlock(void);
bool devlock_held(void);

/* Listeners for run events (monitor turns them into QMP events). */
typedef void (*RunEventFn)(RunEvent ev, ShutdownCause cause, void *opaque);
void runstate_add_listener(RunEventFn fn, void *opaque);
void runstate_remove_listener(RunEventFn fn, void *opaque);

/* Hooks the accelerator installs so the core can pause/resume vCPUs. */
typedef struct VcpuControl {
    void (*pause_all)(void *opaque);   /* returns once every vCPU is parked */
    void (*resume_all)(void *opaque);
    void (*reset_all)(void *opaque);   /* with vCPUs paused */
    void *opaque;
} VcpuControl;
void runstate_set_vcpu_control(const VcpuControl *ctl);

void vm_start(void);                  /* prelaunch/paused -> running */
void vm_stop(void);                   /* running -> paused */
/* Settings from -no-reboot / -no-shutdown. */
void runstate_set_no_reboot(bool v);
void runstate_set_no_shutdown(bool v);

/* Thread-safe requests, acted on by the main loop. */
void system_request_shutdown(ShutdownCause cause);
void system_request_reset(ShutdownCause cause);
void system_request_powerdown(void);
/* Guests with a power button subscribe here (system_powerdown). */
void runstate_set_powerdown_handler(void (*fn)(void *opaque), void *opaque);
/* Whether a power button is subscribed (a device offering one only takes
 * the role when the board has none), and whose (the opaque it gave). */
bool runstate_has_powerdown_handler(void);
void *runstate_powerdown_handler_opaque(void);

/* Main loop: glib context plus timers; returns when shutdown completes.
 * Returns the process exit status. */
GMainContext *main_loop_context(void);
int main_loop_run(void);
void main_loop_wakeup(void);
/* Reset the machine: devices then vCPUs (called by the main loop). */
void system_reset(void);
/* Board hook run on every system reset (e.g. reload firmware images). */
void runstate_set_reset_hook(void (*fn)(void *opaque), void *opaque);

void runstate_reset_for_tests(void);

/*
 * Guest-requested power off carrying a process exit status (sifive_test's
 * fail code, HTIF's exit value): records it, then requests a guest
 * shutdown; main_loop_run() returns it.
 */
void system_request_shutdown_status(int status);
/* Status recorded by the last system_request_shutdown_status(), 0 if none. */
int runstate_exit_status(void);

#endif
