/* SPDX-License-Identifier: MIT */
/*
 * What every fuzz target in tests/fuzz/ shares.  Each target defines the
 * two libFuzzer entry points; the same object links either with libFuzzer
 * (tests/fuzz/build.sh) or with replay.c, which runs the committed inputs
 * as part of the normal test suite.
 */
#ifndef TESSERA_TESTS_FUZZ_H
#define TESSERA_TESTS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Core start-up for a fuzz process: GLib allocations through malloc, no
 * module directory, and (when @with_machine) the "fuzz" machine, 64 KiB
 * of RAM at 0 and no CPU, created and initialised so that monitor
 * commands have a QOM tree and memory to work on. */
void fuzz_core_setup(const char *progname, bool with_machine);

/* The same start-up with the modules of @module_dir (NULL: next to the
 * executable) and no machine. */
void fuzz_core_setup_modules(const char *progname, const char *module_dir);

/* Undo what one input may have switched on for the next (logging). */
void fuzz_reset_state(void);

#endif
