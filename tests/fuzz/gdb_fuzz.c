/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the gdbstub's input path.  Bytes go into a gdb session as
 * they would arrive from its chardev: packet framing (checksums, escapes,
 * the 16 KiB limit, acks, the interrupt byte), argument parsing (hex
 * numbers, thread ids, vCont actions, Z/z, qXfer annexes, binary X data)
 * and every packet handler, on the "fuzz" machine, which has no CPU:
 * handlers needing one answer with errors.  Run control hooks are unset.
 */
#include "kernel/gdbstub-internal.h"
#include "tests/fuzz/fuzz.h"

static void discard(void *opaque, const uint8_t *buf, size_t len)
{
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_core_setup("gdb-fuzz", true);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GdbSession s;
    gdb_session_init(&s, discard, NULL);
    gdb_session_input(&s, data, size);
    gdb_session_destroy(&s);
    fuzz_reset_state();
    return 0;
}
