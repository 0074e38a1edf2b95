/* SPDX-License-Identifier: MIT */
/*
 * Option dictionaries in QEMU's syntax: "val,key=val,flag=on" with an
 * implied first key, ",," escaping a comma, and "help"/"?" anywhere.
 * Text starting with '{' is parsed as a JSON object instead (for -device,
 * -object, -blockdev); nested values stay JSON text.
 */
#ifndef TESSERA_KERNEL_OPTIONS_H
#define TESSERA_KERNEL_OPTIONS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct OptDict {
    char *option;              /* the option it came from, for messages */
    GPtrArray *keys;           /* in given order */
    GHashTable *values;        /* key -> value (strings) */
    bool help;
} OptDict;

#define OPTIONS_ERROR (options_error_quark())
GQuark options_error_quark(void);

/* @implied_key may be NULL.  @allow_json enables the JSON form. */
OptDict *opt_dict_parse(const char *option, const char *text, const char *implied_key,
                        bool allow_json, GError **errp);
OptDict *opt_dict_new(const char *option);
void opt_dict_free(OptDict *d);
const char *opt_dict_get(const OptDict *d, const char *key);
void opt_dict_set(OptDict *d, const char *key, const char *value);
bool opt_dict_remove(OptDict *d, const char *key);
/* Parse "on/off/yes/no/true/false" into *out. */
bool opt_parse_bool(const char *option, const char *key, const char *text, bool *out,
                    GError **errp);
/* "512", "512M", "1G", "4096k" -> bytes; a bare number means @default_unit. */
bool opt_parse_size(const char *text, uint64_t default_unit, uint64_t *out);

#endif
