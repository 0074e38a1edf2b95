/* SPDX-License-Identifier: MIT */
/*
 * Object model: type registry, lazy classes, interfaces, casts, instances,
 * reference counts and the missing-type hook.
 */
#include "test_objmodel.h"

#include <stdlib.h>

/* ---- registry ----------------------------------------------------------- */

START_TEST(test_register_and_lookup)
{
    TypeImpl *a = type_lookup(TYPE_TEST_A);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(type_name(a), TYPE_TEST_A);
    ck_assert_str_eq(type_name(type_parent(a)), TYPE_TEST_BASE);
    ck_assert(!type_is_abstract(a));
    ck_assert(type_is_abstract(type_lookup(TYPE_TEST_BASE)));
    ck_assert_ptr_null(type_lookup("no-such-type"));
    ck_assert_ptr_null(type_lookup(NULL));
    /* Built-in types exist from the start. */
    ck_assert_ptr_nonnull(type_lookup(TYPE_OBJECT));
    ck_assert_ptr_nonnull(type_lookup(TYPE_INTERFACE));
    ck_assert_ptr_null(type_parent(type_lookup(TYPE_OBJECT)));
    ck_assert_str_eq(type_name(type_parent(type_lookup(TYPE_CONTAINER))), TYPE_OBJECT);

    static const TypeInfo single = { .name = "test-single", .parent = TYPE_TEST_B };
    ck_assert_ptr_eq(type_register_static(&single), type_lookup("test-single"));
}
END_TEST

START_TEST(test_register_twice_aborts)
{
    static const TypeInfo dup = { .name = TYPE_TEST_A, .parent = TYPE_OBJECT };
    type_register_static(&dup);
}
END_TEST

START_TEST(test_type_is_a)
{
    TypeImpl *sub = type_lookup(TYPE_TEST_A_SUB);
    ck_assert(type_is_a(sub, TYPE_TEST_A_SUB));
    ck_assert(type_is_a(sub, TYPE_TEST_A));
    ck_assert(type_is_a(sub, TYPE_OBJECT));
    ck_assert(type_is_a(sub, TYPE_TEST_IFACE));
    ck_assert(type_is_a(sub, TYPE_TEST_IFACE_EXT));
    ck_assert(type_is_a(sub, TYPE_INTERFACE));
    ck_assert(!type_is_a(sub, TYPE_TEST_B));
    ck_assert(type_is_a(type_lookup(TYPE_TEST_A), TYPE_TEST_IFACE));
    ck_assert(!type_is_a(type_lookup(TYPE_TEST_A), TYPE_TEST_IFACE_EXT));
    ck_assert(!type_is_a(type_lookup(TYPE_TEST_B), TYPE_TEST_IFACE));
    /* Answered from the type infos alone: no class was built. */
    ck_assert_str_eq(test_log->str, "");
}
END_TEST

START_TEST(test_parent_registered_later)
{
    static const TypeInfo late[] = {
        { .name = "test-late-child", .parent = "test-late-parent" },
        { .name = "test-late-parent", .parent = TYPE_TEST_B },
    };
    type_register_static(&late[0]);
    ck_assert_ptr_null(type_parent(type_lookup("test-late-child")));
    ck_assert(!type_is_a(type_lookup("test-late-child"), TYPE_TEST_B));
    /* Not listed while its ancestry is incomplete. */
    GSList *list = object_class_get_list(NULL, true);
    for (GSList *l = list; l; l = l->next) {
        ck_assert_str_ne(object_class_get_name(l->data), "test-late-child");
    }
    g_slist_free(list);
    type_register_static(&late[1]);
    ck_assert(type_is_a(type_lookup("test-late-child"), TYPE_TEST_B));
    ck_assert_ptr_nonnull(object_class_by_name("test-late-child"));
}
END_TEST

START_TEST(test_unknown_parent_aborts)
{
    static const TypeInfo orphan = { .name = "test-orphan", .parent = "test-missing" };
    type_register_static(&orphan);
    object_class_by_name("test-orphan");
}
END_TEST

START_TEST(test_unknown_interface_aborts)
{
    static const char *const ifaces[] = { "test-not-an-iface", NULL };
    static const TypeInfo bad = { .name = "test-bad-iface", .parent = TYPE_TEST_B,
                                  .interfaces = ifaces };
    type_register_static(&bad);
    /* Listing skips it (its interface may come with a module not loaded yet)... */
    GSList *list = object_class_get_list(TYPE_TEST_B, false);
    ck_assert_int_eq(g_slist_length(list), 1);
    g_slist_free(list);
    /* ...but building its class is a programming error. */
    object_class_by_name("test-bad-iface");
}
END_TEST

START_TEST(test_smaller_than_parent_aborts)
{
    static const TypeInfo small = { .name = "test-small", .parent = TYPE_TEST_B,
                                    .instance_size = sizeof(Object) };
    type_register_static(&small);
    object_class_by_name("test-small");
}
END_TEST

/* Registration from several threads at once (modules load anywhere). */
#define THREADS 4
#define TYPES_PER_THREAD 50

static gpointer register_many(gpointer data)
{
    TypeInfo *infos = data;
    for (int i = 0; i < TYPES_PER_THREAD; i++) {
        type_register_static(&infos[i]);
        ck_assert_ptr_nonnull(object_class_by_name(infos[i].name));
    }
    return NULL;
}

START_TEST(test_concurrent_registration)
{
    TypeInfo *infos = g_new0(TypeInfo, THREADS * TYPES_PER_THREAD);
    GThread *threads[THREADS];
    for (int i = 0; i < THREADS * TYPES_PER_THREAD; i++) {
        infos[i].name = g_strdup_printf("test-thread-%03d", i);
        infos[i].parent = TYPE_TEST_B;
    }
    for (int t = 0; t < THREADS; t++) {
        threads[t] = g_thread_new("reg", register_many, infos + t * TYPES_PER_THREAD);
    }
    for (int t = 0; t < THREADS; t++) {
        g_thread_join(threads[t]);
    }
    GSList *list = object_class_get_list(TYPE_TEST_B, false);
    ck_assert_int_eq(g_slist_length(list), THREADS * TYPES_PER_THREAD + 1);
    g_slist_free(list);
}
END_TEST

/* ---- classes ------------------------------------------------------------ */

START_TEST(test_class_lazy_parent_first)
{
    ck_assert_str_eq(test_log->str, "");
    ObjectClass *sub = object_class_by_name(TYPE_TEST_A_SUB);
    ck_assert_ptr_nonnull(sub);
    /* Parent classes first; interface classes before the implementing
     * class_init; base_init of test-base for every subclass. */
    ck_assert_str_eq(test_log->str,
                     "ci:test-base ci:test-iface bi:test-a ci:test-a bi:test-a-sub ci:test-a-sub ");
    /* Built once. */
    ck_assert_ptr_eq(object_class_by_name(TYPE_TEST_A_SUB), sub);
    ck_assert_str_eq(test_log->str,
                     "ci:test-base ci:test-iface bi:test-a ci:test-a bi:test-a-sub ci:test-a-sub ");
    ck_assert_ptr_null(object_class_by_name("no-such-type"));
}
END_TEST

START_TEST(test_class_bytes_inherited)
{
    TestBaseClass *base = (TestBaseClass *)object_class_by_name(TYPE_TEST_BASE);
    TestBaseClass *a = TEST_BASE_CLASS(object_class_by_name(TYPE_TEST_A));
    TestBaseClass *sub = TEST_BASE_CLASS(object_class_by_name(TYPE_TEST_A_SUB));
    TestBaseClass *b = TEST_BASE_CLASS(object_class_by_name(TYPE_TEST_B));
    ck_assert_int_eq(base->generation, 1);
    ck_assert_int_eq(a->generation, 11);
    ck_assert_int_eq(sub->generation, 111);
    ck_assert_int_eq(b->generation, 1);
    /* base_init runs for subclasses only, with the subclass's class_data. */
    ck_assert_int_eq(base->base_inits, 0);
    ck_assert_int_eq(a->base_inits, 1);
    ck_assert_int_eq(sub->base_inits, 2);
    ck_assert_ptr_null(a->data_seen);
    ck_assert_str_eq(sub->data_seen, "sub-data");
    ck_assert_str_eq(b->data_seen, "b-data");
    ck_assert_str_eq(strstr(test_log->str, "ci:test-b("), "ci:test-b(b-data) ");
    /* Hooks set in ObjectClass are inherited too. */
    static const TypeInfo b2 = { .name = "test-b2", .parent = TYPE_TEST_B };
    type_register_static(&b2);
    ck_assert_ptr_eq(object_class_by_name("test-b2")->unparent, test_unparent_hook);
}
END_TEST

START_TEST(test_class_accessors)
{
    ObjectClass *a = object_class_by_name(TYPE_TEST_A);
    ObjectClass *base = object_class_by_name(TYPE_TEST_BASE);
    ck_assert_ptr_eq(object_class_get_parent(a), base);
    ck_assert_ptr_eq(object_class_get_parent(base), object_class_by_name(TYPE_OBJECT));
    ck_assert_ptr_null(object_class_get_parent(object_class_by_name(TYPE_OBJECT)));
    ck_assert_str_eq(object_class_get_name(a), TYPE_TEST_A);
    ck_assert(!object_class_is_abstract(a));
    ck_assert(object_class_is_abstract(base));
    ck_assert_ptr_eq(a->type, type_lookup(TYPE_TEST_A));
}
END_TEST

START_TEST(test_interface_classes)
{
    ObjectClass *a = object_class_by_name(TYPE_TEST_A);
    ObjectClass *sub = object_class_by_name(TYPE_TEST_A_SUB);
    ObjectClass *b = object_class_by_name(TYPE_TEST_B);

    TestIfaceClass *ai = (TestIfaceClass *)object_class_dynamic_cast(a, TYPE_TEST_IFACE);
    ck_assert_ptr_nonnull(ai);
    ck_assert_ptr_ne(ai, a);
    ck_assert_ptr_eq(ai->parent_class.concrete_class, a);
    ck_assert_ptr_eq(object_class_dynamic_cast(OBJECT_CLASS(ai), TYPE_TEST_IFACE), ai);
    ck_assert_str_eq(ai->greet(NULL), "hi from a"); /* overridden in test-a class_init */
    ck_assert_int_eq(g_slist_length(a->interfaces), 1);

    /* Inherited interface keeps the override; test-iface listed again is not
     * duplicated; test-iface-ext is new and gets its own class. */
    TestIfaceClass *si = (TestIfaceClass *)object_class_dynamic_cast(sub, TYPE_TEST_IFACE);
    ck_assert_ptr_eq(si->parent_class.concrete_class, sub);
    ck_assert_ptr_ne(si, ai);
    ck_assert_str_eq(si->greet(NULL), "hi from a");
    ck_assert_int_eq(g_slist_length(sub->interfaces), 2);
    TestIfaceClass *se = (TestIfaceClass *)object_class_dynamic_cast(sub, TYPE_TEST_IFACE_EXT);
    ck_assert_ptr_nonnull(se);
    ck_assert_ptr_ne(se, si);
    ck_assert_str_eq(se->greet(NULL), "hello"); /* interface default */
    ck_assert_ptr_nonnull(object_class_dynamic_cast(sub, TYPE_INTERFACE));

    ck_assert_ptr_null(object_class_dynamic_cast(b, TYPE_TEST_IFACE));
    ck_assert_ptr_null(object_class_dynamic_cast(a, TYPE_TEST_IFACE_EXT));
    /* Interfaces cannot be instantiated. */
    ck_assert(type_is_abstract(type_lookup(TYPE_TEST_IFACE_EXT)));
    ck_assert(object_class_is_abstract(object_class_by_name(TYPE_TEST_IFACE)));

    Object *obj = object_new(TYPE_TEST_A_SUB);
    ck_assert_ptr_eq(object_dynamic_cast(obj, TYPE_TEST_IFACE_EXT), obj);
    TestIfaceClass *via_obj = OBJECT_GET_CLASS(TestIfaceClass, obj, TYPE_TEST_IFACE);
    ck_assert_ptr_eq(via_obj, si);
    object_unref(obj);
}
END_TEST

START_TEST(test_class_casts)
{
    ObjectClass *a = object_class_by_name(TYPE_TEST_A);
    ck_assert_ptr_eq(object_class_dynamic_cast(a, TYPE_TEST_A), a);
    ck_assert_ptr_eq(object_class_dynamic_cast(a, TYPE_TEST_BASE), a);
    ck_assert_ptr_eq(object_class_dynamic_cast(a, TYPE_OBJECT), a);
    ck_assert_ptr_null(object_class_dynamic_cast(a, TYPE_TEST_A_SUB));
    ck_assert_ptr_null(object_class_dynamic_cast(a, TYPE_TEST_B));
    ck_assert_ptr_null(object_class_dynamic_cast(a, "no-such-type"));
    ck_assert_ptr_null(object_class_dynamic_cast(NULL, TYPE_OBJECT));
    ck_assert_ptr_eq(TEST_BASE_CLASS(a), (TestBaseClass *)a);
    ck_assert_ptr_null(object_class_dynamic_cast_assert(NULL, TYPE_TEST_A, __FILE__, __LINE__,
                                                        __func__));
}
END_TEST

START_TEST(test_class_cast_failure_aborts)
{
    ObjectClass *b = object_class_by_name(TYPE_TEST_B);
    OBJECT_CLASS_CHECK(TestIfaceClass, b, TYPE_TEST_IFACE);
}
END_TEST

START_TEST(test_object_casts)
{
    Object *a = object_new(TYPE_TEST_A);
    ck_assert_ptr_eq(object_dynamic_cast(a, TYPE_TEST_BASE), a);
    ck_assert_ptr_eq(object_dynamic_cast(a, TYPE_TEST_IFACE), a);
    ck_assert_ptr_null(object_dynamic_cast(a, TYPE_TEST_B));
    ck_assert_ptr_null(object_dynamic_cast(NULL, TYPE_TEST_B));
    ck_assert_ptr_eq(TEST_BASE(a), (TestBase *)a);
    ck_assert_ptr_eq(TEST_BASE_GET_CLASS(a), (TestBaseClass *)object_get_class(a));
    ck_assert_ptr_null(TEST_BASE(NULL));
    object_unref(a);
}
END_TEST

START_TEST(test_object_cast_failure_aborts)
{
    Object *b = object_new(TYPE_TEST_B);
    /* Aborts with "object of type 'test-b' is not a 'test-a'". */
    OBJECT_CHECK(TestBase, b, TYPE_TEST_A);
}
END_TEST

START_TEST(test_class_get_list)
{
    GSList *list = object_class_get_list(TYPE_TEST_BASE, false);
    GString *names = g_string_new(NULL);
    for (GSList *l = list; l; l = l->next) {
        g_string_append_printf(names, "%s ", object_class_get_name(l->data));
    }
    ck_assert_str_eq(names->str, "test-a test-a-sub test-b ");
    g_slist_free(list);

    list = object_class_get_list(TYPE_TEST_IFACE, true);
    g_string_truncate(names, 0);
    for (GSList *l = list; l; l = l->next) {
        g_string_append_printf(names, "%s ", object_class_get_name(l->data));
    }
    ck_assert_str_eq(names->str, "test-a test-a-sub test-iface test-iface-ext ");
    g_slist_free(list);

    list = object_class_get_list(NULL, true);
    ck_assert_int_eq(g_slist_length(list), 3 + G_N_ELEMENTS(test_types));
    for (GSList *l = list; l && l->next; l = l->next) {
        ck_assert_int_lt(strcmp(object_class_get_name(l->data),
                                object_class_get_name(l->next->data)), 0);
    }
    g_slist_free(list);
    g_string_free(names, TRUE);
}
END_TEST

static void collect_name(ObjectClass *klass, void *opaque)
{
    g_string_append_printf(opaque, "%s ", object_class_get_name(klass));
}

START_TEST(test_class_foreach)
{
    GString *names = g_string_new(NULL);
    object_class_foreach(collect_name, TYPE_TEST_A, true, names);
    ck_assert_str_eq(names->str, "test-a test-a-sub ");
    g_string_truncate(names, 0);
    object_class_foreach(collect_name, TYPE_OBJECT, false, names);
    ck_assert_str_eq(names->str, "container test-a test-a-sub test-b ");
    g_string_free(names, TRUE);
}
END_TEST

/* ---- instances ---------------------------------------------------------- */

START_TEST(test_instance_init_order)
{
    Object *obj = object_new(TYPE_TEST_A_SUB);
    const char *inits = strstr(test_log->str, "ii:");
    ck_assert_str_eq(inits, "ii:test-base ii:test-a ii:test-a-sub pi:test-base pi:test-a-sub ");
    ck_assert_str_eq(object_get_typename(obj), TYPE_TEST_A_SUB);
    ck_assert_ptr_eq(object_get_class(obj), object_class_by_name(TYPE_TEST_A_SUB));
    g_string_truncate(test_log, 0);
    object_unref(obj);
    /* Most-derived finalize first; owned fields still valid during finalize. */
    ck_assert_str_eq(test_log->str, "fi:test-a-sub fi:test-a fi:test-base(unnamed) ");
}
END_TEST

START_TEST(test_refcount)
{
    Object *obj = object_new(TYPE_TEST_B);
    ck_assert_uint_eq(object_get_refcount(obj), 1);
    ck_assert_ptr_eq(object_ref(obj), obj);
    ck_assert_uint_eq(object_get_refcount(obj), 2);
    object_unref(obj);
    ck_assert_uint_eq(object_get_refcount(obj), 1);
    ck_assert_ptr_null(strstr(test_log->str, "fi:"));
    object_unref(obj);
    ck_assert_ptr_nonnull(strstr(test_log->str, "fi:test-base"));
    ck_assert_ptr_null(object_ref(NULL));
    object_unref(NULL);
}
END_TEST

START_TEST(test_new_with_class)
{
    Object *obj = object_new_with_class(object_class_by_name(TYPE_TEST_B));
    ck_assert_str_eq(object_get_typename(obj), TYPE_TEST_B);
    object_unref(obj);
    Object *c = object_new(TYPE_CONTAINER);
    ck_assert_str_eq(object_get_typename(c), TYPE_CONTAINER);
    object_unref(c);
}
END_TEST

START_TEST(test_new_abstract_aborts)
{
    object_new(TYPE_TEST_BASE);
}
END_TEST

START_TEST(test_new_unknown_aborts)
{
    object_new("no-such-type");
}
END_TEST

START_TEST(test_new_checked)
{
    GError *err = NULL;
    ck_assert_ptr_null(object_new_checked(TYPE_TEST_BASE, &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_ABSTRACT);
    ck_assert(err->domain == OBJECT_ERROR);
    ck_assert_contains(err->message, TYPE_TEST_BASE);
    g_clear_error(&err);
    ck_assert_ptr_null(object_new_checked("no-such-type", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_NOT_FOUND);
    ck_assert_contains(err->message, "no-such-type");
    g_clear_error(&err);
    Object *obj = object_new_checked(TYPE_TEST_A, &err);
    ck_assert_ptr_nonnull(obj);
    ck_assert_ptr_null(err);
    object_unref(obj);
}
END_TEST

/* ---- missing-type hook -------------------------------------------------- */

static int hook_calls;

static bool load_plugin_hook(const char *name, GError **errp)
{
    static const TypeInfo plugin = { .name = "test-plugin", .parent = TYPE_TEST_B };
    hook_calls++;
    if (!strcmp(name, "test-plugin")) {
        type_register_static(&plugin);
        return true;
    }
    if (!strcmp(name, "test-liar")) {
        return true; /* claims success but registers nothing */
    }
    if (!strcmp(name, "test-silent")) {
        return false;
    }
    g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_NOT_FOUND, "no module provides '%s'", name);
    return false;
}

START_TEST(test_missing_hook)
{
    GError *err = NULL;
    ck_assert_ptr_null(type_lookup_or_load("test-plugin", &err));
    ck_assert_contains(err->message, "test-plugin");
    g_clear_error(&err);

    type_set_missing_hook(load_plugin_hook);
    ck_assert_ptr_null(type_lookup("test-plugin"));
    TypeImpl *t = type_lookup_or_load("test-plugin", &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(hook_calls, 1);
    ck_assert_ptr_eq(type_lookup_or_load("test-plugin", NULL), t);
    ck_assert_int_eq(hook_calls, 1); /* registered now: no second load */
    ck_assert_ptr_eq(type_lookup_or_load(TYPE_TEST_A, NULL), type_lookup(TYPE_TEST_A));

    ck_assert_ptr_null(type_lookup_or_load("test-other", &err));
    ck_assert_str_eq(err->message, "no module provides 'test-other'");
    g_clear_error(&err);
    ck_assert_ptr_null(type_lookup_or_load("test-liar", &err));
    ck_assert_contains(err->message, "test-liar");
    g_clear_error(&err);
    ck_assert_ptr_null(type_lookup_or_load("test-silent", &err));
    ck_assert_contains(err->message, "test-silent");
    g_clear_error(&err);

    /* object_new and object_new_checked go through the hook too. */
    type_set_missing_hook(NULL);
    objmodel_reset_for_tests();
    type_register_static_array(test_types, G_N_ELEMENTS(test_types));
    type_set_missing_hook(load_plugin_hook);
    Object *obj = object_new_checked("test-plugin", &err);
    ck_assert_ptr_nonnull(obj);
    object_unref(obj);
}
END_TEST

START_TEST(test_reset_clears_registry)
{
    type_set_missing_hook(load_plugin_hook);
    object_class_by_name(TYPE_TEST_A_SUB);
    objmodel_reset_for_tests();
    ck_assert_ptr_null(type_lookup(TYPE_TEST_A));
    ck_assert_ptr_nonnull(type_lookup(TYPE_OBJECT));
    ck_assert_ptr_null(type_lookup_or_load("test-plugin", NULL)); /* hook cleared */
    ck_assert_int_eq(hook_calls, 0);
}
END_TEST

static Suite *objmodel_types_suite(void)
{
    Suite *s = suite_create("/objmodel");
    TCase *tc = tcase_create("/objmodel/types");
    tcase_add_checked_fixture(tc, test_types_setup, test_types_teardown);
    tcase_add_test(tc, test_register_and_lookup);
    tcase_add_test_raise_signal(tc, test_register_twice_aborts, SIGABRT);
    tcase_add_test(tc, test_type_is_a);
    tcase_add_test(tc, test_parent_registered_later);
    tcase_add_test_raise_signal(tc, test_unknown_parent_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, test_unknown_interface_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, test_smaller_than_parent_aborts, SIGABRT);
    tcase_add_test(tc, test_concurrent_registration);
    suite_add_tcase(s, tc);

    tc = tcase_create("/objmodel/classes");
    tcase_add_checked_fixture(tc, test_types_setup, test_types_teardown);
    tcase_add_test(tc, test_class_lazy_parent_first);
    tcase_add_test(tc, test_class_bytes_inherited);
    tcase_add_test(tc, test_class_accessors);
    tcase_add_test(tc, test_interface_classes);
    tcase_add_test(tc, test_class_casts);
    tcase_add_test_raise_signal(tc, test_class_cast_failure_aborts, SIGABRT);
    tcase_add_test(tc, test_class_get_list);
    tcase_add_test(tc, test_class_foreach);
    suite_add_tcase(s, tc);

    tc = tcase_create("/objmodel/instances");
    tcase_add_checked_fixture(tc, test_types_setup, test_types_teardown);
    tcase_add_test(tc, test_instance_init_order);
    tcase_add_test(tc, test_refcount);
    tcase_add_test(tc, test_new_with_class);
    tcase_add_test(tc, test_object_casts);
    tcase_add_test_raise_signal(tc, test_object_cast_failure_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, test_new_abstract_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, test_new_unknown_aborts, SIGABRT);
    tcase_add_test(tc, test_new_checked);
    suite_add_tcase(s, tc);

    tc = tcase_create("/objmodel/missing-hook");
    tcase_add_checked_fixture(tc, test_types_setup, test_types_teardown);
    tcase_add_test(tc, test_missing_hook);
    tcase_add_test(tc, test_reset_clears_registry);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(objmodel_types_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
