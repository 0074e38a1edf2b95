/* SPDX-License-Identifier: MIT */
/*
 * The qtest protocol (QEMU's qtest line protocol, docs/qtest.md), usable
 * in-process: a QTestSession executes command lines against an address
 * space and the device tree, with no CPU involved.  The qtest accelerator
 * (accel.c) puts one on a chardev; a fuzzer or a C test can create its own
 * on a machine it built and feed it lines directly.
 *
 * Everything the session says (replies, and "IRQ raise N" / "IRQ lower N"
 * notifications from intercepted pins, whenever they happen) goes to the
 * emit callback, one complete line at a time including its "\n".
 * qtest_session_command() instead returns what one command produced.
 *
 * Threads: call from the main-loop thread (or a program with no main loop);
 * each command runs under the device lock.  Creating a session puts the
 * virtual clock in manual mode: from then on only clock_step/clock_set
 * move it.
 */
#ifndef TESSERA_PLUGINS_ACCEL_QTEST_QTEST_H
#define TESSERA_PLUGINS_ACCEL_QTEST_QTEST_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/memory.h"

/* Largest SIZE of read/write/b64read/b64write: the reply (or command) of
 * one transfer must fit a chardev's buffers, so nothing is ever lost. */
#define QTEST_MAX_TRANSFER (32 * 1024)
/* Largest SIZE of memset (done in chunks, no big allocation). */
#define QTEST_MAX_MEMSET (16 * 1024 * 1024)
/* Longest command line; longer lines are dropped with one FAIL. */
#define QTEST_MAX_LINE (128 * 1024)

typedef struct QTestSession QTestSession;
typedef void (*QTestEmitFn)(void *opaque, const char *text, size_t len);

/*
 * A session whose memory commands go to @as (NULL: the current machine's
 * address space, looked up per command) and whose output goes to @emit
 * (NULL: discarded, except what qtest_session_command() collects).
 */
QTestSession *qtest_session_new(AddressSpace *as, QTestEmitFn emit, void *opaque);
/* Undo IRQ interceptions and free. */
void qtest_session_free(QTestSession *s);
/* Forget a partial input line and undo IRQ interceptions (new client). */
void qtest_session_reset(QTestSession *s);

/* Stream input: split into lines ("\n", optional "\r" before it) and
 * execute each complete one. */
void qtest_session_feed(QTestSession *s, const uint8_t *buf, size_t len);
/* Execute one command line (@len bytes, no newline needed; NUL bytes in it
 * make it malformed).  Output goes to the emit callback. */
void qtest_session_execute(QTestSession *s, const char *line, size_t len);
/*
 * Execute the NUL-terminated @line and return everything it produced
 * (IRQ notifications raised while it ran, then the reply line; each line
 * ends with "\n"; "" for an empty line).  Free with g_free.
 */
char *qtest_session_command(QTestSession *s, const char *line);

#endif
