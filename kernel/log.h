/* SPDX-License-Identifier: MIT */
/*
 * Logging and error reporting.
 *
 * error_report() prints one line "tessera: MESSAGE" to stderr.  The -d
 * categories come from one table (log_categories); log_mask() writes to the
 * -D file or stderr when the category is enabled.
 */
#ifndef TESSERA_KERNEL_LOG_H
#define TESSERA_KERNEL_LOG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum {
    LOG_GUEST_ERROR = 1u << 0,
    LOG_UNIMP       = 1u << 1,
    LOG_IN_ASM      = 1u << 2,
    LOG_EXEC        = 1u << 3,
    LOG_INT         = 1u << 4,
    LOG_CPU         = 1u << 5,
    LOG_OP          = 1u << 6,
    LOG_MMU         = 1u << 7,
    LOG_OUT_ASM     = 1u << 8,
};

typedef struct LogCategory {
    const char *name;
    unsigned mask;
    const char *help;
} LogCategory;

extern const LogCategory log_categories[];
extern unsigned log_current_mask;

static inline bool log_enabled(unsigned mask) { return (log_current_mask & mask) != 0; }
void log_mask_printf(unsigned mask, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
#define log_mask(mask, ...) \
    do { if (log_enabled(mask)) log_mask_printf((mask), __VA_ARGS__); } while (0)

/* Parse "in_asm,exec" ("help" lists); sets the mask on success. */
bool log_set_mask_str(const char *str, GError **errp);
bool log_set_file(const char *path, GError **errp);
FILE *log_file(void);
/* Wait up to @timeout_ms for queued log and error text to be written;
 * false if some is still queued (its reader is not reading). */
bool log_flush(unsigned timeout_ms);
/* Messages dropped since the output last moved (the queue was full). */
uint64_t log_dropped_count(void);
char *log_format_categories(void);

/* The program name used as a prefix ("tessera"). */
void error_set_progname(const char *name);
/* -msg: prefix error lines with an ISO 8601 UTC timestamp
 * ("2026-12-07T00:22:59.889123Z ") and/or the guest name (NULL: none). */
void error_set_message_format(bool timestamp, const char *guest_name);
void error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void error_report_gerror(GError *err);

#endif
