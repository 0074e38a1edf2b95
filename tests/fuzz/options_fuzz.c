/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the command-line option parser (kernel/options.c) and the
 * property value parser every option value ends up in (objmodel's
 * prop_value_parse).  Input: the first byte chooses which option's rules
 * apply (its implied key and whether the JSON form is allowed), the rest
 * up to the first NUL is the option's text, exactly as argv would carry
 * it.  Every value of a parsed dictionary then goes through the boolean,
 * size and every property kind's parser and printer, and the dictionary
 * is edited (get, remove, set) the way the launcher does.
 */
#include <stdbool.h>
#include <string.h>

#include "kernel/options.h"
#include "objmodel/object.h"
#include "tests/fuzz/fuzz.h"

typedef struct OptionRule {
    const char *option;
    const char *implied_key;
    bool json;
} OptionRule;

/* The launcher's options (launcher/main.c) and HMP's option arguments. */
static const OptionRule rules[] = {
    { "-machine", "type", false },   { "-cpu", "model", false },
    { "-m", "size", false },         { "-smp", "cpus", false },
    { "-chardev", "backend", false }, { "-accel", "accel", false },
    { "-device", "driver", true },   { "-object", "qom-type", true },
    { "-global", NULL, false },      { "device_add", "driver", false },
};

static const char *const enum_values[] = { "on", "off", "auto", "", NULL };

static void exercise_value(const char *key, const char *text)
{
    bool b;
    uint64_t size;
    GError *err = NULL;
    if (!opt_parse_bool("-fuzz", key, text, &b, &err)) {
        g_clear_error(&err);
    }
    opt_parse_size(text, 1, &size);
    opt_parse_size(text, 1024 * 1024, &size);
    for (PropKind k = PROP_KIND_BOOL; k <= PROP_KIND_ENUM; k++) {
        Property prop = {
            .name = (char *)key,
            .kind = k,
            .type_name = (char *)"fuzz",
            .enum_values = enum_values,
        };
        GVariant *v = prop_value_parse(&prop, text, &err);
        if (v) {
            g_free(prop_value_print(&prop, v));
            g_variant_unref(v);
        } else {
            g_assert(err);  /* a refusal always says why */
            g_clear_error(&err);
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_core_setup("options-fuzz", false);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const OptionRule *r = &rules[data[0] % G_N_ELEMENTS(rules)];
    char *text = g_strndup((const char *)data + 1, size - 1);
    GError *err = NULL;
    OptDict *d = opt_dict_parse(r->option, text, r->implied_key, r->json, &err);
    if (!d) {
        g_assert(err && err->message);
        g_error_free(err);
        g_free(text);
        return 0;
    }
    g_assert(!err);
    /* Keys stay in order and each has a value. */
    g_assert(d->keys->len == g_hash_table_size(d->values));
    GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < d->keys->len; i++) {
        const char *key = g_ptr_array_index(d->keys, i);
        const char *val = opt_dict_get(d, key);
        g_assert(val);
        exercise_value(key, val);
        g_ptr_array_add(keys, g_strdup(key));
    }
    if (r->implied_key) {
        opt_dict_get(d, r->implied_key);
    }
    for (guint i = 0; i < keys->len; i += 2) {
        g_assert(opt_dict_remove(d, g_ptr_array_index(keys, i)));
    }
    opt_dict_set(d, "id", text);
    g_ptr_array_unref(keys);
    opt_dict_free(d);
    g_free(text);
    return 0;
}
