/* SPDX-License-Identifier: MIT */
/*
 * Object model: the composition tree (root, child<> properties, canonical
 * paths, path resolution, containers, unparenting and finalization).
 */
#include "test_objmodel.h"

/* New object of @type added as @name under @parent; the tree holds the
 * only reference. */
static Object *add(Object *parent, const char *name, const char *type)
{
    Object *o = object_new(type);
    ck_assert(object_property_add_child(parent, name, o, NULL));
    object_unref(o);
    return o;
}

static void assert_path(Object *o, const char *expected)
{
    char *path = object_get_canonical_path(o);
    ck_assert_str_eq(path, expected);
    g_free(path);
}

START_TEST(test_root)
{
    Object *root = object_root();
    ck_assert_ptr_eq(object_root(), root);
    ck_assert_str_eq(object_get_typename(root), TYPE_CONTAINER);
    assert_path(root, "/");
    ck_assert_ptr_null(object_get_parent(root));
    ck_assert_ptr_null(object_get_name(root));
    ck_assert_ptr_eq(object_resolve_path("/", NULL), root);
}
END_TEST

START_TEST(test_add_child)
{
    GError *err = NULL;
    Object *machine = container_get("/machine");
    Object *dev = object_new(TYPE_TEST_A);
    ck_assert(object_property_add_child(machine, "dev0", dev, &err));
    ck_assert_uint_eq(object_get_refcount(dev), 2);
    ck_assert_ptr_eq(object_get_parent(dev), machine);
    ck_assert_str_eq(object_get_name(dev), "dev0");
    ck_assert_ptr_eq(object_resolve_child(machine, "dev0"), dev);
    ck_assert_ptr_null(object_resolve_child(machine, "dev1"));
    assert_path(dev, "/machine/dev0");

    /* The child<> property: typed, read-only, reads as the child's path. */
    Property *p = object_property_find(machine, "dev0");
    ck_assert_int_eq(p->kind, PROP_KIND_CHILD);
    ck_assert_str_eq(p->type_name, "child<test-a>");
    ck_assert_str_eq(p->target_type, TYPE_TEST_A);
    char *s = object_property_get_str(machine, "dev0", &err);
    ck_assert_str_eq(s, "/machine/dev0");
    g_free(s);
    ck_assert(!object_property_set_str(machine, "dev0", "/x", &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_READ_ONLY);
    g_clear_error(&err);

    /* Names are unique among all of the parent's properties. */
    Object *other = object_new(TYPE_TEST_B);
    ck_assert(!object_property_add_child(machine, "dev0", other, &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_EXISTS);
    ck_assert_str_eq(err->message, "Object '/machine' already has a property named 'dev0'");
    g_clear_error(&err);
    ck_assert(!object_property_add_child(dev, "label", other, &err)); /* a class property */
    ck_assert_int_eq(err->code, OBJECT_ERROR_EXISTS);
    g_clear_error(&err);
    ck_assert(!object_property_add_child(machine, "a/b", other, &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_INVALID);
    ck_assert_contains(err->message, "'a/b'");
    g_clear_error(&err);
    ck_assert(!object_property_add_child(machine, "", other, &err));
    ck_assert_int_eq(err->code, OBJECT_ERROR_INVALID);
    g_clear_error(&err);
    ck_assert_uint_eq(object_get_refcount(other), 1);
    object_unref(other);
    object_unref(dev);
}
END_TEST

START_TEST(test_add_child_exists_detached)
{
    GError *err = NULL;
    Object *parent = object_new(TYPE_TEST_B);
    Object *child = object_new(TYPE_TEST_A);
    ck_assert(!object_property_add_child(parent, "flag", child, &err));
    ck_assert_str_eq(err->message, "Object 'test-b' already has a property named 'flag'");
    g_clear_error(&err);
    ck_assert(object_property_add_child(parent, "kid", child, &err));
    ck_assert_ptr_null(object_get_canonical_path(child)); /* not under the root */
    object_unref(child);
    object_unref(parent);
}
END_TEST

START_TEST(test_add_child_twice_aborts)
{
    Object *dev = add(object_root(), "dev", TYPE_TEST_A);
    object_property_add_child(container_get("/other"), "dev", dev, NULL);
}
END_TEST

START_TEST(test_add_ancestor_aborts)
{
    Object *top = object_new(TYPE_CONTAINER);
    Object *mid = add(top, "mid", TYPE_CONTAINER);
    object_property_add_child(mid, "loop", top, NULL);
}
END_TEST

START_TEST(test_container_get)
{
    Object *per = container_get("/machine/peripheral");
    ck_assert_str_eq(object_get_typename(per), TYPE_CONTAINER);
    assert_path(per, "/machine/peripheral");
    Object *machine = object_get_parent(per);
    ck_assert_str_eq(object_get_typename(machine), TYPE_CONTAINER);
    ck_assert_ptr_eq(object_get_parent(machine), object_root());
    ck_assert_ptr_eq(container_get("/machine/peripheral"), per);
    ck_assert_ptr_eq(container_get("/machine/peripheral/"), per);
    ck_assert_ptr_eq(container_get("//machine//peripheral"), per);
    ck_assert_ptr_eq(container_get("/machine"), machine);
    ck_assert_ptr_eq(container_get("/"), object_root());
    ck_assert_uint_eq(object_get_refcount(per), 1); /* owned by the tree */
    /* An existing non-container object is returned as is. */
    Object *dev = add(per, "uart0", TYPE_TEST_A);
    ck_assert_ptr_eq(container_get("/machine/peripheral/uart0"), dev);
}
END_TEST

START_TEST(test_container_get_clash_aborts)
{
    /* "flag" is a bool property of test-a, so no container can go there. */
    Object *dev = add(container_get("/machine"), "dev", TYPE_TEST_A);
    ck_assert_ptr_nonnull(dev);
    container_get("/machine/dev/flag");
}
END_TEST

START_TEST(test_resolve_path)
{
    bool ambiguous = true;
    Object *uart0 = add(container_get("/machine/peripheral"), "uart0", TYPE_TEST_A);
    Object *uart1 = add(container_get("/machine/peripheral"), "uart1", TYPE_TEST_B);
    Object *anon = add(container_get("/machine/peripheral-anon"), "uart1", TYPE_TEST_B);

    ck_assert_ptr_eq(object_resolve_path("/machine/peripheral/uart0", &ambiguous), uart0);
    ck_assert(!ambiguous);
    ck_assert_ptr_eq(object_resolve_path("/machine/peripheral/uart0/", NULL), uart0);
    ck_assert_ptr_null(object_resolve_path("/machine/peripheral/uart9", &ambiguous));
    ck_assert(!ambiguous);
    ck_assert_ptr_null(object_resolve_path("/machine/peripheral/uart0/deeper", NULL));
    ck_assert_ptr_null(object_resolve_path("/machine/peripheral/uart0/flag", NULL));

    /* Partial paths match a unique suffix anywhere in the tree. */
    ck_assert_ptr_eq(object_resolve_path("uart0", &ambiguous), uart0);
    ck_assert(!ambiguous);
    ck_assert_ptr_eq(object_resolve_path("peripheral/uart0", &ambiguous), uart0);
    ck_assert_ptr_eq(object_resolve_path("machine/peripheral", NULL),
                     container_get("/machine/peripheral"));
    ck_assert_ptr_null(object_resolve_path("uart1", &ambiguous));
    ck_assert(ambiguous);
    ck_assert_ptr_null(object_resolve_path("uart1", NULL));
    ck_assert_ptr_eq(object_resolve_path("peripheral/uart1", &ambiguous), uart1);
    ck_assert(!ambiguous);
    ck_assert_ptr_eq(object_resolve_path("peripheral-anon/uart1", &ambiguous), anon);
    ck_assert_ptr_null(object_resolve_path("uart7", &ambiguous));
    ck_assert(!ambiguous);
    ck_assert_ptr_null(object_resolve_path("", &ambiguous));
    ck_assert_ptr_null(object_resolve_path(NULL, &ambiguous));
}
END_TEST

START_TEST(test_unparent)
{
    Object *per = container_get("/machine/peripheral");
    Object *b = add(per, "b0", TYPE_TEST_B);
    object_ref(b);
    ck_assert_uint_eq(object_get_refcount(b), 2);
    g_string_truncate(test_log, 0);
    object_unparent(b);
    /* The class's unparent hook ran while the name was still set. */
    ck_assert_str_eq(test_log->str, "up:b0 ");
    ck_assert_uint_eq(object_get_refcount(b), 1);
    ck_assert_ptr_null(object_get_parent(b));
    ck_assert_ptr_null(object_get_name(b));
    ck_assert_ptr_null(object_property_find(per, "b0"));
    ck_assert_ptr_null(object_resolve_path("/machine/peripheral/b0", NULL));
    ck_assert_ptr_null(object_get_canonical_path(b));
    object_unparent(b); /* detached: no-op */
    /* It can be added again, elsewhere. */
    ck_assert(object_property_add_child(object_root(), "b0", b, NULL));
    assert_path(b, "/b0");
    object_unref(b);
    /* Unparenting the last reference finalizes. */
    g_string_truncate(test_log, 0);
    object_unparent(b);
    ck_assert_str_eq(test_log->str, "up:b0 fi:test-base(unnamed) ");
}
END_TEST

START_TEST(test_property_del_child)
{
    Object *per = container_get("/machine/peripheral");
    add(per, "a0", TYPE_TEST_A);
    ck_assert(object_property_del(per, "a0"));
    ck_assert_ptr_null(object_resolve_child(per, "a0"));
    ck_assert_contains(test_log->str, "fi:test-a ");
}
END_TEST

static void finalize_logger(Object *obj)
{
    test_log_add("fin:%s", object_get_typename(obj));
}

START_TEST(test_finalize_children)
{
    static const TypeInfo box = { .name = "test-box", .parent = TYPE_CONTAINER,
                                  .instance_finalize = finalize_logger };
    type_register_static(&box);
    Object *top = object_new("test-box");
    Object *b1 = add(top, "b1", TYPE_TEST_B);
    Object *a1 = add(top, "a1", TYPE_TEST_A);
    add(a1, "b2", TYPE_TEST_B);
    ck_assert_ptr_nonnull(b1);
    g_string_truncate(test_log, 0);
    object_unref(top);
    /* Children go first, in name order, each subtree before the parent's
     * own finalize. */
    ck_assert_str_eq(test_log->str,
                     "up:b2 fi:test-base(unnamed) fi:test-a fi:test-base(unnamed) "
                     "up:b1 fi:test-base(unnamed) fin:test-box ");
}
END_TEST

static void collect_and_prune(Object *child, void *opaque)
{
    g_string_append_printf(opaque, "%s ", object_get_name(child));
    if (!strcmp(object_get_name(child), "b")) {
        object_unparent(object_resolve_child(object_get_parent(child), "c"));
    }
}

START_TEST(test_children_in_name_order)
{
    Object *c = container_get("/box");
    add(c, "d", TYPE_CONTAINER);
    add(c, "b", TYPE_CONTAINER);
    add(c, "c", TYPE_CONTAINER);
    add(c, "a", TYPE_CONTAINER);
    object_property_add(c, "not-a-child", PROP_KIND_BOOL, NULL, NULL, NULL);

    GPtrArray *kids = object_get_children(c);
    ck_assert_int_eq(kids->len, 4);
    ck_assert_str_eq(object_get_name(kids->pdata[0]), "a");
    ck_assert_str_eq(object_get_name(kids->pdata[3]), "d");
    g_ptr_array_unref(kids);

    GString *seen = g_string_new(NULL);
    object_child_foreach(c, collect_and_prune, seen);
    ck_assert_str_eq(seen->str, "a b d "); /* "c" was unparented during the walk */
    g_string_free(seen, TRUE);
    ck_assert_ptr_null(object_resolve_child(c, "c"));
    ck_assert_ptr_null(object_resolve_child(c, "not-a-child"));
}
END_TEST

START_TEST(test_property_list_includes_children)
{
    Object *c = container_get("/machine");
    add(c, "z", TYPE_CONTAINER);
    add(c, "y", TYPE_TEST_B);
    GPtrArray *props = object_property_list(c);
    ck_assert_int_eq(props->len, 2);
    ck_assert_str_eq(((Property *)props->pdata[0])->type_name, "child<test-b>");
    ck_assert_str_eq(((Property *)props->pdata[1])->type_name, "child<container>");
    g_ptr_array_unref(props);
}
END_TEST

START_TEST(test_reset_unparents_everything)
{
    Object *b = add(container_get("/machine/peripheral"), "b0", TYPE_TEST_B);
    object_ref(b);
    objmodel_reset_for_tests();
    ck_assert_ptr_null(object_get_parent(b));
    ck_assert_uint_eq(object_get_refcount(b), 1);
    ck_assert_contains(test_log->str, "up:b0");
    /* A new root is created on demand, empty. */
    type_register_static_array(test_types, G_N_ELEMENTS(test_types));
    ck_assert_ptr_null(object_resolve_path("/machine", NULL));
    GPtrArray *kids = object_get_children(object_root());
    ck_assert_int_eq(kids->len, 0);
    g_ptr_array_unref(kids);
}
END_TEST

static Suite *objmodel_tree_suite(void)
{
    Suite *s = suite_create("/objmodel/tree");
    TCase *tc = tcase_create("/objmodel/tree/children");
    tcase_add_checked_fixture(tc, test_types_setup, test_types_teardown);
    tcase_add_test(tc, test_root);
    tcase_add_test(tc, test_add_child);
    tcase_add_test(tc, test_add_child_exists_detached);
    tcase_add_test_raise_signal(tc, test_add_child_twice_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, test_add_ancestor_aborts, SIGABRT);
    tcase_add_test(tc, test_unparent);
    tcase_add_test(tc, test_property_del_child);
    tcase_add_test(tc, test_finalize_children);
    tcase_add_test(tc, test_children_in_name_order);
    tcase_add_test(tc, test_property_list_includes_children);
    tcase_add_test(tc, test_reset_unparents_everything);
    suite_add_tcase(s, tc);

    tc = tcase_create("/objmodel/tree/paths");
    tcase_add_checked_fixture(tc, test_types_setup, test_types_teardown);
    tcase_add_test(tc, test_container_get);
    tcase_add_test_raise_signal(tc, test_container_get_clash_aborts, SIGABRT);
    tcase_add_test(tc, test_resolve_path);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(objmodel_tree_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
