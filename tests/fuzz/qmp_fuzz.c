/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the QMP input path.  Bytes go into a QMP session exactly as
 * they would arrive from a socket, after the capabilities negotiation, so
 * every command (human-monitor-command, and through it every HMP command,
 * included) is reachable.  Runs on the "fuzz" machine (fuzz_common.c); no
 * module is loaded.
 */
#include <stdbool.h>

#include "monitor/monitor-internal.h"
#include "tests/fuzz/fuzz.h"

static void discard(void *opaque, const char *data, size_t len)
{
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_core_setup("qmp-fuzz", true);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char negotiate[] = "{\"execute\": \"qmp_capabilities\"}";
    QmpSession *s = qmp_session_new(discard, NULL);
    qmp_session_open(s);
    qmp_session_input(s, (const uint8_t *)negotiate, sizeof(negotiate) - 1);
    qmp_session_input(s, data, size);
    qmp_session_free(s);
    fuzz_reset_state();
    return 0;
}
