/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the human monitor as a terminal sees it.  Bytes go into an
 * HMP session as they would arrive from its chardev, so line editing
 * (escape sequences, history, control keys), the line parser (words,
 * quoting, numbers and expressions, option dictionaries, x/xp formats) and
 * every command run on the "fuzz" machine.
 */
#include <stdbool.h>

#include "monitor/monitor-internal.h"
#include "tests/fuzz/fuzz.h"

static void discard(void *opaque, const char *data, size_t len)
{
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_core_setup("hmp-fuzz", true);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HmpSession *s = hmp_session_new(discard, NULL);
    hmp_session_open(s, false);
    hmp_session_input(s, data, size);
    hmp_session_free(s);
    fuzz_reset_state();
    return 0;
}
