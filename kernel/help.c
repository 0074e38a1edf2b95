/* SPDX-License-Identifier: MIT */
#include "kernel/help.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "kernel/accel.h"
#include "kernel/chardev.h"
#include "kernel/core.h"
#include "kernel/device.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/module.h"

/* What each listing shows: the base type and how names are derived. */
typedef struct HelpSpec {
    HelpKind kind;
    const char *base;        /* ancestor type */
    const char *strip;       /* suffix/prefix removed for the user-visible name */
    bool strip_prefix;
    const char *heading;     /* text heading */
    bool user_creatable_only;
} HelpSpec;

static const HelpSpec help_specs[] = {
    { HELP_MACHINE, TYPE_MACHINE, TYPE_MACHINE_SUFFIX, false, "Supported machines are:", false },
    { HELP_DEVICE, TYPE_DEVICE, NULL, false, NULL, true },
    { HELP_CPU, TYPE_CPU, NULL, false, "Available CPUs:", false },
    { HELP_ACCEL, TYPE_ACCEL, TYPE_ACCEL_SUFFIX, false, "Accelerators supported:", false },
    { HELP_OBJECT, TYPE_OBJECT, NULL, false, "List of user creatable objects:", true },
    { HELP_CHARDEV, TYPE_CHARDEV, TYPE_CHARDEV_PREFIX, true, "Available chardev backend types:",
      false },
};

/* -device help groups by category with QEMU's headings. */
static const struct { const char *category; const char *heading; } device_categories[] = {
    { "bridge", "Controller/Bridge/Hub devices" },
    { "usb", "USB devices" },
    { "storage", "Storage devices" },
    { "network", "Network devices" },
    { "input", "Input devices" },
    { "display", "Display devices" },
    { "sound", "Sound devices" },
    { "misc", "Misc devices" },
    { "cpu", "CPU devices" },
    { "watchdog", "Watchdog devices" },
    { NULL, "Uncategorized devices" },
};

static const HelpSpec *spec_for(HelpKind kind)
{
    for (size_t i = 0; i < G_N_ELEMENTS(help_specs); i++) {
        if (help_specs[i].kind == kind) {
            return &help_specs[i];
        }
    }
    return NULL;
}

/* CPU models: the type name without "-<abstract parent>". */
static char *cpu_model_name(const ModuleTypeEntry *e)
{
    if (e->parent && g_str_has_suffix(e->name, e->parent) &&
        strlen(e->name) > strlen(e->parent) + 1) {
        return g_strndup(e->name, strlen(e->name) - strlen(e->parent) - 1);
    }
    return g_strdup(e->name);
}

static char *user_name(const HelpSpec *spec, const ModuleTypeEntry *e)
{
    if (spec->kind == HELP_CPU) {
        return cpu_model_name(e);
    }
    if (spec->strip && spec->strip_prefix && g_str_has_prefix(e->name, spec->strip)) {
        return g_strdup(e->name + strlen(spec->strip));
    }
    if (spec->strip && !spec->strip_prefix && g_str_has_suffix(e->name, spec->strip)) {
        return g_strndup(e->name, strlen(e->name) - strlen(spec->strip));
    }
    return g_strdup(e->name);
}

static bool entry_in(GPtrArray *entries, const ModuleTypeEntry *e)
{
    for (guint i = 0; i < entries->len; i++) {
        if (g_ptr_array_index(entries, i) == e) {
            return true;
        }
    }
    return false;
}

/* Entries to list for @spec (borrowed), sorted by name.  -object lists the
 * user-creatable types that are not devices (those are for -device). */
static GPtrArray *entries_for(const HelpSpec *spec)
{
    GPtrArray *all = module_list_types(spec->base);
    GPtrArray *devices = spec->kind == HELP_OBJECT ? module_list_types(TYPE_DEVICE) : NULL;
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < all->len; i++) {
        ModuleTypeEntry *e = g_ptr_array_index(all, i);
        if ((spec->user_creatable_only && !e->user_creatable) ||
            (devices && entry_in(devices, e))) {
            continue;
        }
        g_ptr_array_add(out, e);
    }
    if (devices) {
        g_ptr_array_unref(devices);
    }
    g_ptr_array_unref(all);
    return out;
}

static void print_json(JsonBuilder *b)
{
    JsonGenerator *gen = json_generator_new();
    JsonNode *root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    char *s = json_generator_to_data(gen, NULL);
    printf("%s\n", s);
    g_free(s);
    json_node_unref(root);
    g_object_unref(gen);
}

static void list_text(const HelpSpec *spec, GPtrArray *entries)
{
    if (spec->kind == HELP_DEVICE) {
        bool any = false;
        for (size_t c = 0; c < G_N_ELEMENTS(device_categories); c++) {
            bool first = true;
            for (guint i = 0; i < entries->len; i++) {
                ModuleTypeEntry *e = g_ptr_array_index(entries, i);
                bool known = false;
                for (size_t k = 0; device_categories[k].category; k++) {
                    known |= !g_strcmp0(e->category, device_categories[k].category);
                }
                bool match = device_categories[c].category
                                 ? !g_strcmp0(e->category, device_categories[c].category)
                                 : !known;
                if (!match) {
                    continue;
                }
                if (first) {
                    printf("%s%s:\n", any ? "\n" : "", device_categories[c].heading);
                    first = false;
                    any = true;
                }
                printf("name \"%s\"", e->name);
                if (e->description && *e->description) {
                    printf(", desc \"%s\"", e->description);
                }
                printf("\n");
            }
        }
        return;
    }
    printf("%s\n", spec->heading);
    for (guint i = 0; i < entries->len; i++) {
        ModuleTypeEntry *e = g_ptr_array_index(entries, i);
        g_autofree char *name = user_name(spec, e);
        if (spec->kind == HELP_MACHINE && !module_get_target() && e->target) {
            /* No target chosen: a name may stand for several boards. */
            printf("%-20s %s (%s)\n", name, e->description ? e->description : "", e->target);
        } else if (spec->kind == HELP_MACHINE) {
            printf("%-20s %s%s\n", name, e->description ? e->description : "",
                   e->is_default ? " (default)" : "");
        } else if (spec->kind == HELP_CPU || spec->kind == HELP_CHARDEV) {
            printf("  %-20s %s\n", name, e->description ? e->description : "");
        } else {
            printf("%-20s %s\n", name, e->description ? e->description : "");
        }
    }
}

static void list_json(const HelpSpec *spec, GPtrArray *entries)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_array(b);
    for (guint i = 0; i < entries->len; i++) {
        ModuleTypeEntry *e = g_ptr_array_index(entries, i);
        g_autofree char *name = user_name(spec, e);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, name);
        json_builder_set_member_name(b, "type");
        json_builder_add_string_value(b, e->name);
        json_builder_set_member_name(b, "description");
        json_builder_add_string_value(b, e->description ? e->description : "");
        json_builder_set_member_name(b, "category");
        json_builder_add_string_value(b, e->category ? e->category : "");
        json_builder_set_member_name(b, "module");
        json_builder_add_string_value(b, e->module);
        if (spec->kind == HELP_MACHINE) {
            json_builder_set_member_name(b, "default");
            json_builder_add_boolean_value(b, e->is_default);
            json_builder_set_member_name(b, "target");
            json_builder_add_string_value(b, e->target ? e->target : "");
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    print_json(b);
    g_object_unref(b);
}

/* Full type name for what the user typed after -M / -cpu / -accel ... */
static char *type_for_name(const HelpSpec *spec, const char *name)
{
    switch (spec->kind) {
    case HELP_MACHINE: return g_strconcat(name, TYPE_MACHINE_SUFFIX, NULL);
    case HELP_ACCEL: return g_strconcat(name, TYPE_ACCEL_SUFFIX, NULL);
    case HELP_CHARDEV: return g_strconcat(TYPE_CHARDEV_PREFIX, name, NULL);
    case HELP_CPU: return help_cpu_type_for_model(name);
    default: return g_strdup(name);
    }
}

static bool print_properties(const HelpSpec *spec, const char *name, bool json, GError **errp)
{
    g_autofree char *type = type_for_name(spec, name);
    GError *err = NULL;
    TypeImpl *t = type ? type_lookup_or_load(type, &err) : NULL;
    if (!t || !type_is_a(t, spec->base)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND, "'%s' is not a valid %s name%s%s",
                    name, spec->kind == HELP_DEVICE ? "device" : spec->base,
                    err ? ": " : "", err ? err->message : "");
        g_clear_error(&err);
        return false;
    }
    ObjectClass *oc = object_class_by_name(type);
    GPtrArray *props = object_class_property_list(oc);
    JsonBuilder *b = NULL;
    if (json) {
        b = json_builder_new();
        json_builder_begin_array(b);
    } else {
        printf("%s options:\n", name);
    }
    for (guint i = 0; i < props->len; i++) {
        Property *p = g_ptr_array_index(props, i);
        g_autofree char *def = p->defval ? prop_value_print(p, p->defval) : NULL;
        if (json) {
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "name");
            json_builder_add_string_value(b, p->name);
            json_builder_set_member_name(b, "type");
            json_builder_add_string_value(b, p->type_name ? p->type_name : prop_kind_name(p->kind));
            json_builder_set_member_name(b, "description");
            json_builder_add_string_value(b, p->description ? p->description : "");
            if (def) {
                json_builder_set_member_name(b, "default-value");
                json_builder_add_string_value(b, def);
            }
            json_builder_end_object(b);
            continue;
        }
        g_autofree char *left = g_strdup_printf("%s=<%s>", p->name,
                                                p->type_name ? p->type_name : prop_kind_name(p->kind));
        printf("  %-24s - %s", left, p->description ? p->description : "");
        if (def) {
            printf(" (default: %s)", def);
        }
        printf("\n");
    }
    if (json) {
        json_builder_end_array(b);
        print_json(b);
        g_object_unref(b);
    } else if (!props->len) {
        printf("  (no properties)\n");
    }
    g_ptr_array_unref(props);
    return true;
}

bool help_print(HelpKind kind, const char *name, bool json, GError **errp)
{
    if (kind == HELP_LOG) {
        g_autofree char *text = log_format_categories();
        printf("Log items (comma separated):\n%s", text);
        return true;
    }
    const HelpSpec *spec = spec_for(kind);
    if (name && strcmp(name, "help") && strcmp(name, "?")) {
        return print_properties(spec, name, json, errp);
    }
    GPtrArray *entries = entries_for(spec);
    if (json) {
        list_json(spec, entries);
    } else {
        list_text(spec, entries);
    }
    g_ptr_array_unref(entries);
    return true;
}

char *help_cpu_type_for_model(const char *model)
{
    GPtrArray *all = module_list_types(TYPE_CPU);
    char *found = NULL;
    for (guint i = 0; i < all->len && !found; i++) {
        ModuleTypeEntry *e = g_ptr_array_index(all, i);
        g_autofree char *m = cpu_model_name(e);
        if (!strcmp(m, model) || !strcmp(e->name, model)) {
            found = g_strdup(e->name);
        }
    }
    g_ptr_array_unref(all);
    return found;
}

char *help_default_machine(void)
{
    if (!module_get_target()) {
        return g_strdup("none");
    }
    GPtrArray *all = module_list_types(TYPE_MACHINE);
    char *found = NULL;
    for (guint i = 0; i < all->len && !found; i++) {
        ModuleTypeEntry *e = g_ptr_array_index(all, i);
        if (e->is_default && e->target) {
            found = machine_name_from_type(e->name);
        }
    }
    g_ptr_array_unref(all);
    return found ? found : g_strdup("none");
}

void help_list_modules(void)
{
    GPtrArray *list = module_list();
    printf("%-22s %-12s %-8s %s\n", "MODULE", "KIND", "LOADED", "PROVIDES");
    for (guint i = 0; i < list->len; i++) {
        ModuleInfo *m = g_ptr_array_index(list, i);
        GString *types = g_string_new(NULL);
        for (guint j = 0; j < m->types->len; j++) {
            ModuleTypeEntry *e = g_ptr_array_index(m->types, j);
            g_string_append_printf(types, "%s%s", j ? ", " : "", e->name);
        }
        printf("%-22s %-12s %-8s %s\n", m->name, m->kind, m->loaded ? "yes" : "no", types->str);
        g_string_free(types, TRUE);
    }
    GPtrArray *dirs = module_search_dirs();
    printf("\nSearch path:\n");
    for (guint i = 0; i < dirs->len; i++) {
        printf("  %s\n", (char *)g_ptr_array_index(dirs, i));
    }
}
