/* SPDX-License-Identifier: MIT */
/*
 * Module loader and index: listing without loading, loading exactly the
 * providing module and its requirements, refusals with clear messages.
 * Uses the throwaway modules of tests/modules/ (built next to this test).
 */
#include <check.h>
#include <glib/gstdio.h>
#include <string.h>

#include "kernel/core.h"
#include "kernel/device.h"
#include "kernel/machine.h"
#include "kernel/module.h"

static char *test_module_dir(void)
{
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    char *dir = g_path_get_dirname(exe);
    char *mods = g_build_filename(dir, "modules", NULL);
    g_free(exe);
    g_free(dir);
    return mods;
}

/* A fresh directory holding copies of the named test modules. */
static char *make_dir_with(const char *const *names)
{
    char *tmp = g_dir_make_tmp("tessera-mod-XXXXXX", NULL);
    g_autofree char *src_dir = test_module_dir();
    for (const char *const *n = names; *n; n++) {
        g_autofree char *file = g_strconcat(*n, ".so", NULL);
        g_autofree char *src = g_build_filename(src_dir, file, NULL);
        g_autofree char *dst = g_build_filename(tmp, file, NULL);
        gchar *data;
        gsize len;
        ck_assert_msg(g_file_get_contents(src, &data, &len, NULL), "missing test module %s", src);
        ck_assert(g_file_set_contents(dst, data, len, NULL));
        g_free(data);
    }
    return tmp;
}

/* Core set up with @dir as the only extra module directory. */
static void init_with_dir(const char *dir)
{
    g_setenv("TESSERA_MODULE_DIR", dir, TRUE);
    core_init("test", "/nonexistent-install-dir");
}

static const char *const dep_modules[] = { "dep-base", "dep-leaf", NULL };

START_TEST(test_index_written_from_descriptors)
{
    static const char *const all[] = { "dep-base", "dep-leaf", "wrong-stamp", NULL };
    g_autofree char *dir = make_dir_with(all);
    init_with_dir(dir);
    GError *err = NULL;
    ck_assert_msg(module_update_index(dir, &err), "%s", err ? err->message : "");
    g_autofree char *path = g_build_filename(dir, TESSERA_MODULE_INDEX, NULL);
    g_autofree char *text = NULL;
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    ck_assert_ptr_nonnull(strstr(text, "[module dep-leaf]"));
    ck_assert_ptr_nonnull(strstr(text, "[type test-dep-leaf]"));
    ck_assert_ptr_nonnull(strstr(text, "requires=dep-base"));
    /* The refused module is left out of the index. */
    ck_assert_ptr_null(strstr(text, "wrong-stamp-device"));
}
END_TEST

START_TEST(test_listing_loads_nothing)
{
    g_autofree char *dir = make_dir_with(dep_modules);
    init_with_dir(dir);
    ck_assert(module_update_index(dir, NULL));
    init_with_dir(dir);
    GPtrArray *types = module_list_types(TYPE_DEVICE);
    bool found = false;
    for (guint i = 0; i < types->len; i++) {
        ModuleTypeEntry *e = g_ptr_array_index(types, i);
        found |= !strcmp(e->name, "test-dep-leaf");
        /* abstract bases are indexed but not listed */
        ck_assert_str_ne(e->name, "test-dep-base");
    }
    g_ptr_array_unref(types);
    ck_assert(found);
    ck_assert(!module_is_loaded("dep-leaf"));
    ck_assert(!module_is_loaded("dep-base"));
    ck_assert_ptr_null(type_lookup("test-dep-leaf"));
}
END_TEST

START_TEST(test_lookup_loads_module_and_requirements)
{
    g_autofree char *dir = make_dir_with(dep_modules);
    init_with_dir(dir);
    ck_assert(module_update_index(dir, NULL));
    GError *err = NULL;
    ck_assert_msg(type_lookup_or_load("test-dep-leaf", &err), "%s", err ? err->message : "");
    ck_assert(module_is_loaded("dep-leaf"));
    ck_assert(module_is_loaded("dep-base"));
    Object *obj = object_new("test-dep-leaf");
    ck_assert(object_dynamic_cast(obj, "test-dep-base") != NULL);
    ck_assert_uint_eq(object_property_get_uint(obj, "level", NULL), 3);
    /* A function imported from the library module dep-base. */
    GError *err2 = NULL;
    g_autofree char *origin = object_property_get_str(obj, "origin", &err2);
    ck_assert_msg(origin, "%s", err2 ? err2->message : "?");
    ck_assert_str_eq(origin, "dep-base");
    object_unref(obj);
}
END_TEST

START_TEST(test_missing_requirement_named)
{
    g_autofree char *dir = make_dir_with(dep_modules);
    init_with_dir(dir);
    ck_assert(module_update_index(dir, NULL));
    /* The library module dep-leaf links against is removed afterwards. */
    g_autofree char *base = g_build_filename(dir, "dep-base.so", NULL);
    ck_assert_int_eq(g_unlink(base), 0);
    init_with_dir(dir);
    GError *err = NULL;
    ck_assert(!type_lookup_or_load("test-dep-leaf", &err));
    ck_assert_msg(strstr(err->message, "module 'dep-leaf' requires 'dep-base'") &&
                  !strchr(err->message, '\n'), "%s", err->message);
    ck_assert(!module_is_loaded("dep-leaf"));
    g_error_free(err);
}
END_TEST

START_TEST(test_corrupt_index_falls_back_to_scan)
{
    g_autofree char *dir = make_dir_with(dep_modules);
    g_autofree char *path = g_build_filename(dir, TESSERA_MODULE_INDEX, NULL);
    ck_assert(g_file_set_contents(path, "this is [not an index\n\x01\x02", -1, NULL));
    init_with_dir(dir);
    ck_assert_ptr_nonnull(module_find_type("test-dep-leaf"));
    GError *err = NULL;
    ck_assert_msg(type_lookup_or_load("test-dep-leaf", &err), "%s", err ? err->message : "");
}
END_TEST

START_TEST(test_wrong_stamp_refused_with_both_ids)
{
    static const char *const names[] = { "wrong-stamp", NULL };
    g_autofree char *dir = make_dir_with(names);
    init_with_dir(dir);
    g_autofree char *file = g_build_filename(dir, "wrong-stamp.so", NULL);
    GError *err = NULL;
    ck_assert(!module_load_file(file, &err));
    ck_assert_int_eq(err->code, MODULE_ERROR_ABI);
    ck_assert_ptr_nonnull(strstr(err->message, file));
    ck_assert_ptr_nonnull(strstr(err->message, "0000000000000000-other"));
    ck_assert_ptr_nonnull(strstr(err->message, tessera_build_id()));
    g_error_free(err);
    /* the process goes on: other modules still load */
    ck_assert(module_is_loaded("wrong-stamp") == false);
}
END_TEST

START_TEST(test_sdk_newer_minor_refused)
{
    static const char *const names[] = { "sdk-newer-minor", NULL };
    g_autofree char *dir = make_dir_with(names);
    init_with_dir(dir);
    g_autofree char *file = g_build_filename(dir, "sdk-newer-minor.so", NULL);
    GError *err = NULL;
    ck_assert(!module_load_file(file, &err));
    ck_assert_int_eq(err->code, MODULE_ERROR_ABI);
    ck_assert_ptr_nonnull(strstr(err->message, file));
    ck_assert_ptr_nonnull(strstr(err->message, "SDK 1.1"));
    ck_assert_ptr_nonnull(strstr(err->message, "SDK 1.0"));
    g_error_free(err);
}
END_TEST

START_TEST(test_missing_module_named_from_catalog)
{
    g_autofree char *dir = make_dir_with(dep_modules);
    init_with_dir(dir);
    ck_assert(module_update_index(dir, NULL));
    g_autofree char *index = g_build_filename(dir, TESSERA_MODULE_INDEX, NULL);
    g_autofree char *catalog = g_build_filename(dir, "modules.catalog", NULL);
    g_autofree char *text = NULL;
    ck_assert(g_file_get_contents(index, &text, NULL, NULL));
    ck_assert(g_file_set_contents(catalog, text, -1, NULL));
    /* uninstall dep-leaf and re-index, as a package manager would */
    g_autofree char *leaf = g_build_filename(dir, "dep-leaf.so", NULL);
    ck_assert_int_eq(g_unlink(leaf), 0);
    ck_assert(module_update_index(dir, NULL));
    init_with_dir(dir);
    GError *err = NULL;
    ck_assert_ptr_null(type_lookup_or_load("test-dep-leaf", &err));
    ck_assert_int_eq(err->code, MODULE_ERROR_NOT_INSTALLED);
    ck_assert_ptr_nonnull(strstr(err->message, "module 'dep-leaf'"));
    ck_assert_ptr_nonnull(strstr(err->message, "not installed"));
    g_error_free(err);
}
END_TEST

START_TEST(test_index_entry_without_file)
{
    g_autofree char *dir = make_dir_with(dep_modules);
    init_with_dir(dir);
    ck_assert(module_update_index(dir, NULL));
    g_autofree char *leaf = g_build_filename(dir, "dep-leaf.so", NULL);
    ck_assert_int_eq(g_unlink(leaf), 0);
    init_with_dir(dir);
    GError *err = NULL;
    ck_assert(!module_load_for_type("test-dep-leaf", &err));
    ck_assert_int_eq(err->code, MODULE_ERROR_NOT_INSTALLED);
    ck_assert_ptr_nonnull(strstr(err->message, leaf));
    g_error_free(err);
}
END_TEST

START_TEST(test_unknown_type)
{
    g_autofree char *dir = make_dir_with(dep_modules);
    init_with_dir(dir);
    GError *err = NULL;
    ck_assert_ptr_null(type_lookup_or_load("no-such-type-anywhere", &err));
    ck_assert_ptr_nonnull(strstr(err->message, "no-such-type-anywhere"));
    g_error_free(err);
}
END_TEST

START_TEST(test_search_order_first_dir_wins)
{
    g_autofree char *first = make_dir_with(dep_modules);
    g_autofree char *second = make_dir_with(dep_modules);
    ck_assert(module_update_index(first, NULL));
    ck_assert(module_update_index(second, NULL));
    g_autofree char *both = g_strconcat(first, ":", second, NULL);
    init_with_dir(both);
    GPtrArray *dirs = module_search_dirs();
    ck_assert_uint_eq(dirs->len, 3);
    ck_assert_str_eq(g_ptr_array_index(dirs, 0), "/nonexistent-install-dir");
    ck_assert_str_eq(g_ptr_array_index(dirs, 1), first);
    module_add_search_dir(second); /* already present: not added twice */
    ck_assert_uint_eq(module_search_dirs()->len, 3);
    GPtrArray *list = module_list();
    for (guint i = 0; i < list->len; i++) {
        ModuleInfo *m = g_ptr_array_index(list, i);
        ck_assert(g_str_has_prefix(m->path, first));
    }
}
END_TEST

START_TEST(test_target_filter)
{
    g_autofree char *dir = make_dir_with(dep_modules);
    init_with_dir(dir);
    module_set_target("riscv64");
    ck_assert_str_eq(module_get_target(), "riscv64");
    /* untargeted types stay visible for every target */
    ck_assert_ptr_nonnull(module_find_type("test-dep-leaf"));
}
END_TEST


/* Two modules provide "test-twin-machine", for tgt-a and for tgt-b. */
static const char *const twin_modules[] = { "twin-a", "twin-b", NULL };

static unsigned count_twins(void)
{
    GPtrArray *machines = module_list_types(TYPE_MACHINE);
    unsigned n = 0;
    for (guint i = 0; i < machines->len; i++) {
        n += !strcmp(((ModuleTypeEntry *)g_ptr_array_index(machines, i))->name,
                     "test-twin-machine");
    }
    g_ptr_array_unref(machines);
    return n;
}

static void check_twin_for_target(bool indexed, const char *target, const char *module)
{
    g_autofree char *dir = make_dir_with(twin_modules);
    init_with_dir(dir);
    if (indexed) {
        ck_assert(module_update_index(dir, NULL));
        init_with_dir(dir);
    }
    module_set_target(target);
    const ModuleTypeEntry *e = module_find_type("test-twin-machine");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->target, target);
    ck_assert_str_eq(e->module, module);
    ck_assert_uint_eq(count_twins(), 1);
    GError *err = NULL;
    MachineState *ms = machine_create("test-twin", &err);
    ck_assert_msg(ms, "%s", err ? err->message : "");
    ck_assert(module_is_loaded(module));
    ck_assert(!module_is_loaded(strcmp(module, "twin-a") ? "twin-a" : "twin-b"));
    ck_assert_str_eq(MACHINE_GET_CLASS(ms)->target, target);
    g_autofree char *desc = g_strconcat("twin board for ", target, NULL);
    ck_assert_str_eq(MACHINE_GET_CLASS(ms)->desc, desc);
}

START_TEST(test_same_name_per_target_indexed_a)
{
    check_twin_for_target(true, "tgt-a", "twin-a");
}
END_TEST

START_TEST(test_same_name_per_target_indexed_b)
{
    check_twin_for_target(true, "tgt-b", "twin-b");
}
END_TEST

START_TEST(test_same_name_per_target_scanned)
{
    check_twin_for_target(false, "tgt-b", "twin-b");
}
END_TEST

START_TEST(test_same_name_index_keeps_both)
{
    g_autofree char *dir = make_dir_with(twin_modules);
    init_with_dir(dir);
    ck_assert(module_update_index(dir, NULL));
    g_autofree char *path = g_build_filename(dir, TESSERA_MODULE_INDEX, NULL);
    g_autofree char *text = NULL;
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    ck_assert_ptr_nonnull(strstr(text, "[type test-twin-machine tgt-a]"));
    ck_assert_ptr_nonnull(strstr(text, "[type test-twin-machine tgt-b]"));
    /* A group whose name and target= disagree is a corrupt index. */
    g_autofree char *bad = g_strdup(text);
    char *t = strstr(bad, "target=tgt-b");
    ck_assert_ptr_nonnull(t);
    t[strlen("target=tgt-")] = 'c';
    ck_assert(g_file_set_contents(path, bad, -1, NULL));
    init_with_dir(dir);
    module_set_target("tgt-b"); /* corrupt: scanned instead, still right */
    ck_assert_str_eq(module_find_type("test-twin-machine")->module, "twin-b");
}
END_TEST

START_TEST(test_same_name_without_target_is_ambiguous)
{
    g_autofree char *dir = make_dir_with(twin_modules);
    init_with_dir(dir);
    ck_assert(module_update_index(dir, NULL));
    init_with_dir(dir);
    module_set_target(NULL);
    ck_assert_uint_eq(count_twins(), 2); /* -M help lists both */
    GError *err = NULL;
    ck_assert(!module_load_for_type("test-twin-machine", &err));
    ck_assert_msg(strstr(err->message, "several targets (tgt-a, tgt-b)"), "%s", err->message);
    ck_assert(!module_is_loaded("twin-a") && !module_is_loaded("twin-b"));
    g_error_free(err);
}
END_TEST

START_TEST(test_same_name_fallback_target)
{
    g_autofree char *dir = make_dir_with(twin_modules);
    init_with_dir(dir);
    ck_assert(module_update_index(dir, NULL));
    init_with_dir(dir);
    module_set_target(NULL);
    module_set_fallback_target("tgt-b");
    ck_assert_uint_eq(count_twins(), 2);
    ck_assert_str_eq(module_find_type("test-twin-machine")->module, "twin-b");
    GError *err = NULL;
    ck_assert_msg(module_load_for_type("test-twin-machine", &err), "%s",
                  err ? err->message : "");
    ck_assert(module_is_loaded("twin-b") && !module_is_loaded("twin-a"));
    /* A current target overrides the fallback. */
    module_set_target("tgt-a");
    ck_assert_str_eq(module_find_type("test-twin-machine")->module, "twin-a");
    module_set_fallback_target(NULL);
}
END_TEST

static Suite *module_suite(void)
{
    Suite *s = suite_create("module");
    struct { const char *name; const TTest *fn; } cases[] = {
        { "/module/index/written-from-descriptors", test_index_written_from_descriptors },
        { "/module/index/listing-loads-nothing", test_listing_loads_nothing },
        { "/module/load/requirements", test_lookup_loads_module_and_requirements },
        { "/module/index/corrupt-falls-back", test_corrupt_index_falls_back_to_scan },
        { "/module/abi/wrong-stamp", test_wrong_stamp_refused_with_both_ids },
        { "/module/abi/sdk-newer-minor", test_sdk_newer_minor_refused },
        { "/module/missing/named-from-catalog", test_missing_module_named_from_catalog },
        { "/module/missing/index-entry-without-file", test_index_entry_without_file },
        { "/module/missing/unknown-type", test_unknown_type },
        { "/module/missing/requirement-named", test_missing_requirement_named },
        { "/module/search/first-dir-wins", test_search_order_first_dir_wins },
        { "/module/target/same-name-indexed-a", test_same_name_per_target_indexed_a },
        { "/module/target/same-name-indexed-b", test_same_name_per_target_indexed_b },
        { "/module/target/same-name-scanned", test_same_name_per_target_scanned },
        { "/module/target/index-keeps-both", test_same_name_index_keeps_both },
        { "/module/target/ambiguous-without-target", test_same_name_without_target_is_ambiguous },
        { "/module/target/fallback-target", test_same_name_fallback_target },
        { "/module/search/target-filter", test_target_filter },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(module_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
