/* SPDX-License-Identifier: MIT */
/*
 * Logging (-d/-D) and error reporting.
 *
 * log_mask_printf() may be called from any vCPU thread: each call formats
 * its text first and writes it under one lock, so lines from different
 * threads do not mix as long as each call writes whole lines.  The -D file
 * is line-buffered so that a crashed run still leaves its last lines.
 */
#include "kernel/log.h"

#include <errno.h>
#include <string.h>

#include "kernel/core.h"

#define PROGNAME_DEFAULT "tessera"

const LogCategory log_categories[] = {
    { .name = "guest_errors", .mask = LOG_GUEST_ERROR,
      .help = "log when the guest does something invalid (bad register, bad access size)" },
    { .name = "unimp", .mask = LOG_UNIMP,
      .help = "log when the guest uses a feature that is not emulated" },
    { .name = "in_asm", .mask = LOG_IN_ASM,
      .help = "show the guest instructions of each translated block" },
    { .name = "exec", .mask = LOG_EXEC,
      .help = "show each translated block as it runs" },
    { .name = "int", .mask = LOG_INT,
      .help = "show interrupts and exceptions as they are taken" },
    { .name = "cpu", .mask = LOG_CPU,
      .help = "show the CPU registers before each translated block runs" },
    { .name = "op", .mask = LOG_OP,
      .help = "show the intermediate code of each translated block" },
    { .name = "mmu", .mask = LOG_MMU,
      .help = "log MMU page walks and faults" },
    { .name = NULL },
};

unsigned log_current_mask;

static GMutex log_lock;
static FILE *log_out;          /* the -D file, or NULL for stderr */
static char *progname;

static const LogCategory *log_category_find(const char *name)
{
    for (const LogCategory *c = log_categories; c->name; c++) {
        if (!strcmp(c->name, name)) {
            return c;
        }
    }
    return NULL;
}

bool log_set_mask_str(const char *str, GError **errp)
{
    unsigned mask = 0;
    char **items = g_strsplit(str, ",", -1);
    bool ok = true;
    for (char **it = items; *it; it++) {
        if (!**it) {
            continue;
        }
        if (!strcmp(*it, "help") || !strcmp(*it, "?")) {
            /* The caller prints log_format_categories(); nothing to set. */
            g_strfreev(items);
            return true;
        }
        const LogCategory *c = log_category_find(*it);
        if (!c) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "unknown -d category '%s' (use -d help to list them)", *it);
            ok = false;
            break;
        }
        mask |= c->mask;
    }
    g_strfreev(items);
    if (ok) {
        log_current_mask = mask;
    }
    return ok;
}

bool log_set_file(const char *path, GError **errp)
{
    FILE *f = NULL;
    if (path) {
        f = fopen(path, "w");
        if (!f) {
            int err = errno;
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-D %s: %s", path,
                        g_strerror(err));
            return false;
        }
        setvbuf(f, NULL, _IOLBF, 0);
    }
    g_mutex_lock(&log_lock);
    FILE *old = log_out;
    log_out = f;
    g_mutex_unlock(&log_lock);
    if (old) {
        fclose(old);
    }
    return true;
}

FILE *log_file(void)
{
    g_mutex_lock(&log_lock);
    FILE *f = log_out ? log_out : stderr;
    g_mutex_unlock(&log_lock);
    return f;
}

void log_mask_printf(unsigned mask, const char *fmt, ...)
{
    if (!log_enabled(mask)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_mutex_lock(&log_lock);
    FILE *f = log_out ? log_out : stderr;
    fputs(text, f);
    g_mutex_unlock(&log_lock);
    g_free(text);
}

char *log_format_categories(void)
{
    GString *s = g_string_new(NULL); /* one line per category; callers add a heading */
    int width = 0;
    for (const LogCategory *c = log_categories; c->name; c++) {
        width = MAX(width, (int)strlen(c->name));
    }
    for (const LogCategory *c = log_categories; c->name; c++) {
        g_string_append_printf(s, "%-*s  %s\n", width, c->name, c->help);
    }
    return g_string_free(s, FALSE);
}

/* Error reporting */

void error_set_progname(const char *name)
{
    g_mutex_lock(&log_lock);
    g_free(progname);
    progname = g_strdup(name);
    g_mutex_unlock(&log_lock);
}

/* One fputs per message, so concurrent reports do not interleave. */
static void report(const char *kind, const char *fmt, va_list ap)
{
    char *msg = g_strdup_vprintf(fmt, ap);
    g_mutex_lock(&log_lock);
    char *line = g_strdup_printf("%s: %s%s\n", progname ? progname : PROGNAME_DEFAULT, kind,
                                 msg);
    fputs(line, stderr);
    fflush(stderr);
    g_mutex_unlock(&log_lock);
    g_free(line);
    g_free(msg);
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("warning: ", fmt, ap);
    va_end(ap);
}

void error_report_gerror(GError *err)
{
    g_assert(err);
    error_report("%s", err->message);
}
