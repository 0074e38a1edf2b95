/* SPDX-License-Identifier: MIT */
/*
 * Guest-requested exit status (see the marked block at the end of
 * kernel/runstate.h).  Kept apart from the run-state machine so that a
 * device such as sifive_test can ask for "power off with code N"; main()
 * turns the recorded value into the process exit status.
 */
#include "kernel/runstate.h"

static gint exit_status;

void system_request_shutdown_status(int status)
{
    g_atomic_int_set(&exit_status, status);
    system_request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
}

int runstate_exit_status(void)
{
    return g_atomic_int_get(&exit_status);
}
